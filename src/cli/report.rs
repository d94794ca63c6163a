//! `benchmark-harness report FILE.json`: re-render any saved result (run, profile, compare or
//! check) without starting anything.

use std::path::PathBuf;

use clap::Args;

use super::compare::write_reports;
use crate::report::{check_table, compare_table, read_any, run_table, AnyResult};

/// `report` flags.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A result file written by run, profile, compare or check (check --json).
    pub file: PathBuf,
    /// Write a markdown report here.
    #[arg(long, value_name = "FILE.md")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> anyhow::Result<i32> {
    let any = read_any(&args.file).map_err(|e| super::Usage(e.to_string()))?;
    write_reports(&any, args.markdown.as_ref(), args.html.as_ref())?;
    if args.markdown.is_none() && args.html.is_none() {
        match &any {
            AnyResult::Run(r) => print!("{}", run_table(r)),
            AnyResult::Compare(r) => print!("{}", compare_table(r)),
            AnyResult::Check(r) => print!("{}", check_table(r)),
        }
    }
    Ok(0)
}
