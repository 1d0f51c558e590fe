//! `ktopo plan`: which design for these sites, links and workload. The
//! planner generates candidates (`candidates`), each a complete scenario
//! document (the user's file with the planner's choices filled in), prunes
//! them with `check`'s static findings and its own static rules, simulates
//! the rest under a standard fault set with common random numbers (every
//! candidate runs the same cases with the same seed and fault times), and
//! ranks them: feasibility first (every objective met, with margins), then
//! least regret over the fault cases, then cost. docs/plan.md explains it.

mod candidates;
mod report;
pub mod size_link;

pub use candidates::{Candidate, bdp_buffer};
pub use report::{html, markdown, partial_note, to_json, write};

use crate::check::Level;
use crate::metrics::{Outcome, round3};
use crate::montecarlo::{Dist, MEET_SHARE, RangeReport};
use crate::report::{ObjectiveCheck, Summary, objectives};
use crate::scenario::{LoadProfile, Scenario};
use crate::shard::{CheckLine, Exact, exact, inexact};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::{Table, Value};

/// One simulated situation every candidate goes through.
#[derive(Clone, Debug, Serialize)]
pub struct Case {
    pub name: String,
    /// `peak` (no fault), `site-down`, `link-partition`, or `file`.
    pub kind: String,
    pub subject: Option<String>,
    pub at_s: Option<f64>,
    pub duration_s: Option<f64>,
    /// Simulated time of the run.
    pub run_s: f64,
    #[serde(skip)]
    faults: Vec<Table>,
}

/// What one candidate's run of one case measured.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub case: String,
    /// Worst RPO of the run (s of acknowledged writes lost, or for an
    /// asynchronous copy whose source stayed up, exposed: the copy's lag when
    /// the fault began, `rpo_lost_records` 0).
    pub rpo_s: f64,
    /// Acknowledged records the run lost: the records no replica kept, and
    /// those an asynchronous copy had not made when a site loss failed the
    /// applications over to it. Not a link fault's exposure (records the copy
    /// lacked when the link failed, while the source kept them: nothing is
    /// lost, only what losing the source then would lose).
    pub rpo_lost_records: u64,
    pub rto_s: Option<f64>,
    pub produce_p99_ms: Option<f64>,
    pub write_availability_pct: Option<f64>,
    pub unavailable_partition_s: f64,
    pub replication_lag_s_max: Option<f64>,
    pub catch_up_s: Option<f64>,
    /// Writes disrupted again once a fault was over (its link or site back):
    /// seconds, the most of any fault of the run; not part of `rto_s`.
    pub disrupted_after_end_s: Option<f64>,
    /// The busiest link direction `from→to` and its peak utilization (0–1).
    pub busiest_link: Option<String>,
    pub busiest_link_utilization: Option<f64>,
    pub cost_usd_month: Option<f64>,
    /// Objectives this case misses.
    pub objectives_missed: Vec<&'static str>,
    #[serde(skip)]
    checks: Vec<ObjectiveCheck>,
    #[serde(skip)]
    link_mbps: IndexMap<String, f64>,
}

