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
    /// `--runs N` (absent from the shards of a sweep without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<usize>,
}

impl SweepSource {
    pub fn new(file: &Path, text: String, args: &SweepArgs) -> SweepSource {
        SweepSource {
            file: file.display().to_string(),
            text,
            params: args.params.iter().map(|p| p.text.clone()).collect(),
            seed: args.seed,
            seeds: args.seeds,
            runs: args.runs,
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
            runs: self.runs,
        })
    }

    /// The scenario hash of the shard files: SHA-256 of the scenario text, the
    /// `--param` arguments, the first seed and the seeds per variant in
    /// effect (`--seed` and `--seeds`, or the file's: `--seed 5` on a file
    /// with `seed = 5` is the same sweep), `--runs N` when given, what decides
    /// the runs and their results, and the points of a load trace the file
    /// names (read from its own file, so not in the text). `--jobs`, `--out`
    /// and the shard are not in it: they change neither a run nor the report.
    /// (Without `--runs` the parts are those of the sweeps before `--runs`
    /// existed, so their shard files keep their hash.)
    pub fn hash(&self, plan: &SweepPlan) -> String {
        let trace = trace_bytes(&plan.base.load.trace);
        let seed = plan.base.seed.to_string();
        let seeds = plan.seeds.to_string();
        let draws = plan.draws.map(|n| format!("--runs {n}"));
        let mut parts: Vec<&[u8]> = vec![
            b"ktopo sweep",
            self.text.as_bytes(),
            seed.as_bytes(),
            seeds.as_bytes(),
            &trace,
        ];
        parts.extend(self.params.iter().map(|p| p.as_bytes()));
        if let Some(d) = &draws {
            parts.push(d.as_bytes());
        }
        crate::shard::hash(&parts)
    }
}

/// The header of a shard of the sweep `plan` holding `selection`.
pub fn sweep_header(plan: &SweepPlan, source: &SweepSource, selection: Selection) -> Header {
    header(
        "sweep",
        &plan.base.name,
        source.hash(plan),
        plan.runs(),
        selection,
        serde_json::to_value(source).unwrap_or(serde_json::Value::Null),
    )
}

/// The runs of the plan a selection names, checked against the manifest.
pub fn selected_runs(plan: &SweepPlan, selection: &Selection) -> Result<Vec<usize>, String> {
    select_runs(plan.runs(), selection, "ktopo sweep FILE --list")
}

/// The runs of `0..total` a selection names (`list`: the command that lists
/// them, for the error of an index past the last run).
pub fn select_runs(total: usize, selection: &Selection, list: &str) -> Result<Vec<usize>, String> {
    match selection {
        Selection::Shard { shard, shards } => Ok(crate::shard::select(
            total,
            crate::shard::Shard::new(*shard, *shards)?,
        )),
        Selection::Runs { runs } => match runs.iter().find(|&&j| j >= total) {
            Some(j) => Err(format!(
                "--runs-only: there is no run {j}: the runs are 0 to {} ({list})",
                total.saturating_sub(1)
            )),
            None => Ok(runs.clone()),
        },
    }
}

/// Begin the shard file of `header` under `out` (so that an unwritable folder
/// fails before any run), make the runs `indices` with `make` (each run's
/// index and result as JSON), check them against `manifest` and commit the
/// file. Returns its path.
fn write_shard(
    out: &Path,
    scenario: &str,
    header: &Header,
    manifest: &[RunSpec],
    indices: &[usize],
    make: impl FnOnce(&[usize]) -> Result<Vec<(usize, serde_json::Value)>, RunError>,
) -> Result<PathBuf, RunError> {
    let writer =
        crate::shard::ShardWriter::create(out, &crate::scenario::safe_name(scenario), header)
            .map_err(RunError::Write)?;
    let runs = make(indices)?;
    let lines = runs
        .into_iter()
        .map(|(j, result)| RunLine {
            index: j,
            key: manifest[j].key.clone(),
            seed: manifest[j].seed,
            result,
        })
        .collect();
    writer.finish(lines).map_err(RunError::Write)
}

