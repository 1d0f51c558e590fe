//! Load over time: a factor in [0, 1] applied to every producer's `rate_mb_s`
//! (which is therefore the peak rate). Pure functions of simulated time.

use crate::scenario::{LoadConfig, LoadProfile};
use crate::sim::{NS_PER_S, Nanos};

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
        }
    }

    /// The constant profile (factor 1).
    pub fn constant() -> Profile {
        Profile::new(&LoadConfig::default())
    }

    /// Rate factor at time `t`: 1 at the peak.
    pub fn factor_at(&self, t: Nanos) -> f64 {
        let s = t as f64 / NS_PER_S as f64;
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

#[cfg(test)]
mod tests {
    use super::*;

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