/// One objective over every case of a candidate: its worst case.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectiveResult {
    pub objective: &'static str,
    pub bound: String,
    pub target: f64,
    pub actual: Option<f64>,
    /// None: no case measured it.
    pub met: Option<bool>,
    /// The case where it is worst.
    pub case: Option<String>,
    /// Room left before the bound, as a fraction of the bound's allowance
    /// (None when the bound is 0 or it is missed).
    pub margin: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `--runs N`: the share of draws that met it (its worst case in each draw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_share: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CandidateResult {
    /// 1 = best; None for a pruned or failed candidate.
    pub rank: Option<usize>,
    pub name: String,
    pub family: &'static str,
    pub tool: Option<String>,
    pub topology: Option<String>,
    pub replication_factor: u32,
    pub min_insync_replicas: u32,
    pub controllers: IndexMap<String, u32>,
    pub brokers: IndexMap<String, u32>,
    pub placement: String,
    /// Confluent observers per partition per site (stretched candidates with
    /// observers promoted `under-min-isr`); absent when none.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub observers: IndexMap<String, u32>,
    /// Copier settings the planner chose (Kafka names).
    pub copier: IndexMap<String, i64>,
    /// Broker settings the planner chose (Kafka names): a stretched or hybrid
    /// candidate's `replica.socket.receive.buffer.bytes` sized to its longest
    /// stretched link's bandwidth-delay product, when the file leaves it open
    /// and Kafka's 64 KiB default would not fill the link.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub broker: IndexMap<String, i64>,
    /// Capacity of each link the candidate's traffic crosses, Mbit/s each way.
    pub link_bandwidth_mbps: IndexMap<String, f64>,
    /// The recommended async or hybrid candidate: each WAN link sized by `size-link`
    /// (the peak; with a `catch_up_s` objective, after a cut of `[plan].outage_s`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_sizing: Option<Vec<size_link::LinkSize>>,
    /// `recommended`, `feasible`, `misses`, `pruned` or `failed`.
    pub status: &'static str,
    pub objectives: Vec<ObjectiveResult>,
    pub objectives_missed: Vec<&'static str>,
    /// Sum over missed objectives of the miss relative to the bound.
    pub shortfall: f64,
    /// Seconds of lost (RPO) and refused (RTO) writes beyond the best
    /// candidate of each case, summed over the cases.
    pub regret_s: Option<f64>,
    pub cost_usd_month: Option<f64>,
    /// Why it is pruned, or what it misses and the bottleneck.
    pub why: Vec<String>,
    pub cases: Vec<CaseResult>,
    /// A complete scenario that reproduces the candidate at the peak with
    /// `ktopo simulate` (add a case's `[[fault]]` to replay that case).
    pub scenario: String,
    /// `--runs N`: each figure's worst case per draw, over the draws; `cases`
    /// then holds the first draw's runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draws: Option<IndexMap<&'static str, Option<Dist>>>,
}

/// `--runs N` of a plan: how the draws were made and judged.
#[derive(Clone, Debug, Serialize)]
pub struct PlanDraws {
    pub runs: usize,
    /// An objective is met when at least this share of the draws meets it.
    pub meet_share: f64,
    /// How regret is taken over the draws.
    pub regret: &'static str,
    /// How the standard faults are placed on the load curve.
    pub fault_time: &'static str,
    /// The time of day (s into the load's period) each draw's faults hit.
    pub fault_phase_s: Vec<f64>,
    pub ranges: Vec<RangeReport>,
}

/// An objective no candidate meets, and the nearest candidates.
#[derive(Clone, Debug, Serialize)]
pub struct Unmet {
    pub objective: &'static str,
    pub bound: String,
    pub nearest: Vec<Near>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Near {
    pub candidate: String,
    pub actual: Option<f64>,
    pub case: Option<String>,
}

pub use crate::montecarlo::{INTERRUPTED, NOT_MERGED};

/// The runs a partial plan lacks (Ctrl-C, or `ktopo merge --allow-partial`).
#[derive(Clone, Debug, Serialize)]
pub struct PlanPartial {
    /// Why: [`INTERRUPTED`] or [`NOT_MERGED`].
    pub cause: &'static str,
    /// Runs whose results are present, of `Plan::runs`.
    pub runs_present: usize,
    pub missing_runs: Vec<MissingRun>,
}

/// A run not made: which candidate, case and (with `--runs N`) draw.
#[derive(Clone, Debug, Serialize)]
pub struct MissingRun {
    /// The run's index, as in `ktopo plan --list`.
    pub index: usize,
    pub candidate: String,
    pub case: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draw: Option<usize>,
}

/// What the planner tells its observer after each run (the progress bar).
#[derive(Clone, Debug, Default)]
pub struct PlanProgress {
    pub done: usize,
    pub total: usize,
    /// Candidates whose every run has finished, of `candidates` simulated.
    pub finished: usize,
    pub candidates: usize,
    /// The leader among the finished candidates by the plan's own ranking
    /// (`rank` over them alone), and whether it meets every objective. It
    /// depends on the order runs finish in; the report never does.
    pub leader: Option<String>,
    pub leader_feasible: bool,
}

/// `plan.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub schema_version: u32,
    pub scenario: String,
    pub seed: u64,
    pub cases: Vec<Case>,
    /// Simulations run.
    pub runs: usize,
    /// Set only when runs are missing (Ctrl-C stopped the plan, or `ktopo
    /// merge --allow-partial` lacked shards): their candidates are
    /// `unfinished`, not ranked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<PlanPartial>,
    /// The candidate to build, or null when none meets every objective.
    pub recommended: Option<String>,
    pub recommendation: String,
    pub unmet: Vec<Unmet>,
    /// `--runs N`: the Monte Carlo (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<PlanDraws>,
    pub candidates: Vec<CandidateResult>,
}

/// The cases of `sc`'s `[plan]`: the peak without a fault, each single-site
/// loss and each link cut (or the file's own faults).
pub fn cases(sc: &Scenario) -> Vec<Case> {
    let p = sc.plan.clone().unwrap_or_default();
    if p.faults == crate::scenario::PlanFaults::File {
        return vec![Case {
            name: "file".into(),
            kind: "file".into(),
            subject: None,
            at_s: None,
            duration_s: None,
            run_s: sc.duration_s,
            faults: Vec::new(),
        }];
    }
    let run_s = p.fault_at_s + p.outage_s + p.recovery_s;
    let fault = |kind: &str, key: &str, v: Value| {
        let mut t = Table::new();
        t.insert("kind".into(), Value::String(kind.into()));
        t.insert("at_s".into(), Value::Float(p.fault_at_s));
        t.insert("duration_s".into(), Value::Float(p.outage_s));
        t.insert(key.into(), v);
        t
    };
    let mut out = vec![Case {
        name: "peak".into(),
        kind: "peak".into(),
        subject: None,
        at_s: None,
        duration_s: None,
        run_s,
        faults: Vec::new(),
    }];
    for s in &sc.site {
        out.push(Case {
            name: format!("lose {}", s.name),
            kind: "site-down".into(),
            subject: Some(s.name.clone()),
            at_s: Some(p.fault_at_s),
            duration_s: Some(p.outage_s),
            run_s,
            faults: vec![fault("site-down", "site", Value::String(s.name.clone()))],
        });
    }
    for l in &sc.link {
        let b = Value::Array(l.between.iter().map(|x| Value::String(x.clone())).collect());
        out.push(Case {
            name: format!("cut {}–{}", l.between[0], l.between[1]),
            kind: "link-partition".into(),
            subject: Some(format!("{}-{}", l.between[0], l.between[1])),
            at_s: Some(p.fault_at_s),
            duration_s: Some(p.outage_s),
            run_s,
            faults: vec![fault("link-partition", "between", b)],
        });
    }
    out
}

/// The document of candidate `c` under `case`: the case's faults and run
/// time, the load's peak placed at the fault (a daily curve's phase is
/// shifted so the run is the window around the peak), or with `phase` (a
/// Monte Carlo draw) the curve shifted so that the fault falls at `phase`
/// seconds of the file's own curve.
fn case_doc(
    c: &Candidate,
    case: &Case,
    base: &Scenario,
    file_doc: &Table,
    phase: Option<f64>,
) -> Table {
    let mut d = c.doc.clone();
    if case.kind == "file" {
        if let Some(f) = file_doc.get("fault") {
            d.insert("fault".into(), f.clone());
        }
        return d;
    }
    d.insert("duration_s".into(), Value::Float(case.run_s));
    if !case.faults.is_empty() {
        d.insert(
            "fault".into(),
            Value::Array(case.faults.iter().cloned().map(Value::Table).collect()),
        );
    }
    if base.load.profile == LoadProfile::Daily {
        let at = base.plan.clone().unwrap_or_default().fault_at_s;
        let peak = match phase {
            None => at,
            Some(t) => (at - (t - base.load.peak_at_s)).rem_euclid(base.load.period_s),
        };
        if let Some(Value::Table(l)) = d.get_mut("load") {
            l.insert("peak_at_s".into(), Value::Float(peak));
        }
    }
    d
}

/// The time in the file's load period where draw `d`'s standard faults
/// fall: drawn with a density proportional to the load (a site lost at the
/// peak is likelier than at night, as traffic-driven failures are), the
/// same for every candidate and case (common random numbers). None unless
/// the load is `daily` (no other profile has a phase to shift).
fn fault_phase(base: &Scenario, d: usize) -> Option<f64> {
    if base.load.profile != LoadProfile::Daily {
        return None;
    }
    let seed = crate::montecarlo::run_seed(base.seed, d);
    let u = crate::montecarlo::uniform(seed, "plan.fault_phase");
    let load = crate::load::Profile::new(&base.load);
    Some(round3(crate::montecarlo::load_weighted(
        &load,
        0.0,
        base.load.period_s,
        u,
    )))
}

/// The TOML text of a document, with a header saying what it is.
fn render(d: &Table, what: &str) -> String {
    let body = toml::to_string(d).unwrap_or_default();
    format!("# {what}\n# written by `ktopo plan`; run it with `ktopo simulate FILE`\n\n{body}")
}

/// Parse a candidate's text as a scenario file (the same path a user's file
/// takes); the base's load trace carries over.
fn parse(text: &str, name: &str, base: &Scenario) -> Result<Scenario, String> {
    match crate::scenario::parse_str(text, &format!("<candidate {name}>")) {
        Ok(mut sc) => {
            sc.load.trace = base.load.trace.clone();
            Ok(sc)
        }
        Err(d) => Err(d
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// The prefixes the fault cases of one simulated candidate and draw share
/// (`kafka::Prefix`): every standard fault starts at `[plan].fault_at_s`, so
/// its runs are the same up to then (with the defaults, and in the plan
/// benchmark, half of each run). A group's prefix is made once, by the first
/// of its fault runs to need it, from its first fault case (the same
/// whichever run makes it), and dropped when its last fault run has copied
/// it. Results are those of runs from the start (tested), so they still do
/// not depend on the threads.
struct Shared<'g> {
    /// Per group (`Prepared::group`): its first fault case's scenario, which
    /// the prefix borrows.
    scenarios: &'g [std::sync::OnceLock<Option<Scenario>>],
    slots: Vec<std::sync::Mutex<Slot<'g>>>,
    /// Per group: its fault runs not yet finished.
    left: Vec<std::sync::atomic::AtomicUsize>,
}

enum Slot<'g> {
    Empty,
    Ready(std::sync::Arc<crate::kafka::Prefix<'g>>),
    /// Not to be shared (the scenario or the prefix failed: each run goes
    /// from the start and reports its own error), or no run needs it any more.
    Closed,
}

impl<'g> Shared<'g> {
    fn scenarios(p: &Prepared) -> Vec<std::sync::OnceLock<Option<Scenario>>> {
        let groups = p.cands.len() * p.runs.unwrap_or(1);
        (0..groups).map(|_| std::sync::OnceLock::new()).collect()
    }

    fn new(
        p: &Prepared,
        indices: &[usize],
        scenarios: &'g [std::sync::OnceLock<Option<Scenario>>],
    ) -> Self {
        let left: Vec<std::sync::atomic::AtomicUsize> = (0..scenarios.len())
            .map(|_| std::sync::atomic::AtomicUsize::new(0))
            .collect();
        for &j in indices {
            let (i, d, k) = p.runs_list[j];
            if !p.cases[k].faults.is_empty() {
                left[p.group(i, d)].fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        Shared {
            scenarios,
            slots: (0..scenarios.len())
                .map(|_| std::sync::Mutex::new(Slot::Empty))
                .collect(),
            left,
        }
    }

    /// The prefix of candidate `i` in draw `d`, made if it is the first
    /// asked for; None when it cannot be shared.
    fn prefix(
        &self,
        p: &Prepared,
        i: usize,
        d: usize,
    ) -> Option<std::sync::Arc<crate::kafka::Prefix<'g>>> {
        let g = p.group(i, d);
        let mut slot = self.slots[g].lock().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Slot::Ready(x) => return Some(x.clone()),
            Slot::Closed => return None,
            Slot::Empty => {}
        }
        let first = p.cases.iter().position(|c| !c.faults.is_empty())?;
        let sc = self.scenarios[g]
            .get_or_init(|| p.case_scenario(i, d, first).ok())
            .as_ref();
        let at = sc.and_then(|sc| sc.fault.iter().map(|f| f.at_s).reduce(f64::min));
        let made = match (sc, at) {
            (Some(sc), Some(at)) => crate::kafka::Prefix::run(sc, 0, at).ok(),
            _ => None,
        };
        *slot = match made {
            Some(x) => Slot::Ready(std::sync::Arc::new(x)),
            None => Slot::Closed,
        };
        match &*slot {
            Slot::Ready(x) => Some(x.clone()),
            _ => None,
        }
    }

    /// One fault run of group `g` is over (made or failed): the last one
    /// drops the prefix.
    fn done(&self, g: usize) {
        if self.left[g].fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            *self.slots[g].lock().unwrap_or_else(|e| e.into_inner()) = Slot::Closed;
        }
    }
}

/// Run `f(0..n)` on `jobs` threads (`sweep::par_runs`, rayon); results by
/// index, so the output does not depend on the thread count. None: not run
/// (Ctrl-C, `crate::interrupt`).
fn par_map<T: Send, F: Fn(usize) -> T + Sync>(
    n: usize,
    jobs: usize,
    f: F,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Option<T>> {
    crate::sweep::par_runs(n, jobs, f, |_| false, progress)
}

/// One run's figures.
fn measure(case: &Case, sc: &Scenario, o: &Outcome) -> CaseResult {
    let s = Summary::of(o);
    let checks = objectives(&sc.objectives, &s);
    let mut link_mbps = IndexMap::new();
    for l in &o.links {
        if l.bytes > 0 {
            let mut ends = [l.from.clone(), l.to.clone()];
            ends.sort();
            let key = format!("{}-{}", ends[0], ends[1]);
            let v = link_mbps.entry(key).or_insert(0.0f64);
            *v = v.max(l.bandwidth_mbps);
        }
    }
    CaseResult {
        case: case.name.clone(),
        rpo_s: round3(s.rpo_worst_s),
        rpo_lost_records: lost_records(o),
        rto_s: s.rto_max_s.map(round3),
        produce_p99_ms: s.worst_p99_ms().map(round3),
        write_availability_pct: s.availability_pct.map(round3),
        unavailable_partition_s: round3(s.unavailable_partition_s),
        replication_lag_s_max: s.replication_lag_s_max.map(round3),
        catch_up_s: s.catch_up_max_s.map(round3),
        disrupted_after_end_s: o
            .faults
            .iter()
            .filter_map(|f| f.recovery.as_ref()?.disrupted_after_end_s)
            .reduce(f64::max)
            .map(round3),
        busiest_link: s.busiest_link.as_ref().map(|b| format!("{}→{}", b.0, b.1)),
        busiest_link_utilization: s.busiest_link.as_ref().map(|b| round3(b.2)),
        cost_usd_month: s.cost_usd_month,
        objectives_missed: missed(&checks),
        checks,
        link_mbps,
    }
}

/// Acknowledged records run `o` lost ([`CaseResult::rpo_lost_records`]): a
/// link fault of an asynchronous copy leaves both sides up (docs/model.md,
/// `link-partition`), so its recovery's RPO records are exposure, not loss.
fn lost_records(o: &Outcome) -> u64 {
    o.durability.lost_acked_records
        + o.faults
            .iter()
            .filter(|f| !matches!(f.kind.as_str(), "link-partition" | "link-degrade"))
            .filter_map(|f| f.recovery.as_ref())
            .map(|r| r.rpo_records)
            .sum::<u64>()
}

/// How far a missed check is from its bound, relative to the bound.
fn miss(c: &ObjectiveCheck) -> f64 {
    match (c.met, c.actual) {
        (Some(false), Some(a)) => {
            if c.objective == "write_availability_pct" {
                (c.target - a) / (100.0 - c.target).max(0.01)
            } else {
                (a - c.target) / c.target.max(1.0)
            }
        }
        (Some(false), None) => 10.0,
        _ => 0.0,
    }
}

/// Room left before the bound, as a fraction of what the bound allows.
fn margin(c: &ObjectiveCheck) -> Option<f64> {
    let a = c.actual?;
    if c.met != Some(true) {
        return None;
    }
    let allowance = if c.objective == "write_availability_pct" {
        100.0 - c.target
    } else {
        c.target
    };
    if allowance <= 0.0 {
        return None;
    }
    let room = if c.objective == "write_availability_pct" {
        a - c.target
    } else {
        c.target - a
    };
    Some(round3(room / allowance))
}

/// Every objective over the cases: the worst case of each.
fn aggregate(cases: &[CaseResult]) -> Vec<ObjectiveResult> {
    let mut out: Vec<ObjectiveResult> = Vec::new();
    for cr in cases {
        for c in &cr.checks {
            let worse = |o: &ObjectiveResult| -> bool {
                let sev = |met: Option<bool>| match met {
                    Some(false) => 2,
                    Some(true) => 1,
                    None => 0,
                };
                if sev(c.met) != sev(o.met) {
                    return sev(c.met) > sev(o.met);
                }
                match (c.actual, o.actual) {
                    (None, Some(_)) => c.met == Some(false),
                    (Some(a), Some(b)) => {
                        if c.objective == "write_availability_pct" {
                            a < b
                        } else {
                            a > b
                        }
                    }
                    _ => false,
                }
            };
            let r = ObjectiveResult {
                objective: c.objective,
                bound: c.bound.clone(),
                target: c.target,
                actual: c.actual.map(round3),
                met: c.met,
                case: c.met.map(|_| cr.case.clone()),
                margin: margin(c),
                detail: c.detail.clone(),
                met_share: None,
            };
            match out.iter_mut().find(|o| o.objective == c.objective) {
                Some(o) => {
                    if worse(o) {
                        *o = r;
                    }
                }
                None => out.push(r),
            }
        }
    }
    out
}

/// Plan `base` (read from `text`): generate, prune, simulate on `jobs`
/// threads, rank. `progress(done, total)` is called after each run.
pub fn plan(
    text: &str,
    base: &Scenario,
    jobs: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Plan, String> {
    plan_with(text, base, jobs, None, progress)
}

/// [`plan`], with `runs = Some(N)` a Monte Carlo: every simulated candidate
/// runs every case under the same N draws (run i's seed, the ranges' values
/// and the faults' place on the load curve are the same for every candidate:
/// common random numbers); an objective is met when at least
/// [`MEET_SHARE`] of the draws meet it, and regret is the mean over the
/// draws of each draw's regret.
pub fn plan_with(
    text: &str,
    base: &Scenario,
    jobs: usize,
    runs: Option<usize>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Plan, String> {
    plan_observed(text, base, jobs, runs, &mut |p| progress(p.done, p.total))
}

/// [`plan_with`], telling `observe` after each run how far it is and which
/// finished candidate leads so far (for the progress bar). After Ctrl-C
/// (`crate::interrupt`) no run starts, and the plan is assembled from the
/// runs made, marked partial.
pub fn plan_observed(
    text: &str,
    base: &Scenario,
    jobs: usize,
    runs: Option<usize>,
    observe: &mut dyn FnMut(&PlanProgress),
) -> Result<Plan, String> {
    let prep = prepare(text, base, runs)?;
    let outs = prep.run_observed(jobs, observe);
    Ok(prep.assemble(outs, jobs, INTERRUPTED))
}

/// A plan before any simulation: its candidates generated and pruned (static
/// work, the same in every process that reads the same file), its cases and
/// draws, and the list of its runs, (simulated candidate, draw, case) in
/// that order. [`Prepared::run`] makes one run, [`Prepared::assemble`] ranks
/// and reports from the runs' results whatever made them: this process
/// ([`plan_with`]) or the shards of `ktopo plan --shard K/N` read back by
/// `ktopo merge` (docs/plan.md, Sharding).
pub struct Prepared<'a> {
    base: &'a Scenario,
    file_doc: Table,
    runs: Option<usize>,
    phases: Vec<Option<f64>>,
    cases: Vec<Case>,
    cands: Vec<Candidate>,
    /// Every candidate, pruned ones with their reasons, before any run.
    results: Vec<CandidateResult>,
    /// (candidate, draw, case) of each run.
    runs_list: Vec<(usize, usize, usize)>,
}

/// What one run of a plan gave: its figures, or why it failed (a failed run
/// marks its candidate failed; the others still rank).
pub type RunOutcome = Result<CaseResult, String>;

/// Generate and prune the candidates of `base` (read from `text`) and list
/// the runs; simulates nothing.
pub fn prepare<'a>(
    text: &str,
    base: &'a Scenario,
    runs: Option<usize>,
) -> Result<Prepared<'a>, String> {
    if let Some(n) = runs
        && (n == 0 || n > crate::montecarlo::MAX_RUNS)
    {
        return Err(format!(
            "--runs must be between 1 and {}",
            crate::montecarlo::MAX_RUNS
        ));
    }
    let n_draws = runs.unwrap_or(1);
    let phases: Vec<Option<f64>> = (0..n_draws)
        .map(|d| runs.and_then(|_| fault_phase(base, d)))
        .collect();
    let file_doc: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let cases = cases(base);
    let cands = candidates::generate(base, &file_doc);
    // Static pruning on each candidate's peak-case scenario.
    let mut results: Vec<CandidateResult> = Vec::new();
    for c in &cands {
        let doc = case_doc(c, &cases[0], base, &file_doc, None);
        let text = render(&doc, &format!("{} — candidate `{}`", base.name, c.name));
        let mut why = c.pruned.clone();
        match parse(&text, &c.name, base) {
            Ok(sc) => {
                why.extend(candidates::static_rules(&sc, c));
                let topo = crate::topology::Topology::build(&sc);
                // One line per finding code: the first, and how many more.
                let errors: Vec<_> = crate::check::check(&sc, &topo)
                    .into_iter()
                    .filter(|f| f.level == Level::Error)
                    .collect();
                let mut seen: Vec<&str> = Vec::new();
                for f in &errors {
                    if seen.contains(&f.code) {
                        continue;
                    }
                    seen.push(f.code);
                    let more = errors.iter().filter(|x| x.code == f.code).count() - 1;
                    why.push(format!(
                        "{} ({}): {}; fix: {}{}",
                        f.code,
                        f.subject,
                        f.message,
                        f.fix,
                        if more > 0 {
                            format!(" (and {more} more like it)")
                        } else {
                            String::new()
                        }
                    ));
                }
            }
            Err(e) => why.push(format!("not a valid scenario: {e}")),
        }
        results.push(CandidateResult {
            rank: None,
            name: c.name.clone(),
            family: c.family,
            tool: c.tool.clone(),
            topology: c.topology.clone(),
            replication_factor: c.replication_factor,
            min_insync_replicas: c.min_insync_replicas,
            controllers: c.controllers.clone(),
            brokers: c.brokers.clone(),
            placement: c.placement.clone(),
            observers: c.observers.clone(),
            copier: c.settings.clone(),
            broker: planner_broker_settings(&c.doc, &file_doc),
            link_bandwidth_mbps: IndexMap::new(),
            link_sizing: None,
            status: if why.is_empty() { "feasible" } else { "pruned" },
            objectives: Vec::new(),
            objectives_missed: Vec::new(),
            shortfall: 0.0,
            regret_s: None,
            cost_usd_month: None,
            why,
            cases: Vec::new(),
            scenario: text,
            draws: None,
        });
    }
    // Every (simulated candidate, draw, case) run, with the same seed and fault times.
    let n_cases = cases.len();
    let runs_list: Vec<(usize, usize, usize)> = (0..cands.len())
        .filter(|&i| results[i].status == "feasible")
        .flat_map(|i| (0..n_draws).flat_map(move |d| (0..n_cases).map(move |k| (i, d, k))))
        .collect();
    Ok(Prepared {
        base,
        file_doc,
        runs,
        phases,
        cases,
        cands,
        results,
        runs_list,
    })
}

impl Prepared<'_> {
    /// Runs in the plan.
    pub fn len(&self) -> usize {
        self.runs_list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs_list.is_empty()
    }

    /// Candidates generated, and how many of them are simulated.
    pub fn candidates(&self) -> (usize, usize) {
        let live = self
            .results
            .iter()
            .filter(|r| r.status == "feasible")
            .count();
        (self.cands.len(), live)
    }

    /// Cases each simulated candidate runs per draw, and the draws.
    pub fn shape(&self) -> (usize, usize) {
        (self.cases.len(), self.runs.unwrap_or(1))
    }

    /// The seed run `j` simulates with: the file's seed, or with `--runs` the
    /// seed of its draw (`montecarlo::run_seed(seed, draw)`): it depends on
    /// the draw only, never on the candidate, the case, the number of runs or
    /// shards, so every candidate and case of a draw shares it (common random
    /// numbers).
    fn seed(&self, d: usize) -> u64 {
        match self.runs {
            Some(_) => crate::montecarlo::run_seed(self.base.seed, d),
            None => self.base.seed,
        }
    }

    /// The manifest: every run's index (the order the report is built in),
    /// key (candidate, case and, with `--runs`, draw) and seed.
    pub fn manifest(&self) -> Vec<crate::shard::RunSpec> {
        self.runs_list
            .iter()
            .enumerate()
            .map(|(j, &(i, d, k))| {
                let name = &self.cands[i].name;
                let case = &self.cases[k].name;
                let mut parameters = IndexMap::new();
                parameters.insert("candidate".to_string(), serde_json::json!(name));
                parameters.insert("case".to_string(), serde_json::json!(case));
                let key = match self.runs {
                    Some(_) => {
                        parameters.insert("draw".to_string(), serde_json::json!(d));
                        format!("candidate {name}; case {case}; draw {d}")
                    }
                    None => format!("candidate {name}; case {case}"),
                };
                crate::shard::RunSpec {
                    index: j,
                    key,
                    seed: self.seed(d),
                    parameters,
                }
            })
            .collect()
    }

    /// The scenario of candidate `i` under case `k` in draw `d`.
    fn case_scenario(&self, i: usize, d: usize, k: usize) -> Result<Scenario, String> {
        let c = &self.cands[i];
        let doc = case_doc(c, &self.cases[k], self.base, &self.file_doc, self.phases[d]);
        let text = render(&doc, &c.name);
        let sc = parse(&text, &c.name, self.base)?;
        Ok(match self.runs {
            Some(_) => crate::montecarlo::draw(&sc, d)?.0,
            None => sc,
        })
    }

    /// Make run `j` (as numbered in [`Prepared::manifest`]) from the start.
    pub fn run(&self, j: usize) -> RunOutcome {
        let (i, d, k) = self.runs_list[j];
        let sc = self.case_scenario(i, d, k)?;
        let o = crate::compare::run_design(&sc, 0).map_err(|e| e.to_string())?;
        Ok(measure(&self.cases[k], &sc, &o))
    }

    /// Make run `j` as [`Prepared::run`] does, to the same result, but a
    /// fault case from the prefix its candidate and draw share (`shared`).
    fn run_sharing(&self, j: usize, shared: &Shared) -> RunOutcome {
        let (i, d, k) = self.runs_list[j];
        if self.cases[k].faults.is_empty() {
            return self.run(j);
        }
        let made = self.case_scenario(i, d, k).and_then(|sc| {
            let o = match shared.prefix(self, i, d) {
                Some(p) => p.finish(&sc, 0),
                None => crate::compare::run_design(&sc, 0),
            };
            Ok(measure(&self.cases[k], &sc, &o.map_err(|e| e.to_string())?))
        });
        shared.done(self.group(i, d));
        made
    }

    /// The index of candidate `i`'s draw `d` among the groups of runs that
    /// share a prefix (`Shared`).
    fn group(&self, i: usize, d: usize) -> usize {
        i * self.runs.unwrap_or(1) + d
    }

    /// Make the runs numbered `indices` on `jobs` threads; each with its
    /// index, in the order of `indices`. `progress(done, total)` after each.
    /// Runs not made (Ctrl-C) are left out.
    pub fn run_selected(
        &self,
        indices: &[usize],
        jobs: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Vec<(usize, RunOutcome)> {
        let scenarios = Shared::scenarios(self);
        let shared = Shared::new(self, indices, &scenarios);
        let outs = par_map(
            indices.len(),
            jobs,
            |x| self.run_sharing(indices[x], &shared),
            progress,
        );
        indices
            .iter()
            .copied()
            .zip(outs)
            .filter_map(|(j, r)| Some((j, r?)))
            .collect()
    }

    /// Make every run on `jobs` threads, telling `observe` after each how
    /// far the plan is and which finished candidate leads so far. By index;
    /// a run not made (Ctrl-C) is None.
    pub fn run_observed(
        &self,
        jobs: usize,
        observe: &mut dyn FnMut(&PlanProgress),
    ) -> Vec<Option<RunOutcome>> {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let finished_runs: Vec<OnceLock<CaseResult>> =
            self.runs_list.iter().map(|_| OnceLock::new()).collect();
        let finished_of: Vec<AtomicUsize> =
            self.cands.iter().map(|_| AtomicUsize::new(0)).collect();
        let live: Vec<usize> = (0..self.cands.len())
            .filter(|&i| self.results[i].status == "feasible")
            .collect();
        let per_candidate = self.runs.unwrap_or(1) * self.cases.len();
        let mut leader = Leader::new(&live, per_candidate);
        let scenarios = Shared::scenarios(self);
        let all: Vec<usize> = (0..self.len()).collect();
        let shared = Shared::new(self, &all, &scenarios);
        par_map(
            self.len(),
            jobs,
            |j| {
                let r = self.run_sharing(j, &shared);
                if let Ok(m) = &r {
                    let _ = finished_runs[j].set(m.clone());
                }
                finished_of[self.runs_list[j].0].fetch_add(1, Ordering::SeqCst);
                r
            },
            &mut |done, total| {
                let p = leader.update(
                    done,
                    total,
                    &finished_of,
                    &finished_runs,
                    &self.results,
                    &self.cases,
                    self.runs.is_some(),
                );
                observe(&p)
            },
        )
    }

    /// The plan from its runs' results by index (None: a run missing, after
    /// Ctrl-C, `cause` [`INTERRUPTED`], or when `ktopo merge --allow-partial`
    /// builds a partial plan, [`NOT_MERGED`]: its candidate is `unfinished`,
    /// not ranked). Ranks, sizes the recommended candidate's links (a few
    /// more simulations, on `jobs` threads: in `ktopo merge` for a sharded
    /// plan; not after Ctrl-C), and writes the recommendation.
    pub fn assemble(self, outs: Vec<Option<RunOutcome>>, jobs: usize, cause: &'static str) -> Plan {
        let Prepared {
            base,
            runs,
            phases,
            cases,
            cands,
            mut results,
            runs_list,
            ..
        } = self;
        let n_draws = runs.unwrap_or(1);
        // [candidate][draw][case]
        let mut per: Vec<Vec<Vec<CaseResult>>> = vec![vec![Vec::new(); n_draws]; cands.len()];
        let mut missing = Vec::new();
        for (j, &(i, d, k)) in runs_list.iter().enumerate() {
            let cr = &mut results[i];
            match outs.get(j).cloned().flatten() {
                Some(Ok(m)) => per[i][d].push(m),
                Some(Err(e)) => {
                    if cr.status != "failed" {
                        cr.why.push(format!(
                            "the run of case `{}` failed{}: {e}",
                            cases[k].name,
                            if runs.is_some() {
                                format!(" in draw {d}")
                            } else {
                                String::new()
                            }
                        ));
                    }
                    cr.status = "failed";
                }
                None => {
                    missing.push(MissingRun {
                        index: j,
                        candidate: cr.name.clone(),
                        case: cases[k].name.clone(),
                        draw: runs.map(|_| d),
                    });
                    if cr.status != "failed" && cr.status != "unfinished" {
                        cr.status = "unfinished";
                        cr.why.push(format!(
                            "not ranked: {} before all its runs were made",
                            if cause == INTERRUPTED {
                                "interrupted (Ctrl-C)"
                            } else {
                                "runs missing from the shards merged"
                            }
                        ));
                    }
                }
            }
        }
        for (i, r) in results.iter_mut().enumerate() {
            r.cases = per[i].first().cloned().unwrap_or_default();
        }
        rank(&mut results, &cases, &per, runs.is_some());
        // After Ctrl-C the user asked to stop: no more simulations.
        if missing.is_empty() || cause != INTERRUPTED {
            size_recommended(&mut results, base, jobs);
        }
        let unmet = unmet(&results);
        let recommended = results
            .iter()
            .find(|c| c.status == "recommended")
            .map(|c| c.name.clone());
        let recommendation = recommendation(&results, &unmet);
        Plan {
            schema_version: crate::metrics::SCHEMA_VERSION,
            scenario: base.name.clone(),
            seed: base.seed,
            cases,
            runs: runs_list.len(),
            partial: (!missing.is_empty()).then(|| PlanPartial {
                cause,
                runs_present: runs_list.len() - missing.len(),
                missing_runs: missing,
            }),
            recommended,
            recommendation,
            unmet,
            monte_carlo: runs.map(|n| PlanDraws {
                runs: n,
                meet_share: MEET_SHARE,
                regret: "mean over the draws of each draw's regret (seconds of lost and refused writes beyond the best candidate of that draw and case, summed over the cases)",
                fault_time: if base.load.profile == LoadProfile::Daily {
                    "each draw places the standard faults on the daily curve with a density proportional to the load"
                } else {
                    "at [plan].fault_at_s (the load has no phase to draw: not daily)"
                },
                fault_phase_s: phases.iter().flatten().copied().collect(),
                ranges: base
                    .ranges
                    .iter()
                    .map(|r| crate::montecarlo::range_report(r, None))
                    .collect(),
            }),
            candidates: results,
        }
    }
}

/// A plan run's result as a shard file carries it: every field of its
/// [`CaseResult`], the objective checks and link capacities the report is
/// built from included, each figure exact ([`Exact`]), so that `ktopo merge`
/// assembles the very bytes of the single-process plan.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RunWire {
    Ok(Box<CaseWire>),
    Failed(String),
}

#[derive(Serialize, Deserialize)]
struct CaseWire {
    case: String,
    rpo_s: Exact,
    #[serde(default)]
    rpo_lost_records: u64,
    rto_s: Option<Exact>,
    produce_p99_ms: Option<Exact>,
    write_availability_pct: Option<Exact>,
    unavailable_partition_s: Exact,
    replication_lag_s_max: Option<Exact>,
    catch_up_s: Option<Exact>,
    #[serde(default)]
    disrupted_after_end_s: Option<Exact>,
    busiest_link: Option<String>,
    busiest_link_utilization: Option<Exact>,
    cost_usd_month: Option<Exact>,
    checks: Vec<CheckLine>,
    link_mbps: IndexMap<String, Exact>,
}

/// Run `r` as a shard file's run line holds it.
pub fn outcome_to_json(r: &RunOutcome) -> serde_json::Value {
    let w = match r {
        Err(e) => RunWire::Failed(e.clone()),
        Ok(c) => RunWire::Ok(Box::new(CaseWire {
            case: c.case.clone(),
            rpo_s: Exact(c.rpo_s),
            rpo_lost_records: c.rpo_lost_records,
            rto_s: exact(c.rto_s),
            produce_p99_ms: exact(c.produce_p99_ms),
            write_availability_pct: exact(c.write_availability_pct),
            unavailable_partition_s: Exact(c.unavailable_partition_s),
            replication_lag_s_max: exact(c.replication_lag_s_max),
            catch_up_s: exact(c.catch_up_s),
            disrupted_after_end_s: exact(c.disrupted_after_end_s),
            busiest_link: c.busiest_link.clone(),
            busiest_link_utilization: exact(c.busiest_link_utilization),
            cost_usd_month: exact(c.cost_usd_month),
            checks: c.checks.iter().map(CheckLine::of).collect(),
            link_mbps: c
                .link_mbps
                .iter()
                .map(|(k, v)| (k.clone(), Exact(*v)))
                .collect(),
        })),
    };
    serde_json::to_value(&w).unwrap_or(serde_json::Value::Null)
}

/// A run line's result read back ([`outcome_to_json`]'s inverse).
pub fn outcome_from_json(v: serde_json::Value) -> Result<RunOutcome, String> {
    let w: RunWire = serde_json::from_value(v).map_err(|e| e.to_string())?;
    Ok(match w {
        RunWire::Failed(e) => Err(e),
        RunWire::Ok(c) => {
            let checks = c
                .checks
                .iter()
                .map(CheckLine::check)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CaseResult {
                case: c.case,
                rpo_s: c.rpo_s.0,
                rpo_lost_records: c.rpo_lost_records,
                rto_s: inexact(c.rto_s),
                produce_p99_ms: inexact(c.produce_p99_ms),
                write_availability_pct: inexact(c.write_availability_pct),
                unavailable_partition_s: c.unavailable_partition_s.0,
                replication_lag_s_max: inexact(c.replication_lag_s_max),
                catch_up_s: inexact(c.catch_up_s),
                disrupted_after_end_s: inexact(c.disrupted_after_end_s),
                busiest_link: c.busiest_link,
                busiest_link_utilization: inexact(c.busiest_link_utilization),
                cost_usd_month: inexact(c.cost_usd_month),
                objectives_missed: missed(&checks),
                checks,
                link_mbps: c.link_mbps.into_iter().map(|(k, v)| (k, v.0)).collect(),
            })
        }
    })
}

