//! `ktopo sweep`: run every variant of a [`SweepPlan`] (each design, each seed)
//! on a small pool of threads and collect, per variant and design, the figures
//! architects compare. The figures are read from the same structures the
//! comparison report uses (`compare::row` of each outcome and the report's
//! `Summary`), never recomputed from the model.
//!
//! Runs are independent and deterministic; results are stored by run index, so
//! the output is the same bytes whatever the number of threads.

mod html;
pub use html::sweep_html;

use crate::compare;
use crate::metrics::{Outcome, SCHEMA_VERSION, round3};
use crate::montecarlo::{Dist, RangeReport};
use crate::report::{SIMPLIFICATIONS, Summary, f, objectives, simplifications};
use crate::scenario::{ParamSource, SweepParam, SweepPlan, SweepValue, show_value, toml_value};
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt::Write as _;

/// A figure: whole numbers are written without a fraction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 9e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

/// A figure of one design at one variant: the mean over the variant's
/// seeds, or with `--runs N` its distribution over the N Monte Carlo draws
/// (`{"n", "mean", "p50", "p95", "p99", "ci95": [lo, hi]}`,
/// [`montecarlo::Dist`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    Mean(Num),
    Dist(Dist),
}

impl Figure {
    /// The mean (what the summary, the charts and the table's first number read).
    pub fn mean(&self) -> f64 {
        match self {
            Figure::Mean(n) => n.0,
            Figure::Dist(d) => d.mean,
        }
    }
}

/// What one output is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputDef {
    /// Key of the output in every result's `outputs`, e.g. `produce_p99_ms[dc1,acks=all]`.
    pub id: String,
    pub label: String,
    pub unit: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignInfo {
    pub design: String,
    pub kind: String,
    pub tool: Option<String>,
    pub topology: Option<String>,
}

/// One design's figures at one variant: the mean over the variant's seeds.
#[derive(Clone, Debug, Serialize)]
pub struct PointResult {
    pub design: String,
    /// By output id, in `Sweep::outputs` order; null where it does not
    /// apply. The mean over the seeds, or with `--runs N` the distribution
    /// over the draws.
    pub outputs: IndexMap<String, Option<Figure>>,
    /// With several seeds: `[min, max]` of each output over the seeds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<IndexMap<String, Option<[Num; 2]>>>,
    /// Kernel events, all seeds together.
    pub events_processed: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct VariantResult {
    pub index: usize,
    /// One value per parameter, in `Sweep::parameters` order.
    pub values: Vec<SweepValue>,
    /// The seed of each run of the variant: its seeds, or with `--runs N`
    /// each draw's seed.
    pub seeds: Vec<u64>,
    /// One per design, in `Sweep::designs` order.
    pub designs: Vec<PointResult>,
}

/// A finished sweep: what `sweep.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub schema_version: u32,
    pub scenario: String,
    pub description: String,
    /// The first seed of every variant.
    pub seed: u64,
    pub seeds_per_variant: u32,
    /// `--runs N`: every (variant, design) is N Monte Carlo draws of the
    /// file's ranges, and every figure a distribution over them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<SweepDraws>,
    pub duration_s: f64,
    pub runs: usize,
    /// Set only when `ktopo merge --allow-partial` built the sweep with runs
    /// missing, or Ctrl-C stopped `ktopo sweep` before every run was made:
    /// the report then says so (md, html and json).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
    pub parameters: Vec<SweepParam>,
    pub designs: Vec<DesignInfo>,
    pub outputs: Vec<OutputDef>,
    /// Sentences derived from the results (the report's opening paragraph).
    pub summary: Vec<String>,
    pub variants: Vec<VariantResult>,
    /// Indices into `report::SIMPLIFICATIONS` that matter for some run.
    #[serde(skip)]
    pub simplifications: Vec<usize>,
}

/// How a sweep with `--runs N` draws and summarises.
#[derive(Clone, Debug, Serialize)]
pub struct SweepDraws {
    /// Draws per variant and design.
    pub draws: usize,
    pub percentile_estimator: &'static str,
    pub ci95_estimator: &'static str,
    /// The file's ranges, and the values the first variant's draws took (a
    /// swept key is no range in the variants that set it).
    pub ranges: Vec<RangeReport>,
}

/// The runs a partial sweep lacks.
#[derive(Clone, Debug, Serialize)]
pub struct Partial {
    /// Runs whose results are present, of `Sweep::runs`.
    pub runs_present: usize,
    /// Indices (0-based, as in `ktopo sweep --list`) of the runs missing.
    pub missing_runs: Vec<usize>,
}

/// A run that failed, and which.
#[derive(Clone, Debug)]
pub struct SweepError {
    pub variant: usize,
    pub assignment: String,
    pub design: String,
    pub seed: u64,
    pub message: String,
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "variant {} ({}), design {}, seed {}: {}",
            self.variant, self.assignment, self.design, self.seed, self.message
        )
    }
}

/// What one run measured, in output order: everything the sweep's report
/// needs of a run, so that a report assembled from runs that were serialized
/// (a shard's JSON Lines, `ktopo merge`) is the same bytes as one assembled
/// from runs made in this process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    info: DesignInfo,
    #[serde(with = "exact_figures")]
    values: Vec<(OutputDef, Option<f64>)>,
    events: u64,
    /// Bit `i % 64` set for each entry `i` of `report::SIMPLIFICATIONS` that matters.
    simplifications: u64,
    /// With `--runs N`: the value each range of the file took in this draw
    /// (finite numbers, which JSON carries exactly).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    drawn: IndexMap<String, f64>,
}

