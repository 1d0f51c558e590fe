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
use crate::scenario::{Design, Scenario, SweepArgs, SweepPlan};
use crate::shard::{Header, MergeError, RunLine, RunSpec, Selection};
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

/// What a shard of a sweep carries so that `ktopo merge` can plan the sweep
/// again without the file: the scenario file as named on the command line
/// (for the replay command), its text, and the arguments that change runs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepSource {
    pub file: String,
    pub text: String,
    /// `--param` arguments as written.
    pub params: Vec<String>,
    pub seed: Option<u64>,
    pub seeds: Option<u32>,
}

impl SweepSource {
    pub fn new(file: &Path, text: String, args: &SweepArgs) -> SweepSource {
        SweepSource {
            file: file.display().to_string(),
            text,
            params: args.params.iter().map(|p| p.text.clone()).collect(),
            seed: args.seed,
            seeds: args.seeds,
        }
    }

    /// The sweep's arguments again.
    pub fn args(&self) -> Result<SweepArgs, String> {
        Ok(SweepArgs {
            params: self
                .params
                .iter()
                .map(|p| crate::scenario::parse_param_arg(p))
                .collect::<Result<_, _>>()?,
            seeds: self.seeds,
            seed: self.seed,
        })
    }

    /// The scenario hash of the shard files: SHA-256 of the scenario text, the
    /// `--param` arguments, the first seed and the seeds per variant in
    /// effect (`--seed` and `--seeds`, or the file's: `--seed 5` on a file
    /// with `seed = 5` is the same sweep), what decides the runs and their
    /// results, and the points of a load trace the file names (read from its
    /// own file, so not in the text). `--jobs`, `--out` and the shard are not
    /// in it: they change neither a run nor the report.
    pub fn hash(&self, plan: &SweepPlan) -> String {
        let mut trace = Vec::new();
        for (t, r) in &plan.base.load.trace {
            trace.extend_from_slice(&t.to_le_bytes());
            trace.extend_from_slice(&r.to_le_bytes());
        }
        let seed = plan.base.seed.to_string();
        let seeds = plan.seeds.to_string();
        let mut parts: Vec<&[u8]> = vec![
            b"ktopo sweep",
            self.text.as_bytes(),
            seed.as_bytes(),
            seeds.as_bytes(),
            &trace,
        ];
        parts.extend(self.params.iter().map(|p| p.as_bytes()));
        crate::shard::hash(&parts)
    }
}

/// The header of a shard of the sweep `plan` holding `selection`.
pub fn sweep_header(plan: &SweepPlan, source: &SweepSource, selection: Selection) -> Header {
    Header {
        ktopo_shard: crate::shard::FORMAT,
        kind: "sweep".into(),
        ktopo_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: crate::metrics::SCHEMA_VERSION,
        scenario: plan.base.name.clone(),
        scenario_hash: source.hash(plan),
        runs_total: plan.runs(),
        selection,
        source: serde_json::to_value(source).unwrap_or(serde_json::Value::Null),
    }
}

/// The runs of the plan a selection names, checked against the manifest.
pub fn selected_runs(plan: &SweepPlan, selection: &Selection) -> Result<Vec<usize>, String> {
    let total = plan.runs();
    match selection {
        Selection::Shard { shard, shards } => Ok(crate::shard::select(
            total,
            crate::shard::Shard::new(*shard, *shards)?,
        )),
        Selection::Runs { runs } => match runs.iter().find(|&&j| j >= total) {
            Some(j) => Err(format!(
                "--runs-only: there is no run {j}: the sweep's runs are 0 to {} (ktopo sweep FILE --list)",
                total.saturating_sub(1)
            )),
            None => Ok(runs.clone()),
        },
    }
}

