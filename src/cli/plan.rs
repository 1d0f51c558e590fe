//! `ktopo plan`: choose a design. The library (`ktopo::plan`) generates,
//! prunes, simulates and ranks the candidates; this prints and picks the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Choose a design: generate candidates (stretched over 2, 2.5 and 3 sites; a
/// cluster per site with each copier; hybrids), prune them with
/// the static checks, simulate the rest under the same fault cases, rank them;
/// writes reports/<scenario-name>/plan.{json,md,html}.
#[derive(clap::Args)]
#[command(
    after_help = "The [plan] table of the file narrows the search (docs/plan.md).

Examples:
  ktopo plan scenarios/plan/three-metro.toml
  ktopo plan my.toml --json > plan.json
  ktopo plan my.toml --export deploy/
  ktopo plan my.toml --runs 64    # every candidate under the same 64 draws
  ktopo plan my.toml --list       # the runs: index, seed, candidate; case (--json: JSON)
  ktopo plan my.toml --shard 2/4 --out shards/    one shard file of runs 1, 5, 9, …
  ktopo merge shards/             plan.{json,md,html} from the shard files

With --runs N every candidate runs every case under the same N draws of the
file's ranges, seeds and fault times (common random numbers); an objective is
met when at least 95 % of the draws meet it, and regret is the mean over the
draws (docs/plan.md).

Sharding (docs/scale-out.md): a plan's runs are its (simulated candidate, case[, draw])
simulations; --shard K/N makes those whose index ≡ K−1 (mod N), --shard-from-env
reads the batch scheduler's index, and `ktopo merge` ranks them and sizes the
recommended candidate's links (a few more simulations) into the same plan.{json,md,html}.

Exit codes: 0 a candidate meets every [objectives] bound (it is recommended), 1 none
does (the report names the objectives missed and the nearest candidates), 2 an invalid
scenario or an unwritable report folder."
)]
pub struct Args {
    /// Scenario TOML file.
    file: PathBuf,
    /// Print plan.json to stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Directory the report folder is written under.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Also write the recommended design's deployable files into DIR, as
    /// `ktopo export` does with the candidate's scenario (plan.json's
    /// `candidates[].scenario`). Nothing is written when no candidate is
    /// recommended. DIR is checked before planning.
    #[arg(long, value_name = "DIR",
          conflicts_with_all = ["list", "shard", "shard_from_env", "runs_only"])]
    export: Option<PathBuf>,
    /// Runs at a time (threads); default: the machine's parallelism. Results do not depend on it.
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Monte Carlo: N draws of the file's ranges, seeds and fault times, the
    /// same for every candidate.
    #[arg(long, value_name = "N")]
    runs: Option<usize>,
    #[command(flatten)]
    shards: super::ShardArgs,
}