/// The objectives `checks` miss.
fn missed(checks: &[ObjectiveCheck]) -> Vec<&'static str> {
    checks
        .iter()
        .filter(|c| c.met == Some(false))
        .map(|c| c.objective)
        .collect()
}

/// The `[broker]` settings of a candidate's document that the file does not
/// state (the planner chose them).
fn planner_broker_settings(doc: &Table, file_doc: &Table) -> IndexMap<String, i64> {
    let table = |d: &Table| d.get("broker").and_then(Value::as_table).cloned();
    let (Some(b), stated) = (table(doc), table(file_doc).unwrap_or_default()) else {
        return IndexMap::new();
    };
    b.iter()
        .filter(|(k, _)| !stated.contains_key(*k))
        .filter_map(|(k, v)| Some((k.clone(), v.as_integer()?)))
        .collect()
}

/// The leader so far among the candidates whose runs have all finished,
/// for the progress bar.
struct Leader {
    /// Simulated candidates, and the runs each makes.
    live: Vec<usize>,
    per_candidate: usize,
    /// Candidates already counted as finished.
    seen: Vec<usize>,
    last: PlanProgress,
}

impl Leader {
    fn new(live: &[usize], per_candidate: usize) -> Leader {
        Leader {
            live: live.to_vec(),
            per_candidate,
            seen: Vec::new(),
            last: PlanProgress {
                candidates: live.len(),
                ..PlanProgress::default()
            },
        }
    }

