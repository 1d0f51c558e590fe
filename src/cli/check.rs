//! `ktopo check`: static findings, no simulation.

use std::path::PathBuf;
use std::process::ExitCode;

/// Check a scenario for static problems (quorum, minISR, buffers, RTT, copy flows) without simulating.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo check scenarios/stretched-2dc.toml
  ktopo check scenarios/stretched-2dc.toml --json | jq '.[] | select(.level == \"error\")'

A file with [[design]]s is judged design by design: an async design on its own
clusters and copy flows, a stretched one as one cluster over every site. A file
with a [sweep] has every variant validated.

Exit codes: 0 no error-level finding, 1 an error-level finding (with -q, the count
on stderr), 2 an invalid scenario or sweep.")]
pub struct Args {
    /// Scenario TOML file.
    file: PathBuf,
    /// Print the findings as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    let sc = match super::load(&a.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if super::has_sweep(&sc) {
        // `simulate` would run the sweep: every variant must be valid now.
        if let Err(code) = super::load_sweep(&a.file, &ktopo::scenario::SweepArgs::default()) {
            return code;
        }
    }
    let mut findings = ktopo::run::findings(&sc);
    // Point the findings that name a key at its line in the file.
    if let Ok(text) = std::fs::read_to_string(&a.file) {
        ktopo::check::locate(&mut findings, &a.file.display().to_string(), &text);
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&findings).expect("findings serialize")
        );
    } else if !quiet {
        print!("{}", ktopo::check::render_by_design(&sc, &findings));
    }
    if findings
        .iter()
        .any(|f| matches!(f.level, ktopo::check::Level::Error))
    {
        if quiet && !a.json {
            // Exit 1 never goes unexplained: the count, on stderr.
            eprintln!(
                "{}: {}",
                a.file.display(),
                ktopo::check::count_line(&findings)
            );
        }
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
