//! Profile end to end with the Python profiler (py-spy + the GC helper) on the bundled
//! FastAPI app: GC counters, stack-derived figures in range, a well-formed flamegraph.

use crate::helpers::profile_baseline;

#[test]
fn profile_fastapi_with_py_spy_measures_gc_and_draws_flamegraphs() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline("fastapi", "python", dir.path());
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("py-spy"), "{p}");
        let py = &p["python"];
        assert!(py["gc_collections"].as_u64().is_some(), "{p}");
        assert!(py["gc_time_ms"].as_f64().unwrap() >= 0.0, "{p}");
        for key in ["gil_contention_percent"] {
            if let Some(v) = py[key].as_f64() {
                assert!((0.0..=100.0).contains(&v), "{key} {p}");
            }
        }
        for key in ["gil_wait_time_ms", "handler_time_ms", "serialization_time_ms", "ffi_overhead_ms"] {
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
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("uvicorn"), "the flamegraph shows Python frames");
    }
}
