//! Load over time: a factor in [0, 1] applied to every producer's `rate_mb_s`
//! (which is therefore the peak rate), times the load noise when the scenario
//! states `noise_cv`. Pure functions of simulated time (and, for the noise, of
//! the run's seed).

use statrs::distribution::{ContinuousCDF, LogNormal};

use crate::scenario::{LoadConfig, LoadProfile};
use crate::sim::{NS_PER_S, Nanos, SimRng};

/// Load noise: a multiplier drawn afresh every `interval_s`, lognormal with
/// mean 1 and coefficient of variation `noise_cv`.
#[derive(Clone, Debug)]
struct Noise {
    dist: LogNormal,
    interval_s: f64,
    seed: u64,
}

/// A load profile, ready to evaluate.
#[derive(Clone, Debug)]
pub struct Profile {
    kind: LoadProfile,
    peak_factor: f64,
    period_s: f64,
    peak_at_s: f64,
    burst_every_s: f64,
    burst_duration_s: f64,
    burst_factor: f64,
    /// (time_s, factor), time ascending, factor = rate ÷ the trace's maximum.
    trace: Vec<(f64, f64)>,
    noise: Option<Noise>,
}

impl Profile {
    pub fn new(c: &LoadConfig) -> Profile {
        let max = c.trace.iter().map(|p| p.1).fold(0.0f64, f64::max);
        let mut trace: Vec<(f64, f64)> = c
            .trace
            .iter()
            .map(|&(t, v)| (t, if max > 0.0 { v / max } else { 0.0 }))
            .collect();
        trace.sort_by(|a, b| a.0.total_cmp(&b.0));
        Profile {
            kind: c.profile,
            peak_factor: c.peak_factor,
            period_s: c.period_s,
            peak_at_s: c.peak_at_s,
            burst_every_s: c.burst_every_s,
            burst_duration_s: c.burst_duration_s,
            burst_factor: c.burst_factor,
            trace,
            noise: None,
        }
    }

    /// The profile of a run seeded `seed`, with its load noise (`noise_cv` >
    /// 0): the factor of each `noise_interval_s` interval of the run is
    /// multiplied by a lognormal draw of mean 1 and coefficient of variation
    /// `noise_cv` (σ² = ln(1 + cv²), μ = −σ²/2). Interval k's draw is the
    /// inverse CDF of a uniform from a stream seeded by the run's seed and k
    /// alone, so the factor stays a pure function of time: every producer and
    /// every step reading the same instant see the same load, and a run
    /// draws the same noise whatever else it draws.
    pub fn for_run(c: &LoadConfig, seed: u64) -> Profile {
        let mut p = Profile::new(c);
        if c.noise_cv > 0.0 && c.noise_interval_s > 0.0 {
            let var = (1.0 + c.noise_cv * c.noise_cv).ln();
            p.noise = LogNormal::new(-var / 2.0, var.sqrt())
                .ok()
                .map(|dist| Noise {
                    dist,
                    interval_s: c.noise_interval_s,
                    seed: seed ^ NOISE_STREAM,
                });
        }
        p
    }

