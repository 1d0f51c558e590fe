//! The commands of the `ktopo` binary, one module each: its clap `Args` (with
//! its `--help` text) and its `run`, which prints and returns the exit code.
//! What the commands share for printing lives here; what they share for
//! running lives in the library (`ktopo::run`).

pub mod check;
pub mod compare;
pub mod completions;
pub mod export;
pub mod import;
pub mod init;
pub mod merge;
pub mod plan;
pub mod simulate;
pub mod size_link;
pub mod sweep;

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ktopo::scenario::{Scenario, SweepArgs, SweepPlan};
use ktopo::shard::Selection;

/// The flags of a command whose runs can be sharded (`sweep`, `plan`,
/// `simulate --runs N`; docs/scale-out.md).
#[derive(clap::Args)]
pub struct ShardArgs {
    /// Print the manifest: one line per run (index, seed, the run's key);
    /// with --json, JSON. Runs nothing.
    #[arg(long)]
    pub list: bool,
    /// Make only shard K of N (runs whose 0-based index ≡ K−1 mod N) and write
    /// its results as one JSON Lines file under --out, for `ktopo merge`.
    #[arg(long, value_name = "K/N", value_parser = ktopo::shard::Shard::parse,
          conflicts_with_all = ["shard_from_env", "runs_only", "list"])]
    pub shard: Option<ktopo::shard::Shard>,
    /// As --shard, with K and N from a batch scheduler's variables
    /// (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX).
    #[arg(long, conflicts_with_all = ["runs_only", "list"])]
    pub shard_from_env: bool,
    /// The number of shards for --shard-from-env (Kubernetes and AWS Batch do
    /// not export it; for Slurm it replaces SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "N", requires = "shard_from_env")]
    pub shard_count: Option<usize>,
    /// Make only these runs (0-based indices, as --list shows) and write them as
    /// one shard file under --out: how `ktopo merge` asks for missing runs.
    #[arg(long, value_name = "I,J,…", conflicts_with_all = ["list"])]
    pub runs_only: Option<String>,
}

impl ShardArgs {
    /// The runs asked for: None without --shard, --shard-from-env or
    /// --runs-only; the error printed and exit code 2 when they are wrong.
    pub fn selection(&self, quiet: bool) -> Result<Option<Selection>, ExitCode> {
        if let Some(s) = self.shard {
            return Ok(Some(Selection::Shard {
                shard: s.k,
                shards: s.n,
            }));
        }
        if self.shard_from_env {
            return match ktopo::shard::from_env(&|v| std::env::var(v).ok(), self.shard_count) {
                Ok((s, from)) => {
                    if !quiet {
                        eprintln!("{from}");
                    }
                    Ok(Some(Selection::Shard {
                        shard: s.k,
                        shards: s.n,
                    }))
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Err(ExitCode::from(2))
                }
            };
        }
        match &self.runs_only {
            Some(r) => match ktopo::shard::parse_runs(r) {
                Ok(runs) => Ok(Some(Selection::Runs { runs })),
                Err(e) => {
                    eprintln!("error: --runs-only: {e}");
                    Err(ExitCode::from(2))
                }
            },
            None => Ok(None),
        }
    }

    /// Any of the flags given (the command then lists or makes a shard).
    pub fn any(&self) -> bool {
        self.list || self.shard.is_some() || self.shard_from_env || self.runs_only.is_some()
    }
}

/// A selection in words: `shard 2/4`, `3 selected run(s)`.
pub fn describe(s: &Selection) -> String {
    match s {
        Selection::Shard { shard, shards } => format!("shard {shard}/{shards}"),
        Selection::Runs { runs } => format!("{} selected run(s)", runs.len()),
    }
}

