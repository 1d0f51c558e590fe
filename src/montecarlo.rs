//! Monte Carlo runs (`--runs N`): N draws of a scenario's ranges
//! (`scenario::ranges`), each run simulated with its own seed, and the
//! figures of the runs as distributions (`statrs`).
//!
//! - **Seeds.** Run `i`'s seed is [`run_seed`]`(seed, i)`, a stable hash of
//!   the scenario's seed and the run index, never of the thread or the order
//!   runs finish in. The simulator of run `i` uses it (jitter, loss, every
//!   draw of the `World`); each range draws from its own stream, seeded by the
//!   run's seed and a hash of the range's key (as service-capacity-modeling
//!   seeds each field from its name), so adding a range leaves the draws of
//!   the others unchanged, and every design or candidate that has the range
//!   sees the same value in run `i` (common random numbers).
//! - **Fault windows.** A fault's `at_s = [low, high]` lands in the window
//!   with a density proportional to the load factor of the run's load curve
//!   ([`load_weighted`]): a daily curve puts faults near its peak more often
//!   than at night.
//! - **Statistics.** Percentiles: `statrs`' `Data::quantile` (Hyndman and
//!   Fan's type 8, median-unbiased); `ci95`: the 95 % confidence interval of
//!   the mean by Student's t, mean ± t(0.975, n − 1) · s / √n, s the sample
//!   standard deviation (n − 1 in the denominator); [mean, mean] for n = 1.
//!
//! Runs go through `pool::par_runs` (rayon) and are stored by run index: the
//! output is the same bytes for any thread count.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::statistics::{Data, OrderStatistics, Statistics};

use crate::load::Profile;
use crate::metrics::{Outcome, round3};
use crate::report::{ObjectiveCheck, Summary, esc, objectives, safe_name, write_atomic};
use crate::scenario::{RangeDist, RangeInput, RangeTarget, Scenario};
use crate::shard::{CheckLine, Exact, exact, inexact};
use crate::sim::{NS_PER_S, SimRng};

/// An objective counts as met under draws when at least this share of the
/// draws meets it (the p95 of the figure within the bound).
pub const MEET_SHARE: f64 = 0.95;

/// Most runs `--runs` accepts.
pub const MAX_RUNS: usize = crate::scenario::MAX_DRAWS;

/// SplitMix64's finaliser: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a key: which stream a range draws from.
fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The seed of run `run` of a Monte Carlo over a scenario seeded `seed`.
pub fn run_seed(seed: u64, run: usize) -> u64 {
    mix(seed ^ mix(run as u64 ^ 0x6d6f_6e74_6563_6172))
}

/// The uniform draw in [0, 1) of the range at `key` in the run seeded `seed`.
pub fn uniform(seed: u64, key: &str) -> f64 {
    SimRng::new(mix(seed ^ key_hash(key))).unit()
}

/// The quantile `u` of a time in [low, high] drawn with a density
/// proportional to the load factor of `load` (uniform when the load is
/// constant, or zero throughout): the window cut in 4096 steps, the factor at
/// each step's middle, linear within the step.
pub fn load_weighted(load: &Profile, low: f64, high: f64, u: f64) -> f64 {
    const STEPS: usize = 4096;
    let w = (high - low) / STEPS as f64;
    if w <= 0.0 {
        return low;
    }
    let weights: Vec<f64> = (0..STEPS)
        .map(|j| {
            let t = low + (j as f64 + 0.5) * w;
            load.factor_at((t.max(0.0) * NS_PER_S as f64) as u64)
                .max(0.0)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return low + u * (high - low);
    }
    let target = u * total;
    let mut acc = 0.0;
    for (j, &x) in weights.iter().enumerate() {
        if acc + x >= target && x > 0.0 {
            return low + (j as f64 + (target - acc) / x) * w;
        }
        acc += x;
    }
    high
}

/// The scenario of run `run`: its seed and every range drawn. Fault windows
/// are drawn after the other ranges, over the run's own load curve.
/// Err: the drawn values fail validation (the message names the key).
pub fn draw(sc: &Scenario, run: usize) -> Result<(Scenario, IndexMap<String, f64>), String> {
    let seed = run_seed(sc.seed, run);
    let mut d = sc.clone();
    d.seed = seed;
    let mut values = IndexMap::new();
    let (windows, others): (Vec<&RangeInput>, Vec<&RangeInput>) = sc
        .ranges
        .iter()
        .partition(|r| matches!(r.dist, RangeDist::Window { .. }));
    for r in others {
        let v = r.quantile(uniform(seed, &r.key));
        d.set_range(r.target, v);
        values.insert(r.key.clone(), v);
    }
    if !windows.is_empty() {
        let load = Profile::new(&d.load);
        for r in windows {
            let (low, high) = r.support();
            let v = load_weighted(&load, low, high, uniform(seed, &r.key));
            d.set_range(r.target, v);
            values.insert(r.key.clone(), v);
        }
    }
    crate::scenario::revalidate(&d).map_err(|e| {
        format!("run {run}: the drawn values make an invalid scenario: {e}; narrow the range")
    })?;
    Ok((d, values))
}

/// How the percentiles of a [`Dist`] are estimated (for the reports).
pub const PERCENTILE_ESTIMATOR: &str =
    "statrs Data::quantile (Hyndman-Fan type 8, median-unbiased)";
/// How the ci95 of a [`Dist`] is computed (for the reports).
pub const CI95_ESTIMATOR: &str = "Student's t interval of the mean: mean ± t(0.975, n−1)·s/√n";

/// A figure over the runs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Dist {
    /// Runs that measured the figure.
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// 95 % confidence interval of the mean (Student's t).
    pub ci95: [f64; 2],
}

