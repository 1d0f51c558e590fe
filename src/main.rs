//! The `ktopo` command line: parsing and dispatch. Each command is a module of
//! `cli/` (its arguments and `--help` text, its run and output). Only the
//! binary (this file and `cli/`) prints or chooses exit codes: 0 ok, 1 a
//! requirement not met (a check error, `import --strict` with something
//! unmapped), 2 an error (bad input, failed run, unwritable output).

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 a requirement not met, 2 an error.
Docs: docs/cli.md (commands), docs/scenario.md (the scenario file).";

#[derive(Parser)]
#[command(
    name = "ktopo",
    version,
    about = "Simulate Kafka deployments across data centers",
    long_about = "Simulate Kafka deployments across data centers: a deterministic discrete-event \
simulation of brokers, racks, sites, links, ISR, the KRaft quorum, producers and consumers \
under the faults you schedule.",
    after_help = AFTER_HELP,
    after_long_help = "Examples:
  ktopo init my.toml                      a commented starter scenario
  ktopo check my.toml                     static findings, no simulation
  ktopo simulate my.toml --seed 7         run it; reports under reports/<name>/
  ktopo plan my.toml                      choose a design: candidates simulated and ranked
  ktopo import brokers/*.properties topics.txt -o imported.toml
  ktopo export my.toml --out deploy/      server.properties, topics, runbook, netem
  ktopo completions bash > ~/.local/share/bash-completion/completions/ktopo

Exit codes: 0 ok, 1 a requirement not met, 2 an error.
Docs: docs/cli.md (commands), docs/scenario.md (the scenario file)."
)]
pub struct Cli {
    /// Print nothing but errors and requested output: no progress, no summaries.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    Simulate(cli::simulate::Args),
    Sweep(cli::sweep::Args),
    Merge(cli::merge::Args),
    Compare(cli::compare::Args),
    Plan(cli::plan::Args),
    SizeLink(cli::size_link::Args),
    Check(cli::check::Args),
    Import(cli::import::Args),
    Export(cli::export::Args),
    Init(cli::init::Args),
    Completions(cli::completions::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = cli.quiet;
    match cli.cmd {
        Cmd::Simulate(a) => cli::simulate::run(a, quiet),
        Cmd::Sweep(a) => cli::sweep::run(a, quiet),
        Cmd::Merge(a) => cli::merge::run(a, quiet),
        Cmd::Compare(a) => cli::compare::run(a, quiet),
        Cmd::Plan(a) => cli::plan::run(a, quiet),
        Cmd::SizeLink(a) => cli::size_link::run(a, quiet),
        Cmd::Check(a) => cli::check::run(a, quiet),
        Cmd::Import(a) => cli::import::run(a, quiet),
        Cmd::Export(a) => cli::export::run(a, quiet),
        Cmd::Init(a) => cli::init::run(a, quiet),
        Cmd::Completions(a) => cli::completions::run(a),
    }
}