/// Figures through JSON without loss: a finite number as JSON writes it (the
/// shortest decimal that reads back to the same `f64`; serde_json's
/// `float_roundtrip` reads it back exactly), and a non-finite one, which JSON
/// has no number for, as the string `"inf"`, `"-inf"` or `"nan"` (a plain
/// serde_json would write null and the figure would come back as absent).
mod exact_figures {
    use super::{Deserialize, Deserializer, OutputDef, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Fig {
        Num(f64),
        Word(String),
    }

    fn fig(v: f64) -> Fig {
        if v.is_finite() {
            Fig::Num(v)
        } else if v.is_nan() {
            Fig::Word("nan".into())
        } else if v > 0.0 {
            Fig::Word("inf".into())
        } else {
            Fig::Word("-inf".into())
        }
    }

    pub fn serialize<S: Serializer>(
        values: &[(OutputDef, Option<f64>)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let v: Vec<(&OutputDef, Option<Fig>)> =
            values.iter().map(|(d, v)| (d, v.map(fig))).collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(OutputDef, Option<f64>)>, D::Error> {
        let v: Vec<(OutputDef, Option<Fig>)> = Vec::deserialize(d)?;
        v.into_iter()
            .map(|(def, x)| {
                let x = match x {
                    None => None,
                    Some(Fig::Num(n)) => Some(n),
                    Some(Fig::Word(w)) => Some(match w.as_str() {
                        "inf" => f64::INFINITY,
                        "-inf" => f64::NEG_INFINITY,
                        "nan" => f64::NAN,
                        _ => {
                            return Err(serde::de::Error::custom(format!("`{w}` is not a figure")));
                        }
                    }),
                };
                Ok((def, x))
            })
            .collect()
    }
}

fn def(id: String, label: String, unit: &str) -> OutputDef {
    OutputDef {
        id,
        label,
        unit: unit.into(),
    }
}

/// The figures of one design's outcome.
fn measure(plan_sc: &crate::scenario::Scenario, d: usize, o: &Outcome) -> RunResult {
    let row = compare::row(plan_sc, d, o);
    let sum = Summary::of(o);
    let mut values: Vec<(OutputDef, Option<f64>)> = Vec::new();
    // Produce p99 per (site, acks): the worst topic of the site.
    for (site, _, acks, p99) in &sum.produce_p99 {
        let id = format!("produce_p99_ms[{site},acks={acks}]");
        match values.iter_mut().find(|(d, _)| d.id == id) {
            Some((_, v)) => *v = Some(v.map_or(*p99, |x: f64| x.max(*p99))),
            None => values.push((
                def(id, format!("produce p99 at {site} (acks={acks})"), "ms"),
                Some(*p99),
            )),
        }
    }
    let faults = &row.faults;
    let some_faults = !faults.is_empty();
    values.push((
        def(
            "write_availability_pct".into(),
            "write availability".into(),
            "%",
        ),
        sum.availability_pct.map(round3),
    ));
    values.push((
        def(
            "unavailable_partition_s".into(),
            "unavailable partition-seconds".into(),
            "partition·s",
        ),
        Some(row.unavailable_partition_s),
    ));
    values.push((
        def(
            "lost_acked_records".into(),
            "lost acknowledged records (in the cluster)".into(),
            "records",
        ),
        Some(row.lost_acked_records as f64),
    ));
    values.push((
        def(
            "rpo_records_max".into(),
            "RPO, worst fault".into(),
            "records",
        ),
        some_faults.then(|| faults.iter().map(|x| x.rpo_records).max().unwrap_or(0) as f64),
    ));
    values.push((
        def("rpo_s_max".into(), "RPO age, worst fault".into(), "s"),
        some_faults.then(|| faults.iter().map(|x| x.rpo_s).fold(0.0, f64::max)),
    ));
    for x in faults {
        values.push((
            def(
                format!("rto_s[fault {}]", x.index),
                format!("RTO, fault {} ({} {})", x.index, x.kind, x.subject),
                "s",
            ),
            x.rto_s,
        ));
    }
    values.push((
        def(
            "duplicates".into(),
            "duplicates re-read, all faults".into(),
            "records",
        ),
        some_faults.then(|| faults.iter().map(|x| x.duplicates).sum::<u64>() as f64),
    ));
    values.push((
        def(
            "replication_lag_p99_ms".into(),
            "replication lag p99".into(),
            "ms",
        ),
        row.replication_lag_p99_ms,
    ));
    values.push((
        def(
            "replication_lag_s_max".into(),
            "replication lag max".into(),
            "s",
        ),
        row.replication_lag_s_max,
    ));
    values.push((
        def(
            "link_utilization_max".into(),
            "peak link utilization".into(),
            "fraction of capacity",
        ),
        Some(row.link_utilization_max),
    ));
    values.push((
        def("cost_usd_month".into(), "cost per month".into(), "USD"),
        row.cost_usd_month,
    ));
    // The scenario's [objectives], judged per variant as the verdict does.
    let checks = objectives(&plan_sc.objectives, &sum);
    if !checks.is_empty() {
        values.push((
            def(
                "objectives_missed".into(),
                "objectives missed".into(),
                "count",
            ),
            Some(checks.iter().filter(|c| c.met == Some(false)).count() as f64),
        ));
    }
    let name = o.design.clone();
    let mut mask = 0u64;
    for s in simplifications(plan_sc, &[(name.as_str(), o)]) {
        // SIMPLIFICATIONS is a constant: compare entries, not addresses.
        if let Some(i) = SIMPLIFICATIONS
            .iter()
            .position(|x| x.mechanism == s.mechanism && x.text == s.text)
        {
            mask |= 1 << (i % 64);
        }
    }
    RunResult {
        info: DesignInfo {
            design: row.design,
            kind: row.kind,
            tool: row.tool,
            topology: row.topology,
        },
        values,
        events: o.events_processed,
        simplifications: mask,
        drawn: IndexMap::new(),
    }
}

/// Where run `j` of the plan sits: (variant, seed or draw number, design).
fn coordinates(plan: &SweepPlan, j: usize) -> (usize, usize, usize) {
    let designs = plan.base.design.len().max(1);
    let repeats = plan.repeats().max(1);
    (
        j / (designs * repeats),
        (j / designs) % repeats,
        j % designs,
    )
}

/// The seed of run number `k` (a seed or draw number) of a variant seeded
/// `seed`: `seed + k`, or with `--runs N` draw `k`'s seed
/// ([`montecarlo::run_seed`](crate::montecarlo::run_seed), as `simulate --runs`
/// gives it).
fn repeat_seed(plan: &SweepPlan, seed: u64, k: usize) -> u64 {
    match plan.draws {
        Some(_) => crate::montecarlo::run_seed(seed, k),
        None => seed.wrapping_add(k as u64),
    }
}

/// The manifest of the plan: every run's index (0-based, the order the
/// report is built in), key and seed. A run's seed is the seed of its variant
/// (the scenario's `seed`, or `--seed`, or the swept value when `seed` is a
/// parameter) plus its seed number (`--seeds`), or with `--runs N` draw k's
/// seed, `montecarlo::run_seed(variant seed, k)`: it depends on what the run
/// is, never on its index, N, the number of shards or the order runs are made
/// in, and every variant and design of a seed (or draw) number shares it
/// (common random numbers: the same draws of the ranges, so that variants
/// differ only by their values).
pub fn manifest(plan: &SweepPlan) -> Vec<crate::shard::RunSpec> {
    (0..plan.runs())
        .map(|j| {
            let (vi, k, d) = coordinates(plan, j);
            let v = &plan.variants[vi];
            let seed = repeat_seed(plan, v.scenario.seed, k);
            let design = plan
                .base
                .design
                .get(d)
                .map_or_else(|| "stretched".to_string(), |x| x.name.clone());
            let mut parameters = IndexMap::new();
            for (p, &c) in plan.parameters.iter().zip(&v.choice) {
                parameters.insert(
                    p.key.clone(),
                    serde_json::to_value(&p.values[c]).unwrap_or(serde_json::Value::Null),
                );
            }
            parameters.insert(
                "design".to_string(),
                serde_json::Value::String(design.clone()),
            );
            let key = match plan.draws {
                Some(_) => {
                    parameters.insert("draw".to_string(), serde_json::json!(k));
                    format!("{}; design {design}; draw {k}", plan.describe(v))
                }
                None => format!("{}; design {design}; seed {seed}", plan.describe(v)),
            };
            crate::shard::RunSpec {
                index: j,
                key,
                seed,
                parameters,
            }
        })
        .collect()
}

/// Run `(variant, seed, design)` number `j` of the plan.
fn run_one(plan: &SweepPlan, j: usize) -> Result<RunResult, SweepError> {
    let (vi, k, d) = coordinates(plan, j);
    let v = &plan.variants[vi];
    let fail = |seed: u64, message: String| SweepError {
        variant: v.index,
        assignment: plan.describe(v),
        design: plan
            .base
            .design
            .get(d)
            .map_or("stretched".into(), |x| x.name.clone()),
        seed,
        message,
    };
    // With --runs: the variant's ranges drawn as `simulate --runs` draws them.
    let (sc, drawn) = match plan.draws {
        Some(_) => crate::montecarlo::draw(&v.scenario, k)
            .map_err(|e| fail(repeat_seed(plan, v.scenario.seed, k), e))?,
        None => {
            let mut sc = v.scenario.clone();
            sc.seed = repeat_seed(plan, sc.seed, k);
            (sc, IndexMap::new())
        }
    };
    let fail = |message: String| fail(sc.seed, message);
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compare::run_design(&sc, d)));
    match result {
        Ok(Ok(o)) => Ok(RunResult {
            drawn,
            ..measure(&sc, d, &o)
        }),
        Ok(Err(e)) => Err(fail(e.to_string())),
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            Err(fail(format!("internal error in the simulator: {what}")))
        }
    }
}

