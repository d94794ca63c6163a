//! `benchmark-harness report FILE.json`: re-render any saved result (run, profile, compare or
//! check) without starting anything; `report --field DIR`: BENCHMARK_RESULTS.md from a directory
//! of field results.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::compare::write_reports;
use crate::report::{check_table, compare_table, field_markdown, read_any, read_field, run_table, AnyResult};

/// `report` flags.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A result file written by run, profile, compare or check (check --json).
    #[arg(required_unless_present = "field")]
    pub file: Option<PathBuf>,
    /// A directory of field results (compare.json, profile-*.json, field.json, as
    /// scripts/field-results.sh writes them): render BENCHMARK_RESULTS.md from it.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["file", "html"])]
    pub field: Option<PathBuf>,
    /// Write a markdown report here.
    #[arg(long, value_name = "FILE.md")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> anyhow::Result<i32> {
    if let Some(dir) = &args.field {
        let document = args.markdown.clone().unwrap_or_else(|| PathBuf::from("BENCHMARK_RESULTS.md"));
        let field = read_field(dir, &document).map_err(|e| super::Usage(format!("--field: {e}")))?;
        let text = field_markdown(&field);
        match &args.markdown {
            Some(path) => {
                std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?
            }
            None => print!("{text}"),
        }
        return Ok(0);
    }
    let Some(file) = &args.file else { unreachable!("clap requires FILE without --field") };
    let any = read_any(file).map_err(|e| super::Usage(e.to_string()))?;
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
