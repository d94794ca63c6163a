//! The compare result (`"mode": "compare"`): several frameworks, same workloads, rounds.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Configuration, Endpoint, Latency, Measurement, Metadata, Mode, Resources, Throughput, WorkloadStatus,
};

/// A `compare` result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareResult {
    pub mode: Mode,
    pub schema_version: u32,
    /// False when interrupted (Ctrl-C) before every planned round was measured.
    pub complete: bool,
    /// Run metadata; `framework`, `language`, `version`, `runtime` are null (see `frameworks`).
    pub metadata: Metadata,
    pub configuration: CompareConfiguration,
    pub frameworks: Vec<FrameworkInfo>,
    pub suites: Vec<CompareSuite>,
    pub summary: CompareSummary,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Load options plus the compare-only ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareConfiguration {
    #[serde(flatten)]
    pub load: Configuration,
    /// Rounds asked for, rounded up to whole balanced blocks: all of a fixed run's rounds
    /// (`--rounds N` alone), the floor of an adaptive run (the default: 5 rounded up).
    pub rounds: u32,
    /// Rounds actually measured.
    pub rounds_completed: u32,
    pub alpha: f64,
    /// Differences below this many percent are "no meaningful difference".
    pub noise_floor_percent: f64,
    /// Adaptive rounds (the default; `null` for a fixed run): the wanted half-width of
    /// every ranked ratio CI, percent (`--target-precision`, default 2).
    pub target_precision_percent: Option<f64>,
    /// Most rounds of an adaptive run, whole blocks (`--max-rounds`, default 30); `null` for a fixed run.
    pub max_rounds: Option<u32>,
    /// Widest half-width (percent) of the ranked ratio CIs at the end, `null` with fewer than 2 rounds.
    pub precision_reached_percent: Option<f64>,
    /// The order of frameworks in each round, as run (a Williams design: see `round_design`).
    pub round_orders: Vec<Vec<String>>,
    /// How the order was chosen, e.g. `williams`: each block of n rounds puts every framework
    /// in every position once (and after every other once; for odd n over two blocks).
    /// Absent in older files (rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_design: Option<String>,
    /// Rounds per balanced block (the number of frameworks); rounds are whole blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_rounds: Option<u32>,
    /// `--time-budget` (adaptive runs: 900 by default, then limiting only the rounds after
    /// the floor): most seconds of measuring; no block is started that would overshoot it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_budget_secs: Option<f64>,
    /// Why no more rounds were measured: `rounds` (the fixed number was reached),
    /// `precision` (the target precision was reached), `max_rounds`, `time_budget`,
    /// `interrupted`. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_because: Option<String>,
}

/// One compared framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkInfo {
    pub name: String,
    pub version: Option<String>,
    pub language: Option<String>,
    pub runtime: Option<String>,
    pub app_dir: Option<String>,
    /// `ok`, or `failed` when the app could not be set up or started (then `reason`).
    pub status: WorkloadStatus,
    pub reason: Option<String>,
}

/// One suite's compared workloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareSuite {
    pub name: String,
    pub workloads: Vec<CompareWorkload>,
}

/// One workload across frameworks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareWorkload {
    pub name: String,
    pub category: String,
    pub payload_size_bytes: u64,
    pub endpoint: Endpoint,
    pub results: Vec<FrameworkResult>,
    /// `null` when the workload is not ranked (some framework is invalid or failed on it).
    pub comparison: Option<Comparison>,
    /// Why the workload is not ranked: framework → reason.
    #[serde(default)]
    pub unranked_because: BTreeMap<String, String>,
}

/// One framework on one workload, over every round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkResult {
    pub framework: String,
    pub status: WorkloadStatus,
    pub reason: Option<String>,
    /// Mean over rounds (requests and bytes per second), totals summed.
    pub throughput: Option<Throughput>,
    /// From the latency histograms of all rounds merged.
    pub latency: Option<Latency>,
    /// Mean of the rounds' averages, highest peak.
    pub resources: Option<Resources>,
    /// Per-round requests per second: the samples of the statistics.
    pub samples: Vec<f64>,
    /// 95 % confidence interval of the mean requests per second (t distribution); `null` below 2 rounds.
    pub requests_per_sec_ci: Option<Interval>,
    /// Every round's full measurement, in round order.
    pub rounds: Vec<Measurement>,
}