    /// The load noise's multiplier at `s` seconds (1 without noise).
    fn noise_at(&self, s: f64) -> f64 {
        let Some(n) = &self.noise else { return 1.0 };
        let k = (s / n.interval_s).floor().max(0.0) as u64;
        let mut rng = SimRng::new(n.seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // In (0, 1): the inverse CDF is finite.
        let u = rng.unit().clamp(1e-12, 1.0 - 1e-12);
        n.dist.inverse_cdf(u)
    }

    /// The constant profile (factor 1).
    pub fn constant() -> Profile {
        Profile::new(&LoadConfig::default())
    }

    /// Rate factor at time `t`: 1 at the peak of the profile, times the load
    /// noise (which may take it above 1).
    pub fn factor_at(&self, t: Nanos) -> f64 {
        let s = t as f64 / NS_PER_S as f64;
        let base = self.base_at(s);
        if self.noise.is_some() {
            base * self.noise_at(s)
        } else {
            base
        }
    }

    /// The profile's factor at `s` seconds, without noise.
    fn base_at(&self, s: f64) -> f64 {
        match self.kind {
            LoadProfile::Constant => 1.0,
            LoadProfile::Daily => {
                // Raised cosine with mean 1/pf and peak 1: (1 + (pf-1) cos θ) / pf.
                let pf = self.peak_factor.max(1.0);
                let th = 2.0 * std::f64::consts::PI * (s - self.peak_at_s) / self.period_s;
                ((1.0 + (pf - 1.0) * th.cos()) / pf).max(0.0)
            }
            LoadProfile::Bursts => {
                if s.rem_euclid(self.burst_every_s) < self.burst_duration_s {
                    1.0
                } else {
                    1.0 / self.burst_factor.max(1.0)
                }
            }
            LoadProfile::Trace => {
                // Piecewise constant: the last point at or before t.
                let i = self.trace.partition_point(|p| p.0 <= s);
                if i == 0 {
                    self.trace.first().map_or(1.0, |p| p.1)
                } else {
                    self.trace[i - 1].1
                }
            }
        }
    }

    /// The next time after `t` at which a piecewise-constant profile changes
    /// (`None` for constant; for the daily curve, `t` + 1 s: it changes continuously
    /// and is sampled once a second by coarse models).
    pub fn next_change(&self, t: Nanos) -> Option<Nanos> {
        let base = self.base_next_change(t);
        let Some(n) = &self.noise else { return base };
        let s = t as f64 / NS_PER_S as f64;
        let next = ((s / n.interval_s).floor() + 1.0) * n.interval_s;
        let noise = (next * NS_PER_S as f64).ceil() as Nanos;
        Some(base.map_or(noise, |b| b.min(noise)))
    }

    fn base_next_change(&self, t: Nanos) -> Option<Nanos> {
        let s = t as f64 / NS_PER_S as f64;
        let at = |x: f64| Some((x * NS_PER_S as f64).ceil() as Nanos);
        match self.kind {
            LoadProfile::Constant => None,
            LoadProfile::Daily => Some(t + NS_PER_S),
            LoadProfile::Bursts => {
                let k = (s / self.burst_every_s).floor();
                let start = k * self.burst_every_s;
                let end = start + self.burst_duration_s;
                if s < end {
                    at(end)
                } else {
                    at(start + self.burst_every_s)
                }
            }
            LoadProfile::Trace => {
                let i = self.trace.partition_point(|p| p.0 <= s);
                self.trace.get(i).and_then(|p| at(p.0))
            }
        }
    }

    /// Mean factor over [0, duration_s], by sampling each second (for reports).
    pub fn mean_over(&self, duration_s: f64) -> f64 {
        let n = duration_s.ceil().max(1.0) as u64;
        let sum: f64 = (0..n).map(|i| self.factor_at(i * NS_PER_S)).sum();
        sum / n as f64
    }
}

/// Salt of the load noise's stream (so that it differs from the World's
/// stream of the same seed).
const NOISE_STREAM: u64 = 0x6c6f_6164_6e6f_6973;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_noise_has_mean_one_and_the_stated_spread() {
        let c = LoadConfig {
            noise_cv: 0.2,
            noise_interval_s: 10.0,
            ..LoadConfig::default()
        };
        let p = Profile::for_run(&c, 7);
        // 20 000 intervals: the sample mean within 3 standard errors of 1
        // (0.2 / √20000 = 0.0014), the sample cv within 5 %.
        let xs: Vec<f64> = (0..20_000u64)
            .map(|k| p.factor_at(k * 10 * NS_PER_S + NS_PER_S))
            .collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let sd =
            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt();
        assert!((mean - 1.0).abs() < 0.0045, "{mean}");
        assert!((sd / mean - 0.2).abs() < 0.01, "{}", sd / mean);
        // Constant within an interval, a pure function of time and seed.
        assert_eq!(p.factor_at(3 * NS_PER_S), p.factor_at(9 * NS_PER_S));
        assert_eq!(
            p.factor_at(3 * NS_PER_S),
            Profile::for_run(&c, 7).factor_at(3 * NS_PER_S)
        );
        assert_ne!(
            p.factor_at(3 * NS_PER_S),
            Profile::for_run(&c, 8).factor_at(3 * NS_PER_S)
        );
        assert_eq!(p.next_change(3 * NS_PER_S), Some(10 * NS_PER_S));
        // No noise stated: the profile itself.
        let quiet = Profile::for_run(&LoadConfig::default(), 7);
        assert_eq!(quiet.factor_at(3 * NS_PER_S), 1.0);
        assert_eq!(quiet.next_change(3 * NS_PER_S), None);
    }

    #[test]
    fn daily_mean_is_peak_over_factor() {
        let c = LoadConfig {
            profile: LoadProfile::Daily,
            peak_factor: 1.6,
            ..LoadConfig::default()
        };
        let p = Profile::new(&c);
        let m = p.mean_over(86_400.0);
        assert!((m - 1.0 / 1.6).abs() < 1e-3, "{m}");
        let peak = p.factor_at((c.peak_at_s * 1e9) as Nanos);
        assert!((peak - 1.0).abs() < 1e-9);
    }

    #[test]
    fn bursts_and_trace() {
        let c = LoadConfig {
            profile: LoadProfile::Bursts,
            burst_every_s: 100.0,
            burst_duration_s: 10.0,
            burst_factor: 4.0,
            ..LoadConfig::default()
        };
        let p = Profile::new(&c);
        assert_eq!(p.factor_at(5 * NS_PER_S), 1.0);
        assert_eq!(p.factor_at(50 * NS_PER_S), 0.25);
        assert_eq!(p.next_change(5 * NS_PER_S), Some(10 * NS_PER_S));
        let pts = crate::scenario::parse_trace("time_s,mb_s\n0,10\n60,20\n").unwrap();
        let c = LoadConfig {
            profile: LoadProfile::Trace,
            trace: pts,
            ..LoadConfig::default()
        };
        let p = Profile::new(&c);
        assert_eq!(p.factor_at(30 * NS_PER_S), 0.5);
        assert_eq!(p.factor_at(61 * NS_PER_S), 1.0);
        assert!(crate::scenario::parse_trace("0,1\nx,y\n").is_err());
    }
}