pub use crate::pool::{MAX_JOBS, default_jobs, par_runs};

/// Run every variant on `jobs` threads (at least one, at most [`MAX_JOBS`] and
/// the number of runs), through [`par_runs`]. `progress(done, total)` is
/// called on this thread after each run. On failure the first failed run (in
/// plan order) is returned, the same whatever `jobs` is.
pub fn run(
    plan: &SweepPlan,
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Sweep, SweepError> {
    let all: Vec<usize> = (0..plan.runs()).collect();
    let runs = run_selected(plan, &all, jobs, progress)?;
    // By index: after Ctrl-C some runs are missing and the sweep is partial.
    let mut slots: Vec<Option<RunResult>> = all.iter().map(|_| None).collect();
    for (j, r) in runs {
        slots[j] = Some(r);
    }
    Ok(assemble(plan, &slots))
}

/// Run the runs of the plan numbered `indices` (as in [`manifest`]) on `jobs`
/// threads, through [`par_runs`]; returns each with its index, in the order
/// of `indices`. On failure the first failed run (in the order of `indices`).
/// A shard (`ktopo sweep --shard`) runs its share of the plan with this.
pub fn run_selected(
    plan: &SweepPlan,
    indices: &[usize],
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<(usize, RunResult)>, SweepError> {
    crate::pool::run_indices(indices, jobs, |j| run_one(plan, j), progress)
}

/// The sweep of `plan` from its runs' results, by run index (as in
/// [`manifest`]), whatever made them: this process ([`run`]) or shards read
/// back by `ktopo merge`. Means and spreads per (variant, design); outputs
/// that never apply dropped. A run that is None is missing: the sweep is
/// then marked [`Partial`], and its means are over the runs present.
pub fn assemble(plan: &SweepPlan, runs: &[Option<RunResult>]) -> Sweep {
    let designs = plan.base.design.len().max(1);
    let seeds = plan.repeats().max(1);
    let missing: Vec<usize> = (0..plan.runs())
        .filter(|&j| runs.get(j).is_none_or(|r| r.is_none()))
        .collect();
    let present: Vec<&RunResult> = runs.iter().flatten().collect();
    // Output definitions: first appearance in run order, produce outputs first.
    let mut outputs: Vec<OutputDef> = Vec::new();
    for m in &present {
        for (d, _) in &m.values {
            if !outputs.iter().any(|o| o.id == d.id) {
                let at = if d.id.starts_with("produce_p99_ms[") {
                    outputs
                        .iter()
                        .position(|o| !o.id.starts_with("produce_p99_ms["))
                        .unwrap_or(outputs.len())
                } else {
                    outputs.len()
                };
                outputs.insert(at, d.clone());
            }
        }
    }
    let applies = |id: &str| {
        present
            .iter()
            .any(|m| m.values.iter().any(|(d, v)| d.id == id && v.is_some()))
    };
    outputs.retain(|o| applies(&o.id));
    // Each design as its first run present describes it (its runs in a
    // complete sweep); a design with no run at all is known by name only.
    let infos: Vec<DesignInfo> = (0..designs)
        .map(|d| {
            runs.iter()
                .skip(d)
                .step_by(designs)
                .flatten()
                .next()
                .map_or_else(
                    || DesignInfo {
                        design: plan
                            .base
                            .design
                            .get(d)
                            .map_or_else(|| "stretched".to_string(), |x| x.name.clone()),
                        kind: "not run".into(),
                        tool: None,
                        topology: None,
                    },
                    |m| m.info.clone(),
                )
        })
        .collect();
    let mut mask = 0u64;
    let mut variants = Vec::new();
    for (vi, v) in plan.variants.iter().enumerate() {
        let mut points = Vec::new();
        for (d, info) in infos.iter().enumerate() {
            let of_seeds: Vec<&RunResult> = (0..seeds)
                .filter_map(|k| runs.get((vi * seeds + k) * designs + d)?.as_ref())
                .collect();
            let mut outs = IndexMap::new();
            let mut spread = IndexMap::new();
            for o in &outputs {
                let xs: Vec<f64> = of_seeds
                    .iter()
                    .filter_map(|m| {
                        m.values
                            .iter()
                            .find(|(d, _)| d.id == o.id)
                            .and_then(|(_, v)| *v)
                    })
                    // A non-finite figure (an infinite price, say) is no figure.
                    .filter(|x| x.is_finite())
                    .collect();
                let figure = match plan.draws {
                    Some(_) => Dist::of(&xs).map(Figure::Dist),
                    None => (!xs.is_empty()).then(|| {
                        Figure::Mean(Num(round3(xs.iter().sum::<f64>() / xs.len() as f64)))
                    }),
                };
                outs.insert(o.id.clone(), figure);
                let lo = xs.iter().copied().reduce(f64::min);
                let hi = xs.iter().copied().reduce(f64::max);
                spread.insert(
                    o.id.clone(),
                    lo.zip(hi).map(|(a, b)| [Num(round3(a)), Num(round3(b))]),
                );
            }
            for m in &of_seeds {
                mask |= m.simplifications;
            }
            points.push(PointResult {
                design: of_seeds
                    .first()
                    .map_or_else(|| info.design.clone(), |m| m.info.design.clone()),
                outputs: outs,
                spread: (plan.draws.is_none() && seeds > 1).then_some(spread),
                events_processed: of_seeds.iter().map(|m| m.events).sum(),
            });
        }
        variants.push(VariantResult {
            index: v.index,
            values: plan
                .parameters
                .iter()
                .zip(&v.choice)
                .map(|(p, &c)| p.values[c].clone())
                .collect(),
            seeds: (0..seeds)
                .map(|k| repeat_seed(plan, v.scenario.seed, k))
                .collect(),
            designs: points,
        });
    }
    let mut sweep = Sweep {
        schema_version: SCHEMA_VERSION,
        scenario: plan.base.name.clone(),
        description: plan.base.description.clone(),
        seed: plan.base.seed,
        seeds_per_variant: plan.seeds,
        monte_carlo: plan.draws.map(|n| SweepDraws {
            draws: n,
            percentile_estimator: crate::montecarlo::PERCENTILE_ESTIMATOR,
            ci95_estimator: crate::montecarlo::CI95_ESTIMATOR,
            ranges: plan
                .base
                .ranges
                .iter()
                .map(|r| {
                    // The first (variant, design) whose draws have the range.
                    let drawn: Vec<f64> = (0..plan.variants.len() * designs)
                        .map(|p| {
                            (0..seeds)
                                .filter_map(|k| {
                                    let j = ((p / designs) * seeds + k) * designs + p % designs;
                                    runs.get(j)?.as_ref()?.drawn.get(&r.key).copied()
                                })
                                .collect::<Vec<f64>>()
                        })
                        .find(|xs| !xs.is_empty())
                        .unwrap_or_default();
                    crate::montecarlo::range_report(r, Dist::of(&drawn))
                })
                .collect(),
        }),
        duration_s: plan.base.duration_s,
        runs: plan.runs(),
        partial: (!missing.is_empty()).then_some(Partial {
            runs_present: present.len(),
            missing_runs: missing,
        }),
        parameters: plan.parameters.clone(),
        designs: infos,
        outputs,
        summary: Vec::new(),
        variants,
        simplifications: (0..SIMPLIFICATIONS.len())
            .filter(|i| mask & (1 << (i % 64)) != 0)
            .collect(),
    };
    sweep.summary = summarize(&sweep);
    sweep
}

impl Sweep {
    /// The mean of output `id` for design `d` at variant `v`.
    pub fn value(&self, v: usize, d: usize, id: &str) -> Option<f64> {
        self.variants
            .get(v)?
            .designs
            .get(d)?
            .outputs
            .get(id)?
            .as_ref()
            .map(Figure::mean)
    }

    /// The p95 over the draws of output `id` for design `d` at variant `v`
    /// (`--runs N` only).
    pub fn p95(&self, v: usize, d: usize, id: &str) -> Option<f64> {
        match self.variants.get(v)?.designs.get(d)?.outputs.get(id)? {
            Some(Figure::Dist(x)) => Some(x.p95),
            _ => None,
        }
    }

    /// Index of each parameter's value at variant `v`.
    pub fn choice(&self, v: usize) -> Vec<usize> {
        let lens: Vec<usize> = self.parameters.iter().map(|p| p.values.len()).collect();
        let mut c = vec![0; lens.len()];
        let mut index = v;
        for (i, &n) in lens.iter().enumerate().rev() {
            c[i] = index % n.max(1);
            index /= n.max(1);
        }
        c
    }

    /// Variants with every parameter but `p` at its first value, in `p`'s order.
    pub fn slice(&self, p: usize) -> Vec<usize> {
        (0..self.variants.len())
            .filter(|&v| {
                self.choice(v)
                    .iter()
                    .enumerate()
                    .all(|(i, &c)| i == p || c == 0)
            })
            .collect()
    }

    /// `key = value` of every parameter at variant `v`.
    pub fn assignment(&self, v: usize) -> String {
        let c = self.choice(v);
        self.parameters
            .iter()
            .zip(&c)
            .map(|(p, &k)| format!("{} = {}", p.key, show_value(&p.values[k])))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn output(&self, id: &str) -> Option<&OutputDef> {
        self.outputs.iter().find(|o| o.id == id)
    }
}

/// A figure for text: whole numbers without a fraction, others as the reports write them.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        f(v)
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "%" => format!("{} %", num(v)),
        "ms" | "s" => format!("{} {unit}", num(v)),
        "USD" => format!("{} USD", num(v)),
        _ => num(v),
    }
}

/// Round numbers (1, 2, 5 × 10^k) in (lo, hi], largest first.
fn thresholds(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    if !(hi > lo && hi > 0.0 && hi.is_finite()) {
        return out;
    }
    let mut p = 10f64.powf(hi.log10().floor());
    for _ in 0..12 {
        for m in [5.0, 2.0, 1.0] {
            let t = m * p;
            if t > lo && t <= hi {
                out.push(t);
            }
        }
        p /= 10.0;
    }
    out
}

/// The round number a rising series is described by: the largest it crosses
/// before its last point and stays above, else the largest it reaches. Returns
/// (threshold, index of the first point at or above it, stays above).
fn crossing(ys: &[f64]) -> Option<(f64, usize, bool)> {
    let first = *ys.first()?;
    let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let at = |t: f64| {
        let k = ys.iter().position(|&y| y >= t)?;
        Some((t, k, ys[k..].iter().all(|&y| y >= t)))
    };
    let all: Vec<(f64, usize, bool)> = thresholds(first, hi).into_iter().filter_map(at).collect();
    all.iter()
        .find(|(_, k, stays)| *stays && k + 1 < ys.len())
        .or(all.first())
        .copied()
}

/// (variant, figure) pairs of one series.
type Points = Vec<(usize, f64)>;

/// The opening paragraph: facts read off the results, one sentence each.
fn summarize(s: &Sweep) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(mc) = &s.monte_carlo {
        out.push(format!(
            "Figures are means over {} Monte Carlo draws of the file's ranges.",
            mc.draws
        ));
    }
    let n = s.variants.len();
    let several = s.designs.len() > 1;
    let swept: Vec<usize> = (0..s.parameters.len())
        .filter(|&p| s.parameters[p].values.len() > 1)
        .collect();
    for (d, info) in s.designs.iter().enumerate() {
        let who = if several {
            format!("{}: ", info.design)
        } else {
            String::new()
        };
        // Latency: per swept parameter, the acks=all producer whose p99 moves most.
        let produce: Vec<&OutputDef> = s
            .outputs
            .iter()
            .filter(|o| o.id.starts_with("produce_p99_ms["))
            .collect();
        let all: Vec<&OutputDef> = produce
            .iter()
            .copied()
            .filter(|o| o.id.ends_with(",acks=all]"))
            .collect();
        let pool = if all.is_empty() { produce } else { all };
        for &p in &swept {
            let slice = s.slice(p);
            // (output, (variant, p99) points, relative movement)
            let mut best: Option<(&OutputDef, Points, f64)> = None;
            for o in &pool {
                let pts: Vec<(usize, f64)> = slice
                    .iter()
                    .filter_map(|&v| s.value(v, d, &o.id).map(|y| (v, y)))
                    .collect();
                let lo = pts.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
                let hi = pts.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
                if pts.is_empty() {
                    continue;
                }
                let moves = if hi > 0.0 { (hi - lo) / hi } else { 0.0 };
                if best.as_ref().is_none_or(|b| moves > b.2) {
                    best = Some((o, pts, moves));
                }
            }
            if let Some((o, pts, _)) = best {
                let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
                    continue;
                };
                let key = &s.parameters[p].key;
                let at = |v: usize| show_value(&s.parameters[p].values[s.choice(v)[p]]);
                let lo = pts.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
                let hi = pts.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
                let mut t = if num(lo) == num(hi) {
                    format!(
                        "{who}{} stays at {} ms as {key} goes from {} to {}",
                        o.label,
                        num(lo),
                        at(first.0),
                        at(last.0)
                    )
                } else if hi - lo <= (0.05 * hi).max(0.5) {
                    format!(
                        "{who}{} stays between {} and {} ms as {key} goes from {} to {}",
                        o.label,
                        num(lo),
                        num(hi),
                        at(first.0),
                        at(last.0)
                    )
                } else {
                    format!(
                        "{who}{} goes from {} to {} ms as {key} goes from {} to {}",
                        o.label,
                        num(first.1),
                        num(last.1),
                        at(first.0),
                        at(last.0)
                    )
                };
                let ys: Vec<f64> = pts.iter().map(|x| x.1).collect();
                if hi - lo > (0.05 * hi).max(0.5)
                    && let Some((th, k, stays)) = crossing(&ys)
                {
                    let _ = write!(
                        t,
                        "; it {} {} ms at {}{}",
                        if stays { "crosses" } else { "first exceeds" },
                        num(th),
                        at(pts[k].0),
                        if stays && k + 1 < pts.len() {
                            " and stays above"
                        } else {
                            ""
                        }
                    );
                }
                out.push(format!("{t}."));
            }
        }
        // Loss of acknowledged data.
        let loss_id = if s.output("rpo_records_max").is_some() {
            "rpo_records_max"
        } else {
            "lost_acked_records"
        };
        let losing: Vec<usize> = (0..n)
            .filter(|&v| s.value(v, d, loss_id).is_some_and(|x| x > 0.0))
            .collect();
        let most = losing
            .iter()
            .filter_map(|&v| s.value(v, d, loss_id))
            .fold(0.0, f64::max);
        let at_fault = if loss_id == "rpo_records_max" {
            " at the worst fault"
        } else {
            ""
        };
        if losing.is_empty() {
            out.push(format!(
                "{who}no acknowledged record is lost in any variant."
            ));
        } else if losing.len() == n {
            out.push(format!(
                "{who}acknowledged records are lost in every variant (up to {} records{at_fault}).",
                num(most)
            ));
        } else {
            out.push(format!(
                "{who}acknowledged records are lost in {} of {n} variants (up to {} records{at_fault}){}.",
                losing.len(),
                num(most),
                condition(s, &losing)
            ));
        }
        // Write availability.
        if s.output("write_availability_pct").is_some() {
            let avail: Vec<(usize, f64)> = (0..n)
                .filter_map(|v| s.value(v, d, "write_availability_pct").map(|a| (v, a)))
                .collect();
            let worst = avail
                .iter()
                .copied()
                .fold(None::<(usize, f64)>, |b, x| match b {
                    Some(b) if b.1 <= x.1 => Some(b),
                    _ => Some(x),
                });
            let best = avail.iter().map(|x| x.1).fold(0.0, f64::max);
            if let Some((v, lo)) = worst {
                if lo >= 100.0 {
                    out.push(format!(
                        "{who}every write is acknowledged in every variant (write availability 100 %)."
                    ));
                } else if best - lo < 0.001 {
                    out.push(format!(
                        "{who}write availability is {} in every variant.",
                        with_unit(lo, "%")
                    ));
                } else {
                    out.push(format!(
                        "{who}write availability ranges from {} to {}, lowest at {}.",
                        with_unit(lo, "%"),
                        with_unit(best, "%"),
                        s.assignment(v)
                    ));
                }
            }
        }
    }
    if s.parameters.len() > 1 && !swept.is_empty() {
        out.push(
            "(Latencies against one parameter are read with the others at their first value.)"
                .into(),
        );
    }
    out
}