impl Dist {
    /// The distribution of `xs` (None when empty).
    pub fn of(xs: &[f64]) -> Option<Dist> {
        let xs: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
        if xs.is_empty() {
            return None;
        }
        let n = xs.len();
        let mean = xs.iter().mean();
        let half = if n > 1 {
            let sd = xs.iter().std_dev();
            match StudentsT::new(0.0, 1.0, (n - 1) as f64) {
                Ok(t) => t.inverse_cdf(0.975) * sd / (n as f64).sqrt(),
                Err(_) => 0.0,
            }
        } else {
            0.0
        };
        let half = if half.is_finite() { half } else { 0.0 };
        let mut data = Data::new(xs);
        Some(Dist {
            n,
            mean: round3(mean),
            p50: round3(data.quantile(0.5)),
            p95: round3(data.quantile(0.95)),
            p99: round3(data.quantile(0.99)),
            ci95: [round3(mean - half), round3(mean + half)],
        })
    }
}

/// The figures one run measured.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Figures {
    pub rpo_s: Option<f64>,
    pub rto_s: Option<f64>,
    pub rereads: Option<f64>,
    pub unavailable_partition_s: Option<f64>,
    pub catch_up_s: Option<f64>,
    pub produce_p99_ms: Option<f64>,
    pub produce_p50_ms: Option<f64>,
    pub replication_lag_s_max: Option<f64>,
}

/// The figure names, in the order reports show them.
pub const FIGURES: [&str; 8] = [
    "rpo_s",
    "rto_s",
    "rereads",
    "unavailable_partition_s",
    "catch_up_s",
    "produce_p99_ms",
    "produce_p50_ms",
    "replication_lag_s_max",
];

impl Figures {
    pub fn of(o: &Outcome) -> Figures {
        let s = Summary::of(o);
        let p50 = o
            .sites
            .iter()
            .flat_map(|x| &x.produce)
            .filter(|p| p.latency.count > 0)
            .map(|p| p.latency.p50_ms)
            .reduce(f64::max);
        Figures {
            rpo_s: Some(round3(s.rpo_worst_s)),
            rto_s: s.rto_max_s.map(round3),
            rereads: Some(s.duplicates as f64),
            unavailable_partition_s: Some(round3(s.unavailable_partition_s)),
            catch_up_s: s.catch_up_max_s.map(round3),
            produce_p99_ms: s.worst_p99_ms().map(round3),
            produce_p50_ms: p50,
            replication_lag_s_max: s.replication_lag_s_max.map(round3),
        }
    }

