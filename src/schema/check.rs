//! The regression check result (`"mode": "check"`): current against baseline, per workload.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A `check` result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    /// Always `"check"`.
    pub mode: String,
    pub schema_version: u32,
    /// `pass`, `warning` or `regression`: the worst severity found.
    pub verdict: Severity,
    pub baseline: CheckSide,
    pub current: CheckSide,
    pub thresholds: Thresholds,
    /// Every workload found on both sides, worst first.
    pub workloads: Vec<WorkloadCheck>,
    /// `framework/workload` keys measured on one side only (listed, never dropped silently).
    pub only_in_baseline: Vec<String>,
    pub only_in_current: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One of the two result files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckSide {
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
    /// Significance level of the gate used when both sides carry several rounds.
    pub alpha: f64,
}

/// How bad a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Within thresholds (or not significant).
    Pass,
    Warning,
    Regression,
}

/// One workload (of one framework) compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadCheck {
    pub framework: String,
    pub workload: String,
    pub baseline_rps: f64,
    pub current_rps: f64,
    /// (current − baseline) ÷ baseline × 100; negative is slower.
    pub rps_change_percent: f64,
    pub baseline_p99_ms: Option<f64>,
    pub current_p99_ms: Option<f64>,
    /// (current − baseline) ÷ baseline × 100; positive is slower.
    pub p99_change_percent: Option<f64>,
    /// Welch's p-value of the throughput change when both sides have 2+ rounds, else `null`.
    pub p_value: Option<f64>,
    /// `null` when the sides have too few rounds for the gate (then thresholds alone decide).
    pub significant: Option<bool>,
    pub severity: Severity,
    /// Thresholds applied to this workload (after per-workload overrides).
    pub warn_percent: f64,
    pub fail_percent: f64,
    /// Why the severity is what it is, in words.
    pub reason: String,
}