    /// After a run: when a candidate has newly finished, rank the finished
    /// ones again with the plan's own rule (`rank`). The runs of live
    /// candidate number `p` are `p * per_candidate ..` in `finished_runs`.
    #[allow(clippy::too_many_arguments)]
    fn update(
        &mut self,
        done: usize,
        total: usize,
        finished_of: &[std::sync::atomic::AtomicUsize],
        finished_runs: &[std::sync::OnceLock<CaseResult>],
        results: &[CandidateResult],
        cases: &[Case],
        mc: bool,
    ) -> PlanProgress {
        self.last.done = done;
        self.last.total = total;
        let before = self.seen.len();
        for &i in &self.live {
            if !self.seen.contains(&i)
                && finished_of[i].load(std::sync::atomic::Ordering::SeqCst) >= self.per_candidate
            {
                self.seen.push(i);
            }
        }
        if self.seen.len() == before {
            return self.last.clone();
        }
        self.last.finished = self.seen.len();
        let n_cases = cases.len().max(1);
        let n_draws = self.per_candidate / n_cases;
        let mut sub: Vec<CandidateResult> = Vec::new();
        let mut per: Vec<Vec<Vec<CaseResult>>> = Vec::new();
        // In generation order, as the plan ranks them (ties keep that order).
        let mut order = self.seen.clone();
        order.sort_unstable();
        for i in order {
            let Some(p) = self.live.iter().position(|&x| x == i) else {
                continue;
            };
            let mut draws = vec![Vec::new(); n_draws];
            let mut complete = true;
            for (r, slot) in finished_runs
                .iter()
                .enumerate()
                .skip(p * self.per_candidate)
                .take(self.per_candidate)
            {
                match slot.get() {
                    Some(m) => draws[(r - p * self.per_candidate) / n_cases].push(m.clone()),
                    None => complete = false,
                }
            }
            if !complete {
                continue; // a failed run: the candidate is out
            }
            let mut c = results[i].clone();
            c.cases = draws.first().cloned().unwrap_or_default();
            sub.push(c);
            per.push(draws);
        }
        rank(&mut sub, cases, &per, mc);
        let first = sub.first().filter(|c| c.rank == Some(1));
        self.last.leader = first.map(|c| c.name.clone());
        self.last.leader_feasible = first.is_some_and(|c| c.status == "recommended");
        self.last.clone()
    }
}

