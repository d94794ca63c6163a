//! Profiling figures of a workload (profile mode) and the comparison with a baseline result.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the profiler measured on one workload. A figure that could not be measured is
/// `null`, with the reason in `notes`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Profiling {
    /// The profiler that ran: `py-spy 0.4.1`, `node --cpu-prof`, `stackprof`, `perf`, or `none`.
    pub profiler: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PythonMetrics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeMetrics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruby: Option<RubyMetrics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust: Option<RustMetrics>,
    /// Path of the flamegraph SVG of the profiling window.
    pub flamegraph: Option<String>,
    /// Path of the raw profile (folded stacks; the native format beside it).
    pub profile: Option<String>,
    /// Throughput while the sampler was attached (never mixed with the clean figures).
    pub profiled_requests_per_sec: Option<f64>,
    /// Length of the profiling window.
    pub profile_duration_secs: f64,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// CPython: GIL, GC and where the time goes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct PythonMetrics {
    pub gil_wait_time_ms: Option<f64>,
    pub gil_contention_percent: Option<f64>,
    /// Upper bound: native sampling itself slows the server. Per request; the sum of the
    /// three `ffi_*_ms` figures below.
    pub ffi_overhead_ms: Option<f64>,
    /// Of `ffi_overhead_ms`: threads in an extension waiting for the GIL.
    pub ffi_gil_wait_ms: Option<f64>,
    /// Of `ffi_overhead_ms`: converting Python objects (CPython's object API under an
    /// extension frame, or a native thread's work while it holds a Python thread state).
    pub ffi_conversion_ms: Option<f64>,
    /// Of `ffi_overhead_ms`: the extension's own code called from Python.
    pub ffi_call_ms: Option<f64>,
    pub handler_time_ms: Option<f64>,
    pub serialization_time_ms: Option<f64>,
    pub gc_collections: Option<u64>,
    pub gc_time_ms: Option<f64>,
    /// All py-spy samples of the profiling window per request, ms: the Python threads' CPU
    /// time per request as sampled, of which `handler_time_ms` and `serialization_time_ms`
    /// are parts.
    #[serde(default)]
    pub sampled_cpu_ms: Option<f64>,
    /// Share of the `--gil` window's ticks at which a thread held the GIL, percent (summed
    /// over the server's processes when there are several).
    #[serde(default)]
    pub gil_held_percent: Option<f64>,
}

/// Node.js: V8 heap, event loop, GC.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct NodeMetrics {
    pub v8_heap_used_mb: Option<f64>,
    pub v8_heap_total_mb: Option<f64>,
    pub event_loop_lag_ms: Option<LagStats>,
    pub gc_count: Option<u64>,
    pub gc_time_ms: Option<f64>,
}

/// Event-loop delay.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct LagStats {
    pub mean: f64,
    pub p99: f64,
    pub max: f64,
}

/// Ruby: GC and heap.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct RubyMetrics {
    pub gc_count: Option<u64>,
    pub gc_time_ms: Option<f64>,
    pub heap_allocated_pages: Option<u64>,
    pub heap_live_slots: Option<u64>,
}

/// Rust (and other native servers under perf): samples and heap.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct RustMetrics {
    /// perf samples of the profiling window.
    pub samples: Option<u64>,
    /// Allocation calls (alloc, alloc_zeroed, realloc) in the measurement window, from the
    /// counting allocator of the app's `[profile]` build.
    pub heap_allocations: Option<u64>,
    /// Peak of live heap bytes in the measurement window, MiB.
    pub heap_peak_mb: Option<f64>,
    /// Bytes allocated in the measurement window, MiB.
    #[serde(default)]
    pub heap_allocated_mb: Option<f64>,
    /// `heap_allocations` per request of the measurement window.
    #[serde(default)]
    pub allocations_per_request: Option<f64>,
    /// `--heaptrack`: a separate pass under heaptrack for allocation call sites (its
    /// throughput is never used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heaptrack: Option<HeaptrackFigures>,
}

/// What `heaptrack_print` reports of the `--heaptrack` pass of one workload.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct HeaptrackFigures {
    /// The heaptrack data file (open it with `heaptrack --analyze FILE`).
    pub file: String,
    /// Peak heap memory consumption over the whole pass (start-up included), MiB.
    pub peak_mb: Option<f64>,
    /// Calls to allocation functions over the whole pass.
    pub allocations: Option<u64>,
    /// Allocations freed right after they were made (heaptrack's "temporary").
    pub temporary_allocations: Option<u64>,
    /// Memory not freed when the server stopped, MiB.
    pub leaked_mb: Option<f64>,
    /// Seconds heaptrack recorded.
    pub runtime_secs: Option<f64>,
    /// The call sites with the most allocation calls.
    pub top_sites: Vec<HeaptrackSite>,
    /// The call sites holding the most memory at the peak.
    pub peak_sites: Vec<HeaptrackSite>,
}

/// One allocation call site: the first frame outside the allocator's own functions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct HeaptrackSite {
    pub function: String,
    /// `file:line`, when the binary has line info.
    pub location: Option<String>,
    /// The binary or library.
    pub module: Option<String>,
    pub calls: u64,
    /// Memory this site held at the peak, MiB.
    pub peak_mb: f64,
    /// The callers above the site, innermost first (a few frames).
    #[serde(default)]
    pub callers: Vec<String>,
}

/// `--baseline`: this result against another run/profile result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineComparison {
    pub baseline: BaselineRef,
    pub workloads: Vec<WorkloadRatio>,
    /// Workloads measured here but not in the baseline, and the other way round.
    #[serde(default)]
    pub only_in_current: Vec<String>,
    #[serde(default)]
    pub only_in_baseline: Vec<String>,
    /// Geometric mean of the throughput ratios (current ÷ baseline).
    pub overall_ratio: Option<f64>,
    /// Plain-language lines: largest gaps, categories where the binding costs most.
    pub analysis: Vec<String>,
}

/// Which result the comparison is against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineRef {
    pub framework: Option<String>,
    pub file: String,
}

/// One workload against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadRatio {
    pub name: String,
    pub category: String,
    /// Throughput ratio, current ÷ baseline (below 1: slower than the baseline).
    pub ratio: f64,
    /// p99 latency ratio, current ÷ baseline (above 1: slower answers).
    pub p99_ratio: Option<f64>,
    /// `upper` when the baseline's load generator was saturated (the baseline is faster than
    /// measured, so the true ratio is at most `ratio`), `lower` when this result's was (at
    /// least `ratio`), `unknown` when both were; absent when neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// True when `ratio` is within the single-window noise band (± 10 %): one window per side
    /// cannot tell such a difference from run-to-run noise.
    #[serde(default)]
    pub within_noise: bool,
}