/// A closed interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The verdict on one ranked workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    /// The fastest framework when it is significantly (and meaningfully) faster than every other; else `null`.
    pub winner: Option<String>,
    /// Fastest by mean throughput, significant or not.
    pub fastest: String,
    /// `"A_vs_B"`: mean req/s of A ÷ mean req/s of B, for every ordered pair.
    pub performance_ratios: BTreeMap<String, f64>,
    /// `"A_vs_B"`: the test of A against B (one entry per unordered pair, A the faster).
    pub statistical_significance: BTreeMap<String, Significance>,
    /// `"A_vs_B"`: p50 and p99 latency of A ÷ those of B.
    pub latency_ratios: BTreeMap<String, LatencyRatio>,
}

/// Welch's t-test of one pair and its estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Significance {
    /// Two-sided p-value; `null` when it cannot be computed (fewer than 2 rounds each, or no variance).
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted over every test of the run.
    pub adjusted_p_value: Option<f64>,
    /// adjusted p < alpha.
    pub significant: bool,
    /// significant and the difference is above the noise floor.
    pub meaningful: bool,
    /// `"welch_t"`.
    pub test: String,
    pub degrees_of_freedom: Option<f64>,
    /// 95 % CI of the difference of means (A − B), requests per second.
    pub confidence_interval: Option<Interval>,
    /// 95 % CI of the ratio A/B (Fieller).
    pub ratio_confidence_interval: Option<Interval>,
    /// Hedges' g (A − B over the pooled standard deviation, small-sample corrected).
    pub effect_size: Option<f64>,
    /// Ratio of geometric means A/B over the rounds: the effect the test is about
    /// (Welch's t-test on `ln` of the per-round throughputs). Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Why the pair was not tested (`p_value` is `null`), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Plain words: "A is 12.3 % faster (p = 0.001)", "no significant difference", …
    pub verdict: String,
    /// Whether a saturated load generator limits this pair's conclusion: `withheld` when the
    /// slower-measured framework's figures are the generator's limit (it may be faster than
    /// measured: no verdict), `at_least` when only the faster one's are (it is at least as
    /// much faster as measured). Absent when neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_bound: Option<String>,
}

/// Latency ratios of a pair (A ÷ B; below 1 means A answers faster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyRatio {
    pub p50_ratio: Option<f64>,
    pub p99_ratio: Option<f64>,
}

/// Run-wide verdicts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CompareSummary {
    /// Highest geometric mean of throughput ratios over ranked workloads; `null` with none ranked.
    pub overall_winner: Option<String>,
    /// How much faster the overall winner is than the runner-up, geometric mean, percent.
    pub avg_performance_gain: Option<f64>,
    /// `"A_vs_B"`: geometric mean over ranked workloads of A/B.
    pub geometric_mean_ratios: BTreeMap<String, f64>,
    /// Workloads with a significant winner, per framework (every framework listed).
    pub workloads_won: BTreeMap<String, u32>,
    /// category → the framework with the highest geometric mean in it.
    pub category_winners: BTreeMap<String, String>,
    pub ranked_workloads: u32,
    pub unranked_workloads: u32,
    /// Ranked workloads without a significant winner.
    pub ties: u32,
    pub total_duration_secs: f64,
    /// The gated verdict over every ranked workload, with its interval (`overall_winner`
    /// is its `winner`). Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall: Option<GroupVerdict>,
    /// category → the gated verdict over that category's ranked workloads
    /// (`category_winners` lists the categories where it names a winner).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, GroupVerdict>,
}

/// A verdict over a group of workloads (all ranked ones, or one category): each
/// framework's per-round geometric mean of throughput over the group, compared by
/// Welch's t-test on the log scale against the fastest.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct GroupVerdict {
    /// Highest geometric mean over the group, significant or not.
    pub fastest: String,
    /// `fastest` when it is significantly and meaningfully faster than every other
    /// framework (intersection–union test at the run's level, Bonferroni over categories); else `null`.
    pub winner: Option<String>,
    /// Ranked workloads in the group.
    pub workloads: u32,
    /// Rounds that entered the per-round geometric means.
    pub rounds: u32,
    /// Level each pair was tested at (alpha, or alpha / categories).
    pub level: f64,
    /// framework → its geometric mean relative to `fastest` (1 for `fastest`), with the CI.
    pub relative: BTreeMap<String, GroupRatio>,
    /// Plain words: why there is a winner or why not.
    pub verdict: String,
}

/// One framework against the group's fastest: `gm(framework) / gm(fastest)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupRatio {
    pub ratio: f64,
    /// CI of the ratio at the run's confidence; `null` when it cannot be computed.
    pub ratio_confidence_interval: Option<Interval>,
    /// Two-sided p-value of "no difference from the fastest"; `null` for the fastest itself or when untestable.
    pub p_value: Option<f64>,
}
