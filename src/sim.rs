//! The simulation kernel: an integer-nanosecond clock, a `(time, seq)`-ordered
//! event queue and the run's single seeded RNG.
//!
//! The kernel knows nothing of Kafka: it is generic over the event type, which
//! the model keeps a small `Copy` enum. Ties at the same instant are broken by
//! insertion order (FIFO), so a run is a pure function of the scenario and seed.

use rand_core::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;

/// Simulated time in nanoseconds since the start of the run.
pub type Nanos = u64;

pub const NS_PER_US: Nanos = 1_000;
pub const NS_PER_MS: Nanos = 1_000_000;
pub const NS_PER_S: Nanos = 1_000_000_000;

/// Milliseconds (possibly fractional) to nanoseconds, saturating and never negative.
pub fn ms(v: f64) -> Nanos {
    if v.is_finite() && v > 0.0 {
        (v * NS_PER_MS as f64).round().min(u64::MAX as f64 / 2.0) as Nanos
    } else {
        0
    }
}

/// Seconds (possibly fractional) to nanoseconds, saturating and never negative.
pub fn secs(v: f64) -> Nanos {
    ms(v * 1000.0)
}

pub fn to_ms(t: Nanos) -> f64 {
    t as f64 / NS_PER_MS as f64
}

pub fn to_s(t: Nanos) -> f64 {
    t as f64 / NS_PER_S as f64
}

/// A monotone radix heap over integer-nanosecond times with FIFO ties.
///
/// A discrete-event simulation never schedules into the past, so the queue
/// only has to serve keys at or after the time of the latest pop. Pending
/// events sit in 65 buckets around a pivot time `last`: bucket 0 holds the
/// events at or before `last`, sorted by time and then push order, and is
/// served from a cursor; bucket `b` ≥ 1 holds, in push order, the events after
/// `last` whose time differs from it first at bit `b - 1`. When bucket 0 runs
/// dry, the lowest non-empty bucket is emptied: if it holds a few events they
/// are sorted (stably) into bucket 0 and the latest of them becomes `last`;
/// otherwise its minimum becomes `last` and its events move to lower buckets.
/// An event moves down at most 64 times, and in practice once or twice, so
/// push is O(1) (a push at or before `last` is a sorted insert among a few
/// events) and pop amortized O(log range).
///
/// Ties keep push order: two events with the same time always share a bucket,
/// a bucket is appended to in push order, redistribution and the stable sort
/// keep the order of the bucket they empty, and an insert into bucket 0 goes
/// after every event at the same time. A push at a time before the latest
/// pop (a model bug) is clamped to it and so still runs, after what is
/// already due then.
#[derive(Clone)]
pub struct EventQueue<E> {
    buckets: [Vec<(Nanos, E)>; 65],
    /// Next event to serve in bucket 0.
    head: usize,
    /// Bit `i - 1` set: bucket `i` (1..=64) is non-empty.
    nonempty: u64,
    /// Every event in bucket 0 is at or before it, every other one after it.
    last: Nanos,
    /// Time of the latest pop.
    now: Nanos,
    len: usize,
}

/// A lowest bucket of at most this many events is sorted into bucket 0
/// rather than redistributed.
const SORT_MAX: usize = 32;

