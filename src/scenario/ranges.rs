//! Uncertain inputs: a number of the scenario written as a range
//! (`rtt_ms = [8, 15]`, `rate_mb_s = { low = 150, mid = 200, high = 300,
//! confidence = 0.9 }`), the distribution fitted to it, and where its value
//! goes in a [`Scenario`].
//!
//! The fit follows Netflix's service-capacity-modeling
//! (`stats._beta_dist_from_interval`): a beta distribution on
//! [low / 2, 2 × high] whose mean is `mid` and whose CDF is as close as it can
//! get (least squares) to (1 − c) / 2 at `low` and 1 − (1 − c) / 2 at `high`,
//! c the confidence (0.9 by default: `[low, high]` is a 90 % interval, and
//! `mid` its midpoint). A fault's `at_s` range is a window instead: the fault
//! lands in it where the load puts it (the runs layer weighs the draw by the
//! load curve; see `montecarlo`). Without `--runs`, a range stands for its
//! `mid` (the mean of the fitted beta; a window's midpoint).

use statrs::distribution::{Beta, ContinuousCDF};

use super::Scenario;

/// Where a range's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeTarget {
    ProducerRate(usize),
    LinkRtt(usize),
    LinkBandwidth(usize),
    FaultAt(usize),
    FaultDuration(usize),
    LoadPeakFactor,
    LoadBurstFactor,
}

/// The distribution a range stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RangeDist {
    /// A beta distribution with shapes `alpha`, `beta`, scaled onto [min, max].
    Beta {
        min: f64,
        max: f64,
        alpha: f64,
        beta: f64,
    },
    /// A fault-time window [low, high]: uniform here; the runs layer weighs
    /// it by the load curve.
    Window { low: f64, high: f64 },
}

/// A number of the scenario given as a range.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeInput {
    /// The key as diagnostics write it, e.g. `link[0].rtt_ms`.
    pub key: String,
    pub target: RangeTarget,
    pub low: f64,
    pub mid: f64,
    pub high: f64,
    pub confidence: f64,
    pub dist: RangeDist,
}

/// The keys that take a range, as docs/scenario.md lists them.
pub const RANGE_KEYS: &str = "[[producer]] rate_mb_s, [[link]] rtt_ms and bandwidth_mbps, [[fault]] at_s (a window) and duration_s, [load] peak_factor and burst_factor";

/// Most Monte Carlo runs (`--runs N`, and a sweep's variants × draws ×
/// designs) one command makes (`montecarlo::MAX_RUNS`).
pub const MAX_DRAWS: usize = 100_000;

/// The confidence of `[low, high]`: a 90 % interval.
pub const DEFAULT_CONFIDENCE: f64 = 0.9;

/// What the walk read: a range at `key` (before its target is known).
#[derive(Clone, Debug)]
pub(crate) struct RangeSpec {
    pub key: String,
    pub offset: usize,
    pub low: f64,
    pub mid: Option<f64>,
    pub high: f64,
    pub confidence: Option<f64>,
    pub window: bool,
}

impl RangeInput {
    /// The value at quantile `u` ∈ [0, 1] (a window: uniform over it).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_finite() {
            u.clamp(0.0, 1.0)
        } else {
            0.5
        };
        match self.dist {
            RangeDist::Beta {
                min,
                max,
                alpha,
                beta,
            } => match Beta::new(alpha, beta) {
                Ok(b) => min + (max - min) * b.inverse_cdf(u),
                Err(_) => self.mid,
            },
            RangeDist::Window { low, high } => low + u * (high - low),
        }
    }

    /// The smallest and largest value a draw can take.
    pub fn support(&self) -> (f64, f64) {
        match self.dist {
            RangeDist::Beta { min, max, .. } => (min, max),
            RangeDist::Window { low, high } => (low, high),
        }
    }

    /// The mean of the fitted distribution (a window's midpoint).
    pub fn mean(&self) -> f64 {
        match self.dist {
            RangeDist::Beta {
                min,
                max,
                alpha,
                beta,
            } => min + (max - min) * alpha / (alpha + beta),
            RangeDist::Window { low, high } => (low + high) / 2.0,
        }
    }

    /// The fitted distribution's CDF at `low` and at `high` (for the docs
    /// and tests: how well the fit keeps the stated confidence).
    pub fn cdf_at_bounds(&self) -> (f64, f64) {
        match self.dist {
            RangeDist::Beta {
                min,
                max,
                alpha,
                beta,
            } => match Beta::new(alpha, beta) {
                Ok(b) => (
                    b.cdf((self.low - min) / (max - min)),
                    b.cdf((self.high - min) / (max - min)),
                ),
                Err(_) => (0.0, 1.0),
            },
            RangeDist::Window { .. } => (0.0, 1.0),
        }
    }
}

