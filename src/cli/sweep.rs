//! `ktopo sweep`: run a scenario over every combination of swept values.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ktopo::scenario::SweepArgs;

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
  ktopo sweep my.toml --dry-run      validate every variant, run nothing

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
    #[arg(long)]
    dry_run: bool,
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
    };
    let jobs = a.jobs.unwrap_or_else(ktopo::sweep::default_jobs);
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
        if !quiet {
            println!(
                "{} variant(s) × {} seed(s) × {} design(s) = {} runs, all valid:",
                plan.variants.len(),
                plan.seeds,
                plan.base.design.len().max(1),
                plan.runs()
            );
            for v in &plan.variants {
                println!("variant {}: {}", v.index, plan.describe(v));
            }
        }
        return Ok(());
    }
    ktopo::report::check_writable(out, &plan.base.name, &[])
        .map_err(|e| super::write_failed(out, e))?;
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
    Ok(())
}
