//! Profile end to end with the Python profiler (py-spy + the GC helper) on the bundled
//! FastAPI and spikard-python apps: every GC, GIL, stack and FFI figure measured (a number in
//! its plausible range, never null: on these apps under load all of them are measurable),
//! the FFI split adding up, a well-formed flamegraph.

use crate::helpers::profile_baseline_with;

/// 4 s: the `--gil` and `--native` windows then last 2 s each, so that a loaded 2-core
/// machine still leaves them enough ticks with the server running Python.
const PROFILE_SECS: &str = "4";

/// A figure that must have been measured: a finite number.
fn measured(py: &serde_json::Value, key: &str, p: &serde_json::Value) -> f64 {
    let v = py[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number (a profiler that measured nothing?): {p:#}"));
    assert!(v.is_finite(), "{key} {p:#}");
    v
}

/// Every workload's Python figures, each measured and in its plausible range.
fn check_python_figures(r: &serde_json::Value, flame_frame: &str) {
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("py-spy"), "{p}");
        assert!(p["profiled_requests_per_sec"].as_f64().unwrap() > 0.0, "{p}");
        let py = &p["python"];
        // No Python figure is null on these apps: a note saying one is means the profiler broke.
        let nulls: Vec<&str> = p["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n.as_str())
            .filter(|n| n.contains("is null") || n.contains("are null") || n.starts_with("py-spy"))
            .collect();
        assert!(nulls.is_empty(), "{nulls:#?}");
        // GC counters of the measurement window.
        assert!(py["gc_collections"].as_u64().is_some(), "{p}");
        assert!(measured(py, "gc_time_ms", p) >= 0.0, "{p}");
        // The whole window's samples: the server ran Python for every request.
        let cpu = measured(py, "sampled_cpu_ms", p);
        assert!(cpu > 0.0, "sampled_cpu_ms {p:#}");
        // Shares of that CPU time: the handler's own frames (one-line handlers here, so often
        // no sample at 100 Hz: zero is plausible) and the serializers (never all of it: the
        // event loop and the protocol parser run for every request too).
        let handler = measured(py, "handler_time_ms", p) / cpu;
        assert!((0.0..=1.0).contains(&handler), "handler share {handler} {p:#}");
        let ser = measured(py, "serialization_time_ms", p) / cpu;
        assert!((0.0..1.0).contains(&ser), "serialization share {ser} {p:#}");
        // The GIL: held at some of the --gil window's ticks (one server process, so at most
        // all of them), contention a percentage, waits a duration.
        let held = measured(py, "gil_held_percent", p);
        assert!(held > 0.0 && held <= 100.0, "gil_held_percent {held} {p:#}");
        let contention = measured(py, "gil_contention_percent", p);
        assert!((0.0..=100.0).contains(&contention), "gil_contention_percent {p:#}");
        assert!(measured(py, "gil_wait_time_ms", p) >= 0.0, "{p:#}");
        // FFI: per request, the three parts adding up to the total.
        let total = measured(py, "ffi_overhead_ms", p);
        assert!(total >= 0.0, "{p:#}");
        let split = ["ffi_gil_wait_ms", "ffi_conversion_ms", "ffi_call_ms"];
        let parts: Vec<f64> = split.iter().map(|k| measured(py, k, p)).collect();
        assert!(parts.iter().all(|v| *v >= 0.0 && *v <= total + 1e-9), "{p:#}");
        assert!((parts.iter().sum::<f64>() - total).abs() < 1e-9, "the split adds up: {p:#}");
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(flame_frame), "the flamegraph shows Python frames");
    }
}

#[test]
fn profile_fastapi_with_py_spy_measures_gc_and_draws_flamegraphs() {
    let dir = tempfile::tempdir().unwrap();
    let r =
        profile_baseline_with("fastapi", "python", &["--profile-duration", PROFILE_SECS], &[], dir.path());
    check_python_figures(&r, "uvicorn");
}

#[test]
fn profile_spikard_python_splits_ffi_time() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline_with(
        "spikard-python",
        "python",
        &["--profile-duration", PROFILE_SECS],
        &[],
        dir.path(),
    );
    check_python_figures(&r, "spikard");
}