/// The bytes of a load trace's points, for a scenario hash.
fn trace_bytes(trace: &[(f64, f64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(trace.len() * 16);
    for (t, r) in trace {
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&r.to_le_bytes());
    }
    out
}

/// A shard header of `kind` for `scenario`.
fn header(
    kind: &str,
    scenario: &str,
    scenario_hash: String,
    runs_total: usize,
    selection: Selection,
    source: serde_json::Value,
) -> Header {
    Header {
        ktopo_shard: crate::shard::FORMAT,
        kind: kind.into(),
        ktopo_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: crate::metrics::SCHEMA_VERSION,
        scenario: scenario.into(),
        scenario_hash,
        runs_total,
        selection,
        source,
    }
}

/// What a shard of a plan carries so that `ktopo merge` can prepare the plan
/// again without the file: the file as named (for the rerun command), its
/// text, `--runs`, and the load trace's points the file names (read from
/// their own file, so not in the text).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlanSource {
    pub file: String,
    pub text: String,
    pub runs: Option<usize>,
    pub trace: Vec<(f64, f64)>,
}

impl PlanSource {
    pub fn new(file: &Path, text: String, runs: Option<usize>, base: &Scenario) -> PlanSource {
        PlanSource {
            file: file.display().to_string(),
            text,
            runs,
            trace: base.load.trace.clone(),
        }
    }

    /// SHA-256 of the command, the scenario text, `--runs` and the trace's
    /// points: what decides the candidates, the runs and their results.
    /// `--jobs`, `--out`, `--export` and the shard change neither.
    pub fn hash(&self) -> String {
        let runs = format!("{:?}", self.runs);
        crate::shard::hash(&[
            b"ktopo plan",
            self.text.as_bytes(),
            runs.as_bytes(),
            &trace_bytes(&self.trace),
        ])
    }

    /// The scenario the plan is made of, as `ktopo plan FILE` reads it.
    pub fn scenario(&self) -> Result<Scenario, String> {
        let mut sc = crate::scenario::parse_for_plan(&self.text, &self.file)
            .map_err(|d| d.first().map(|x| x.to_string()).unwrap_or_default())?;
        sc.load.trace = self.trace.clone();
        Ok(sc)
    }

