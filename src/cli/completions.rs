//! `ktopo completions`: a shell completion script.

use clap::{CommandFactory, ValueEnum};
use std::process::ExitCode;

/// Print a shell completion script.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo completions bash > ~/.local/share/bash-completion/completions/ktopo
  ktopo completions zsh > ~/.zfunc/_ktopo
  ktopo completions fish > ~/.config/fish/completions/ktopo.fish")]
pub struct Args {
    shell: Shell,
}

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

pub fn run(a: Args) -> ExitCode {
    let mut cmd = crate::Cli::command();
    let shell = match a.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cmd, "ktopo", &mut std::io::stdout());
    ExitCode::SUCCESS
}