/// ", when k ≥ v" (or ≤, or "is a or b") when the variants `vs` are exactly
/// those where one parameter takes some of its values; else the values they share.
fn condition(s: &Sweep, vs: &[usize]) -> String {
    let n = s.variants.len();
    for (p, param) in s.parameters.iter().enumerate() {
        let k = param.values.len();
        if k < 2 {
            continue;
        }
        let mut set: Vec<usize> = vs.iter().map(|&v| s.choice(v)[p]).collect();
        set.sort_unstable();
        set.dedup();
        let exact = (0..n)
            .filter(|&v| set.binary_search(&s.choice(v)[p]).is_ok())
            .count()
            == vs.len();
        if !exact || set.len() == k {
            continue;
        }
        let xs: Option<Vec<f64>> = param
            .values
            .iter()
            .map(|v| match v {
                SweepValue::Int(i) => Some(*i as f64),
                SweepValue::Float(x) => Some(*x),
                _ => None,
            })
            .collect();
        if let Some(xs) = xs {
            let inside = |j: usize| set.binary_search(&j).is_ok();
            let lo = set.iter().map(|&j| xs[j]).fold(f64::INFINITY, f64::min);
            let hi = set.iter().map(|&j| xs[j]).fold(f64::NEG_INFINITY, f64::max);
            if (0..k).all(|j| inside(j) == (xs[j] >= lo)) {
                return format!(", when {} ≥ {}", param.key, num(lo));
            }
            if (0..k).all(|j| inside(j) == (xs[j] <= hi)) {
                return format!(", when {} ≤ {}", param.key, num(hi));
            }
        }
        let names: Vec<String> = set.iter().map(|&j| show_value(&param.values[j])).collect();
        return format!(", when {} is {}", param.key, names.join(" or "));
    }
    shared(s, vs)
}