/// The most empty slots an emptied bucket keeps for reuse (24 KiB of events
/// of 24 bytes): enough that a run of a few thousand pending events never
/// reallocates, little enough that 65 buckets keep at most 1.5 MiB idle.
const RETAIN: usize = 1024;

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            buckets: std::array::from_fn(|_| Vec::new()),
            head: 0,
            nonempty: 0,
            last: 0,
            now: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn bucket(&self, at: Nanos) -> usize {
        64 - (at ^ self.last).leading_zeros() as usize
    }

    /// Schedule `ev` at absolute time `at`. Events at equal times pop in push order.
    #[inline]
    pub fn push(&mut self, at: Nanos, ev: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let at = at.max(self.now);
        self.len += 1;
        if at <= self.last {
            self.push_front(at, ev);
            return;
        }
        let b = self.bucket(at);
        self.buckets[b].push((at, ev));
        self.nonempty |= 1 << (b - 1);
    }

    /// Insert into bucket 0 after every event due at or before `at`.
    #[inline(never)]
    fn push_front(&mut self, at: Nanos, ev: E) {
        let run = &mut self.buckets[0];
        if run.last().is_none_or(|e| e.0 <= at) {
            run.push((at, ev));
        } else {
            let i = self.head + run[self.head..].partition_point(|e| e.0 <= at);
            run.insert(i, (at, ev));
        }
    }

    /// Time of the earliest pending event.
    pub fn peek_time(&self) -> Option<Nanos> {
        if self.len == 0 {
            return None;
        }
        if let Some(e) = self.buckets[0].get(self.head) {
            return Some(e.0);
        }
        let b = self.buckets[1..].iter().find(|b| !b.is_empty())?;
        b.iter().map(|e| e.0).min()
    }

    /// Remove and return the earliest event with its time.
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.len == 0 {
            return None;
        }
        if self.head == self.buckets[0].len() {
            self.buckets[0].clear();
            self.head = 0;
            debug_assert!(self.nonempty != 0, "len > 0 means some bucket is non-empty");
            let i = self.nonempty.trailing_zeros() as usize + 1;
            self.nonempty &= !(1u64 << (i - 1));
            let mut moving = std::mem::take(&mut self.buckets[i]);
            if moving.len() <= SORT_MAX {
                // Later buckets hold later events, and keep their places
                // around any `last` taken from this bucket.
                sort_by_time(&mut moving);
                self.last = moving.last().expect("non-empty").0;
                std::mem::swap(&mut self.buckets[0], &mut moving);
            } else {
                self.last = moving.iter().map(|e| e.0).min().expect("non-empty");
                for &e in &moving {
                    let b = self.bucket(e.0);
                    self.buckets[b].push(e);
                    if b > 0 {
                        self.nonempty |= 1 << (b - 1);
                    }
                }
                moving.clear();
            }
            // Keep the emptied vector's allocation for reuse, up to
            // `RETAIN` events: a bucket that once held a burst would
            // otherwise keep its peak capacity for the rest of the run, and
            // 65 of them held 52 MB of empty slots in the scale benchmark at
            // flow fidelity (its live events fit in a few MB).
            moving.shrink_to(RETAIN);
            self.buckets[i] = moving;
        }
        let e = self.buckets[0][self.head];
        self.head += 1;
        self.len -= 1;
        self.now = e.0;
        Some(e)
    }

    /// Put back the event the last `pop` returned, as the next to pop (in
    /// its place among events at its time), when nothing was pushed since.
    /// The queue's clock stays at its time.
    pub fn unpop(&mut self) {
        debug_assert!(self.head > 0, "unpop after a pop");
        self.head -= 1;
        self.len += 1;
    }
}

