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
pub use report::{html, markdown, to_json, write};

use crate::check::Level;
use crate::metrics::{Outcome, round3};
use crate::report::{ObjectiveCheck, Summary, objectives};
use crate::scenario::{LoadProfile, Scenario};
use indexmap::IndexMap;
use serde::Serialize;
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
    /// Worst RPO of the run (s of acknowledged writes lost).
    pub rpo_s: f64,
    pub rto_s: Option<f64>,
    pub produce_p99_ms: Option<f64>,
    pub write_availability_pct: Option<f64>,
    pub unavailable_partition_s: f64,
    pub replication_lag_s_max: Option<f64>,
    pub catch_up_s: Option<f64>,
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
    /// Copier settings the planner chose (Kafka names).
    pub copier: IndexMap<String, i64>,
    /// Capacity of each link the candidate's traffic crosses, Mbit/s each way.
    pub link_bandwidth_mbps: IndexMap<String, f64>,
    /// The recommended async candidate: each WAN link sized by `size-link`
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

/// `plan.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub schema_version: u32,
    pub scenario: String,
    pub seed: u64,
    pub cases: Vec<Case>,
    /// Simulations run.
    pub runs: usize,
    /// The candidate to build, or null when none meets every objective.
    pub recommended: Option<String>,
    pub recommendation: String,
    pub unmet: Vec<Unmet>,
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
/// shifted so the run is the window around the peak).
fn case_doc(c: &Candidate, case: &Case, base: &Scenario, file_doc: &Table) -> Table {
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
        if let Some(Value::Table(l)) = d.get_mut("load") {
            l.insert("peak_at_s".into(), Value::Float(at));
        }
    }
    d
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

/// Run `f(0..n)` on `jobs` threads (`sweep::par_runs`, rayon); results by
/// index, so the output does not depend on the thread count.
fn par_map<T: Send, F: Fn(usize) -> T + Sync>(
    n: usize,
    jobs: usize,
    f: F,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<T> {
    crate::sweep::par_runs(n, jobs, f, |_| false, progress)
        .into_iter()
        .flatten()
        .collect()
}

/// One run's figures.
fn measure(case: &Case, sc: &Scenario, o: &Outcome) -> CaseResult {
    let s = Summary::of(o);
    let checks = objectives(&sc.objectives, &s);
    let missed = checks
        .iter()
        .filter(|c| c.met == Some(false))
        .map(|c| c.objective)
        .collect();
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
        rto_s: s.rto_max_s.map(round3),
        produce_p99_ms: s.worst_p99_ms().map(round3),
        write_availability_pct: s.availability_pct.map(round3),
        unavailable_partition_s: round3(s.unavailable_partition_s),
        replication_lag_s_max: s.replication_lag_s_max.map(round3),
        catch_up_s: s.catch_up_max_s.map(round3),
        busiest_link: s.busiest_link.as_ref().map(|b| format!("{}→{}", b.0, b.1)),
        busiest_link_utilization: s.busiest_link.as_ref().map(|b| round3(b.2)),
        cost_usd_month: s.cost_usd_month,
        objectives_missed: missed,
        checks,
        link_mbps,
    }
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
    let file_doc: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let cases = cases(base);
    let cands = candidates::generate(base, &file_doc);
    // Static pruning on each candidate's peak-case scenario.
    let mut results: Vec<CandidateResult> = Vec::new();
    let mut pruned: Vec<Vec<String>> = Vec::new();
    for c in &cands {
        let doc = case_doc(c, &cases[0], base, &file_doc);
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
        pruned.push(why.clone());
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
            copier: c.settings.clone(),
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
        });
    }
    // Every (simulated candidate, case) run, with the same seed and fault times.
    let live: Vec<usize> = (0..cands.len()).filter(|&i| pruned[i].is_empty()).collect();
    let runs: Vec<(usize, usize)> = live
        .iter()
        .flat_map(|&i| (0..cases.len()).map(move |k| (i, k)))
        .collect();
    let outs = par_map(
        runs.len(),
        jobs,
        |j| {
            let (i, k) = runs[j];
            let c = &cands[i];
            let doc = case_doc(c, &cases[k], base, &file_doc);
            let text = render(&doc, &c.name);
            let sc = parse(&text, &c.name, base)?;
            let o = crate::compare::run_design(&sc, 0).map_err(|e| e.to_string())?;
            Ok::<CaseResult, String>(measure(&cases[k], &sc, &o))
        },
        progress,
    );
    for (j, r) in outs.into_iter().enumerate() {
        let (i, k) = runs[j];
        let cr = &mut results[i];
        match r {
            Ok(m) => cr.cases.push(m),
            Err(e) => {
                cr.status = "failed";
                cr.why
                    .push(format!("the run of case `{}` failed: {e}", cases[k].name));
            }
        }
    }
    rank(&mut results, &cases);
    size_recommended(&mut results, base, jobs);
    let unmet = unmet(&results);
    let recommended = results
        .iter()
        .find(|c| c.status == "recommended")
        .map(|c| c.name.clone());
    let recommendation = recommendation(&results, &unmet);
    Ok(Plan {
        schema_version: crate::metrics::SCHEMA_VERSION,
        scenario: base.name.clone(),
        seed: base.seed,
        cases,
        runs: runs.len(),
        recommended,
        recommendation,
        unmet,
        candidates: results,
    })
}