/// ", all with k = v" for the parameter values every variant in `vs` shares.
fn shared(s: &Sweep, vs: &[usize]) -> String {
    let cs: Vec<Vec<usize>> = vs.iter().map(|&v| s.choice(v)).collect();
    let common: Vec<String> = s
        .parameters
        .iter()
        .enumerate()
        .filter(|(i, p)| p.values.len() > 1 && cs.iter().all(|c| c[*i] == cs[0][*i]))
        .map(|(i, p)| format!("{} = {}", p.key, show_value(&p.values[cs[0][i]])))
        .collect();
    if common.is_empty() {
        String::new()
    } else {
        format!(", all with {}", common.join(", "))
    }
}

pub fn to_json(s: &Sweep) -> String {
    let mut t = serde_json::to_string_pretty(s).expect("a Sweep always serializes");
    t.push('\n');
    t
}

/// For a partial sweep (`ktopo merge --allow-partial`, or Ctrl-C): which runs are
/// missing, for the top of `sweep.md` and `sweep.html`.
pub fn partial_note(s: &Sweep) -> Option<String> {
    Some(s.partial.as_ref()?.note(
        "sweep",
        s.runs,
        "the figures of their variants are over the runs present (or absent)",
    ))
}

impl Partial {
    /// `Partial WHAT: P of TOTAL runs present; runs … are missing, and CONSEQUENCE.`
    pub fn note(&self, what: &str, total: usize, consequence: &str) -> String {
        let list: Vec<String> = self.missing_runs.iter().map(|j| j.to_string()).collect();
        format!(
            "Partial {what}: {} of {total} runs present; runs {} are missing, and {consequence}.",
            self.runs_present,
            list.join(", ")
        )
    }
}

