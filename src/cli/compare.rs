//! `benchmark-harness compare`: several apps, same workloads, interleaved rounds, statistics.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::options::LoadArgs;
use super::progress::StderrProgress;
use super::Usage;
use crate::compare::{execute, schedule, ComparePlan};
use crate::report::{compare_table, AnyResult, HtmlReport, MarkdownReport, Report};
use crate::schema::{CompareResult, WorkloadStatus};

/// `compare` flags.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The apps to compare, by name (found under --apps), comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_name = "A,B[,C…]")]
    pub frameworks: Vec<String>,
    /// Measure exactly N rounds (a fixed design), rounded up to whole blocks of as many
    /// rounds as frameworks so that every framework runs in every position equally often (a
    /// Williams design). Without --rounds, rounds are adaptive: at least 5 (rounded up the
    /// same way), then a block at a time until every ranked ratio is known to
    /// --target-precision, or --max-rounds, or --time-budget. With --target-precision or
    /// --max-rounds, N is the adaptive floor. Each round starts every server afresh, so
    /// rounds are independent samples.
    #[arg(long, value_name = "N")]
    pub rounds: Option<u32>,
    /// Most seconds to spend measuring: no block of rounds is started that would overshoot
    /// it (judged from the rounds so far; the first block always runs). Adaptive rounds
    /// default to 900 s, which limits only the rounds after the floor.
    #[arg(long, value_name = "SECS")]
    pub time_budget: Option<f64>,
    /// Keep each server running across rounds (paused with SIGSTOP while the others are
    /// measured) instead of a fresh start per round: for slow-starting apps. Rounds then
    /// share per-process effects (memory layout, JIT, hash seeds), so intervals are narrower than they should be.
    #[arg(long)]
    pub reuse_servers: bool,
    /// Test each pair on its per-round log-ratios (a paired t-test: rounds as blocks)
    /// instead of Welch's test. Helps where the machine's state drifts between rounds (a
    /// shared CI runner); on a quiet machine its n − 1 degrees of freedom cost more than the
    /// pairing removes (docs/statistics.md).
    #[arg(long)]
    pub paired: bool,
    /// Significance level of the tests (Holm within a workload, Benjamini–Bogomolov across workloads).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Differences below this percentage are "no meaningful difference".
    #[arg(long, default_value_t = 2.0, value_name = "PCT")]
    pub noise: f64,
    /// Adaptive rounds: keep adding rounds until every ranked ratio's 95 % interval is
    /// within ±PCT (default 2, the default noise floor).
    #[arg(long, value_name = "PCT")]
    pub target_precision: Option<f64>,
    /// Most rounds of an adaptive run (default 30).
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
        if let Some(r) = self.rounds.filter(|r| *r == 0 || *r > 1000) {
            return Err(Usage(format!("invalid --rounds {r}; expected 1 to 1000")));
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
            let floor = self.rounds.unwrap_or(schedule::DEFAULT_FLOOR);
            if m < floor || m > 1000 {
                let what = if self.rounds.is_some() { "--rounds" } else { "the default floor" };
                return Err(Usage(format!(
                    "invalid --max-rounds {m}; expected at least {what} ({floor}) and at most 1000"
                )));
            }
        }
        Ok(())
    }

    /// The rounds design from the flags: fixed with `--rounds` alone, else adaptive with
    /// the defaults of `compare::schedule` for what is not given.
    fn rounds_design(&self) -> RoundsDesign {
        let adaptive = self.rounds.is_none() || self.target_precision.is_some() || self.max_rounds.is_some();
        let floor = self.rounds.unwrap_or(schedule::DEFAULT_FLOOR);
        let explicit_budget = self.time_budget.map(Duration::from_secs_f64);
        if adaptive {
            RoundsDesign {
                rounds: floor,
                max_rounds: Some(self.max_rounds.unwrap_or(schedule::DEFAULT_MAX_ROUNDS).max(floor)),
                target_precision: Some(self.target_precision.unwrap_or(schedule::DEFAULT_TARGET_PERCENT)),
                time_budget: explicit_budget.or(Some(schedule::DEFAULT_TIME_BUDGET)),
                budget_in_floor: explicit_budget.is_some(),
            }
        } else {
            RoundsDesign {
                rounds: floor,
                max_rounds: None,
                target_precision: None,
                time_budget: explicit_budget,
                budget_in_floor: true,
            }
        }
    }
}

/// How many rounds `compare` measures: the fields of `ComparePlan` that say it.
#[derive(Debug, Clone, PartialEq)]
struct RoundsDesign {
    rounds: u32,
    max_rounds: Option<u32>,
    target_precision: Option<f64>,
    time_budget: Option<Duration>,
    budget_in_floor: bool,
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
    let design = args.rounds_design();
    let selection = crate::workload::select_from(&args.load.suite, &args.load.workload)?;
    let load = args.load.load_options()?;
    super::options::refuse_streaming_conflicts(&selection.workloads, &load)?;
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
        rounds: design.rounds,
        max_rounds: design.max_rounds,
        target_precision: design.target_precision,
        alpha: args.alpha,
        noise_floor: args.noise,
        time_budget: design.time_budget,
        budget_in_floor: design.budget_in_floor,
        reuse_servers: args.reuse_servers,
        paired: args.paired,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn design(flags: &[&str]) -> Result<RoundsDesign, Usage> {
        let argv = ["benchmark-harness", "compare", "--frameworks", "a,b"].iter().chain(flags);
        let Command::Compare(args) = Cli::try_parse_from(argv).unwrap().command else { unreachable!() };
        args.check().map(|()| args.rounds_design())
    }

    #[test]
    fn no_flags_is_adaptive_with_the_defaults() {
        let d = design(&[]).unwrap();
        assert_eq!(d.rounds, 5);
        assert_eq!(d.target_precision, Some(2.0));
        assert_eq!(d.max_rounds, Some(30));
        assert_eq!(d.time_budget, Some(Duration::from_secs(900)));
        assert!(!d.budget_in_floor, "the default budget does not cut the floor");
    }

    #[test]
    fn rounds_alone_is_a_fixed_design() {
        let d = design(&["--rounds", "8"]).unwrap();
        assert_eq!((d.rounds, d.max_rounds, d.target_precision, d.time_budget), (8, None, None, None));
        let d = design(&["--rounds", "8", "--time-budget", "60"]).unwrap();
        assert_eq!(d.time_budget, Some(Duration::from_secs(60)));
        assert!(d.budget_in_floor);
    }

    #[test]
    fn rounds_with_a_target_or_a_maximum_is_the_adaptive_floor() {
        let d = design(&["--rounds", "8", "--target-precision", "3"]).unwrap();
        assert_eq!((d.rounds, d.max_rounds, d.target_precision), (8, Some(30), Some(3.0)));
        let d = design(&["--max-rounds", "12"]).unwrap();
        assert_eq!((d.rounds, d.max_rounds, d.target_precision), (5, Some(12), Some(2.0)));
        let d = design(&["--rounds", "40", "--target-precision", "1"]).unwrap();
        assert_eq!(d.max_rounds, Some(40), "the maximum is never below the floor");
    }

    #[test]
    fn a_maximum_below_the_floor_is_refused_naming_both() {
        let e = design(&["--max-rounds", "3"]).unwrap_err();
        assert!(e.0.contains("--max-rounds 3") && e.0.contains("the default floor (5)"), "{}", e.0);
        let e = design(&["--rounds", "8", "--max-rounds", "6"]).unwrap_err();
        assert!(e.0.contains("--rounds (8)"), "{}", e.0);
    }
}
