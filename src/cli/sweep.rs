//! `ktopo sweep`: run a scenario over every combination of swept values.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ktopo::run::SweepSource;
use ktopo::scenario::SweepArgs;
use ktopo::shard::Selection;

/// Run a scenario over every combination of swept values; writes
/// reports/<scenario-name>/sweep.{json,md,html}.
///
/// Parameters come from the file's [[sweep.parameter]] tables and from --param
/// (which replaces a file parameter of the same key, or adds one). Each variant is
/// validated like a scenario file; every variant runs every [[design]] with the
/// same seed (or --seeds N seeds each).
#[derive(clap::Args)]
#[command(after_help = "Keys (docs/scenario.md, [sweep]):
  link[dc1-dc2].rtt_ms   topic[orders].\"min.insync.replicas\"   broker.\"replica.lag.time.max.ms\"
  producer[0].rate_mb_s  design[mm2].\"tasks.max\"   site[dc3].brokers   duration_s

Examples:
  ktopo sweep scenarios/sweep-rtt.toml
  ktopo sweep my.toml --param 'link[dc1-dc2].rtt_ms=2,5,10,20,40'
  ktopo sweep my.toml --param 'link[dc1-dc2].rtt_ms=5..50:5' --param 'producer[0].acks=1,all'
  ktopo sweep my.toml --seeds 5 --jobs 2 --json > sweep.json
  ktopo sweep my.toml --runs 50      50 draws of the file's ranges per variant and design
  ktopo sweep my.toml --dry-run      validate every variant, run nothing
  ktopo sweep my.toml --list         the runs: index, seed, key (--json: JSON)
  ktopo sweep my.toml --shard 2/4 --out shards/     runs 1, 5, 9, … into one shard file
  ktopo sweep my.toml --shard-from-env --shard-count 4 --out /data/shards
  ktopo merge shards/                the sweep's report from the shard files

Sharding (docs/scale-out.md): shard K/N makes the runs whose index ≡ K−1 (mod N)
and writes <out>/<name>.<hash>.shard-KKKK-of-NNNN.jsonl atomically; --shard-from-env
reads JOB_COMPLETION_INDEX (Kubernetes, 0-based), SLURM_ARRAY_TASK_ID (from
SLURM_ARRAY_TASK_MIN; count SLURM_ARRAY_TASK_COUNT) or AWS_BATCH_JOB_ARRAY_INDEX
(0-based); --shard-count gives the count. A run's seed depends on the run (its
variant's seed + its seed number; with --runs, montecarlo's seed of the variant's
seed and the draw number), never on the shards or N.