/// A cell: the mean, and with several seeds its range.
pub fn cell(s: &Sweep, v: usize, d: usize, id: &str) -> String {
    let Some(p) = s.variants.get(v).and_then(|x| x.designs.get(d)) else {
        return "–".into();
    };
    match p.outputs.get(id).cloned().flatten() {
        None => "–".into(),
        Some(Figure::Dist(d)) => format!("{} [p95 {}]", num(d.mean), num(d.p95)),
        Some(Figure::Mean(m)) => match p
            .spread
            .as_ref()
            .and_then(|sp| sp.get(id).copied().flatten())
        {
            Some([lo, hi]) if num(lo.0) != num(hi.0) => {
                format!("{} ({}–{})", num(m.0), num(lo.0), num(hi.0))
            }
            _ => num(m.0),
        },
    }
}

/// A column header: the output's label and unit.
pub fn header(o: &OutputDef) -> String {
    if o.unit.is_empty() {
        o.label.clone()
    } else {
        format!("{}, {}", o.label, o.unit)
    }
}

/// `sweep.md`: the summary, the parameters and one table row per variant and design.
pub fn markdown(s: &Sweep) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# {} — sweep\n", s.scenario);
    let _ = writeln!(
        t,
        "{} variant(s) × {} × {} design(s) = {} runs; seed {}, {} s simulated each.\n",
        s.variants.len(),
        repeats(s),
        s.designs.len(),
        s.runs,
        s.seed,
        s.duration_s
    );
    if let Some(note) = partial_note(s) {
        let _ = writeln!(t, "**{note}**\n");
    }
    let _ = writeln!(t, "{}\n", s.summary.join(" "));
    let _ = writeln!(t, "| parameter | key path | values | from |");
    let _ = writeln!(t, "|---|---|---|---|");
    for p in &s.parameters {
        let _ = writeln!(
            t,
            "| `{}` | `{}` | {} | {} |",
            p.key,
            p.path,
            p.values
                .iter()
                .map(show_value)
                .collect::<Vec<_>>()
                .join(", "),
            match p.source {
                ParamSource::File => "file",
                ParamSource::CommandLine => "--param",
            }
        );
    }
    if s.seeds_per_variant > 1 {
        let _ = writeln!(
            t,
            "\nEach figure is the mean over {} seeds, with the range (min–max) in parentheses when it varies.",
            s.seeds_per_variant
        );
    }
    if let Some(mc) = &s.monte_carlo {
        let _ = writeln!(t, "\n{}", draws_note(mc));
        if !mc.ranges.is_empty() {
            let _ = writeln!(
                t,
                "\n| range | low | mid | high | distribution | drawn mean | drawn p50 | drawn p95 |"
            );
            let _ = writeln!(t, "|---|---|---|---|---|---|---|---|");
            for r in &mc.ranges {
                let _ = writeln!(t, "| `{}` | {} |", r.key, range_row(r).join(" | "));
            }
        }
    }
    let _ = write!(t, "\n| variant |");
    for p in &s.parameters {
        let _ = write!(t, " {} |", p.key);
    }
    let _ = write!(t, " design |");
    for o in &s.outputs {
        let _ = write!(t, " {} |", header(o));
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "|---:|{}---|{}",
        "---|".repeat(s.parameters.len()),
        "---:|".repeat(s.outputs.len())
    );
    for (v, vr) in s.variants.iter().enumerate() {
        for (d, info) in s.designs.iter().enumerate() {
            let _ = write!(t, "| {} |", vr.index);
            for x in &vr.values {
                let _ = write!(t, " {} |", show_value(x));
            }
            let _ = write!(t, " {} |", info.design);
            for o in &s.outputs {
                let _ = write!(t, " {} |", cell(s, v, d, &o.id));
            }
            let _ = writeln!(t);
        }
    }
    t
}