impl Scenario {
    /// Put `v` where a range of the file stands (the drawn value of a run).
    pub fn set_range(&mut self, t: RangeTarget, v: f64) {
        match t {
            RangeTarget::ProducerRate(i) => {
                if let Some(p) = self.producer.get_mut(i) {
                    p.rate_mb_s = v;
                }
            }
            RangeTarget::LinkRtt(i) => {
                if let Some(l) = self.link.get_mut(i) {
                    l.rtt_ms = v;
                }
            }
            RangeTarget::LinkBandwidth(i) => {
                if let Some(l) = self.link.get_mut(i) {
                    l.bandwidth_mbps = v;
                }
            }
            RangeTarget::FaultAt(i) => {
                if let Some(f) = self.fault.get_mut(i) {
                    f.at_s = v;
                }
            }
            RangeTarget::FaultDuration(i) => {
                if let Some(f) = self.fault.get_mut(i) {
                    f.duration_s = Some(v);
                }
            }
            RangeTarget::LoadPeakFactor => self.load.peak_factor = v,
            RangeTarget::LoadBurstFactor => self.load.burst_factor = v,
        }
    }
}

/// The target of a range key the walk found (`producer[2].rate_mb_s`), and
/// the smallest value the key takes (a load factor is at least 1).
fn target(key: &str) -> Option<(RangeTarget, f64)> {
    let (head, field) = key.rsplit_once('.')?;
    if head == "load" {
        return match field {
            "peak_factor" => Some((RangeTarget::LoadPeakFactor, 1.0)),
            "burst_factor" => Some((RangeTarget::LoadBurstFactor, 1.0)),
            _ => None,
        };
    }
    let (table, rest) = head.split_once('[')?;
    let i: usize = rest.strip_suffix(']')?.parse().ok()?;
    let t = match (table, field) {
        ("producer", "rate_mb_s") => RangeTarget::ProducerRate(i),
        ("link", "rtt_ms") => RangeTarget::LinkRtt(i),
        ("link", "bandwidth_mbps") => RangeTarget::LinkBandwidth(i),
        ("fault", "at_s") => RangeTarget::FaultAt(i),
        ("fault", "duration_s") => RangeTarget::FaultDuration(i),
        _ => return None,
    };
    Some((t, 0.0))
}

