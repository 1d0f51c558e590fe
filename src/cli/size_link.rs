//! `ktopo size-link`: the smallest bandwidth per WAN link. The library
//! (`ktopo::plan::size_link`) searches over simulations; this prints and picks
//! the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

/// Size each WAN link: the smallest bandwidth that meets the lag and catch-up
/// objectives, found by bisection over simulations, never below the peak wire rate.
#[derive(clap::Args)]
#[command(
    after_help = "Runs the file's first design (or its stretched cluster). Each link that
carries its traffic is sized on its own; the runs use socket buffers of at least the
bandwidth-delay product and enough tasks.max, and the answer names them.

Examples:
  ktopo size-link scenarios/mm2-active-passive.toml
  ktopo size-link my.toml --outage-s 900 --json
  ktopo size-link my.toml --runs 32    # meets the objectives in >= 95 % of 32 draws

Exit codes: 0 every link sized, 1 a link misses even at the largest bandwidth tried,
2 an invalid scenario or a failed run."
)]
pub struct Args {
    /// Scenario TOML file.
    file: PathBuf,
    /// Cut each link for this many seconds, ending at the load's peak, instead of the file's faults.
    #[arg(long)]
    outage_s: Option<f64>,
    /// Print {"links": [...]} as JSON.
    #[arg(long)]
    json: bool,
    /// Links sized at a time (threads); default: the machine's parallelism.
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Monte Carlo: a bandwidth passes when at least 95 % of N draws of the
    /// file's ranges and seeds meet the objectives.
    #[arg(long, value_name = "N")]
    runs: Option<usize>,
    /// Refused with the reason (size-link is not sharded: docs/scale-out.md).
    #[arg(long, hide = true, value_name = "K/N")]
    shard: Option<String>,
    #[arg(long, hide = true)]
    shard_from_env: bool,
    #[arg(long, hide = true)]
    list: bool,
    #[arg(long, hide = true, value_name = "I,J,…")]
    runs_only: Option<String>,
}

pub fn run(args: Args, quiet: bool) -> ExitCode {
    if args.shard.is_some() || args.shard_from_env || args.list || args.runs_only.is_some() {
        eprintln!(
            "error: size-link cannot be sharded (--list, --shard, --shard-from-env, --runs-only): its bisection is sequential, each bandwidth it tries depends on the outcome of the one before, so its runs are not known in advance to split among machines. Run it on one machine (--jobs sizes its links in parallel); `ktopo plan` and `simulate --runs N` shard (docs/scale-out.md)"
        );
        return ExitCode::from(2);
    }
    let sc = match super::load(&args.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(n) = args.outage_s
        && !(n.is_finite() && (1.0..=86_400.0).contains(&n))
    {
        eprintln!("error: --outage-s must be between 1 and 86400 seconds");
        return ExitCode::from(2);
    }
    let jobs = args.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    let mut progress = super::Progress::runs(quiet, &format!("sizing {}", sc.name), 1);
    let result = ktopo::plan::size_link::size_links_with(
        &sc,
        args.outage_s,
        args.runs,
        jobs,
        &mut |done, total| {
            progress.set_total(total);
            progress.count(done)
        },
    );
    progress.finish();
    let sizing = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        print!("{}", ktopo::plan::size_link::to_json(&sizing));
    } else if !quiet {
        print!("{}", ktopo::plan::size_link::text(&sizing));
    }
    if sizing.links.iter().any(|l| l.binding == "none") {
        eprintln!("a link misses its objectives even at the largest bandwidth tried");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
