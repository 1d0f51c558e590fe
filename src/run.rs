//! The plumbing the commands that run scenarios share (`simulate`, `compare`,
//! `sweep`, `export`, `check`): the topology and its `check` findings, the
//! event-budget warning, the report context, running and writing. It returns
//! values and errors; the binary (`src/main.rs`, `src/cli/`) prints them and
//! chooses exit codes.

use std::path::{Path, PathBuf};

use crate::check::Finding;
use crate::compare::Comparison;
use crate::metrics::Outcome;
use crate::report::{Context, Verdict};
use crate::scenario::{Design, Scenario, SweepPlan};
use crate::sweep::Sweep;
use crate::topology::Topology;

/// Why a run that writes reports failed.
#[derive(Debug)]
pub enum RunError {
    /// The simulation failed (the event limit, …): the message.
    Run(String),
    /// The reports could not be written.
    Write(std::io::Error),
}

/// The `ktopo check` findings of `sc`, on the topology it builds.
pub fn findings(sc: &Scenario) -> Vec<Finding> {
    crate::check::check(sc, &Topology::build(sc))
}

/// Before a run: can the reports of `sc` (and of its designs) be written under
/// `out`? So that a run never ends by losing its results.
pub fn check_writable(out: &Path, sc: &Scenario) -> std::io::Result<()> {
    let designs: Vec<&str> = sc.design.iter().map(|d| d.name.as_str()).collect();
    crate::report::check_writable(out, &sc.name, &designs)
}

/// Before a run: a warning for each design (or the scenario without designs)
/// that `check` expects to stop at `model.max_events` (the run goes ahead; the
/// estimate is rough).
pub fn event_budget_warnings(sc: &Scenario) -> Vec<String> {
    let topo = Topology::build(sc);
    let designs: Vec<Option<&Design>> = if sc.design.is_empty() {
        vec![None]
    } else {
        sc.design.iter().map(Some).collect()
    };
    let mut warnings = Vec::new();
    for d in designs {
        let est = crate::check::estimated_events(sc, &topo, d);
        if est > sc.model.max_events as f64 {
            warnings.push(format!(
                "{}{}about {est:.2e} events estimated, over model.max_events = {}: the run will probably stop before its end; for long runs use model.fidelity = \"flow\" (docs/model.md §16), or shorten duration_s",
                sc.name,
                d.map_or(": ".to_string(), |d| format!(", design {}: ", d.name)),
                sc.model.max_events
            ));
        }
    }
    warnings
}

/// A simulated scenario with its reports written.
pub struct Simulated {
    /// The report folder.
    pub dir: PathBuf,
    /// The verdict the reports show.
    pub verdict: Verdict,
}

/// Write the reports of `outcome`, a run of `sc` (read from `file`), under
/// `out`, with the `check` findings and the replay command; returns the folder
/// and the verdict.
pub fn write_simulation(
    sc: &Scenario,
    file: &Path,
    outcome: &Outcome,
    out: &Path,
) -> std::io::Result<Simulated> {
    let findings = findings(sc);
    let cx = Context::new(sc, &findings, file);
    let dir = crate::report::write_reports(outcome, &cx, out)?;
    let verdict = crate::report::verdict(&outcome.design, outcome, &cx);
    Ok(Simulated { dir, verdict })
}

/// Run every design of `sc` (read from `file`) with the same workload, faults
/// and seed, judge them and write `compare.{json,md,html}` and each design's
/// reports under `out`; returns the comparison and the folder.
pub fn compare(sc: &Scenario, file: &Path, out: &Path) -> Result<(Comparison, PathBuf), RunError> {
    let (mut cmp, outcomes) = crate::compare::run(sc).map_err(|e| RunError::Run(e.to_string()))?;
    let findings = findings(sc);
    let cx = Context::new(sc, &findings, file);
    crate::compare::judge(&mut cmp, &outcomes, &cx);
    let dir = crate::compare::write(&cmp, &outcomes, &cx, out).map_err(RunError::Write)?;
    Ok((cmp, dir))
}

/// Run the sweep `plan` (of `file`) on `jobs` threads and write
/// `sweep.{json,md,html}` under `out`; returns the sweep and the folder.
/// `progress(done, total)` observes the runs.
pub fn sweep(
    plan: &SweepPlan,
    file: &Path,
    jobs: usize,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Sweep, PathBuf), RunError> {
    let result =
        crate::sweep::run(plan, jobs, progress).map_err(|e| RunError::Run(e.to_string()))?;
    let replay = crate::sweep::replay(plan, file);
    let dir = crate::sweep::write(&result, &plan.base, &replay, out).map_err(RunError::Write)?;
    Ok((result, dir))
}
