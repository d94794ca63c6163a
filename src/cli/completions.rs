//! `benchmark-harness completions SHELL`: the shell completion script, generated from the
//! clap definitions (`clap_complete`).

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// `completions` flags.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The completion script for `shell`.
pub fn completions_text(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut out);
    out
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<i32> {
    use std::io::Write;
    std::io::stdout().write_all(&completions_text(args.shell))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_shell_completes_the_subcommands_and_their_flags() {
        let shells = Shell::value_variants();
        assert_eq!(shells.len(), 5, "bash, elvish, fish, powershell, zsh");
        for shell in shells {
            let text = String::from_utf8(completions_text(*shell)).unwrap();
            assert!(text.contains("compare"), "{shell}: no `compare` in\n{text}");
            // fish spells a long flag `-l NAME`; the others write `--NAME`.
            let flag = if *shell == Shell::Fish { "-l frameworks" } else { "--frameworks" };
            assert!(text.contains(flag), "{shell}: no `{flag}` in\n{text}");
            assert!(text.contains("completions") && text.contains("man"), "{shell}");
        }
    }
}