/// Run the share `selection` of the sweep `plan` on `jobs` threads and write
/// its shard file to `out` (atomically; the header goes to the temporary file
/// before the runs, so an unwritable folder fails before any run). Returns the
/// file and the runs it holds.
pub fn sweep_shard(
    plan: &SweepPlan,
    source: &SweepSource,
    selection: Selection,
    jobs: usize,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(PathBuf, Vec<usize>), RunError> {
    let indices = selected_runs(plan, &selection).map_err(RunError::Run)?;
    let header = sweep_header(plan, source, selection);
    let writer = crate::shard::ShardWriter::create(
        out,
        &crate::scenario::safe_name(&plan.base.name),
        &header,
    )
    .map_err(RunError::Write)?;
    let runs = crate::sweep::run_selected(plan, &indices, jobs, progress)
        .map_err(|e| RunError::Run(e.to_string()))?;
    let manifest = crate::sweep::manifest(plan);
    let mut lines = Vec::with_capacity(runs.len());
    for (j, r) in runs {
        lines.push(RunLine {
            index: j,
            key: manifest[j].key.clone(),
            seed: manifest[j].seed,
            result: serde_json::to_value(&r).map_err(|e| RunError::Write(e.into()))?,
        });
    }
    let path = writer.finish(lines).map_err(RunError::Write)?;
    Ok((path, indices))
}

/// What `ktopo merge` made of its shard files.
pub enum Merged {
    /// `sweep.{json,md,html}` written (partial only when allowed).
    Written {
        sweep: Box<Sweep>,
        dir: PathBuf,
        files: usize,
        /// Copies of runs found more than once (identical, so dropped).
        duplicates: usize,
    },
    /// Runs are missing and a partial report was not allowed: the runs, and
    /// the command that makes just those into the first shard folder.
    Missing { runs: Vec<RunSpec>, rerun: String },
}

/// Why `ktopo merge` failed.
#[derive(Debug)]
pub enum MergeFailure {
    /// The shard files cannot be read or do not belong together.
    Shards(MergeError),
    /// The scenario the shards carry no longer plans (another ktopo?).
    Plan(String),
    /// The report could not be written.
    Write(std::io::Error),
}

/// `ktopo merge`: read every shard file of `paths`, check they are shares of
/// one sweep, lay their runs out by index and build the sweep's report from
/// them exactly as the single-machine run does (`sweep::assemble`), written
/// under `out`.
pub fn merge(paths: &[PathBuf], out: &Path, allow_partial: bool) -> Result<Merged, MergeFailure> {
    let files = crate::shard::read_dirs(paths).map_err(MergeFailure::Shards)?;
    let header = crate::shard::same_run(&files).map_err(MergeFailure::Shards)?;
    let first = files[0].path.clone();
    if header.kind != "sweep" {
        return Err(MergeFailure::Plan(format!(
            "{}: shards of `{}`, which this ktopo does not merge",
            first.display(),
            header.kind
        )));
    }
    let source: SweepSource = serde_json::from_value(header.source.clone()).map_err(|e| {
        MergeFailure::Plan(format!(
            "{}: the header's source is not a sweep's: {e}",
            first.display()
        ))
    })?;
    let args = source.args().map_err(MergeFailure::Plan)?;
    let plan = crate::scenario::sweep_str(&source.text, &source.file, &args).map_err(|d| {
        let first_problem = d.first().map(|x| x.to_string()).unwrap_or_default();
        MergeFailure::Plan(format!(
            "the scenario carried by the shards does not plan: {first_problem}"
        ))
    })?;
    let manifest = crate::sweep::manifest(&plan);
    if manifest.len() != header.runs_total {
        return Err(MergeFailure::Plan(format!(
            "{}: the header counts {} runs, the scenario it carries plans {}",
            first.display(),
            header.runs_total,
            manifest.len()
        )));
    }
    let slots = crate::shard::combine(&files, &manifest).map_err(MergeFailure::Shards)?;
    let mut results = Vec::with_capacity(slots.len());
    for (j, s) in slots.into_iter().enumerate() {
        results.push(match s {
            None => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|e| {
                MergeFailure::Plan(format!("run {j}: its result is not a sweep run's: {e}"))
            })?),
        });
    }
    let missing: Vec<RunSpec> = manifest
        .iter()
        .filter(|m| results[m.index].is_none())
        .cloned()
        .collect();
    if !missing.is_empty() && !allow_partial {
        let dir = first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let list: Vec<String> = missing.iter().map(|m| m.index.to_string()).collect();
        let mut rerun = format!(
            "ktopo sweep {} --runs-only {} --out {}",
            crate::report::shell_quote(&source.file),
            list.join(","),
            crate::report::shell_quote(&dir.display().to_string())
        );
        if let Some(s) = source.seed {
            rerun.push_str(&format!(" --seed {s}"));
        }
        if let Some(s) = source.seeds {
            rerun.push_str(&format!(" --seeds {s}"));
        }
        for p in &source.params {
            rerun.push_str(&format!(" --param {}", crate::report::shell_quote(p)));
        }
        return Ok(Merged::Missing {
            runs: missing,
            rerun,
        });
    }
    let lines: usize = files.iter().map(|f| f.runs.len()).sum();
    let present = results.iter().flatten().count();
    let sweep = crate::sweep::assemble(&plan, &results);
    let replay = crate::sweep::replay(&plan, Path::new(&source.file));
    let dir = crate::sweep::write(&sweep, &plan.base, &replay, out).map_err(MergeFailure::Write)?;
    Ok(Merged::Written {
        sweep: Box::new(sweep),
        dir,
        files: files.len(),
        duplicates: lines - present,
    })
}
