//! `aicockpit completions SHELL`: the shell completion script, generated from the clap
//! definitions.

use std::io::Write;

use clap::CommandFactory;

use crate::shell::cli::Cli;

/// Write the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "aicockpit", out);
}
