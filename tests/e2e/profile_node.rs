//! Profile end to end with the Node profiler on the bundled `node-http`: heap, event-loop
//! lag and GC from the measurement window, a flamegraph from the inspector's CPU profile.

use crate::helpers::profile_baseline;

#[test]
fn profile_node_http_measures_heap_lag_gc_and_draws_flamegraphs() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline("node-http", "node", dir.path());
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("node v"), "{p}");
        let n = &p["node"];
        let used = n["v8_heap_used_mb"].as_f64().unwrap();
        let total = n["v8_heap_total_mb"].as_f64().unwrap();
        assert!(used > 0.0 && total >= used, "{p}");
        let lag = &n["event_loop_lag_ms"];
        let (mean, p99, max) =
            (lag["mean"].as_f64().unwrap(), lag["p99"].as_f64().unwrap(), lag["max"].as_f64().unwrap());
        assert!(mean >= 0.0 && p99 >= 0.0 && max >= p99, "{p}");
        assert!(n["gc_count"].as_u64().is_some(), "{p}");
        assert!(n["gc_time_ms"].as_f64().unwrap() >= 0.0, "{p}");
        assert!(p["profiled_requests_per_sec"].as_f64().unwrap() > 0.0, "{p}");
        let folded = std::fs::read_to_string(p["profile"].as_str().unwrap()).unwrap();
        assert!(folded.lines().all(|l| l.starts_with("node;")), "{folded}");
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        let raw =
            p["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()?.strip_prefix("raw profile: "));
        for path in raw {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            assert!(v["nodes"].as_array().is_some_and(|n| !n.is_empty()), "{path}");
        }
    }
}
