//! The `ktopo` command line. Only this file prints or chooses exit codes:
//! 0 ok, 1 a requirement not met (a check error), 2 an error (bad input, failed run).

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "ktopo", version, about = "Simulate Kafka deployments across data centers", long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run scenarios and write reports/<scenario-name>/report.{json,md,html} for each.
    ///
    /// Example: ktopo simulate scenarios/stretched-3dc.toml --seed 7
    ///
    /// Regenerate every bundled report: ktopo simulate scenarios/*.toml
    Simulate {
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
    },
    /// Check a scenario for static problems (quorum, minISR, buffers, RTT) without simulating.
    ///
    /// Example: ktopo check scenarios/stretched-2dc.toml
    Check {
        file: PathBuf,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn load(file: &Path) -> Result<ktopo::scenario::Scenario, ExitCode> {
    ktopo::scenario::load(file).map_err(|diags| {
        for d in &diags {
            eprintln!("{d}");
        }
        eprintln!("{} problem(s) in {}", diags.len(), file.display());
        ExitCode::from(2)
    })
}

fn simulate(
    file: &Path,
    seed: Option<u64>,
    json: bool,
    stats: bool,
    out: &Path,
) -> Result<(), ExitCode> {
    let mut sc = load(file)?;
    if let Some(s) = seed {
        sc.seed = s;
    }
    let t0 = Instant::now();
    let outcome = ktopo::kafka::simulate(&sc).map_err(|e| {
        eprintln!("error: {}: {e}", file.display());
        ExitCode::from(2)
    })?;
    let wall = t0.elapsed().as_secs_f64();
    if stats {
        eprintln!(
            "stats: {} events in {:.3} s wall = {:.2} M events/s; {:.1} simulated s per wall s",
            outcome.events_processed,
            wall,
            outcome.events_processed as f64 / wall.max(1e-9) / 1e6,
            sc.duration_s / wall.max(1e-9)
        );
    }
    let topo = ktopo::topology::Topology::build(&sc);
    let findings = ktopo::check::check(&sc, &topo);
    let cx = ktopo::report::Context::new(&sc, &findings, file);
    let dir = ktopo::report::write_reports(&outcome, &cx, out).map_err(|e| {
        eprintln!("error: cannot write reports under {}: {e}", out.display());
        ExitCode::from(2)
    })?;
    if json {
        print!("{}", ktopo::report::to_json(&outcome));
    } else {
        print!("{}", ktopo::report::terminal_table(&outcome));
        println!("\nreports: {}", dir.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Simulate {
            files,
            seed,
            json,
            stats,
            out,
        } => {
            for file in &files {
                if let Err(code) = simulate(file, seed, json, stats, &out) {
                    return code;
                }
            }
            ExitCode::SUCCESS
        }
        Cmd::Check { file, json } => {
            let sc = match load(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let topo = ktopo::topology::Topology::build(&sc);
            let findings = ktopo::check::check(&sc, &topo);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&findings).expect("findings serialize")
                );
            } else {
                print!("{}", ktopo::check::render_text(&findings));
            }
            if findings
                .iter()
                .any(|f| matches!(f.level, ktopo::check::Level::Error))
            {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