/// Size the WAN links of the recommended candidate when it copies between
/// clusters: the peak wire rate, and with a `catch_up_s` objective the
/// bandwidth that catches up within it after a cut of `[plan].outage_s`.
fn size_recommended(results: &mut [CandidateResult], base: &Scenario, jobs: usize) {
    let Some(r) = results
        .iter_mut()
        .find(|r| r.status == "recommended" && r.family == "async")
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

/// Aggregate, score and order the candidates; sets rank and status.
fn rank(results: &mut [CandidateResult], cases: &[Case]) {
    // The best loss of each case over the candidates that ran it.
    let mut best: Vec<Option<f64>> = vec![None; cases.len()];
    for r in results.iter().filter(|r| r.status == "feasible") {
        for (k, c) in cases.iter().enumerate() {
            if let Some(cr) = r.cases.iter().find(|x| x.case == c.name) {
                let l = loss_s(cr);
                best[k] = Some(best[k].map_or(l, |b: f64| b.min(l)));
            }
        }
    }
    for r in results.iter_mut().filter(|r| r.status == "feasible") {
        r.objectives = aggregate(&r.cases);
        r.objectives_missed = r
            .objectives
            .iter()
            .filter(|o| o.met == Some(false))
            .map(|o| o.objective)
            .collect();
        let per_case: Vec<&ObjectiveCheck> = r.cases.iter().flat_map(|c| &c.checks).collect();
        r.shortfall = round3(
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
        );
        let mut regret = 0.0;
        for (k, c) in cases.iter().enumerate() {
            if let (Some(cr), Some(b)) = (r.cases.iter().find(|x| x.case == c.name), best[k]) {
                regret += loss_s(cr) - b;
            }
        }
        r.regret_s = Some(round3(regret));
        r.cost_usd_month = r
            .cases
            .iter()
            .find(|c| c.case == "peak" || c.case == "file")
            .and_then(|c| c.cost_usd_month);
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
        if let Some(cr) = cr {
            match o.objective {
                "rpo_s" => s.push_str(&format!(
                    "; acknowledged writes not yet elsewhere when it happened are lost{}",
                    if r.family != "stretched" {
                        " (the copy lags the source)"
                    } else {
                        ""
                    }
                )),
                "rto_s" | "write_availability_pct" => s.push_str(&format!(
                    "; writes stop or are refused for {} s, {} partition-s unavailable",
                    cr.rto_s.map_or("–".into(), |v| format!("{v}")),
                    cr.unavailable_partition_s
                )),
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

/// Why the first candidate leads, or what no candidate achieves.
fn recommendation(results: &[CandidateResult], unmet: &[Unmet]) -> String {
    let ranked: Vec<&CandidateResult> = results.iter().filter(|r| r.rank.is_some()).collect();
    let Some(best) = ranked.first() else {
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
