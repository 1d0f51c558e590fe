//! `ktopo init`: write the commented starter scenario.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Write a commented starter scenario that checks and simulates as it is.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo init                 writes scenario.toml
  ktopo init dc.toml --force
  ktopo init - | less        to stdout

Exit codes: 0 ok, 2 the file exists (without --force) or cannot be written.")]
pub struct Args {
    /// Where to write it; `-` for stdout.
    #[arg(default_value = "scenario.toml")]
    file: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    let file = a.file;
    if file.as_os_str() == "-" {
        print!("{}", ktopo::export::STARTER_SCENARIO);
        return ExitCode::SUCCESS;
    }
    if file.exists() && !a.force {
        eprintln!(
            "error: {} exists; use --force to overwrite it",
            file.display()
        );
        return ExitCode::from(2);
    }
    if let Err(e) = super::write_file(&file, &starter(&file)) {
        eprintln!("error: cannot write {}: {e}", file.display());
        return ExitCode::from(2);
    }
    if !quiet {
        eprintln!(
            "wrote {}; next: ktopo check {0} && ktopo simulate {0}",
            file.display()
        );
    }
    ExitCode::SUCCESS
}

/// The starter scenario, its header naming `file` (what the user will type)
/// rather than the default `scenario.toml`.
fn starter(file: &Path) -> String {
    let name = file.display().to_string();
    let text = ktopo::export::STARTER_SCENARIO;
    let check = "#   ktopo check scenario.toml      static findings, no simulation\n";
    let sim = "#   ktopo simulate scenario.toml   run it; reports go to reports/<name>/\n";
    if name == "scenario.toml" || !text.contains(check) || !text.contains(sim) {
        return text.to_string();
    }
    // Columns as in the file: the comments start 3 characters after the name.
    let w = name.chars().count() + 3;
    text.replacen(
        check,
        &format!(
            "#   ktopo check {name:<w1$}static findings, no simulation\n",
            w1 = w + 3
        ),
        1,
    )
    .replacen(
        sim,
        &format!("#   ktopo simulate {name:<w$}run it; reports go to reports/<name>/\n"),
        1,
    )
}