    /// The header of a shard of the plan `prep` holding `selection`.
    pub fn header(
        &self,
        prep: &crate::plan::Prepared,
        base: &Scenario,
        selection: Selection,
    ) -> Header {
        header(
            "plan",
            &base.name,
            self.hash(),
            prep.len(),
            selection,
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// Make the share `selection` of the plan `prep` (of `source`) on `jobs`
/// threads and write its shard file under `out`. Returns the file and the
/// runs it holds.
pub fn plan_shard(
    prep: &crate::plan::Prepared,
    base: &Scenario,
    source: &PlanSource,
    selection: Selection,
    jobs: usize,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(PathBuf, Vec<usize>), RunError> {
    let indices =
        select_runs(prep.len(), &selection, "ktopo plan FILE --list").map_err(RunError::Run)?;
    let header = source.header(prep, base, selection);
    let manifest = prep.manifest();
    let path = write_shard(out, &base.name, &header, &manifest, &indices, |ix| {
        Ok(prep
            .run_selected(ix, jobs, progress)
            .iter()
            .map(|(j, r)| (*j, crate::plan::outcome_to_json(r)))
            .collect())
    })?;
    Ok((path, indices))
}

/// What a shard of `simulate --runs N` carries so that `ktopo merge` can
/// rebuild the Monte Carlo without the file: the file as named, its text,
/// N, `--seed`, and the load trace's points.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DrawSource {
    pub file: String,
    pub text: String,
    pub runs: usize,
    pub seed: Option<u64>,
    pub trace: Vec<(f64, f64)>,
}

impl DrawSource {
    pub fn new(
        file: &Path,
        text: String,
        runs: usize,
        seed: Option<u64>,
        sc: &Scenario,
    ) -> DrawSource {
        DrawSource {
            file: file.display().to_string(),
            text,
            runs,
            seed,
            trace: sc.load.trace.clone(),
        }
    }

    /// SHA-256 of the command, the scenario text, N, the seed in effect
    /// (`--seed 5` on a file with `seed = 5` is the same Monte Carlo) and the
    /// trace's points.
    pub fn hash(&self, sc: &Scenario) -> String {
        let runs = self.runs.to_string();
        let seed = sc.seed.to_string();
        crate::shard::hash(&[
            b"ktopo simulate --runs",
            self.text.as_bytes(),
            runs.as_bytes(),
            seed.as_bytes(),
            &trace_bytes(&self.trace),
        ])
    }

    /// The scenario drawn, as `ktopo simulate FILE --runs N [--seed S]` reads it.
    pub fn scenario(&self) -> Result<Scenario, String> {
        let mut sc = crate::scenario::parse_str(&self.text, &self.file)
            .map_err(|d| d.first().map(|x| x.to_string()).unwrap_or_default())?;
        sc.load.trace = self.trace.clone();
        if let Some(s) = self.seed {
            sc.seed = s;
        }
        Ok(sc)
    }

    /// The header of a shard of this Monte Carlo of `sc` holding `selection`.
    pub fn header(&self, sc: &Scenario, selection: Selection) -> Header {
        header(
            DRAWS,
            &sc.name,
            self.hash(sc),
            self.runs * sc.design.len().max(1),
            selection,
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// The command kind in the header of a shard of `simulate --runs N`.
pub const DRAWS: &str = "simulate --runs";

/// Make the share `selection` of the Monte Carlo of `sc` (of `source`) on
/// `jobs` threads and write its shard file under `out`. Returns the file and
/// the runs it holds.
pub fn draws_shard(
    sc: &Scenario,
    source: &DrawSource,
    selection: Selection,
    jobs: usize,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(PathBuf, Vec<usize>), RunError> {
    let manifest = crate::montecarlo::manifest(sc, source.runs);
    let indices = select_runs(
        manifest.len(),
        &selection,
        "ktopo simulate FILE --runs N --list",
    )
    .map_err(RunError::Run)?;
    let header = source.header(sc, selection);
    let path = write_shard(out, &sc.name, &header, &manifest, &indices, |ix| {
        Ok(crate::montecarlo::run_selected(sc, ix, jobs, progress)
            .map_err(RunError::Run)?
            .iter()
            .map(|(j, r)| (*j, r.to_json()))
            .collect())
    })?;
    Ok((path, indices))
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
    let manifest = crate::sweep::manifest(plan);
    let path = write_shard(out, &plan.base.name, &header, &manifest, &indices, |ix| {
        let runs = crate::sweep::run_selected(plan, ix, jobs, progress)
            .map_err(|e| RunError::Run(e.to_string()))?;
        runs.into_iter()
            .map(|(j, r)| {
                Ok((
                    j,
                    serde_json::to_value(&r).map_err(|e| RunError::Write(e.into()))?,
                ))
            })
            .collect()
    })?;
    Ok((path, indices))
}

/// The report `ktopo merge` wrote: the command's own, as its unsharded run writes it.
pub enum MergedReport {
    /// `sweep.{json,md,html}`.
    Sweep(Box<Sweep>),
    /// `plan.{json,md,html}`.
    Plan(Box<crate::plan::Plan>),
    /// `montecarlo.{json,md,html}` (`simulate --runs N`).
    MonteCarlo(Box<crate::montecarlo::MonteCarlo>),
}

/// What `ktopo merge` made of its shard files.
pub enum Merged {
    /// The report written (partial only when allowed).
    Written {
        report: MergedReport,
        dir: PathBuf,
        files: usize,
        /// Runs merged (present).
        runs: usize,
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

/// The shard files of one run, read and checked, and their runs laid out by
/// index against the manifest the merging process rebuilt.
struct Gathered<'a> {
    files: &'a [crate::shard::ShardFile],
    slots: Vec<Option<serde_json::Value>>,
    missing: Vec<RunSpec>,
}

impl<'a> Gathered<'a> {
    fn new(
        files: &'a [crate::shard::ShardFile],
        header: &Header,
        manifest: &[RunSpec],
    ) -> Result<Gathered<'a>, MergeFailure> {
        if manifest.len() != header.runs_total {
            return Err(MergeFailure::Plan(format!(
                "{}: the header counts {} runs, the scenario it carries makes {}",
                files[0].path.display(),
                header.runs_total,
                manifest.len()
            )));
        }
        let slots = crate::shard::combine(files, manifest).map_err(MergeFailure::Shards)?;
        let missing = manifest
            .iter()
            .filter(|m| slots[m.index].is_none())
            .cloned()
            .collect();
        Ok(Gathered {
            files,
            slots,
            missing,
        })
    }

    /// Each slot's result read by `read` (None: missing).
    fn results<T>(
        &self,
        what: &str,
        read: impl Fn(serde_json::Value) -> Result<T, String>,
    ) -> Result<Vec<Option<T>>, MergeFailure> {
        let mut out = Vec::with_capacity(self.slots.len());
        for (j, s) in self.slots.iter().enumerate() {
            out.push(match s {
                None => None,
                Some(v) => Some(read(v.clone()).map_err(|e| {
                    MergeFailure::Plan(format!("run {j}: its result is not {what}: {e}"))
                })?),
            });
        }
        Ok(out)
    }

    /// The missing runs with `command --runs-only I,J,… --out DIR`, DIR the
    /// first shard file's folder; None when none is missing or a partial
    /// report is allowed.
    fn refuse(&self, allow_partial: bool, command: &str, tail: &str) -> Option<Merged> {
        if self.missing.is_empty() || allow_partial {
            return None;
        }
        let first = &self.files[0].path;
        let dir = first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let list: Vec<String> = self.missing.iter().map(|m| m.index.to_string()).collect();
        Some(Merged::Missing {
            runs: self.missing.clone(),
            rerun: format!(
                "{command} --runs-only {} --out {}{tail}",
                list.join(","),
                crate::report::shell_quote(&dir.display().to_string())
            ),
        })
    }

    fn written(&self, report: MergedReport, dir: PathBuf) -> Merged {
        let lines: usize = self.files.iter().map(|f| f.runs.len()).sum();
        let present = self.slots.iter().flatten().count();
        Merged::Written {
            report,
            dir,
            files: self.files.len(),
            runs: present,
            duplicates: lines - present,
        }
    }
}

/// The source a header carries, as the command `kind` wrote it.
fn source_of<T: serde::de::DeserializeOwned>(
    files: &[crate::shard::ShardFile],
    header: &Header,
) -> Result<T, MergeFailure> {
    serde_json::from_value(header.source.clone()).map_err(|e| {
        MergeFailure::Plan(format!(
            "{}: the header's source is not a {}'s: {e}",
            files[0].path.display(),
            header.kind
        ))
    })
}

/// `ktopo merge`: read every shard file of `paths`, check they are shares of
/// one run of one command (`sweep`, `plan`, `simulate --runs`), lay their
/// runs out by index and build that command's report from them exactly as
/// the single-machine run does (`sweep::assemble`, `plan::Prepared::assemble`,
/// `montecarlo::assemble`), written under `out`. A plan's recommended
/// candidate's links are sized here (a few simulations after the ranking).
pub fn merge(paths: &[PathBuf], out: &Path, allow_partial: bool) -> Result<Merged, MergeFailure> {
    let files = crate::shard::read_dirs(paths).map_err(MergeFailure::Shards)?;
    let header = crate::shard::same_run(&files).map_err(MergeFailure::Shards)?;
    match header.kind.as_str() {
        "sweep" => merge_sweep(&files, header, out, allow_partial),
        "plan" => merge_plan(&files, header, out, allow_partial),
        DRAWS => merge_draws(&files, header, out, allow_partial),
        other => Err(MergeFailure::Plan(format!(
            "{}: shards of `{other}`, which this ktopo does not merge",
            files[0].path.display()
        ))),
    }
}

fn merge_sweep(
    files: &[crate::shard::ShardFile],
    header: &Header,
    out: &Path,
    allow_partial: bool,
) -> Result<Merged, MergeFailure> {
    let source: SweepSource = source_of(files, header)?;
    let args = source.args().map_err(MergeFailure::Plan)?;
    let plan = crate::scenario::sweep_str(&source.text, &source.file, &args).map_err(|d| {
        let first_problem = d.first().map(|x| x.to_string()).unwrap_or_default();
        MergeFailure::Plan(format!(
            "the scenario carried by the shards does not plan: {first_problem}"
        ))
    })?;
    let g = Gathered::new(files, header, &crate::sweep::manifest(&plan))?;
    let results = g.results("a sweep run's", |v| {
        serde_json::from_value(v).map_err(|e| e.to_string())
    })?;
    let mut tail = String::new();
    if let Some(s) = source.seed {
        tail.push_str(&format!(" --seed {s}"));
    }
    if let Some(s) = source.seeds {
        tail.push_str(&format!(" --seeds {s}"));
    }
    if let Some(n) = source.runs {
        tail.push_str(&format!(" --runs {n}"));
    }
    for p in &source.params {
        tail.push_str(&format!(" --param {}", crate::report::shell_quote(p)));
    }
    let command = format!("ktopo sweep {}", crate::report::shell_quote(&source.file));
    if let Some(m) = g.refuse(allow_partial, &command, &tail) {
        return Ok(m);
    }
    let sweep = crate::sweep::assemble(&plan, &results);
    let replay = crate::sweep::replay(&plan, Path::new(&source.file));
    let dir = crate::sweep::write(&sweep, &plan.base, &replay, out).map_err(MergeFailure::Write)?;
    Ok(g.written(MergedReport::Sweep(Box::new(sweep)), dir))
}

fn merge_plan(
    files: &[crate::shard::ShardFile],
    header: &Header,
    out: &Path,
    allow_partial: bool,
) -> Result<Merged, MergeFailure> {
    let source: PlanSource = source_of(files, header)?;
    let base = source.scenario().map_err(|e| {
        MergeFailure::Plan(format!(
            "the scenario carried by the shards does not plan: {e}"
        ))
    })?;
    let prep =
        crate::plan::prepare(&source.text, &base, source.runs).map_err(MergeFailure::Plan)?;
    let g = Gathered::new(files, header, &prep.manifest())?;
    let results = g.results("a plan run's", crate::plan::outcome_from_json)?;
    let command = format!("ktopo plan {}", crate::report::shell_quote(&source.file));
    let tail = source
        .runs
        .map_or(String::new(), |n| format!(" --runs {n}"));
    if let Some(m) = g.refuse(allow_partial, &command, &tail) {
        return Ok(m);
    }
    let plan = prep.assemble(
        results,
        crate::sweep::default_jobs(),
        crate::plan::NOT_MERGED,
    );
    let dir = crate::plan::write(&plan, out).map_err(MergeFailure::Write)?;
    Ok(g.written(MergedReport::Plan(Box::new(plan)), dir))
}

fn merge_draws(
    files: &[crate::shard::ShardFile],
    header: &Header,
    out: &Path,
    allow_partial: bool,
) -> Result<Merged, MergeFailure> {
    let source: DrawSource = source_of(files, header)?;
    let sc = source.scenario().map_err(|e| {
        MergeFailure::Plan(format!(
            "the scenario carried by the shards does not parse: {e}"
        ))
    })?;
    let g = Gathered::new(
        files,
        header,
        &crate::montecarlo::manifest(&sc, source.runs),
    )?;
    let results = g.results("a Monte Carlo run's", crate::montecarlo::DrawRun::from_json)?;
    let command = format!(
        "ktopo simulate {} --runs {}",
        crate::report::shell_quote(&source.file),
        source.runs
    );
    let mut tail = String::new();
    if let Some(s) = source.seed {
        tail.push_str(&format!(" --seed {s}"));
    }
    if sc.sweep.as_ref().is_some_and(|s| !s.parameter.is_empty()) {
        tail.push_str(" --no-sweep");
    }
    if let Some(m) = g.refuse(allow_partial, &command, &tail) {
        return Ok(m);
    }
    let m = crate::montecarlo::assemble(&sc, source.runs, &results, crate::montecarlo::NOT_MERGED);
    let dir = crate::montecarlo::write(&m, out).map_err(MergeFailure::Write)?;
    Ok(g.written(MergedReport::MonteCarlo(Box::new(m)), dir))
}
