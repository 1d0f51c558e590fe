//! `ktopo merge`: the report of a sharded run from its shard files.

use std::path::PathBuf;
use std::process::ExitCode;

use ktopo::run::{MergeFailure, Merged};

/// Merge the shard files of a sweep (`ktopo sweep --shard K/N`) into the
/// sweep's report, the same bytes as the sweep run on one machine: writes
/// <out>/<scenario-name>/sweep.{json,md,html}.
///
/// Reads every *.jsonl shard file of each DIR (or a shard file named directly).
/// Files of different scenarios (text, --param, --seed, --seeds), ktopo
/// versions or schema versions are refused; a run found twice (a retried
/// job) is kept once, and two copies that differ are an error.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo sweep scenarios/sweep-rtt.toml --shard 1/2 --out shards
  ktopo sweep scenarios/sweep-rtt.toml --shard 2/2 --out shards
  ktopo merge shards                       reports/sweep-rtt/sweep.{json,md,html}
  ktopo merge shards --allow-partial       a report marked partial if runs are missing

Missing runs are listed with the command that makes just those
(ktopo sweep FILE --runs-only I,J,… --out DIR); run it, then merge again.

Exit codes: 0 ok (also a partial report with --allow-partial), 1 runs missing,
2 an error (unreadable or mixed shard files, non-deterministic runs, an
unwritable report folder).")]
pub struct Args {
    /// Folders holding shard files (or shard files).
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Directory the report folder is written under.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// With runs missing, write the report anyway, marked partial (its means
    /// are over the runs present).
    #[arg(long)]
    allow_partial: bool,
    /// Print sweep.json to stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    match ktopo::run::merge(&a.dirs, &a.out, a.allow_partial) {
        Ok(Merged::Written {
            sweep,
            dir,
            files,
            duplicates,
        }) => {
            if let Some(note) = ktopo::sweep::partial_note(&sweep) {
                eprintln!("warning: {note}");
            }
            if a.json {
                print!("{}", ktopo::sweep::to_json(&sweep));
            } else if !quiet {
                println!("{}", sweep.summary.join(" "));
                println!(
                    "\nmerged {} runs from {files} shard file(s){}",
                    sweep.runs - sweep.partial.as_ref().map_or(0, |p| p.missing_runs.len()),
                    if duplicates > 0 {
                        format!(" ({duplicates} duplicate run(s) dropped)")
                    } else {
                        String::new()
                    }
                );
                println!("reports: {}", dir.display());
            }
            ExitCode::SUCCESS
        }
        Ok(Merged::Missing { runs, rerun }) => {
            eprintln!("error: {} run(s) missing:", runs.len());
            for r in &runs {
                eprintln!("  run {}: {}", r.index, r.key);
            }
            eprintln!(
                "make them with:\n  {rerun}\nthen merge again (or merge with --allow-partial)."
            );
            ExitCode::from(1)
        }
        Err(MergeFailure::Shards(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(MergeFailure::Plan(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(MergeFailure::Write(e)) => super::write_failed(&a.out, e),
    }
}
