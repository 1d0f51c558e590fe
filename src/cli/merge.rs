//! `ktopo merge`: the report of a sharded run from its shard files.

use std::path::PathBuf;
use std::process::ExitCode;

use ktopo::run::{MergeFailure, Merged, MergedReport};

/// Merge the shard files of a sweep, a plan or a Monte Carlo (`ktopo sweep
/// --shard K/N`, `ktopo plan --shard K/N`, `ktopo simulate --runs N --shard
/// K/N`) into its report, the same bytes as the run on one machine: writes
/// <out>/<scenario-name>/sweep.{json,md,html}, plan.{json,md,html} or
/// montecarlo.{json,md,html}.
///
/// Reads every *.jsonl shard file of each DIR (or a shard file named directly).
/// Files of different commands, scenarios (text, --param, --seed, --seeds,
/// --runs), ktopo versions or schema versions are refused; a run found twice
/// (a retried job) is kept once, and two copies that differ are an error. A
/// plan's recommended candidate has its links sized here (a few simulations
/// after the ranking, as `ktopo plan` does).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo sweep scenarios/sweep-rtt.toml --shard 1/2 --out shards
  ktopo sweep scenarios/sweep-rtt.toml --shard 2/2 --out shards
  ktopo merge shards                       reports/sweep-rtt/sweep.{json,md,html}
  ktopo merge shards --allow-partial       a report marked partial if runs are missing
  ktopo plan scenarios/plan/two-sites.toml --shard 1/2 --out plan-shards
  ktopo plan scenarios/plan/two-sites.toml --shard 2/2 --out plan-shards
  ktopo merge plan-shards                  reports/plan-two-sites/plan.{json,md,html}

Missing runs are listed with the command that makes just those
(ktopo sweep FILE --runs-only I,J,… --out DIR, or plan, or simulate --runs N);
run it, then merge again.

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
    /// Print the report's JSON (sweep.json, plan.json or montecarlo.json) to
    /// stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    match ktopo::run::merge(&a.dirs, &a.out, a.allow_partial) {
        Ok(Merged::Written {
            report,
            dir,
            files,
            runs,
            duplicates,
        }) => {
            let (note, json, summary) = match &report {
                MergedReport::Sweep(s) => (
                    ktopo::sweep::partial_note(s),
                    ktopo::sweep::to_json(s),
                    s.summary.join(" "),
                ),
                MergedReport::Plan(p) => (
                    ktopo::plan::partial_note(p),
                    ktopo::plan::to_json(p),
                    match &p.recommended {
                        Some(r) => format!("Recommended: {r} — {}.", p.recommendation),
                        None => {
                            format!("No candidate meets every objective — {}.", p.recommendation)
                        }
                    },
                ),
                MergedReport::MonteCarlo(m) => (
                    ktopo::montecarlo::partial_note(m),
                    ktopo::montecarlo::to_json(m),
                    format!("Monte Carlo of {}: {} draws.", m.scenario, m.runs),
                ),
            };
            if let Some(note) = note {
                eprintln!("warning: {note}");
            }
            if a.json {
                print!("{json}");
            } else if !quiet {
                println!("{summary}");
                println!(
                    "\nmerged {runs} runs from {files} shard file(s){}",
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