Exit codes: 0 ok, 2 an invalid scenario or variant, an unwritable report folder (found
before the runs) or a failed run.")]
pub struct Args {
    /// Scenario TOML file.
    file: PathBuf,
    /// A key and its values (repeatable): KEY=V1,V2,… or KEY=FROM..TO:STEP.
    #[arg(long = "param", value_name = "KEY=VALUES", value_parser = ktopo::scenario::parse_param_arg)]
    params: Vec<ktopo::scenario::ParamArg>,
    /// Runs per variant, with seeds SEED, SEED+1, …; the report gives means and ranges.
    #[arg(long)]
    seeds: Option<u32>,
    /// The first seed of every variant instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Monte Carlo: every variant and design runs N draws of the file's ranges
    /// (as `simulate --runs N`), each with its own seed, instead of --seeds;
    /// every figure becomes a distribution (mean, p50, p95, p99, ci95).
    #[arg(long, value_name = "N", conflicts_with = "seeds")]
    runs: Option<usize>,
    /// Runs at a time (threads); default: the machine's parallelism. Results do not depend on it.
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Print sweep.json to stdout instead of the summary and table.
    #[arg(long)]
    json: bool,
    /// Directory the report folder is written under.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Validate every variant and list them; run nothing.
    #[arg(long, conflicts_with_all = ["list", "shard", "shard_from_env", "runs_only"])]
    dry_run: bool,
    #[command(flatten)]
    shards: super::ShardArgs,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    if a.jobs == Some(0) || a.seeds == Some(0) {
        eprintln!("error: --jobs and --seeds must be at least 1");
        return ExitCode::from(2);
    }
    let args = SweepArgs {
        params: a.params,
        seeds: a.seeds,
        seed: a.seed,
        runs: a.runs,
    };
    let jobs = a.jobs.unwrap_or_else(ktopo::sweep::default_jobs);
    let selection = match a.shards.selection(quiet) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if a.shards.list || selection.is_some() {
        return match shards(&a.file, &args, selection, jobs, a.json, quiet, &a.out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    }
    match sweep(&a.file, &args, jobs, a.json, quiet, &a.out, a.dry_run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Plan, run and write the sweep of `file`; print its JSON, or its summary and
/// table. (`simulate` of a file with a sweep comes here too.)
pub fn sweep(
    file: &Path,
    args: &SweepArgs,
    jobs: usize,
    json: bool,
    quiet: bool,
    out: &Path,
    dry_run: bool,
) -> Result<(), ExitCode> {
    let plan = super::load_sweep(file, args)?;
    if dry_run {
        // With --runs, every draw of every variant is validated too.
        let p = &plan;
        let bad: Vec<String> = plan
            .variants
            .iter()
            .flat_map(|v| {
                (0..p.draws.unwrap_or(0)).filter_map(move |k| {
                    ktopo::montecarlo::draw(&v.scenario, k)
                        .err()
                        .map(|e| format!("variant {} ({}): {e}", v.index, p.describe(v)))
                })
            })
            .collect();
        if !bad.is_empty() {
            for b in &bad {
                eprintln!("error: {b}");
            }
            return Err(ExitCode::from(2));
        }
        if !quiet {
            println!(
                "{} variant(s) × {} × {} design(s) = {} runs, all valid:",
                plan.variants.len(),
                repeats(&plan),
                plan.base.design.len().max(1),
                plan.runs()
            );
            for v in &plan.variants {
                println!("variant {}: {}", v.index, plan.describe(v));
            }
        }
        return Ok(());
    }
    if plan.draws.is_some() && plan.base.ranges.is_empty() && !quiet {
        eprintln!(
            "note: {} has no ranges: the draws differ by their seeds only (jitter, loss)",
            file.display()
        );
    }
    ktopo::report::check_writable(out, &plan.base.name, &[])
        .map_err(|e| super::write_failed(out, e))?;
    super::catch_ctrl_c(quiet);
    let mut progress =
        super::Progress::runs(quiet, &format!("sweeping {}", plan.base.name), plan.runs());
    let result = ktopo::run::sweep(&plan, file, jobs, out, &mut |done, _| progress.count(done));
    progress.finish();
    let (result, dir) = result.map_err(|e| super::run_failed(out, e))?;
    if json {
        print!("{}", ktopo::sweep::to_json(&result));
    } else if !quiet {
        let md = ktopo::sweep::markdown(&result);
        if result.variants.len() * result.designs.len() <= 60 {
            print!("{md}");
        } else {
            println!("{}", result.summary.join(" "));
            println!(
                "\n{} rows: the table is in sweep.md and sweep.html",
                result.variants.len() * result.designs.len()
            );
        }
        println!("\nreports: {}", dir.display());
    }
    if let Some(note) = ktopo::sweep::partial_note(&result) {
        eprintln!("{note}");
        return Err(ExitCode::from(super::INTERRUPTED));
    }
    Ok(())
}

/// `--list` (no selection): print the manifest. `--shard`, `--shard-from-env`
/// or `--runs-only`: make those runs and write their shard file under `out`.
/// (`simulate --runs N` of a file with a sweep comes here too.)
pub fn shards(
    file: &Path,
    args: &SweepArgs,
    selection: Option<Selection>,
    jobs: usize,
    json: bool,
    quiet: bool,
    out: &Path,
) -> Result<(), ExitCode> {
    let (plan, text) = ktopo::scenario::load_sweep_text(file, args).map_err(|diags| {
        for d in &diags {
            eprintln!("{d}");
        }
        eprintln!(
            "{} problem(s) in the sweep of {}",
            diags.len(),
            file.display()
        );
        ExitCode::from(2)
    })?;
    let source = SweepSource::new(file, text, args);
    let Some(selection) = selection else {
        let manifest = ktopo::sweep::manifest(&plan);
        let heading = format!(
            "{}: {} runs ({} variant(s) × {} × {} design(s)); key: parameters; design; {}",
            plan.base.name,
            manifest.len(),
            plan.variants.len(),
            repeats(&plan),
            plan.base.design.len().max(1),
            if plan.draws.is_some() { "draw" } else { "seed" }
        );
        super::print_manifest(
            &plan.base.name,
            &source.hash(&plan),
            &heading,
            &manifest,
            json,
        );
        return Ok(());
    };
    let count = ktopo::run::selected_runs(&plan, &selection)
        .map(|r| r.len())
        .unwrap_or(0);
    let mut progress = super::Progress::runs(
        quiet,
        &format!(
            "sweeping {} ({})",
            plan.base.name,
            super::describe(&selection)
        ),
        count,
    );
    let result = ktopo::run::sweep_shard(
        &plan,
        &source,
        selection.clone(),
        jobs,
        out,
        &mut |done, _| progress.count(done),
    );
    progress.finish();
    let (path, runs) = result.map_err(|e| super::run_failed(out, e))?;
    super::shard_written(&selection, &path, &runs, plan.runs(), json, quiet);
    Ok(())
}

/// "N seed(s)", or with `--runs N` "N draw(s)".
fn repeats(plan: &ktopo::scenario::SweepPlan) -> String {
    match plan.draws {
        Some(n) => format!("{n} draw(s)"),
        None => format!("{} seed(s)", plan.seeds),
    }
}