/// Fit a beta on [min, max] with mean `mid` to CDF(low) = (1 − c)/2 and
/// CDF(high) = 1 − (1 − c)/2 in least squares, as service-capacity-modeling
/// does (it minimises the same cost over alpha ∈ [0.1, 40] with scipy; here
/// a log-spaced grid, then golden-section search around its best point, so
/// the fit is deterministic). Returns (alpha, beta).
pub fn fit_beta(min: f64, max: f64, low: f64, mid: f64, high: f64, c: f64) -> (f64, f64) {
    let s = (max - min).max(f64::MIN_POSITIVE);
    let (lo, hi) = ((low - min) / s, (high - min) / s);
    let m = ((mid - min) / s).clamp(1e-6, 1.0 - 1e-6);
    let (p_lo, p_hi) = ((1.0 - c) / 2.0, 1.0 - (1.0 - c) / 2.0);
    let cost = |a: f64| -> f64 {
        let b = a * (1.0 - m) / m;
        match Beta::new(a, b) {
            Ok(d) => (d.cdf(lo) - p_lo).powi(2) + (d.cdf(hi) - p_hi).powi(2),
            Err(_) => f64::INFINITY,
        }
    };
    let (a_min, a_max) = (0.1f64, 40.0f64);
    const GRID: usize = 96;
    let at = |k: usize| a_min * (a_max / a_min).powf(k as f64 / GRID as f64);
    let mut best = 0;
    let mut best_cost = f64::INFINITY;
    for k in 0..=GRID {
        let c = cost(at(k));
        if c < best_cost {
            best_cost = c;
            best = k;
        }
    }
    let (mut x0, mut x1) = (at(best.saturating_sub(1)), at((best + 1).min(GRID)));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let (a, b) = (x1 - g * (x1 - x0), x0 + g * (x1 - x0));
        if cost(a) < cost(b) {
            x1 = b;
        } else {
            x0 = a;
        }
    }
    let a = (x0 + x1) / 2.0;
    (a, a * (1.0 - m) / m)
}

/// Turn the ranges the walk found into [`RangeInput`]s on `sc`, each key's
/// value set to the range's `mid` (what a run without `--runs` uses).
/// Problems: (key, offset, message, help).
pub(crate) fn resolve(
    sc: &mut Scenario,
    specs: Vec<RangeSpec>,
) -> Vec<(String, usize, String, Option<String>)> {
    let mut problems = Vec::new();
    for s in specs {
        let Some((t, floor)) = target(&s.key) else {
            continue;
        };
        let confidence = s.confidence.unwrap_or(DEFAULT_CONFIDENCE);
        let mid = s.mid.unwrap_or((s.low + s.high) / 2.0);
        if s.low < floor {
            problems.push((
                s.key.clone(),
                s.offset,
                format!(
                    "low = {} is below {floor}, the smallest value this key takes",
                    s.low
                ),
                None,
            ));
            continue;
        }
        let dist = if s.window {
            if s.high > sc.duration_s {
                problems.push((
                    s.key.clone(),
                    s.offset,
                    format!(
                        "the window ends at {} s, after the run (duration_s = {})",
                        s.high, sc.duration_s
                    ),
                    Some("end the window at or before duration_s".into()),
                ));
                continue;
            }
            RangeDist::Window {
                low: s.low,
                high: s.high,
            }
        } else {
            let (min, max) = ((s.low / 2.0).max(floor), 2.0 * s.high);
            let (alpha, beta) = fit_beta(min, max, s.low, mid, s.high, confidence);
            RangeDist::Beta {
                min,
                max,
                alpha,
                beta,
            }
        };
        sc.set_range(t, mid);
        sc.ranges.push(RangeInput {
            key: s.key,
            target: t,
            low: s.low,
            mid,
            high: s.high,
            confidence,
            dist,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_mean_and_roughly_the_interval() {
        let (a, b) = fit_beta(75.0, 600.0, 150.0, 225.0, 300.0, 0.9);
        let m = 75.0 + 525.0 * a / (a + b);
        assert!((m - 225.0).abs() < 1e-9, "mean {m}");
        let d = Beta::new(a, b).unwrap();
        let lo = d.cdf((150.0 - 75.0) / 525.0);
        let hi = d.cdf((300.0 - 75.0) / 525.0);
        // A beta with this mean cannot put exactly 5 % and 95 % at the bounds;
        // the least-squares fit lands within a few points.
        assert!(
            (lo - 0.05).abs() < 0.05 && (hi - 0.95).abs() < 0.05,
            "{lo} {hi}"
        );
    }

    #[test]
    fn targets() {
        assert_eq!(
            target("link[2].rtt_ms"),
            Some((RangeTarget::LinkRtt(2), 0.0))
        );
        assert_eq!(
            target("load.peak_factor"),
            Some((RangeTarget::LoadPeakFactor, 1.0))
        );
        assert_eq!(target("site[0].lan_rtt_ms"), None);
    }
}
