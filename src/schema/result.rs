//! The run / profile result (`"mode": "run"` or `"profile"`), as RESULTS.md names it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BaselineComparison, MixedTotal, Profiling, Streaming};

/// Which command wrote a result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Run,
    Profile,
    Compare,
}

/// A `run` or `profile` result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResult {
    pub mode: Mode,
    pub schema_version: u32,
    /// False when the run was interrupted (Ctrl-C) before every workload was measured.
    pub complete: bool,
    pub metadata: Metadata,
    pub configuration: Configuration,
    pub suites: Vec<SuiteResult>,
    pub summary: Summary,
    /// Run-wide remarks, e.g. why a metric is null.
    #[serde(default)]
    pub notes: Vec<String>,
    /// With `--baseline`: ratios against another result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<BaselineComparison>,
}

/// Who and what was measured, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metadata {
    /// App name (`null` for `run --url`).
    pub framework: Option<String>,
    pub language: Option<String>,
    /// Framework version as printed by the manifest's version probe.
    pub version: Option<String>,
    /// Runtime version as printed by the manifest's version probe.
    pub runtime: Option<String>,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// Commit of the git repository the command ran in (`null` outside git).
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    pub git_dirty: Option<bool>,
    pub harness_version: String,
    pub host: Host,
    /// The state of the machine during the command: governors, load average, whether other
    /// processes were busy while measuring (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<MachineState>,
}

/// How busy the machine was, and how its CPUs were set, while the command measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MachineState {
    /// The CPUs the server and the load generator ran on (both pinned sets, or every CPU the
    /// harness may use when either floats), e.g. `0-3`.
    pub cpus: String,
    /// The frequency governor of each of those CPUs; `governor` is `null` when unreadable
    /// (e.g. in VMs; the reason is in `notes`).
    pub cpu_governors: Vec<CpuGovernor>,
    /// 1-minute load average when the command started, from `/proc/loadavg` (`null` if unreadable).
    pub load_avg_1m_start: Option<f64>,
    /// 1-minute load average when the command finished measuring.
    pub load_avg_1m_end: Option<f64>,
    /// Measured windows whose machine load was read (warm-ups of `profile` included).
    pub windows: u32,
    /// Windows in which other processes took more than `busy_threshold_percent`.
    pub busy_windows: u32,
    /// The highest share (percent of the time of `cpus`) that processes other than the
    /// harness and everything it started, and the hypervisor's steal, took during one
    /// measured window, from `/proc/stat` minus our processes' CPU time; `null` when
    /// unreadable or nothing was measured.
    pub other_cpu_percent_max: Option<f64>,
    /// The same, averaged over the measured windows.
    pub other_cpu_percent_mean: Option<f64>,
    /// The share above which a window counts as busy.
    pub busy_threshold_percent: f64,
    /// True when any window was busy: figures may be low and noisy.
    pub busy: bool,
    /// Why a figure is null, and the busy warning.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One CPU's frequency governor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CpuGovernor {
    pub cpu: u32,
    /// E.g. `performance`, `powersave`, `schedutil`; `null` when unreadable.
    pub governor: Option<String>,
}

/// Where the CPU pinning of a measurement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PinSource {
    /// The harness's default split (Linux, at least 2 usable CPUs).
    Default,
    /// `--server-cpus` / `--loadgen-cpus`.
    Flags,
    /// Nothing pinned; `reason` says why (`--no-pin`, `--url`, one CPU, not Linux).
    Off,
}

/// How the pinning in `server_cpus` / `loadgen_cpus` was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PinningInfo {
    pub source: PinSource,
    /// Why pinning is off, or how flags were completed (one flag: the other side got the rest).
    pub reason: Option<String>,
}

/// The machine the measurement ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    pub os: String,
    pub arch: String,
    pub cpu_model: Option<String>,
    pub cpu_cores: u32,
    pub memory_gb: Option<f64>,
    pub kernel: Option<String>,
}

