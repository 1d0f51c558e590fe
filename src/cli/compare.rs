//! `ktopo compare`: run every design of a scenario side by side.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ktopo::scenario::Scenario;

/// Run every `[[design]]` of a scenario with the same workload, faults and seed,
/// and print them side by side; writes reports/<scenario-name>/compare.{json,md,html}
/// and reports/<scenario-name>/<design>/report.{json,md,html}.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo compare scenarios/stretched-vs-async.toml
  ktopo compare scenarios/stretched-vs-async.toml --json > compare.json

Exit codes: 0 ok, 1 no design meets every [objectives] bound (reports are written),
2 an invalid scenario, an unwritable report folder (found before the run) or a failed run.")]
pub struct Args {
    /// Scenario TOML file.
    file: PathBuf,
    /// Replay with this seed instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Print compare.json to stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Directory the report folder is written under.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Print kernel statistics to stderr: each design's events, and the
    /// events, wall time and peak memory of the whole comparison.
    #[arg(long)]
    stats: bool,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    let mut sc = match super::load(&a.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(s) = a.seed {
        sc.seed = s;
    }
    match compare(&sc, &a.file, a.json, quiet, &a.out, a.stats) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Run every design of `sc` with the same workload, faults and seed; write
/// `compare.{json,md,html}` and each design's reports; print the comparison.
/// (`simulate` of a file with designs comes here too.)
pub fn compare(
    sc: &Scenario,
    file: &Path,
    json: bool,
    quiet: bool,
    out: &Path,
    stats: bool,
) -> Result<(), ExitCode> {
    super::writable(out, sc)?;
    super::warn_event_budget(sc, quiet);
    let t0 = std::time::Instant::now();
    let (cmp, dir) = ktopo::run::compare(sc, file, out).map_err(|e| super::run_failed(out, e))?;
    if stats {
        let wall = t0.elapsed().as_secs_f64();
        for d in &cmp.designs {
            eprintln!("stats: design {}: {} events", d.design, d.events_processed);
        }
        let events: u64 = cmp.designs.iter().map(|d| d.events_processed).sum();
        eprintln!(
            "stats: {events} events over {} design{} in {wall:.3} s wall, reports included = {:.2} M events/s{}",
            cmp.designs.len(),
            if cmp.designs.len() == 1 { "" } else { "s" },
            events as f64 / wall.max(1e-9) / 1e6,
            super::peak_memory_note(),
        );
    }
    if json {
        print!("{}", ktopo::compare::to_json(&cmp));
    } else if !quiet {
        print!("{}", ktopo::compare::markdown(&cmp));
        print!("{}", ktopo::compare::terminal_verdicts(&cmp));
        println!("\nreports: {}", dir.display());
    }
    if !ktopo::compare::objectives_met(&cmp) {
        eprintln!("objectives: no design meets every objective of [objectives]");
        return Err(ExitCode::from(1));
    }
    Ok(())
}
