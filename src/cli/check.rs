//! `benchmark-harness check`: regression detection between two saved results.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Usage;
use crate::check::{check_rounds, find_config, CheckOptions, Metric};
use crate::report::{check_markdown, read_any, AnyResult};
use crate::schema::{write_atomic, MismatchKind, Severity};

/// `--metric` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    Rps,
    P99,
    Both,
}

/// `check` flags. Thresholds also come from `[check]` in a `benchmark-harness.toml` at the
/// repository root (flags win; per-workload overrides come from the file).
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The baseline result (run, profile or compare); several files (comma-separated) are
    /// taken as rounds of the same setup, so the intervals can be computed.
    #[arg(long, value_name = "FILE[,FILE…]", value_delimiter = ',', required = true)]
    pub baseline: Vec<PathBuf>,
    /// The current result(s), as --baseline.
    #[arg(long, value_name = "FILE[,FILE…]", value_delimiter = ',', required = true)]
    pub current: Vec<PathBuf>,
    /// Warning from this slowdown, percent (default 5).
    #[arg(long, value_name = "PCT")]
    pub warn: Option<f64>,
    /// Regression from this slowdown, percent (default 10).
    #[arg(long, value_name = "PCT")]
    pub fail: Option<f64>,
    /// Which figure decides (default both).
    #[arg(long, value_enum)]
    pub metric: Option<MetricArg>,
    /// Write the markdown report (PR comment) here.
    #[arg(long, value_name = "FILE.md")]
    pub report: Option<PathBuf>,
    /// Write the check result as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit 1 when a regression at or past --fail is found.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// A change whose whole interval lies within ± this many percent passes (default 2).
    #[arg(long, value_name = "PCT")]
    pub noise_floor: Option<f64>,
    /// Check even when the sides were measured differently (concurrency, rate, duration,
    /// warmup, workers, timeout, CPU pinning, CPU model, cores); each difference is flagged.
    #[arg(long)]
    pub allow_mismatch: bool,
    #[command(flatten)]
    pub history: super::history::HistoryFlag,
    /// Mail each regression found (once: the history store remembers what was sent).
    #[arg(long)]
    pub alert: bool,
    /// Print the alert mails instead of sending them.
    #[arg(long)]
    pub alert_dry_run: bool,
    #[command(flatten)]
    pub smtp: super::history_alert::SmtpArgs,
}

pub fn run(args: CheckArgs) -> anyhow::Result<i32> {
    let config = find_config(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))?;
    let file = config.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
    let defaults = CheckOptions::default();
    let warn = args.warn.or(file.warn).unwrap_or(defaults.warn);
    let fail = args.fail.or(file.fail).unwrap_or(defaults.fail);
    let metric = match (args.metric, file.metric.as_deref()) {
        (Some(MetricArg::Rps), _) | (None, Some("rps")) => Metric::Rps,
        (Some(MetricArg::P99), _) | (None, Some("p99")) => Metric::P99,
        (Some(MetricArg::Both), _) | (None, Some("both") | None) => Metric::Both,
        (None, Some(other)) => {
            let at = config.as_ref().map(|(p, _)| p.display().to_string()).unwrap_or_default();
            return Err(
                Usage(format!("{at}: invalid [check] metric '{other}'; expected rps, p99 or both")).into()
            );
        }
    };
    if !(warn >= 0.0 && fail >= warn && fail < 1000.0) {
        return Err(Usage(format!(
            "invalid thresholds --warn {warn} --fail {fail}; expected 0 ≤ warn ≤ fail"
        ))
        .into());
    }
    let alpha = file.alpha.unwrap_or(defaults.alpha);
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Usage(format!("invalid [check] alpha {alpha}; expected a number between 0 and 1")).into());
    }
    let noise_floor = args.noise_floor.or(file.noise_floor).unwrap_or(defaults.noise_floor);
    if !(0.0..100.0).contains(&noise_floor) {
        return Err(Usage(format!("invalid --noise-floor {noise_floor}; expected 0 ≤ PCT < 100")).into());
    }
    let read = |flag: &str, files: &[PathBuf]| -> anyhow::Result<Vec<(AnyResult, String)>> {
        files
            .iter()
            .map(|f| {
                read_any(f)
                    .map(|r| (r, f.display().to_string()))
                    .map_err(|e| Usage(format!("{flag}: {e}")).into())
            })
            .collect()
    };
    let (base, cur) = (read("--baseline", &args.baseline)?, read("--current", &args.current)?);
    let options = CheckOptions {
        warn,
        fail,
        metric,
        alpha,
        noise_floor,
        allow_mismatch: args.allow_mismatch,
        overrides: file.workloads.clone(),
    };
    let result = check_rounds(&base, &cur, &options).map_err(|e| Usage(e.to_string()))?;
    let md = check_markdown(&result);
    let refused: Vec<&str> = result
        .mismatches
        .iter()
        .filter(|m| m.kind != MismatchKind::Harness)
        .map(|m| m.message.as_str())
        .collect();
    if !refused.is_empty() {
        eprintln!("warning: the sides were measured differently; checked anyway (--allow-mismatch):");
        for m in &refused {
            eprintln!("  - {m}");
        }
    }
    if let Some(path) = &args.report {
        std::fs::write(path, &md).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.json {
        write_atomic(path, &result, true).with_context(|| format!("cannot write {}", path.display()))?;
    }
    print!("{md}");
    let recorded = super::history::record_after(&args.history, &result, args.json.as_deref(), false);
    let code = if args.fail_on_regression && result.verdict == Severity::Regression { 1 } else { 0 };
    if args.alert || args.alert_dry_run {
        let db = args.history.history.as_deref().filter(|d| !d.is_empty());
        super::history_alert::after_check(&result, db, &args.smtp, args.alert_dry_run)?;
    }
    Ok(super::history::exit_with(code, recorded))
}