pub fn run(args: Args, quiet: bool) -> ExitCode {
    let (text, sc) = match super::load_for_plan(&args.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if args.shards.any() {
        return match shards(&args, text, &sc, quiet) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    }
    if let Err(e) = ktopo::report::check_writable(&args.out, &sc.name, &[]) {
        return super::write_failed(&args.out, e);
    }
    if let Some(dir) = &args.export
        && let Err(e) = writable_dir(dir)
    {
        eprintln!("error: --export {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let jobs = args.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    super::catch_ctrl_c(quiet);
    let mut progress = super::Progress::runs(quiet, &format!("planning {}", sc.name), 1);
    let result = ktopo::plan::plan_observed(&text, &sc, jobs, args.runs, &mut |p| {
        progress.set_total(p.total);
        progress.message(leader(p));
        progress.count(p.done)
    });
    progress.finish();
    let plan = match result {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = match ktopo::plan::write(&plan, &args.out) {
        Ok(d) => d,
        Err(e) => return super::write_failed(&args.out, e),
    };
    if args.json {
        print!("{}", ktopo::plan::to_json(&plan));
    } else if !quiet {
        print!("{}", ktopo::plan::markdown(&plan));
        println!("\nreports: {}", dir.display());
    }
    if let Some(note) = ktopo::plan::partial_note(&plan) {
        eprintln!("{note}");
        if let Some(dir) = &args.export {
            eprintln!(
                "--export: nothing written to {} (partial plan)",
                dir.display()
            );
        }
        return ExitCode::from(super::INTERRUPTED);
    }
    let Some(best) = plan.recommended.as_deref() else {
        eprintln!("objectives: no candidate meets every objective of [objectives]");
        if let Some(dir) = &args.export {
            eprintln!("--export: nothing written to {}", dir.display());
        }
        return ExitCode::from(1);
    };
    match &args.export {
        Some(dir) => export_recommended(&plan, best, dir, quiet || args.json),
        None => ExitCode::SUCCESS,
    }
}

/// `--list`: print the plan's manifest. `--shard`, `--shard-from-env` or
/// `--runs-only`: make those runs and write their shard file under `--out`
/// (docs/plan.md, Sharding a plan).
fn shards(
    args: &Args,
    text: String,
    sc: &ktopo::scenario::Scenario,
    quiet: bool,
) -> Result<(), ExitCode> {
    let selection = args.shards.selection(quiet)?;
    let source = ktopo::run::PlanSource::new(&args.file, text, args.runs, sc);
    let prep = ktopo::plan::prepare(&source.text, sc, args.runs).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let Some(selection) = selection else {
        let (generated, live) = prep.candidates();
        let (cases, draws) = prep.shape();
        let heading = format!(
            "{}: {} runs ({live} of {generated} candidates simulated × {draws} draw(s) × {cases} case(s)); key: candidate; case{}",
            sc.name,
            prep.len(),
            if args.runs.is_some() { "; draw" } else { "" }
        );
        super::print_manifest(
            &sc.name,
            &source.hash(),
            &heading,
            &prep.manifest(),
            args.json,
        );
        return Ok(());
    };
    let count = ktopo::run::select_runs(prep.len(), &selection, "")
        .map(|r| r.len())
        .unwrap_or(0);
    let jobs = args.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    let mut progress = super::Progress::runs(
        quiet,
        &format!("planning {} ({})", sc.name, super::describe(&selection)),
        count,
    );
    let result = ktopo::run::plan_shard(
        &prep,
        sc,
        &source,
        selection.clone(),
        jobs,
        &args.out,
        &mut |done, _| progress.count(done),
    );
    progress.finish();
    let (path, runs) = result.map_err(|e| super::run_failed(&args.out, e))?;
    super::shard_written(&selection, &path, &runs, prep.len(), args.json, quiet);
    Ok(())
}

/// The progress bar's text: the leader among the candidates whose runs have
/// all finished, by the plan's ranking.
fn leader(p: &ktopo::plan::PlanProgress) -> String {
    let of = format!("{}/{} candidates done", p.finished, p.candidates);
    match (&p.leader, p.leader_feasible) {
        (Some(name), true) => format!("{of}; best so far: {name}"),
        (Some(name), false) => format!("{of}; none feasible yet (nearest: {name})"),
        (None, _) => format!("{of}; none feasible yet"),
    }
}

/// `dir` exists (created if need be) and takes a new file.
fn writable_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(".ktopo-write-test");
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// `ktopo export` of the recommended candidate's complete scenario into `dir`.
fn export_recommended(plan: &ktopo::plan::Plan, best: &str, dir: &Path, quiet: bool) -> ExitCode {
    let Some(c) = plan.candidates.iter().find(|c| c.name == best) else {
        eprintln!("error: the recommended candidate `{best}` is not in the plan");
        return ExitCode::from(2);
    };
    let source = format!("candidate `{best}`");
    let sc = match ktopo::scenario::parse_str(&c.scenario, &source) {
        Ok(sc) => sc,
        Err(diags) => return super::problems(&diags, &source),
    };
    // A stretched candidate is the file's own cluster; another family is its design.
    let design = sc
        .design
        .iter()
        .find(|d| d.name == best && d.kind != ktopo::scenario::DesignKind::Stretched)
        .map(|d| d.name.clone());
    let code = super::export::export(
        &sc,
        &source,
        design,
        &super::export::Options::defaults(dir.to_path_buf()),
        quiet,
    );
    if code == ExitCode::SUCCESS {
        eprintln!("exported `{best}` to {}", dir.display());
    }
    code
}
