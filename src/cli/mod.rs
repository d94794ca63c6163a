//! Command-line interface: clap definitions (one file per subcommand), turning flags into
//! validated plans, printing progress and results. The only place besides `report` that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod apps;
mod check;
mod compare;
mod completions;
mod errors;
mod history;
mod history_alert;
mod history_import;
mod man;
mod options;
mod profile;
mod progress;
mod report;
mod run;
mod schema;
mod shard;
mod suites;

pub use errors::{exit_code, Usage};
pub use options::LoadArgs;

use clap::{Parser, Subcommand};

/// Benchmark and profile HTTP web frameworks in any language.
#[derive(Debug, Parser)]
#[command(name = "benchmark-harness", version, about, long_about = None)]
pub struct Cli {
    /// Silence progress on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure one app (or a running URL) on a suite or some workloads.
    Run(run::RunArgs),
    /// Profile one app under its language's profiler (flamegraphs, GC/heap figures, baseline ratios).
    Profile(profile::ProfileArgs),
    /// Compare several apps on the same workloads: interleaved rounds, statistics, reports.
    Compare(compare::CompareArgs),
    /// Fold the result files of every shard of one run (`run --segment`) into one result.
    Merge(shard::MergeArgs),
    /// Regression check: a current result against a baseline result, with thresholds.
    Check(check::CheckArgs),
    /// Re-render a saved result (run, profile, compare or check) as markdown or HTML.
    Report(report::ReportArgs),
    /// The workload suites: list, show, validate.
    #[command(subcommand)]
    Suites(suites::SuitesCommand),
    /// The benchmark apps: list, setup, verify.
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Print the JSON Schema of a result or input file.
    Schema(schema::SchemaArgs),
    /// The results store: import, list, trend, export, prune.
    History(history::HistoryArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --out DIR.
    Man(man::ManArgs),
}

/// Parse the command line, run the command, print any error once; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Run(args) => run::run(args, quiet),
        Command::Profile(args) => profile::run(args, quiet),
        Command::Compare(args) => compare::run(args, quiet),
        Command::Merge(args) => shard::run(args, quiet),
        Command::Report(args) => report::run(args),
        Command::Check(args) => check::run(args),
        Command::Suites(cmd) => suites::run(cmd),
        Command::Apps(cmd) => apps::run(cmd, quiet),
        Command::Schema(args) => schema::run(args),
        Command::History(args) => history::run(args, quiet),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit_code(&err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