/// Size the WAN links of the recommended candidate when it copies between
/// clusters (async or hybrid; a hybrid's stretched links at their peak): the peak wire rate, and with a `catch_up_s` objective the
/// bandwidth that catches up within it after a cut of `[plan].outage_s`.
fn size_recommended(results: &mut [CandidateResult], base: &Scenario, jobs: usize) {
    let Some(r) = results
        .iter_mut()
        .find(|r| r.status == "recommended" && matches!(r.family, "async" | "hybrid"))
    else {
        return;
    };
    let Ok(sc) = parse(&r.scenario, &r.name, base) else {
        return;
    };
    let outage = base
        .objectives
        .catch_up_s
        .map(|_| base.plan.clone().unwrap_or_default().outage_s);
    match size_link::size_links(&sc, outage, jobs, &mut |_, _| {}) {
        Ok(s) => r.link_sizing = Some(s.links),
        Err(e) => r.why.push(format!("sizing its links failed: {e}")),
    }
}

/// The loss a case inflicts, in seconds of writes: lost (RPO) + refused (RTO).
fn loss_s(c: &CaseResult) -> f64 {
    c.rpo_s + c.rto_s.unwrap_or(0.0)
}

/// Objectives met with less than this fraction of the allowance left are
/// "thin": ranked after the comfortable ones.
const THIN_MARGIN: f64 = 0.1;
/// Monthly costs are compared in steps of this many USD.
const COST_TOLERANCE_USD: f64 = 10.0;
/// Regret differences below this many seconds do not separate candidates.
const REGRET_TOLERANCE_S: f64 = 10.0;