    /// Set figure `name`; false when there is no such figure.
    pub fn set(&mut self, name: &str, v: Option<f64>) -> bool {
        let slot = match name {
            "rpo_s" => &mut self.rpo_s,
            "rto_s" => &mut self.rto_s,
            "rereads" => &mut self.rereads,
            "unavailable_partition_s" => &mut self.unavailable_partition_s,
            "catch_up_s" => &mut self.catch_up_s,
            "produce_p99_ms" => &mut self.produce_p99_ms,
            "produce_p50_ms" => &mut self.produce_p50_ms,
            "replication_lag_s_max" => &mut self.replication_lag_s_max,
            _ => return false,
        };
        *slot = v;
        true
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "rpo_s" => self.rpo_s,
            "rto_s" => self.rto_s,
            "rereads" => self.rereads,
            "unavailable_partition_s" => self.unavailable_partition_s,
            "catch_up_s" => self.catch_up_s,
            "produce_p99_ms" => self.produce_p99_ms,
            "produce_p50_ms" => self.produce_p50_ms,
            "replication_lag_s_max" => self.replication_lag_s_max,
            _ => None,
        }
    }
}

/// One objective over the draws.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectiveOverDraws {
    pub objective: &'static str,
    pub bound: String,
    /// Draws that measured it, and the share of them that met it.
    pub measured: usize,
    pub met_share: Option<f64>,
    /// Met in at least [`MEET_SHARE`] of the draws that measured it.
    pub met: Option<bool>,
}

/// Objectives over the draws, from each draw's checks.
pub fn objectives_over(draws: &[Vec<ObjectiveCheck>]) -> Vec<ObjectiveOverDraws> {
    let mut out: Vec<ObjectiveOverDraws> = Vec::new();
    for checks in draws {
        for c in checks {
            let o = match out.iter_mut().position(|o| o.objective == c.objective) {
                Some(i) => &mut out[i],
                None => {
                    out.push(ObjectiveOverDraws {
                        objective: c.objective,
                        bound: c.bound.clone(),
                        measured: 0,
                        met_share: None,
                        met: None,
                    });
                    let last = out.len() - 1;
                    &mut out[last]
                }
            };
            if let Some(m) = c.met {
                let met_before = o.met_share.unwrap_or(0.0) * o.measured as f64;
                o.measured += 1;
                o.met_share = Some((met_before + if m { 1.0 } else { 0.0 }) / o.measured as f64);
            }
        }
    }
    for o in &mut out {
        o.met_share = o.met_share.map(round3);
        o.met = o.met_share.map(|s| s + 1e-9 >= MEET_SHARE);
    }
    out
}

/// A range as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RangeReport {
    pub key: String,
    pub low: f64,
    pub mid: f64,
    pub high: f64,
    pub confidence: f64,
    /// `beta` or `load-weighted window`.
    pub distribution: &'static str,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub support: [f64; 2],
    /// The drawn values over the runs.
    pub drawn: Option<Dist>,
}