/// "N seed(s)", or with `--runs N` "N Monte Carlo draw(s)".
pub fn repeats(s: &Sweep) -> String {
    match &s.monte_carlo {
        Some(mc) => format!("{} Monte Carlo draw(s)", mc.draws),
        None => format!("{} seed(s)", s.seeds_per_variant),
    }
}

/// What the cells of a sweep with `--runs N` are (sweep.md and sweep.html).
pub fn draws_note(mc: &SweepDraws) -> String {
    format!(
        "Each variant and design ran {} Monte Carlo draws of the file's ranges (draw k has the same seed and values in every variant and design: common random numbers). Each figure is the mean over the draws with its p95 in brackets; sweep.json gives each figure's mean, p50, p95, p99 and ci95 (percentiles: {}; ci95: {}).",
        mc.draws, mc.percentile_estimator, mc.ci95_estimator
    )
}

/// A range's row after its key, for tables: low, mid, high, the fitted
/// distribution, and the drawn values' mean, p50 and p95.
pub fn range_row(r: &RangeReport) -> [String; 7] {
    let fit = match (r.alpha, r.beta) {
        (Some(a), Some(b)) => format!("beta(α {a}, β {b}) on {} – {}", r.support[0], r.support[1]),
        _ => r.distribution.to_string(),
    };
    let drawn = |f: fn(&Dist) -> f64| r.drawn.as_ref().map_or("–".into(), |d| num(f(d)));
    [
        num(r.low),
        num(r.mid),
        num(r.high),
        fit,
        drawn(|d| d.mean),
        drawn(|d| d.p50),
        drawn(|d| d.p95),
    ]
}