fn thin(c: &CandidateResult) -> bool {
    c.objectives
        .iter()
        .any(|o| o.met == Some(true) && o.margin.is_some_and(|m| m < THIN_MARGIN))
}

/// The figures of a candidate's draws (`--runs N`): each figure's worst case
/// per draw (the lowest availability), over the draws.
fn figure_dists(draws: &[Vec<CaseResult>]) -> IndexMap<&'static str, Option<Dist>> {
    type Get = fn(&CaseResult) -> Option<f64>;
    let figs: [(&'static str, Get); 7] = [
        ("rpo_s", |c| Some(c.rpo_s)),
        ("rto_s", |c| c.rto_s),
        ("produce_p99_ms", |c| c.produce_p99_ms),
        ("write_availability_pct", |c| c.write_availability_pct),
        ("unavailable_partition_s", |c| {
            Some(c.unavailable_partition_s)
        }),
        ("replication_lag_s_max", |c| c.replication_lag_s_max),
        ("catch_up_s", |c| c.catch_up_s),
    ];
    figs.iter()
        .map(|(name, get)| {
            let worst: Vec<f64> = draws
                .iter()
                .filter_map(|cs| {
                    let vals = cs.iter().filter_map(get);
                    if *name == "write_availability_pct" {
                        vals.reduce(f64::min)
                    } else {
                        vals.reduce(f64::max)
                    }
                })
                .collect();
            (*name, Dist::of(&worst))
        })
        .collect()
}

/// The check an objective result stands for (to reuse `miss` and `margin`).
fn check_of(o: &ObjectiveResult) -> ObjectiveCheck {
    ObjectiveCheck {
        objective: o.objective,
        bound: o.bound.clone(),
        target: o.target,
        actual: o.actual,
        met: o.met,
        detail: o.detail.clone(),
    }
}