/// One run of one design.
#[derive(Clone, Debug, Serialize)]
pub struct RunRecord {
    pub run: usize,
    pub seed: u64,
    /// The value each range took.
    pub values: IndexMap<String, f64>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One design over the runs.
#[derive(Clone, Debug, Serialize)]
pub struct DesignDraws {
    pub design: String,
    pub objectives: Vec<ObjectiveOverDraws>,
    /// Each figure's distribution (null when no run measured it).
    pub figures: IndexMap<&'static str, Option<Dist>>,
    pub runs: Vec<RunRecord>,
}

/// `montecarlo.json`.
#[derive(Clone, Debug, Serialize)]
pub struct MonteCarlo {
    pub schema_version: u32,
    pub scenario: String,
    pub seed: u64,
    pub runs: usize,
    /// Set only when runs are missing (Ctrl-C stopped `simulate --runs`, or
    /// `ktopo merge --allow-partial` lacked shards): the distributions are
    /// over the runs present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<McPartial>,
    pub percentile_estimator: &'static str,
    pub ci95_estimator: &'static str,
    /// An objective is met when at least this share of the draws meets it.
    pub meet_share: f64,
    pub ranges: Vec<RangeReport>,
    pub designs: Vec<DesignDraws>,
}

/// The runs a partial Monte Carlo lacks.
#[derive(Clone, Debug, Serialize)]
pub struct McPartial {
    /// Why: [`INTERRUPTED`] or [`NOT_MERGED`].
    pub cause: &'static str,
    /// Runs (of every design) whose results are present.
    pub runs_present: usize,
    pub missing_runs: Vec<McMissing>,
}

/// [`McPartial::cause`] of a Monte Carlo stopped by Ctrl-C.
pub const INTERRUPTED: &str = "interrupted";
/// [`McPartial::cause`] of `ktopo merge --allow-partial` without every shard.
pub const NOT_MERGED: &str = "runs missing from the shards merged";

/// A run not made: its index (as in `--list`), draw and design.
#[derive(Clone, Debug, Serialize)]
pub struct McMissing {
    pub index: usize,
    pub run: usize,
    pub design: String,
}

impl MonteCarlo {
    /// Every objective of every design met in at least [`MEET_SHARE`] of the draws.
    pub fn missed(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.designs {
            for o in d.objectives.iter().filter(|o| o.met == Some(false)) {
                out.push(format!(
                    "{}: {} {} met in {:.1} % of draws (< {:.0} %)",
                    d.design,
                    o.objective,
                    o.bound,
                    o.met_share.unwrap_or(0.0) * 100.0,
                    MEET_SHARE * 100.0
                ));
            }
        }
        out
    }
}

/// Simulate `sc` `runs` times on `jobs` threads (each design of the file, with
/// the same draws), `progress(done, total)` after each run.
pub fn simulate(
    sc: &Scenario,
    runs: usize,
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<MonteCarlo, String> {
    check_runs(runs)?;
    let all: Vec<usize> = (0..runs * sc.design.len().max(1)).collect();
    // By index; a run not made (Ctrl-C, `crate::interrupt`) stays None.
    let mut slots: Vec<Option<DrawRun>> = all.iter().map(|_| None).collect();
    for (j, r) in run_selected(sc, &all, jobs, progress)? {
        slots[j] = Some(r);
    }
    Ok(assemble(sc, runs, &slots, INTERRUPTED))
}

/// `--runs N` is within 1..=[`MAX_RUNS`].
pub fn check_runs(runs: usize) -> Result<(), String> {
    if runs == 0 || runs > MAX_RUNS {
        return Err(format!("--runs must be between 1 and {MAX_RUNS}"));
    }
    Ok(())
}

/// What run `j` of a Monte Carlo measured: its design (as its outcome names
/// it), its record, and its objective checks.
#[derive(Clone, Debug)]
pub struct DrawRun {
    pub design: String,
    pub record: RunRecord,
    pub checks: Vec<ObjectiveCheck>,
}

/// The manifest of `sc`'s Monte Carlo of `runs` draws: run `j` is draw
/// `j / designs` of design `j % designs`; its seed is [`run_seed`] of the
/// scenario's seed and the draw, whatever the number of draws or shards.
pub fn manifest(sc: &Scenario, runs: usize) -> Vec<crate::shard::RunSpec> {
    let designs = sc.design.len().max(1);
    (0..runs * designs)
        .map(|j| {
            let (run, d) = (j / designs, j % designs);
            let design = sc
                .design
                .get(d)
                .map_or_else(|| "the file's cluster".to_string(), |x| x.name.clone());
            let mut parameters = IndexMap::new();
            parameters.insert("draw".to_string(), serde_json::json!(run));
            parameters.insert("design".to_string(), serde_json::json!(design));
            crate::shard::RunSpec {
                index: j,
                key: format!("draw {run}; design {design}"),
                seed: run_seed(sc.seed, run),
                parameters,
            }
        })
        .collect()
}

/// Make run `j` of the Monte Carlo of `sc` (as numbered in [`manifest`]).
pub fn run_one(sc: &Scenario, j: usize) -> Result<DrawRun, String> {
    let designs = sc.design.len().max(1);
    let (run, d) = (j / designs, j % designs);
    let (drawn, values) = draw(sc, run)?;
    let o = crate::compare::run_design(&drawn, d).map_err(|e| format!("run {run}: {e}"))?;
    let checks = objectives(&drawn.objectives, &Summary::of(&o));
    Ok(DrawRun {
        design: o.design.clone(),
        record: RunRecord {
            run,
            seed: drawn.seed,
            values,
            figures: Figures::of(&o),
        },
        checks,
    })
}

/// Make the runs numbered `indices` on `jobs` threads, each with its index;
/// on failure the first failed run in the order of `indices`.
pub fn run_selected(
    sc: &Scenario,
    indices: &[usize],
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<(usize, DrawRun)>, String> {
    crate::pool::run_indices(indices, jobs, |j| run_one(sc, j), progress)
}

/// The Monte Carlo of `sc` over `runs` draws from its runs' results by index
/// (as in [`manifest`]), whatever made them: this process ([`simulate`]) or
/// shards read back by `ktopo merge`. A run that is None is missing: the
/// report is then marked partial and its distributions are over the runs
/// present.
pub fn assemble(
    sc: &Scenario,
    runs: usize,
    results: &[Option<DrawRun>],
    cause: &'static str,
) -> MonteCarlo {
    let n_designs = sc.design.len().max(1);
    let total = runs * n_designs;
    let missing: Vec<usize> = (0..total)
        .filter(|&j| results.get(j).is_none_or(|r| r.is_none()))
        .collect();
    let designs = (0..n_designs)
        .map(|d| {
            let of: Vec<&DrawRun> = results
                .iter()
                .skip(d)
                .step_by(n_designs)
                .flatten()
                .collect();
            let design = of.first().map_or_else(
                || {
                    sc.design
                        .get(d)
                        .map_or_else(|| sc.name.clone(), |x| x.name.clone())
                },
                |r| r.design.clone(),
            );
            let recs: Vec<RunRecord> = of.iter().map(|r| r.record.clone()).collect();
            let checks: Vec<Vec<ObjectiveCheck>> = of.iter().map(|r| r.checks.clone()).collect();
            let figures = FIGURES
                .iter()
                .map(|&f| {
                    let xs: Vec<f64> = recs.iter().filter_map(|r| r.figures.get(f)).collect();
                    (f, Dist::of(&xs))
                })
                .collect();
            DesignDraws {
                design,
                objectives: objectives_over(&checks),
                figures,
                runs: recs,
            }
        })
        .collect::<Vec<_>>();
    let ranges = sc
        .ranges
        .iter()
        .map(|r| {
            let drawn: Vec<f64> = designs
                .first()
                .map(|d| {
                    d.runs
                        .iter()
                        .filter_map(|x| x.values.get(&r.key).copied())
                        .collect()
                })
                .unwrap_or_default();
            range_report(r, Dist::of(&drawn))
        })
        .collect();
    MonteCarlo {
        schema_version: crate::metrics::SCHEMA_VERSION,
        scenario: sc.name.clone(),
        seed: sc.seed,
        runs,
        partial: (!missing.is_empty()).then(|| McPartial {
            cause,
            runs_present: total - missing.len(),
            missing_runs: missing
                .iter()
                .map(|&j| McMissing {
                    index: j,
                    run: j / n_designs,
                    design: sc
                        .design
                        .get(j % n_designs)
                        .map_or_else(|| sc.name.clone(), |d| d.name.clone()),
                })
                .collect(),
        }),
        percentile_estimator: PERCENTILE_ESTIMATOR,
        ci95_estimator: CI95_ESTIMATOR,
        meet_share: MEET_SHARE,
        ranges,
        designs,
    }
}

/// A Monte Carlo run as a shard file carries it, every figure exact.
#[derive(Serialize, Deserialize)]
struct DrawWire {
    design: String,
    run: usize,
    seed: u64,
    values: IndexMap<String, Exact>,
    figures: IndexMap<String, Option<Exact>>,
    checks: Vec<CheckLine>,
}

impl DrawRun {
    /// The run as a shard file's run line holds it.
    pub fn to_json(&self) -> serde_json::Value {
        let w = DrawWire {
            design: self.design.clone(),
            run: self.record.run,
            seed: self.record.seed,
            values: self
                .record
                .values
                .iter()
                .map(|(k, v)| (k.clone(), Exact(*v)))
                .collect(),
            figures: FIGURES
                .iter()
                .map(|f| (f.to_string(), exact(self.record.figures.get(f))))
                .collect(),
            checks: self.checks.iter().map(CheckLine::of).collect(),
        };
        serde_json::to_value(&w).unwrap_or(serde_json::Value::Null)
    }

    /// [`DrawRun::to_json`]'s inverse.
    pub fn from_json(v: serde_json::Value) -> Result<DrawRun, String> {
        let w: DrawWire = serde_json::from_value(v).map_err(|e| e.to_string())?;
        let mut figures = Figures::default();
        for (k, v) in &w.figures {
            if !figures.set(k, inexact(*v)) {
                return Err(format!("`{k}` is not a Monte Carlo figure"));
            }
        }
        Ok(DrawRun {
            design: w.design,
            record: RunRecord {
                run: w.run,
                seed: w.seed,
                values: w.values.into_iter().map(|(k, v)| (k, v.0)).collect(),
                figures,
            },
            checks: w
                .checks
                .iter()
                .map(CheckLine::check)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// A range for the report: its fit and what the runs drew.
pub fn range_report(r: &RangeInput, drawn: Option<Dist>) -> RangeReport {
    let (distribution, alpha, beta) = match r.dist {
        RangeDist::Beta { alpha, beta, .. } => ("beta", Some(round3(alpha)), Some(round3(beta))),
        RangeDist::Window { .. } => ("load-weighted window", None, None),
    };
    let (a, b) = r.support();
    RangeReport {
        key: r.key.clone(),
        low: r.low,
        mid: r.mid,
        high: r.high,
        confidence: r.confidence,
        distribution,
        alpha,
        beta,
        support: [round3(a), round3(b)],
        drawn,
    }
}

/// Whether a range moves a fault (its `at_s`).
pub fn is_fault_time(t: RangeTarget) -> bool {
    matches!(t, RangeTarget::FaultAt(_))
}

/// `montecarlo.json`.
pub fn to_json(m: &MonteCarlo) -> String {
    let mut s = serde_json::to_string_pretty(m).unwrap_or_default();
    s.push('\n');
    s
}

fn cell(d: &Option<Dist>) -> [String; 5] {
    match d {
        Some(d) => [
            crate::report::f(d.mean),
            crate::report::f(d.p50),
            crate::report::f(d.p95),
            crate::report::f(d.p99),
            format!(
                "{} – {}",
                crate::report::f(d.ci95[0]),
                crate::report::f(d.ci95[1])
            ),
        ],
        None => std::array::from_fn(|_| "–".to_string()),
    }
}

/// What a partial Monte Carlo (Ctrl-C, or `ktopo merge --allow-partial`)
/// lacks, or None (top of `montecarlo.md` and `montecarlo.html`).
pub fn partial_note(m: &MonteCarlo) -> Option<String> {
    let p = m.partial.as_ref()?;
    let mut list: Vec<String> = p.missing_runs.iter().map(|x| x.run.to_string()).collect();
    list.dedup();
    Some(format!(
        "Partial Monte Carlo ({}): {} of {} runs made; runs {} are missing, and every distribution is over the runs present.",
        p.cause,
        p.runs_present,
        p.runs_present + p.missing_runs.len(),
        list.join(", ")
    ))
}

/// `montecarlo.md`.
pub fn markdown(m: &MonteCarlo) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Monte Carlo: {}\n", m.scenario);
    let _ = writeln!(
        s,
        "{} runs from seed {} (run i's seed is a hash of the seed and i). Percentiles: {}; ci95: {}. An objective is met when at least {:.0} % of the draws meet it.\n",
        m.runs,
        m.seed,
        m.percentile_estimator,
        m.ci95_estimator,
        m.meet_share * 100.0
    );
    if let Some(note) = partial_note(m) {
        let _ = writeln!(s, "**{note}**\n");
    }
    if !m.ranges.is_empty() {
        let _ = writeln!(
            s,
            "| range | low | mid | high | confidence | distribution | support | drawn mean | drawn p50 | drawn p95 |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
        for r in &m.ranges {
            let fit = match (r.alpha, r.beta) {
                (Some(a), Some(b)) => format!("beta(α {a}, β {b})"),
                _ => r.distribution.to_string(),
            };
            let c = cell(&r.drawn);
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {fit} | {} – {} | {} | {} | {} |",
                r.key,
                r.low,
                r.mid,
                r.high,
                r.confidence,
                r.support[0],
                r.support[1],
                c[0],
                c[1],
                c[2]
            );
        }
        s.push('\n');
    }
    for d in &m.designs {
        let _ = writeln!(s, "## {}\n", d.design);
        let _ = writeln!(
            s,
            "| figure | runs | mean | p50 | p95 | p99 | ci95 of the mean |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for (k, v) in &d.figures {
            let c = cell(v);
            let n = v.as_ref().map_or(0, |d| d.n);
            let _ = writeln!(
                s,
                "| {k} | {n} | {} | {} | {} | {} | {} |",
                c[0], c[1], c[2], c[3], c[4]
            );
        }
        if !d.objectives.is_empty() {
            s.push('\n');
            let _ = writeln!(s, "| objective | bound | draws met | verdict |");
            let _ = writeln!(s, "|---|---|---|---|");
            for o in &d.objectives {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    o.objective,
                    o.bound,
                    o.met_share
                        .map_or("not measured".into(), |x| format!("{:.1} %", x * 100.0)),
                    match o.met {
                        Some(true) => "met",
                        Some(false) => "**missed**",
                        None => "–",
                    }
                );
            }
        }
        s.push('\n');
    }
    s
}

/// `montecarlo.html`: the same tables, self-contained.
pub fn html(m: &MonteCarlo) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Monte Carlo: {}</title><style>{}</style></head><body><main>",
        esc(&m.scenario),
        crate::report::CSS
    );
    let _ = write!(
        s,
        "<h1>Monte Carlo: {}</h1><p>{} runs from seed {}. Percentiles: {}; ci95: {}. An objective is met when at least {:.0} % of the draws meet it.</p>",
        esc(&m.scenario),
        m.runs,
        m.seed,
        esc(m.percentile_estimator),
        esc(m.ci95_estimator),
        m.meet_share * 100.0
    );
    if let Some(note) = partial_note(m) {
        let _ = write!(s, "<p><strong>{}</strong></p>", esc(&note));
    }
    if !m.ranges.is_empty() {
        s.push_str("<h2>Ranges</h2><table><tr><th>range</th><th>low</th><th>mid</th><th>high</th><th>confidence</th><th>distribution</th><th>support</th><th>drawn mean</th><th>drawn p50</th><th>drawn p95</th></tr>");
        for r in &m.ranges {
            let c = cell(&r.drawn);
            let fit = match (r.alpha, r.beta) {
                (Some(a), Some(b)) => format!("beta(α {a}, β {b})"),
                _ => r.distribution.to_string(),
            };
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.key),
                r.low,
                r.mid,
                r.high,
                r.confidence,
                esc(&fit),
                r.support[0],
                r.support[1],
                c[0],
                c[1],
                c[2]
            );
        }
        s.push_str("</table>");
    }
    for d in &m.designs {
        let _ = write!(
            s,
            "<h2>{}</h2><table><tr><th>figure</th><th>runs</th><th>mean</th><th>p50</th><th>p95</th><th>p99</th><th>ci95 of the mean</th></tr>",
            esc(&d.design)
        );
        for (k, v) in &d.figures {
            let c = cell(v);
            let n = v.as_ref().map_or(0, |d| d.n);
            let _ = write!(
                s,
                "<tr><td>{k}</td><td>{n}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c[0], c[1], c[2], c[3], c[4]
            );
        }
        s.push_str("</table>");
        if !d.objectives.is_empty() {
            s.push_str("<table><tr><th>objective</th><th>bound</th><th>draws met</th><th>verdict</th></tr>");
            for o in &d.objectives {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    o.objective,
                    esc(&o.bound),
                    o.met_share
                        .map_or("not measured".into(), |x| format!("{:.1} %", x * 100.0)),
                    match o.met {
                        Some(true) => "met",
                        Some(false) => "<strong>missed</strong>",
                        None => "–",
                    }
                );
            }
            s.push_str("</table>");
        }
    }
    s.push_str("</main></body></html>\n");
    s
}