/// After a shard file is written: its path and runs (JSON with `json`).
pub fn shard_written(
    s: &Selection,
    path: &Path,
    runs: &[usize],
    total: usize,
    json: bool,
    quiet: bool,
) {
    if json {
        let doc = serde_json::json!({ "file": path.display().to_string(), "runs": runs });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else if !quiet {
        println!(
            "{}: {} of {total} runs written to {}",
            describe(s),
            runs.len(),
            path.display()
        );
    }
}

/// Print a manifest (`--list`): a `# ` heading line, then one line per run
/// (index, seed, key); with `json`, a JSON document.
pub fn print_manifest(
    scenario: &str,
    hash: &str,
    heading: &str,
    manifest: &[ktopo::shard::RunSpec],
    json: bool,
) {
    if json {
        let doc = serde_json::json!({
            "scenario": scenario,
            "scenario_hash": hash,
            "runs": manifest,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("# {heading}, scenario hash {hash}");
        println!("# index\tseed\tkey");
        for m in manifest {
            println!("{}\t{}\t{}", m.index, m.seed, m.key);
        }
    }
}

/// Print every problem found in `what` on stderr, then their count; exit code 2.
pub fn problems(diags: &[impl std::fmt::Display], what: &str) -> ExitCode {
    for d in diags {
        eprintln!("{d}");
    }
    eprintln!("{} problem(s) in {what}", diags.len());
    ExitCode::from(2)
}

/// Load and validate a scenario file, or print every problem and give exit code 2.
pub fn load(file: &Path) -> Result<Scenario, ExitCode> {
    ktopo::scenario::load(file).map_err(|diags| problems(&diags, &file.display().to_string()))
}

/// Load a scenario for `ktopo plan` (its text and the scenario, with the
/// settings left to the planner), or print every problem and give exit code 2.
pub fn load_for_plan(file: &Path) -> Result<(String, Scenario), ExitCode> {
    ktopo::scenario::load_for_plan(file)
        .map_err(|diags| problems(&diags, &file.display().to_string()))
}

/// The sweep plan of `file`, or every problem of every variant on stderr.
pub fn load_sweep(file: &Path, args: &SweepArgs) -> Result<SweepPlan, ExitCode> {
    ktopo::scenario::load_sweep(file, args)
        .map_err(|diags| problems(&diags, &format!("the sweep of {}", file.display())))
}

/// "; peak memory N MiB" for a `--stats` line, where the platform tells it.
pub fn peak_memory_note() -> String {
    ktopo::peak_memory_mib().map_or(String::new(), |m| format!("; peak memory {m:.1} MiB"))
}

/// Does the file declare a sweep (a `[[sweep.parameter]]`)?
pub fn has_sweep(sc: &Scenario) -> bool {
    sc.sweep.as_ref().is_some_and(|s| !s.parameter.is_empty())
}

/// Before a run: the reports of `sc` can be written under `out` (exit code 2
/// otherwise), so that a run never ends by losing its results.
pub fn writable(out: &Path, sc: &Scenario) -> Result<(), ExitCode> {
    ktopo::run::check_writable(out, sc).map_err(|e| write_failed(out, e))
}

/// Report a failure to write the reports under `out`: exit code 2.
pub fn write_failed(out: &Path, e: std::io::Error) -> ExitCode {
    eprintln!("error: cannot write reports under {}: {e}", out.display());
    ExitCode::from(2)
}

/// Report a failed run (exit code 2): the simulation's error, or the reports
/// that could not be written under `out`.
pub fn run_failed(out: &Path, e: ktopo::run::RunError) -> ExitCode {
    match e {
        ktopo::run::RunError::Run(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        ktopo::run::RunError::Write(e) => write_failed(out, e),
    }
}

/// Before a run: say when `check` expects it to stop at `model.max_events`
/// (the run goes ahead; the estimate is rough).
pub fn warn_event_budget(sc: &Scenario, quiet: bool) {
    if quiet {
        return;
    }
    for w in ktopo::run::event_budget_warnings(sc) {
        eprintln!("warning: {w}");
    }
}

/// Simulate `sc` with a progress bar; the outcome and the wall time in seconds,
/// or the error printed and exit code 2.
pub fn run_sim(sc: &Scenario, quiet: bool) -> Result<(ktopo::metrics::Outcome, f64), ExitCode> {
    let mut progress = Progress::new(quiet, &format!("simulating {}", sc.name));
    let t0 = Instant::now();
    let result = ktopo::kafka::simulate_with(sc, &mut |f| progress.set(f));
    progress.finish();
    match result {
        Ok(o) => Ok((o, t0.elapsed().as_secs_f64())),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// A progress bar on stderr that appears only after a second, and never when
/// stderr is not a terminal or with --quiet.
pub struct Progress {
    bar: Option<ProgressBar>,
    enabled: bool,
    start: Instant,
    label: String,
    /// Positions of a full bar, and the bar's template.
    len: u64,
    template: &'static str,
    /// Shown after the counts (a planner's leader so far).
    msg: String,
}

impl Progress {
    /// Progress over simulated time (`set` takes a fraction).
    pub fn new(quiet: bool, label: &str) -> Progress {
        Progress {
            bar: None,
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: Instant::now(),
            label: label.to_string(),
            len: 1000,
            template: "{prefix} [{elapsed_precise}] {wide_bar} {percent:>3}% of simulated time, ETA {eta}",
            msg: String::new(),
        }
    }

    /// Progress over `total` runs (`count` takes the runs done).
    pub fn runs(quiet: bool, label: &str, total: usize) -> Progress {
        Progress {
            len: total.max(1) as u64,
            template: "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, ETA {eta} {msg}",
            ..Progress::new(quiet, label)
        }
    }

    /// Change the number of runs of a full bar (a planner learns it as it goes).
    pub fn set_total(&mut self, total: usize) {
        self.len = total.max(1) as u64;
        if let Some(b) = &self.bar {
            b.set_length(self.len);
        }
    }

    /// The text after the counts (only the runs' template shows it).
    pub fn message(&mut self, msg: String) {
        if msg == self.msg {
            return;
        }
        self.msg = msg;
        if let Some(b) = &self.bar {
            b.set_message(self.msg.clone());
        }
    }

    pub fn count(&mut self, done: usize) {
        self.set(done as f64 / self.len as f64);
    }

    pub fn set(&mut self, fraction: f64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() >= Duration::from_secs(1) {
            let bar = ProgressBar::new(self.len).with_elapsed(self.start.elapsed());
            if let Ok(style) = ProgressStyle::with_template(self.template) {
                bar.set_style(style);
            }
            bar.set_prefix(self.label.clone());
            bar.set_message(self.msg.clone());
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position((fraction.clamp(0.0, 1.0) * self.len as f64).round() as u64);
        }
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// The exit code of a command stopped by Ctrl-C after writing a partial
/// report (128 + SIGINT, as a shell reports it).
pub const INTERRUPTED: u8 = 130;

/// Ctrl-C for a command that makes many runs (`plan`, `sweep`, `simulate
/// --runs`): the first SIGINT starts no new run (`ktopo::interrupt`); the
/// command then writes its reports from the runs that finished, marked
/// partial, and exits with [`INTERRUPTED`]. A second SIGINT exits at once
/// (130, nothing written). A shard (`sweep --shard`) does not call this: its
/// file is written whole or not at all.
pub fn catch_ctrl_c(quiet: bool) {
    let count = std::sync::atomic::AtomicUsize::new(0);
    // Only the first call installs a handler (ctrlc refuses a second): fine.
    let _ = ctrlc::set_handler(move || {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            ktopo::interrupt::request();
            if !quiet {
                eprintln!(
                    "\ninterrupted: no new run starts; the runs under way finish, then a partial report is written (Ctrl-C again to quit at once)"
                );
            }
        } else {
            std::process::exit(i32::from(INTERRUPTED));
        }
    });
}

/// Write a file atomically (temporary file in the same directory, then rename).
pub fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("ktopo");
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