/// Each objective over the draws (`each[d]`: its worst case in draw d): met
/// when at least [`MEET_SHARE`] of the draws that measured it met it; the
/// figure shown is the draws' 95th percentile (5th for availability), the
/// case the one of the worst draw.
fn over_draws(each: &[Vec<ObjectiveResult>]) -> Vec<ObjectiveResult> {
    use statrs::statistics::{Data, OrderStatistics};
    let Some(first) = each.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for o in first {
        let all: Vec<&ObjectiveResult> = each
            .iter()
            .filter_map(|v| v.iter().find(|x| x.objective == o.objective))
            .collect();
        let avail = o.objective == "write_availability_pct";
        let measured = all.iter().filter(|x| x.met.is_some()).count();
        let met_n = all.iter().filter(|x| x.met == Some(true)).count();
        let share = (measured > 0).then(|| round3(met_n as f64 / measured as f64));
        let met = share.map(|s| s + 1e-9 >= MEET_SHARE);
        let vals: Vec<f64> = all.iter().filter_map(|x| x.actual).collect();
        let actual = (!vals.is_empty())
            .then(|| round3(Data::new(vals.clone()).quantile(if avail { 0.05 } else { 0.95 })));
        let worst = all
            .iter()
            .filter(|x| x.actual.is_some())
            .reduce(|a, b| {
                let (x, y) = (a.actual.unwrap_or(0.0), b.actual.unwrap_or(0.0));
                if (avail && y < x) || (!avail && y > x) {
                    b
                } else {
                    a
                }
            })
            .or(all.first())
            .copied();
        let mut r = ObjectiveResult {
            objective: o.objective,
            bound: o.bound.clone(),
            target: o.target,
            actual,
            met,
            case: worst.and_then(|w| w.case.clone()),
            margin: None,
            detail: if met == Some(false) {
                all.iter()
                    .find(|x| x.met == Some(false) && x.detail.is_some())
                    .and_then(|x| x.detail.clone())
            } else {
                None
            },
            met_share: share,
        };
        r.margin = margin(&check_of(&r));
        out.push(r);
    }
    out
}

/// Aggregate, score and order the candidates; sets rank and status.
/// `per[i][d]`: candidate i's case results in draw d (one draw without
/// `--runs`; `mc` with it).
fn rank(results: &mut [CandidateResult], cases: &[Case], per: &[Vec<Vec<CaseResult>>], mc: bool) {
    let n_draws = per.first().map_or(1, |p| p.len()).max(1);
    // The best loss of each (draw, case) over the candidates that ran it.
    let mut best: Vec<Vec<Option<f64>>> = vec![vec![None; cases.len()]; n_draws];
    for (i, r) in results.iter().enumerate() {
        if r.status != "feasible" {
            continue;
        }
        for (d, row) in best.iter_mut().enumerate() {
            for (k, c) in cases.iter().enumerate() {
                if let Some(cr) = per[i][d].iter().find(|x| x.case == c.name) {
                    let l = loss_s(cr);
                    row[k] = Some(row[k].map_or(l, |b: f64| b.min(l)));
                }
            }
        }
    }
    for (i, r) in results.iter_mut().enumerate() {
        if r.status != "feasible" {
            continue;
        }
        let draws = &per[i];
        if mc {
            let each: Vec<Vec<ObjectiveResult>> = draws.iter().map(|cs| aggregate(cs)).collect();
            r.objectives = over_draws(&each);
            r.draws = Some(figure_dists(draws));
        } else {
            r.objectives = aggregate(&r.cases);
        }
        r.objectives_missed = r
            .objectives
            .iter()
            .filter(|o| o.met == Some(false))
            .map(|o| o.objective)
            .collect();
        r.shortfall = if mc {
            round3(
                r.objectives
                    .iter()
                    .filter(|o| o.met == Some(false))
                    .map(|o| miss(&check_of(o)))
                    .sum(),
            )
        } else {
            let per_case: Vec<&ObjectiveCheck> = r.cases.iter().flat_map(|c| &c.checks).collect();
            round3(
                r.objectives_missed
                    .iter()
                    .map(|k| {
                        per_case
                            .iter()
                            .filter(|c| c.objective == *k)
                            .map(|c| miss(c))
                            .fold(0.0, f64::max)
                    })
                    .sum(),
            )
        };
        // Regret: per draw, the loss beyond the best candidate of each case;
        // the mean over the draws (one draw without --runs).
        let mut regret = 0.0;
        for (d, row) in best.iter().enumerate() {
            for (k, c) in cases.iter().enumerate() {
                if let (Some(cr), Some(b)) = (draws[d].iter().find(|x| x.case == c.name), row[k]) {
                    regret += loss_s(cr) - b;
                }
            }
        }
        r.regret_s = Some(round3(regret / n_draws as f64));
        let peak_cost = |cs: &Vec<CaseResult>| {
            cs.iter()
                .find(|c| c.case == "peak" || c.case == "file")
                .and_then(|c| c.cost_usd_month)
        };
        r.cost_usd_month = if mc {
            let costs: Vec<f64> = draws.iter().filter_map(peak_cost).collect();
            (!costs.is_empty()).then(|| round3(costs.iter().sum::<f64>() / costs.len() as f64))
        } else {
            peak_cost(&r.cases)
        };
        let mut links = IndexMap::new();
        for c in &r.cases {
            for (k, v) in &c.link_mbps {
                links.entry(k.clone()).or_insert(*v);
            }
        }
        r.link_bandwidth_mbps = links;
        r.why = explain(r);
        if !r.objectives_missed.is_empty() {
            r.status = "misses";
        }
    }
    let mut order: Vec<usize> = (0..results.len())
        .filter(|&i| matches!(results[i].status, "feasible" | "misses"))
        .collect();
    let key = |r: &CandidateResult| {
        (
            r.objectives_missed.len(),
            (r.shortfall * 1000.0).round() as i64,
            thin(r),
            (r.regret_s.unwrap_or(0.0) / REGRET_TOLERANCE_S).floor() as i64,
            // Costs within 10 USD/month tie (run noise in the transfer share).
            (r.cost_usd_month.unwrap_or(0.0) / COST_TOLERANCE_USD).round() as i64,
        )
    };
    order.sort_by_key(|&i| key(&results[i]));
    for (n, &i) in order.iter().enumerate() {
        results[i].rank = Some(n + 1);
    }
    if let Some(&first) = order.first()
        && results[first].status == "feasible"
    {
        results[first].status = "recommended";
    }
    // Ranked first, then the pruned and failed in generation order.
    results.sort_by_key(|r| r.rank.unwrap_or(usize::MAX));
}

/// What a simulated candidate misses, in an architect's terms, naming the
/// case and the bottleneck.
fn explain(r: &CandidateResult) -> Vec<String> {
    let mut why = Vec::new();
    for o in r.objectives.iter().filter(|o| o.met == Some(false)) {
        let case = o.case.clone().unwrap_or_default();
        let cr = r.cases.iter().find(|c| c.case == case);
        let actual = match (&o.detail, o.actual) {
            (Some(d), _) => d.clone(),
            (None, Some(a)) => format!("{a}"),
            (None, None) => "not measured".into(),
        };
        let mut s = format!("{case}: {} {} — measured {actual}", o.objective, o.bound);
        if let Some(share) = o.met_share {
            s.push_str(&format!(
                " (the 95th percentile over the draws; met in {:.0} % of them, {:.0} % needed)",
                share * 100.0,
                MEET_SHARE * 100.0
            ));
        }
        if let Some(cr) = cr {
            match o.objective {
                "rpo_s" if cr.rpo_lost_records == 0 && r.family != "stretched" => s.push_str(
                    "; no acknowledged write was lost: the source stayed up, and the figure is the asynchronous copy's lag when the fault began (what losing the source then would lose). An asynchronous copy is made after the source acknowledges, so its RPO is above 0 by design",
                ),
                "rpo_s" => s.push_str(&format!(
                    "; acknowledged writes not yet elsewhere when it happened are lost{}",
                    if r.family != "stretched" {
                        " (the copy lags the source)"
                    } else {
                        ""
                    }
                )),
                "rto_s" | "write_availability_pct" => {
                    s.push_str(&format!(
                        "; writes stop or are refused for {} s, {} partition-s unavailable",
                        cr.rto_s.map_or("–".into(), |v| format!("{v}")),
                        cr.unavailable_partition_s
                    ));
                    if let Some(x) = cr.disrupted_after_end_s.filter(|&x| x > 0.0) {
                        s.push_str(&format!(
                            "; once the fault was over, writes were disrupted again for {x} s"
                        ));
                    }
                    if let Some(site) = brokerless_end(r, &case) {
                        s.push_str(&format!(
                            "; {site} holds no broker of this design, so its clients reach the cluster only across the link and cannot reach the brokers beyond it while it is cut: Kafka moves a leader when its broker loses the controller, not when a client cannot reach it (the clients where the brokers are, or brokers in {site})"
                        ));
                    }
                }
                "rereads_records" => s.push_str(match r.tool.as_deref() {
                    Some("mirrormaker2") => "; the lost site's consumers resume at the last checkpoint MirrorMaker 2 translated (MirrorCheckpointTask every emit.checkpoints.interval.seconds, through the nearest offset sync, OffsetSyncStore.translateDownstream) and read again what they consumed since",
                    Some("replicator") => "; the lost site's consumers resume at Replicator's last timestamp translation (every offset.translator.batch.period.ms) and read again what they consumed since",
                    Some("ureplicator" | "flink") => "; this copier carries no consumer offsets: the lost site's groups start at auto.offset.reset (latest: what they had not read is skipped, and counted here as not read exactly once; earliest: everything is read again)",
                    None => "; the lost site's consumers restart in another site at their group's last auto-commit (every auto.commit.interval.ms, 5 s by default) and read again what they consumed since",
                    _ => "; the lost site's consumers resume at the committed offset last carried to the target and read again what they consumed since",
                }),
                "produce_p99_ms" if r.family == "stretched" => s.push_str(
                    "; every acks=all write waits for the slowest in-sync follower across the WAN",
                ),
                _ => {}
            }
            if let (Some(l), Some(u)) = (&cr.busiest_link, cr.busiest_link_utilization)
                && u >= 0.8
            {
                s.push_str(&format!(
                    "; bottleneck: link {l} at {:.0} % of its capacity",
                    u * 100.0
                ));
            }
        }
        why.push(s);
    }
    why
}

