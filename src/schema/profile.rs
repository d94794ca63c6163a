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

/// Rust: samples and heap.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct RustMetrics {
    pub samples: Option<u64>,
    pub heap_allocations: Option<u64>,
    pub heap_peak_mb: Option<f64>,
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
}
