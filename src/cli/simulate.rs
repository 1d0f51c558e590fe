//! `ktopo simulate`: run scenario files and write their reports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Run scenarios and write reports/<scenario-name>/report.{json,md,html} for each
/// (with [[design]]s: compare.{json,md,html} and a report folder per design).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo simulate scenarios/stretched-3dc.toml
  ktopo simulate scenarios/stretched-3dc.toml --seed 7 --json > report.json
  ktopo simulate scenarios/reference.toml --stats --out /tmp/reports
  ktopo simulate scenarios/*.toml    # regenerate every bundled report
  ktopo simulate my.toml --runs 200  # draw the file's ranges 200 times
  ktopo simulate my.toml --runs 200 --shard 3/8 --out shards/   one shard file
  ktopo merge shards/                montecarlo.{json,md,html} from the shard files

With --runs N the file's ranges (docs/scenario.md, Ranges) are drawn N times,
each run with its own seed (a hash of the seed and the run index), and the
figures become distributions: montecarlo.{json,md,html} (docs/report-schema.md).

A file with [[design]] tables runs every design (as `ktopo compare`); a file with
[[sweep.parameter]] tables runs its sweep (as `ktopo sweep`, with --runs N as
`ktopo sweep --runs N`) unless --no-sweep.
The terminal shows the table, then the verdict and what to change.

Exit codes: 0 ok, 1 an [objectives] bound missed (reports are written), 2 an
invalid scenario, an unwritable report folder (found before the run) or a failed run.")]
pub struct Args {
    /// Scenario TOML files, run one after the other.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Replay with this seed instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Print report.json to stdout instead of the table (one document per file).
    #[arg(long)]
    json: bool,
    /// Print kernel statistics (events, events/s, simulated s per wall s) to stderr.
    #[arg(long)]
    stats: bool,
    /// Directory the report folder is written under.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Run the file as written even when it declares a [sweep].
    #[arg(long)]
    no_sweep: bool,
    /// Monte Carlo: N runs, each drawing the file's ranges and its own seed;
    /// writes montecarlo.{json,md,html} with each figure's distribution.
    #[arg(long, value_name = "N")]
    runs: Option<usize>,
    /// Runs at a time (threads) with --runs; default: the machine's parallelism. Results do not depend on it.
    #[arg(short, long)]
    jobs: Option<usize>,
    /// With --runs N: --list, --shard K/N, --shard-from-env, --runs-only (docs/scale-out.md).
    #[command(flatten)]
    shards: super::ShardArgs,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    if a.shards.any() && a.runs.is_none() {
        eprintln!(
            "error: --list, --shard, --shard-from-env and --runs-only shard the runs of --runs N (one run has nothing to shard; a file's [sweep] is sharded with `ktopo sweep`)"
        );
        return ExitCode::from(2);
    }
    for file in &a.files {
        if let Err(code) = simulate(file, &a, quiet) {
            return code;
        }
    }
    ExitCode::SUCCESS
}

/// Simulate one scenario file and write its reports.
fn simulate(file: &Path, a: &Args, quiet: bool) -> Result<(), ExitCode> {
    let mut sc = super::load(file)?;
    if a.stats && (a.runs.is_some() || (super::has_sweep(&sc) && !a.no_sweep)) {
        // Many runs on several threads: one run's kernel figures say little.
        eprintln!(
            "note: --stats measures one simulation (or each design of one); {} runs many: see `cargo bench --bench plan` for throughput over many runs",
            file.display()
        );
    }
    if let Some(n) = a.runs {
        if super::has_sweep(&sc) && !a.no_sweep {
            // The sweep, every variant drawn N times: `ktopo sweep FILE --runs N`.
            let args = ktopo::scenario::SweepArgs {
                seed: a.seed,
                runs: Some(n),
                ..Default::default()
            };
            let jobs = a.jobs.unwrap_or_else(ktopo::sweep::default_jobs);
            if a.shards.any() {
                let selection = a.shards.selection(quiet)?;
                return super::sweep::shards(file, &args, selection, jobs, a.json, quiet, &a.out);
            }
            return super::sweep::sweep(file, &args, jobs, a.json, quiet, &a.out, false);
        }
        if let Some(s) = a.seed {
            sc.seed = s;
        }
        if a.shards.any() {
            return draw_shards(file, &sc, n, a, quiet);
        }
        return monte_carlo(&sc, n, a, quiet);
    }
    if super::has_sweep(&sc) && !a.no_sweep {
        // A sweep: simulating the file means running every variant.
        let args = ktopo::scenario::SweepArgs {
            seed: a.seed,
            ..Default::default()
        };
        let jobs = ktopo::sweep::default_jobs();
        return super::sweep::sweep(file, &args, jobs, a.json, quiet, &a.out, false);
    }
    if let Some(s) = a.seed {
        sc.seed = s;
    }
    if !sc.design.is_empty() {
        // Several designs: simulating the file means simulating each of them.
        return super::compare::compare(&sc, file, a.json, quiet, &a.out, a.stats);
    }
    super::writable(&a.out, &sc)?;
    super::warn_event_budget(&sc, quiet);
    let (outcome, wall) = super::run_sim(&sc, quiet)?;
    if a.stats {
        let peak = super::peak_memory_note();
        eprintln!(
            "stats: {} events in {:.3} s wall = {:.2} M events/s; {:.1} simulated s per wall s{peak}",
            outcome.events_processed,
            wall,
            outcome.events_processed as f64 / wall.max(1e-9) / 1e6,
            sc.duration_s / wall.max(1e-9)
        );
    }
    let done = ktopo::run::write_simulation(&sc, file, &outcome, &a.out)
        .map_err(|e| super::write_failed(&a.out, e))?;
    if a.json {
        print!("{}", ktopo::report::to_json(&outcome));
    } else if !quiet {
        print!("{}", ktopo::report::terminal_table(&outcome));
        print!("{}", ktopo::report::terminal_verdict(&done.verdict));
        println!("\nreports: {}", done.dir.display());
    }
    let missed: Vec<String> = done
        .verdict
        .objectives
        .iter()
        .filter(|o| o.met == Some(false))
        .map(|o| o.describe())
        .collect();
    if !missed.is_empty() {
        eprintln!("objectives missed: {}", missed.join("; "));
        return Err(ExitCode::from(1));
    }
    Ok(())
}

/// `simulate --runs N --list`: the manifest; with `--shard`, `--shard-from-env`
/// or `--runs-only`, make those runs and write their shard file under `--out`.
fn draw_shards(
    file: &Path,
    sc: &ktopo::scenario::Scenario,
    n: usize,
    a: &Args,
    quiet: bool,
) -> Result<(), ExitCode> {
    ktopo::montecarlo::check_runs(n).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let selection = a.shards.selection(quiet)?;
    let text = std::fs::read_to_string(file).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", file.display());
        ExitCode::from(2)
    })?;
    let source = ktopo::run::DrawSource::new(file, text, n, a.seed, sc);
    let manifest = ktopo::montecarlo::manifest(sc, n);
    let Some(selection) = selection else {
        let heading = format!(
            "{}: {} runs ({n} draw(s) × {} design(s)); key: draw; design",
            sc.name,
            manifest.len(),
            sc.design.len().max(1)
        );
        super::print_manifest(&sc.name, &source.hash(sc), &heading, &manifest, a.json);
        return Ok(());
    };
    let count = ktopo::run::select_runs(manifest.len(), &selection, "")
        .map(|r| r.len())
        .unwrap_or(0);
    let jobs = a.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    let mut progress = super::Progress::runs(
        quiet,
        &format!("simulating {} ({})", sc.name, super::describe(&selection)),
        count,
    );
    let result = ktopo::run::draws_shard(
        sc,
        &source,
        selection.clone(),
        jobs,
        &a.out,
        &mut |done, _| progress.count(done),
    );
    progress.finish();
    let (path, runs) = result.map_err(|e| super::run_failed(&a.out, e))?;
    super::shard_written(&selection, &path, &runs, manifest.len(), a.json, quiet);
    Ok(())
}

/// `simulate --runs N`: the Monte Carlo of `sc`, its reports, its exit code.
fn monte_carlo(
    sc: &ktopo::scenario::Scenario,
    n: usize,
    a: &Args,
    quiet: bool,
) -> Result<(), ExitCode> {
    if let Err(e) = ktopo::report::check_writable(&a.out, &sc.name, &[]) {
        return Err(super::write_failed(&a.out, e));
    }
    if sc.ranges.is_empty() && !quiet {
        eprintln!(
            "note: {} has no ranges: the runs differ by their seeds only (jitter, loss)",
            sc.name
        );
    }
    let jobs = a.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    let total = n * sc.design.len().max(1);
    super::catch_ctrl_c(quiet);
    let mut progress = super::Progress::runs(quiet, &format!("simulating {}", sc.name), total);
    let result = ktopo::montecarlo::simulate(sc, n, jobs, &mut |done, _| progress.count(done));
    progress.finish();
    let m = result.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let dir = ktopo::montecarlo::write(&m, &a.out).map_err(|e| super::write_failed(&a.out, e))?;
    if a.json {
        print!("{}", ktopo::montecarlo::to_json(&m));
    } else if !quiet {
        print!("{}", ktopo::montecarlo::markdown(&m));
        println!("reports: {}", dir.display());
    }
    if let Some(note) = ktopo::montecarlo::partial_note(&m) {
        eprintln!("{note}");
        return Err(ExitCode::from(super::INTERRUPTED));
    }
    let missed = m.missed();
    if !missed.is_empty() {
        eprintln!("objectives missed: {}", missed.join("; "));
        return Err(ExitCode::from(1));
    }
    Ok(())
}