/// The end of link-cut case `case` ("cut a–b") that holds no broker of
/// candidate `r` while the other end does: that site's clients lose the
/// brokers beyond the link (links are not rerouted around a cut).
fn brokerless_end(r: &CandidateResult, case: &str) -> Option<String> {
    let (a, b) = case.strip_prefix("cut ")?.split_once('–')?;
    let brokers = |s: &str| r.brokers.get(s).copied().unwrap_or(0);
    match (brokers(a), brokers(b)) {
        (0, n) if n > 0 => Some(a.to_string()),
        (n, 0) if n > 0 => Some(b.to_string()),
        _ => None,
    }
}

/// Objectives no simulated candidate meets, each with the three nearest.
fn unmet(results: &[CandidateResult]) -> Vec<Unmet> {
    let sim: Vec<&CandidateResult> = results
        .iter()
        .filter(|r| matches!(r.status, "recommended" | "feasible" | "misses"))
        .collect();
    let mut out: Vec<Unmet> = Vec::new();
    let Some(first) = sim.first() else {
        return out;
    };
    for o in &first.objectives {
        let met_by_any = sim.iter().any(|r| {
            r.objectives
                .iter()
                .any(|x| x.objective == o.objective && x.met != Some(false))
        });
        if met_by_any {
            continue;
        }
        let mut near: Vec<(f64, Near)> = sim
            .iter()
            .filter_map(|r| {
                let x = r.objectives.iter().find(|x| x.objective == o.objective)?;
                let d = match x.actual {
                    Some(a) if o.objective == "write_availability_pct" => o.target - a,
                    Some(a) => a - o.target,
                    None => f64::INFINITY,
                };
                Some((
                    d,
                    Near {
                        candidate: r.name.clone(),
                        actual: x.actual,
                        case: x.case.clone(),
                    },
                ))
            })
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.push(Unmet {
            objective: o.objective,
            bound: o.bound.clone(),
            nearest: near.into_iter().take(3).map(|x| x.1).collect(),
        });
    }
    out
}

/// What adopting a copier takes beyond Apache Kafka, which the simulation and
/// the cost do not weigh; `None` for MirrorMaker 2, part of Apache Kafka.
pub fn tool_caveat(tool: &str) -> Option<&'static str> {
    Some(match tool {
        "cluster-linking" => {
            "Cluster Linking is a feature of Confluent Server and Confluent Cloud, not of Apache Kafka (Confluent's licence)"
        }
        "replicator" => "Replicator is a Confluent Platform connector under Confluent's licence",
        "ureplicator" => {
            "uReplicator is Uber's open-source replicator, run with its own Helix-based controller and workers"
        }
        "cluster-mirroring" => {
            "Cluster Mirroring is KIP-1279, in no Apache Kafka release yet: the design waits for it"
        }
        "redpanda-shadowing" => {
            "Shadowing is a Redpanda feature: the clusters would run Redpanda, which ktopo models as Kafka brokers with the shadow link's fetch defaults"
        }
        "flink" => "the copy is a Flink job you write, deploy and operate",
        _ => return None,
    })
}

/// Why the first candidate leads, or what no candidate achieves; for a
/// recommendation whose copier is not Apache Kafka's, what adopting it takes.
fn recommendation(results: &[CandidateResult], unmet: &[Unmet]) -> String {
    let why = recommendation_why(results, unmet);
    let caveat = results
        .iter()
        .find(|r| r.status == "recommended")
        .and_then(|r| r.tool.as_deref())
        .and_then(tool_caveat);
    match caveat {
        Some(c) => format!("{why}; before adopting it: {c}"),
        None => why,
    }
}

fn recommendation_why(results: &[CandidateResult], unmet: &[Unmet]) -> String {
    let ranked: Vec<&CandidateResult> = results.iter().filter(|r| r.rank.is_some()).collect();
    let Some(best) = ranked.first() else {
        if results.iter().any(|r| r.status == "unfinished") {
            return "interrupted before any candidate finished its runs: nothing to recommend"
                .into();
        }
        return "no candidate could be simulated: every one is pruned (see why)".into();
    };
    if best.status != "recommended" {
        let what: Vec<String> = unmet
            .iter()
            .map(|u| {
                let near: Vec<String> = u
                    .nearest
                    .iter()
                    .map(|n| {
                        format!(
                            "{} {}",
                            n.candidate,
                            n.actual
                                .map_or("(not measured)".into(), |a| format!("reaches {a}"))
                        )
                    })
                    .collect();
                format!("{} {}: nearest {}", u.objective, u.bound, near.join(", "))
            })
            .collect();
        return if what.is_empty() {
            format!(
                "no candidate meets every objective; the nearest is {} (misses {})",
                best.name,
                best.objectives_missed.join(", ")
            )
        } else {
            format!("no candidate meets every objective — {}", what.join("; "))
        };
    }
    let Some(next) = ranked.get(1) else {
        return format!(
            "{} is the only candidate simulated and meets every objective",
            best.name
        );
    };
    if !next.objectives_missed.is_empty() {
        return format!(
            "{} meets every objective; the next, {}, misses {}",
            best.name,
            next.name,
            next.objectives_missed.join(", ")
        );
    }
    if thin(next) && !thin(best) {
        return format!(
            "{} meets every objective with margin; {} meets them with less than {:.0} % of a bound left",
            best.name,
            next.name,
            THIN_MARGIN * 100.0
        );
    }
    let (rb, rn) = (best.regret_s.unwrap_or(0.0), next.regret_s.unwrap_or(0.0));
    if ((rn / REGRET_TOLERANCE_S).floor() as i64) > ((rb / REGRET_TOLERANCE_S).floor() as i64) {
        return format!(
            "{} meets every objective with the least regret: {rb} s of lost or refused writes beyond the best of each fault case, against {rn} s for {}",
            best.name, next.name
        );
    }
    let step = |c: Option<f64>| (c.unwrap_or(0.0) / COST_TOLERANCE_USD).round() as i64;
    if step(best.cost_usd_month) == step(next.cost_usd_month) {
        return format!(
            "{} meets every objective; it ties with {} on regret and cost and comes first in the order candidates are generated",
            best.name, next.name
        );
    }
    format!(
        "{} meets every objective; it ties with {} on regret and costs {} USD/month against {}",
        best.name,
        next.name,
        best.cost_usd_month
            .map_or("–".into(), |c| format!("{c:.0}")),
        next.cost_usd_month
            .map_or("–".into(), |c| format!("{c:.0}"))
    )
}