/// The options the measurement ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Configuration {
    pub duration_secs: f64,
    pub concurrency: u32,
    pub warmup_secs: f64,
    /// Requests per second in open loop; `null` in closed loop.
    pub rate: Option<f64>,
    pub timeout_secs: f64,
    /// Name and version of the load generator.
    pub load_generator: String,
    /// The server's worker processes/threads (`{workers}`).
    pub workers: u32,
    /// False with `--no-verify`: answers were not checked before measuring.
    pub verified: bool,
    /// `null` unless `--url` was given.
    pub target_url: Option<String>,
    /// CPUs the server was pinned to (`null` = not pinned).
    pub server_cpus: Option<String>,
    /// CPUs the load generator was pinned to (`null` = not pinned).
    pub loadgen_cpus: Option<String>,
    /// Where that pinning came from (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinning: Option<PinningInfo>,
    /// `run --segment` (one shard of a run spread over several load generators) and `merge`:
    /// the segment, its sequence and the start time. Absent in unsharded runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharding: Option<super::Sharding>,
}

/// One suite's workloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SuiteResult {
    pub name: String,
    pub workloads: Vec<WorkloadResult>,
    /// A mixed suite (`mode = "mixed"`): all its workloads measured together, in total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixed: Option<MixedTotal>,
}

/// What happened to one workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadStatus {
    /// Verified (or verification skipped) and measured.
    Ok,
    /// The answer did not match the contract; not measured.
    Invalid,
    /// The measurement failed (server died, nothing answered, …).
    Failed,
    /// Not measured (interrupted before its turn).
    Skipped,
}

/// Method and path of a workload's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
}

/// One workload's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadResult {
    pub name: String,
    pub category: String,
    pub payload_size_bytes: u64,
    pub endpoint: Endpoint,
    pub status: WorkloadStatus,
    /// Why the status is not `ok` (a readable difference for `invalid`).
    pub reason: Option<String>,
    /// True when the answer was checked before measuring.
    pub verified: bool,
    /// `null` when nothing was measured.
    pub results: Option<Measurement>,
}

/// The figures of one measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    pub throughput: Throughput,
    /// `null` when nothing was recorded: no request succeeded, timed out or was outstanding at the end.
    pub latency: Option<Latency>,
    pub errors: ErrorCounts,
    pub timeline: Vec<TimelinePoint>,
    /// `null` when not sampled (e.g. `--url`); the reason is in `notes`.
    pub resources: Option<Resources>,
    pub load: LoadInfo,
    #[serde(default)]
    pub notes: Vec<String>,
    /// Profile mode: what the profiler measured (`null` in plain runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiling: Option<Profiling>,
    /// The latency histogram itself (µs; the values `latency` summarises): HDR histogram V2 +
    /// DEFLATE, base64. Rounds, shards and history merge it exactly. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_histogram: Option<String>,
    /// Streaming workloads only (absent otherwise and in older files): the stream's own
    /// figures. For them `throughput` counts events (SSE) or echoed messages (WebSocket), so
    /// `requests_per_sec` is events/s or messages/s and `compare` ranks by it unchanged, and
    /// `latency` is the SSE delivery latency (client receive − server `ts_us`) or the WebSocket
    /// echo round trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<Streaming>,
}

/// Requests and bytes per second over the measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Throughput {
    pub requests_per_sec: f64,
    pub bytes_per_sec: f64,
    pub total_requests: u64,
    pub successful_requests: u64,
    pub failed_requests: u64,
    /// successful / total, 0..=1 (0 when nothing completed).
    pub success_rate: f64,
}

/// Latency in milliseconds of successful requests, plus the censored samples counted in
/// [`LoadInfo`] (timeouts, requests in flight at the end, open-loop requests never sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Latency {
    pub mean_ms: f64,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub stddev_ms: f64,
}

/// Failed requests by kind (the load generator counts into this type directly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorCounts {
    /// Connections that could not be opened.
    pub connect: u64,
    /// Responses not complete within the per-request timeout.
    pub timeout: u64,
    /// I/O errors, malformed responses, and connections closed mid-response.
    pub read: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
    /// Body of the wrong length, or a different body when compared with the verified one.
    pub mismatch: u64,
}

/// One second of the measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimelinePoint {
    /// Seconds since the start of the measured window.
    pub t: u32,
    pub requests: u64,
    pub errors: u64,
    /// Of the successful and timed-out requests that completed in that second (requests still
    /// outstanding at the end of the window are only in the overall `latency`).
    pub p50_ms: Option<f64>,
    /// Of the same requests as `p50_ms`.
    pub p99_ms: Option<f64>,
}

/// CPU and memory of the server's whole process tree during the measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Resources {
    pub cpu: CpuStats,
    pub memory: MemoryStats,
    /// Number of 100 ms samples the figures come from.
    pub samples: u32,
}

