//! The regression check result (`"mode": "check"`): current against baseline, per workload.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Interval;

/// A `check` result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    /// Always `"check"`.
    pub mode: String,
    pub schema_version: u32,
    /// `pass`, `warning` or `regression`: the worst severity found.
    pub verdict: Severity,
    /// Workloads whose `decision` is `inconclusive` (each counted as a `warning`).
    #[serde(default)]
    pub inconclusive_workloads: u32,
    pub baseline: CheckSide,
    pub current: CheckSide,
    pub thresholds: Thresholds,
    /// Every workload found on both sides, worst first.
    pub workloads: Vec<WorkloadCheck>,
    /// `framework/workload` keys measured on one side only (listed, never dropped silently).
    pub only_in_baseline: Vec<String>,
    pub only_in_current: Vec<String>,
    /// Differences in how the two sides (or the files of one side) were measured. Without
    /// `--allow-mismatch`, any `configuration` or `host` difference refuses the check (exit 2),
    /// so in a written result those were allowed on purpose; `harness` differences are notes.
    #[serde(default)]
    pub mismatches: Vec<Mismatch>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One of the two result files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckSide {
    /// The file, or the comma-separated files when the side has several (rounds).
    pub file: String,
    pub mode: String,
    pub git_commit: Option<String>,
    pub timestamp: String,
}

/// The thresholds the check ran with (percent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Thresholds {
    pub warn_percent: f64,
    pub fail_percent: f64,
    /// `rps`, `p99` or `both`.
    pub metric: String,
    /// The intervals are (1 − alpha) confidence intervals (0.05: 95 %).
    pub alpha: f64,
    /// A change whose whole interval lies within ± this many percent passes.
    #[serde(default)]
    pub noise_floor_percent: f64,
}

/// How bad a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Within thresholds: the interval excludes the warning region (or lies within the
    /// noise floor); with one round per side, the point estimate is within thresholds.
    Pass,
    /// Slower past the warning threshold, or inconclusive (see `decision`).
    Warning,
    /// The whole interval lies past the fail threshold (one round per side: the point estimate).
    Regression,
}

/// Whether the data settle the severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The interval lies in one severity's region.
    Settled,
    /// The interval reaches from the pass region into the warning or fail region: more
    /// rounds are needed. Counted as a `warning`, never as a `pass`.
    Inconclusive,
    /// No interval (one round on a side, rounds without spread, a round of 0 req/s):
    /// thresholds on the point estimates; the reason says which.
    NoInterval,
}

/// Which part of the fingerprint differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MismatchKind {
    /// The load: concurrency, rate, duration, warmup, workers, timeout, CPU pinning.
    Configuration,
    /// The machine: CPU model, cores, OS, architecture.
    Host,
    /// The harness or load generator version (a note, never refused).
    Harness,
}

/// One difference between how results were measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Mismatch {
    pub kind: MismatchKind,
    /// The fingerprint field, e.g. `concurrency`, `cpu_model`, `harness_version`.
    pub field: String,
    /// `between_sides`, `within_baseline` or `within_current`.
    pub scope: String,
    /// In words, e.g. "baseline concurrency 50, current 100".
    pub message: String,
}

/// One workload (of one framework) compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadCheck {
    pub framework: String,
    pub workload: String,
    /// Mean over rounds (arithmetic), requests per second.
    pub baseline_rps: f64,
    pub current_rps: f64,
    /// (ratio − 1) × 100 with `rps_ratio` the ratio of geometric means over rounds (one
    /// round per side: of the two figures); negative is slower.
    pub rps_change_percent: f64,
    /// p99 of the rounds' merged latency histograms (older files: mean of per-round p99s).
    pub baseline_p99_ms: Option<f64>,
    pub current_p99_ms: Option<f64>,
    /// (current − baseline) ÷ baseline × 100; positive is slower.
    pub p99_change_percent: Option<f64>,
    /// Welch's p-value of ln throughput (geometric means equal) when both sides have 2+
    /// rounds, else `null`.
    pub p_value: Option<f64>,
    /// p_value < alpha (the ratio interval excludes 1); `null` without an interval.
    pub significant: Option<bool>,
    pub severity: Severity,
    /// Whether the data settle `severity` (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Rounds on each side.
    #[serde(default)]
    pub baseline_rounds: u32,
    #[serde(default)]
    pub current_rounds: u32,
    /// Current ÷ baseline throughput: ratio of geometric means of per-round req/s.
    #[serde(default)]
    pub rps_ratio: Option<f64>,
    /// (1 − alpha) interval of `rps_ratio` (Welch on ln of the rounds); `null` without 2+ rounds a side.
    #[serde(default)]
    pub rps_ratio_ci: Option<Interval>,
    /// Current ÷ baseline p99 latency.
    #[serde(default)]
    pub p99_ratio: Option<f64>,
    /// (1 − alpha) interval of `p99_ratio` from a seeded bootstrap over rounds; `null`
    /// without 2+ rounds a side.
    #[serde(default)]
    pub p99_ratio_ci: Option<Interval>,
    /// How p99 was compared: `merged_histograms`, `per_round_p99` (older files without
    /// histograms) or `summary_p99` (only the files' p99 figures: no interval).
    #[serde(default)]
    pub p99_method: Option<String>,
    /// Thresholds applied to this workload (after per-workload overrides).
    pub warn_percent: f64,
    pub fail_percent: f64,
    /// Why the severity is what it is, in words.
    pub reason: String,
}
