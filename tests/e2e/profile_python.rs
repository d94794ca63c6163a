//! Profile end to end with the Python profiler (py-spy + the GC helper) on the bundled
//! FastAPI and spikard-python apps: GC counters, stack-derived figures in range, the FFI
//! split adding up, a well-formed flamegraph.

use crate::helpers::profile_baseline;

/// Every workload's Python figures: in range, or null with a note that names them.
fn check_python_figures(r: &serde_json::Value, flame_frame: &str) {
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("py-spy"), "{p}");
        let py = &p["python"];
        assert!(py["gc_collections"].as_u64().is_some(), "{p}");
        assert!(py["gc_time_ms"].as_f64().unwrap() >= 0.0, "{p}");
        if let Some(v) = py["gil_contention_percent"].as_f64() {
            assert!((0.0..=100.0).contains(&v), "gil_contention_percent {p}");
        }
        let split = ["ffi_gil_wait_ms", "ffi_conversion_ms", "ffi_call_ms"];
        let keys = ["gil_wait_time_ms", "handler_time_ms", "serialization_time_ms", "ffi_overhead_ms"];
        for key in keys.iter().chain(&split) {
            // Present, as a number or as null.
            assert!(py.get(*key).is_some(), "{key} missing {p}");
            if let Some(v) = py[key].as_f64() {
                assert!(v >= 0.0, "{key} {p}");
            } else {
                // A missing figure always says why.
                assert!(
                    p["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains(key)),
                    "{key} {p}"
                );
            }
        }
        if let Some(total) = py["ffi_overhead_ms"].as_f64() {
            let parts: Vec<f64> = split.iter().map(|k| py[k].as_f64().unwrap()).collect();
            assert!(parts.iter().all(|v| *v <= total + 1e-9), "{p}");
            assert!((parts.iter().sum::<f64>() - total).abs() < 1e-9, "the split adds up: {p}");
        }
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(flame_frame), "the flamegraph shows Python frames");
    }
}

#[test]
fn profile_fastapi_with_py_spy_measures_gc_and_draws_flamegraphs() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline("fastapi", "python", dir.path());
    check_python_figures(&r, "uvicorn");
}

#[test]
fn profile_spikard_python_splits_ffi_time() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline("spikard-python", "python", dir.path());
    check_python_figures(&r, "spikard");
}