/// CPU use in percent of one core (200 = two cores busy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CpuStats {
    pub avg_percent: f64,
    pub peak_percent: f64,
    pub p95_percent: f64,
}

/// Memory of the server's process tree in MiB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemoryStats {
    pub avg_mb: f64,
    pub peak_mb: f64,
    pub p95_mb: f64,
    /// `pss`: proportional set size summed over the tree (pages shared between a prefork
    /// server's workers counted once), read from `/proc/PID/smaps_rollup`; `rss`: resident
    /// set size summed (double-counts shared pages), used when PSS is unreadable. Absent in
    /// older files (RSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// How the load was generated, and whether the generator kept up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadInfo {
    /// Open loop: the requested rate; `null` in closed loop.
    pub target_rate: Option<f64>,
    pub achieved_rate: f64,
    /// CPU use of the generator's threads, percent of their cores.
    pub generator_cpu_percent: Option<f64>,
    /// True when the generator itself was near saturation (> 85 % CPU): the server may be faster than measured.
    pub generator_bound: bool,
    pub threads: u32,
    pub connections: u32,
    /// Open loop only: latency from the actual send time (not corrected for coordinated omission).
    pub latency_uncorrected: Option<Latency>,
    /// Timed-out requests, recorded in `latency` at the timeout (a censored sample: the true
    /// latency is at least that); also counted in `errors.timeout`. 0 in older files.
    #[serde(default)]
    pub censored_timeouts: u64,
    /// Requests still in flight when the measured window ended, recorded in `latency` at their
    /// age then (from the intended send time in open loop); not in the request counts.
    #[serde(default)]
    pub censored_in_flight: u64,
    /// Open loop only: requests due inside the window that the schedule never sent (it fell
    /// behind), recorded in `latency` at window end − intended send time (not in
    /// `latency_uncorrected`); not in the request counts.
    #[serde(default)]
    pub censored_unsent: u64,
    /// `http2` when the load went over HTTP/2 with prior knowledge (`--http2`); absent for
    /// HTTP/1.1 (and in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// HTTP/2 only: concurrent streams on each of the `connections` (`--streams`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams_per_connection: Option<u32>,
    /// Time to first byte, median and 99th percentile (ms): from the actual send time to the
    /// first byte of the response (HTTP/2: its HEADERS frame), successful responses, not
    /// corrected for coordinated omission. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb_p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb_p99_ms: Option<f64>,
    /// Response bytes that are not body, per complete response: the status line, headers and
    /// chunk framing in HTTP/1.1; HPACK-compressed HEADERS frames, the 9-byte frame headers and
    /// the connection's control frames in HTTP/2 (h2load's "headers" counts only the HEADERS
    /// payloads). Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_bytes_per_response: Option<f64>,
    /// Open loop only: the histogram of `latency_uncorrected` (µs; HDR V2 + DEFLATE, base64),
    /// so that shards merge it exactly. Absent in closed loop and older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_uncorrected_histogram: Option<String>,
}

/// Totals over every workload of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub total_workloads: u32,
    pub total_requests: u64,
    pub overall_success_rate: f64,
    pub avg_requests_per_sec: f64,
    pub total_duration_secs: f64,
}

impl RunResult {
    /// Every workload result of every suite.
    pub fn workloads(&self) -> impl Iterator<Item = &WorkloadResult> {
        self.suites.iter().flat_map(|s| s.workloads.iter())
    }

    /// Recompute `summary` from the workloads measured so far.
    pub fn summarize(&mut self, total_duration_secs: f64) {
        let measured: Vec<&Measurement> = self.workloads().filter_map(|w| w.results.as_ref()).collect();
        let total: u64 = measured.iter().map(|m| m.throughput.total_requests).sum();
        let ok: u64 = measured.iter().map(|m| m.throughput.successful_requests).sum();
        let rps: f64 = measured.iter().map(|m| m.throughput.requests_per_sec).sum();
        self.summary = Summary {
            total_workloads: self.workloads().count() as u32,
            total_requests: total,
            overall_success_rate: if total == 0 { 0.0 } else { ok as f64 / total as f64 },
            avg_requests_per_sec: if measured.is_empty() { 0.0 } else { rps / measured.len() as f64 },
            total_duration_secs,
        };
    }
}
