//! `benchmark-harness compare`: several apps, same workloads, interleaved rounds, statistics.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::options::LoadArgs;
use super::progress::StderrProgress;
use super::Usage;
use crate::compare::{execute, ComparePlan};
use crate::report::{compare_table, AnyResult, HtmlReport, MarkdownReport, Report};
use crate::schema::{CompareResult, WorkloadStatus};

/// `compare` flags.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The apps to compare, by name (found under --apps), comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_name = "A,B[,C…]")]
    pub frameworks: Vec<String>,
    /// Rounds of measurements (the minimum with --target-precision), rounded up to whole
    /// blocks of as many rounds as frameworks so that every framework runs in every position
    /// equally often (a Williams design). Each round starts every server afresh, so rounds
    /// are independent samples.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub rounds: u32,
    /// Most seconds to spend measuring: no block of rounds is started that would overshoot
    /// it (judged from the rounds so far); the first block always runs.
    #[arg(long, value_name = "SECS")]
    pub time_budget: Option<f64>,
    /// Keep each server running across rounds (paused with SIGSTOP while the others are
    /// measured) instead of a fresh start per round: for slow-starting apps. Rounds then
    /// share per-process effects (memory layout, JIT, hash seeds), so intervals are narrower than they should be.
    #[arg(long)]
    pub reuse_servers: bool,
    /// Significance level of the tests (Holm within a workload, Benjamini–Bogomolov across workloads).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Differences below this percentage are "no meaningful difference".
    #[arg(long, default_value_t = 2.0, value_name = "PCT")]
    pub noise: f64,
    /// Keep adding rounds until every ranked ratio CI is narrower than ±PCT (or settled).
    #[arg(long, value_name = "PCT")]
    pub target_precision: Option<f64>,
    /// Most rounds with --target-precision (default 10).
    #[arg(long, value_name = "N")]
    pub max_rounds: Option<u32>,
    /// Write a markdown report (reads well as a PR comment).
    #[arg(long, value_name = "FILE.md")]
    pub report: Option<PathBuf>,
    /// Write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

impl CompareArgs {
    fn check(&self) -> Result<(), Usage> {
        let mut seen = std::collections::BTreeSet::new();
        for f in &self.frameworks {
            if !seen.insert(f) {
                return Err(Usage(format!("--frameworks names '{f}' twice; each app once (copy its folder under another name for an A/A check)")));
            }
        }
        if self.frameworks.len() < 2 {
            return Err(Usage(format!(
                "--frameworks needs at least two apps, got {}",
                self.frameworks.join(",")
            )));
        }
        if self.rounds == 0 || self.rounds > 1000 {
            return Err(Usage(format!("invalid --rounds {}; expected 1 to 1000", self.rounds)));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Usage(format!(
                "invalid --alpha {}; expected a probability between 0 and 1, e.g. 0.05",
                self.alpha
            )));
        }
        if !(self.noise >= 0.0 && self.noise < 100.0) {
            return Err(Usage(format!(
                "invalid --noise {}; expected a percentage from 0 to 100",
                self.noise
            )));
        }
        if let Some(p) = self.target_precision {
            if !(p > 0.0 && p < 100.0) {
                return Err(Usage(format!(
                    "invalid --target-precision {p}; expected a percentage above 0, e.g. 2"
                )));
            }
        }
        if let Some(b) = self.time_budget {
            if !(b > 0.0 && b.is_finite()) {
                return Err(Usage(format!("invalid --time-budget {b}; expected seconds above 0, e.g. 900")));
            }
        }
        if let Some(m) = self.max_rounds {
            if m < self.rounds {
                return Err(Usage(format!(
                    "invalid --max-rounds {m}; expected at least --rounds ({})",
                    self.rounds
                )));
            }
        }
        Ok(())
    }
}

/// 130 interrupted; 1 a framework failed or a workload could not be ranked; else 0.
pub fn exit_of(r: &CompareResult) -> i32 {
    if !r.complete {
        130
    } else if r.frameworks.iter().any(|f| f.status != WorkloadStatus::Ok) || r.summary.unranked_workloads > 0
    {
        1
    } else {
        0
    }
}

/// Write the reports asked for.
pub fn write_reports(
    any: &AnyResult,
    markdown: Option<&PathBuf>,
    html: Option<&PathBuf>,
) -> anyhow::Result<()> {
    if let Some(path) = markdown {
        std::fs::write(path, MarkdownReport.render(any))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = html {
        std::fs::write(path, HtmlReport.render(any))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

pub fn run(args: CompareArgs, quiet: bool) -> anyhow::Result<i32> {
    args.check()?;
    let selection = crate::workload::select_from(&args.load.suite, &args.load.workload)?;
    let load = args.load.load_options()?;
    let apps = args
        .frameworks
        .iter()
        .map(|f| crate::app::find(&args.load.apps, f))
        .collect::<Result<Vec<_>, _>>()?;
    let plan = ComparePlan {
        apps,
        suites: selection.suites,
        workloads: selection.workloads,
        load,
        workers: args.load.workers,
        server_cpus: args.load.server_cpus()?,
        rounds: args.rounds,
        max_rounds: args.target_precision.map(|_| args.max_rounds.unwrap_or(10).max(args.rounds)),
        target_precision: args.target_precision,
        alpha: args.alpha,
        noise_floor: args.noise,
        time_budget: args.time_budget.map(std::time::Duration::from_secs_f64),
        reuse_servers: args.reuse_servers,
        verify: !args.load.no_verify,
        repo_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let stop = crate::server::stop_flag();
    let progress = StderrProgress::new(quiet);
    let result = execute(&plan, &progress, &stop);
    drop(progress);
    super::options::emit(&result, &compare_table(&result), &args.load, quiet)?;
    let code = super::history::exit_with(exit_of(&result), args.load.record(&result, quiet));
    write_reports(&AnyResult::Compare(result), args.report.as_ref(), args.html.as_ref())?;
    Ok(code)
}