/// The command that replays the sweep: the file, the seed, the seeds and the
/// parameters given on the command line.
pub fn replay(plan: &SweepPlan, file: &std::path::Path) -> String {
    let mut s = format!(
        "ktopo sweep {} --seed {}",
        crate::report::shell_quote(&file.display().to_string()),
        plan.base.seed
    );
    if plan.seeds > 1 {
        let _ = write!(s, " --seeds {}", plan.seeds);
    }
    if let Some(n) = plan.draws {
        let _ = write!(s, " --runs {n}");
    }
    for p in &plan.parameters {
        if p.source == ParamSource::CommandLine {
            let vals: Vec<String> = p.values.iter().map(toml_value).collect();
            let _ = write!(
                s,
                " --param {}",
                crate::report::shell_quote(&format!("{}={}", p.key, vals.join(",")))
            );
        }
    }
    s
}

/// Write `<out>/<safe scenario name>/sweep.{json,md,html}` atomically; returns
/// the directory.
pub fn write(
    s: &Sweep,
    base: &crate::scenario::Scenario,
    replay: &str,
    out: &std::path::Path,
) -> std::io::Result<std::path::PathBuf> {
    use crate::report::write_atomic;
    use crate::scenario::safe_name;
    let dir = out.join(safe_name(&s.scenario));
    write_atomic(&dir.join("sweep.json"), &to_json(s))?;
    write_atomic(&dir.join("sweep.md"), &markdown(s))?;
    write_atomic(&dir.join("sweep.html"), &sweep_html(s, base, replay))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_thresholds() {
        assert_eq!(thresholds(4.0, 82.0)[..3], [50.0, 20.0, 10.0]);
        assert!(thresholds(10.0, 10.0).is_empty());
        assert_eq!(thresholds(0.0, 0.3)[0], 0.2);
        // 27, 27, 31, 61, 147: 100 is only reached at the end; 50 from the 4th on.
        assert_eq!(
            crossing(&[27.0, 27.0, 31.0, 61.0, 147.0]),
            Some((50.0, 3, true))
        );
        assert_eq!(crossing(&[5.0, 30.0, 8.0]), Some((20.0, 1, false)));
        assert_eq!(crossing(&[5.0, 4.0]), None);
    }

    #[test]
    fn run_results_come_back_from_json_bit_for_bit() {
        // Figures a shard writes and merge reads must be the same f64s, or a
        // merged report could differ in its last digit: every finite value
        // (serde_json's float_roundtrip), -0, and the non-finite ones, which
        // JSON has no number for.
        let mut rng = crate::sim::SimRng::new(7);
        let mut xs: Vec<f64> = vec![
            0.0,
            -0.0,
            0.1 + 0.2,
            1e-310,
            f64::MIN_POSITIVE,
            f64::MAX,
            -f64::MAX,
            123456.789,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for _ in 0..2000 {
            // Any bit pattern but NaN's payloads (every NaN reads back as one).
            let x = f64::from_bits(rng.next_u64());
            if !x.is_nan() {
                xs.push(x);
            }
        }
        let def = |i: usize| OutputDef {
            id: format!("x{i}"),
            label: "x".into(),
            unit: "ms".into(),
        };
        let r = RunResult {
            info: DesignInfo {
                design: "d".into(),
                kind: "stretched".into(),
                tool: None,
                topology: None,
            },
            values: xs
                .iter()
                .enumerate()
                .map(|(i, &x)| (def(i), Some(x)))
                .chain([(def(usize::MAX), None), (def(0), Some(f64::NAN))])
                .collect(),
            events: u64::MAX,
            simplifications: 1 << 63,
            drawn: IndexMap::new(),
        };
        // The way of a shard file: to a JSON value, to a line; read back as
        // merge reads it, the line to a value, the value to a result.
        let text = serde_json::to_string(&serde_json::to_value(&r).unwrap()).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let back: RunResult = serde_json::from_value(value).unwrap();
        assert_eq!(back.values.len(), r.values.len());
        for ((_, a), (_, b)) in r.values.iter().zip(&back.values) {
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "{a:?} → {b:?}");
        }
        assert_eq!(
            (back.events, back.simplifications),
            (r.events, r.simplifications)
        );
        assert_eq!(back.info, r.info);
    }

    #[test]
    fn whole_numbers_have_no_fraction() {
        let j = serde_json::to_string(&[Num(3.0), Num(2.5), Num(-0.0)]).unwrap();
        assert_eq!(j, "[3,2.5,0]");
    }
}