/// Write `montecarlo.{json,md,html}` under `out/<scenario name>/`; returns the folder.
pub fn write(m: &MonteCarlo, out: &Path) -> io::Result<PathBuf> {
    let dir = out.join(safe_name(&m.scenario));
    write_atomic(&dir.join("montecarlo.json"), &to_json(m))?;
    write_atomic(&dir.join("montecarlo.md"), &markdown(m))?;
    write_atomic(&dir.join("montecarlo.html"), &html(m))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_of_known_values() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        let d = Dist::of(&xs).unwrap();
        assert_eq!(d.mean, 50.5);
        assert_eq!(d.p50, 50.5);
        // t(0.975, 99) = 1.984; s = 29.011; half-width 5.757.
        assert!((d.ci95[0] - 44.743).abs() < 0.01, "{:?}", d.ci95);
        assert_eq!(Dist::of(&[3.0]).unwrap().ci95, [3.0, 3.0]);
        assert!(Dist::of(&[]).is_none());
    }

    #[test]
    fn seeds_are_stable_and_distinct() {
        assert_eq!(run_seed(42, 0), run_seed(42, 0));
        assert_ne!(run_seed(42, 0), run_seed(42, 1));
        assert_ne!(uniform(1, "link[0].rtt_ms"), uniform(1, "link[1].rtt_ms"));
    }
}