/// Stable insertion sort by time: a bucket is short and close to sorted.
fn sort_by_time<E: Copy>(v: &mut [(Nanos, E)]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1].0 > x.0 {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// The run's only source of randomness: PCG-64 MCG (`Mcg128Xsl64`), seeded from
/// the scenario seed. Every random draw in a run goes through one of these.
/// The laws come from `rand_distr`: exponential (`Exp1`) and normal
/// (`StandardNormal`, under `LogNormal`) deviates by its ziggurat samplers
/// (Marsaglia and Tsang, "The Ziggurat Method for Generating Random
/// Variables", J. Stat. Softw. 5(8), 2000), one draw and one comparison
/// almost always.
#[derive(Clone)]
pub struct SimRng {
    rng: Pcg64Mcg,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng {
            rng: Pcg64Mcg::seed_from_u64(seed),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        let e: f64 = Exp1.sample(&mut self.rng);
        mean * e
    }

    /// Exponential in whole nanoseconds with mean `mean` (a link's jitter):
    /// the same law as `exp`, truncated to the nanosecond.
    #[inline]
    pub fn exp_ns(&mut self, mean: Nanos) -> Nanos {
        if mean == 0 {
            return 0;
        }
        let e: f64 = Exp1.sample(&mut self.rng);
        (mean as f64 * e) as Nanos
    }

    /// A draw from `rand_distr` law `d` (the request handlers' lognormal
    /// service factor).
    pub fn sample<T, D: Distribution<T>>(&mut self, d: &D) -> T {
        d.sample(&mut self.rng)
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.rng.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Events pop in nondecreasing time, and equal times pop in push order.
        #[test]
        fn pops_in_time_then_fifo_order(times in proptest::collection::vec(0u64..50, 1..300)) {
            let mut q = EventQueue::new();
            for (i, t) in times.iter().enumerate() {
                q.push(*t, i);
            }
            let mut last: Option<(u64, usize)> = None;
            let mut n = 0;
            while let Some((t, i)) = q.pop() {
                prop_assert_eq!(t, times[i]);
                if let Some((lt, li)) = last {
                    prop_assert!(t > lt || (t == lt && i > li));
                }
                last = Some((t, i));
                n += 1;
            }
            prop_assert_eq!(n, times.len());
        }

        /// Interleaved pushes (never before the latest pop, as in a simulation)
        /// and pops agree with a reference ordered map on (time, push order).
        #[test]
        fn interleaved_matches_reference(ops in proptest::collection::vec((0u64..3, 0u64..1u64 << 40), 1..600)) {
            against_reference(ops.into_iter().map(|(op, dt)| match op {
                0 => None,
                1 => Some(dt % 4),
                _ => Some(dt),
            }))?;
        }
    }

    proptest! {
        /// As above with delays of every magnitude, so that the lowest bucket is
        /// sometimes sorted into the front and sometimes redistributed, and
        /// pushes land before, among and after the events at the front.
        #[test]
        fn mixed_delays_match_reference(ops in proptest::collection::vec((0u64..4, 0u64..1u64 << 40, 0u32..41), 1..2000)) {
            against_reference(ops.into_iter().map(|(op, dt, bits)| {
                (op != 0).then(|| dt & ((1u64 << bits) - 1))
            }))?;
        }
    }

    /// Run `ops` on a queue and on a reference ordered map on (time, push
    /// order): `None` pops, `Some(d)` pushes at the latest pop's time plus `d`.
    /// Every pop, length and earliest time agree, and so does what is left.
    fn against_reference(ops: impl Iterator<Item = Option<u64>>) -> Result<(), TestCaseError> {
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeMap::new();
        let mut now = 0u64;
        for (seq, op) in ops.enumerate() {
            match op {
                None => {
                    let want = reference.pop_first().map(|((t, _), i)| (t, i));
                    let got = q.pop();
                    prop_assert_eq!(got, want);
                    if let Some((t, _)) = got {
                        now = t;
                    }
                }
                Some(delay) => {
                    let at = now + delay;
                    q.push(at, seq);
                    reference.insert((at, seq), seq);
                }
            }
            prop_assert_eq!(q.len(), reference.len());
            prop_assert_eq!(q.peek_time(), reference.keys().next().map(|k| k.0));
        }
        while let Some(want) = reference.pop_first().map(|((t, _), i)| (t, i)) {
            prop_assert_eq!(q.pop(), Some(want));
        }
        prop_assert!(q.is_empty());
        Ok(())
    }

    /// A million normal draws match the standard normal CDF
    /// (Kolmogorov–Smirnov distance under the 1% critical value 1.63/√n),
    /// successive draws are uncorrelated, and the share beyond 3σ is right.
    #[test]
    fn normal_draws_follow_the_normal_law() {
        let n = 1_000_000;
        let mut r = SimRng::new(5);
        let v: Vec<f64> = (0..n)
            .map(|_| r.sample(&rand_distr::StandardNormal))
            .collect();
        let pairs = v.chunks(2).map(|c| c[0] * c[1]).sum::<f64>() / (n / 2) as f64;
        assert!(pairs.abs() < 0.01, "pair correlation {pairs}");
        let tail = v.iter().filter(|&&x| x.abs() > 3.0).count() as f64 / n as f64;
        let want = statrs::function::erf::erfc(3.0 / std::f64::consts::SQRT_2);
        assert!(
            (tail - want).abs() < 4.0 * (want / n as f64).sqrt(),
            "tail beyond 3 sigma {tail} vs {want}"
        );
        let mut v = v;
        let ks = ks_distance(&mut v, |x| {
            0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
        });
        assert!(ks < 1.63 / (n as f64).sqrt(), "KS distance {ks}");
    }

    /// The Kolmogorov–Smirnov distance between the sample `v` (sorted here)
    /// and the law of CDF `cdf`.
    fn ks_distance(v: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        v.iter()
            .enumerate()
            .map(|(k, &x)| {
                let c = cdf(x);
                (c - k as f64 / n).abs().max((c - (k + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn same_seed_same_draws_other_seed_other_draws() {
        let a: Vec<u64> = (0..8)
            .map({
                let mut r = SimRng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..8)
            .map({
                let mut r = SimRng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..8)
            .map({
                let mut r = SimRng::new(8);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    /// Exp(1) draws, in floating point and in whole nanoseconds: a million
    /// match the CDF 1 − e^-x (Kolmogorov–Smirnov distance under the 1%
    /// critical value 1.63/√n), including the tail beyond the ziggurat's base
    /// layer (r ≈ 7.7).
    #[test]
    fn exponential_draws_follow_the_exponential_law() {
        let n = 1_000_000;
        let mut r = SimRng::new(3);
        // Half the draws in floating point, half in whole nanoseconds.
        let mut v: Vec<f64> = (0..n)
            .map(|k| {
                if k % 2 == 0 {
                    r.exp(2.0) / 2.0
                } else {
                    r.exp_ns(1_000_000) as f64 / 1e6
                }
            })
            .collect();
        let mean = v.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.005, "mean {mean}");
        let ks = ks_distance(&mut v, |x| 1.0 - (-x).exp());
        assert!(ks < 1.63 / (n as f64).sqrt(), "KS distance {ks}");
        let tail = v.iter().filter(|&&x| x > 8.7).count() as f64 / n as f64;
        let want = (-8.7f64).exp();
        assert!(
            (tail - want).abs() < 4.0 * (want / n as f64).sqrt(),
            "tail {tail} vs {want}"
        );
        assert_eq!(SimRng::new(1).exp(0.0), 0.0);
        assert_eq!(SimRng::new(1).exp_ns(0), 0);
    }
}
