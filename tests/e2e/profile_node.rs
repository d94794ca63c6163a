//! Profile end to end with the Node profiler on the bundled `node-http`: heap, event-loop
//! lag and GC from the measurement window, a flamegraph from the inspector's CPU profile, and
//! from V8's tick profiler (`--node-sampler prof`, or when the inspector cannot run).

use crate::helpers::profile_baseline;

#[test]
fn profile_node_http_measures_heap_lag_gc_and_draws_flamegraphs() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline("node-http", "node", dir.path());
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("node v"), "{p}");
        assert!(!p["notes"].to_string().contains("tick profiler"), "no fallback expected: {p}");
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

/// The folded stacks and the flamegraph of every workload, checked; the raw `--prof` logs
/// and their preprocessed JSON exist.
fn assert_prof_samples(r: &serde_json::Value) {
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().contains("--prof"), "{p}");
        let notes: Vec<&str> = p["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
        assert!(notes.iter().any(|n| n.contains("instead of the inspector's CPU profiler")), "{p}");
        assert!(notes.iter().any(|n| n.contains("unaccounted")), "{p}");
        let folded = std::fs::read_to_string(p["profile"].as_str().unwrap()).unwrap();
        assert!(!folded.trim().is_empty());
        for line in folded.lines() {
            let (stack, count) = line.rsplit_once(' ').unwrap();
            assert!(stack.starts_with("node") && count.parse::<u64>().unwrap() > 0, "{line}");
        }
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        let raw: Vec<&str> = notes.iter().filter_map(|n| n.strip_prefix("raw profile: ")).collect();
        assert!(!raw.is_empty() && raw.iter().all(|l| l.ends_with(".v8.log")), "{p}");
        for log in raw {
            assert!(std::fs::read_to_string(log).unwrap().contains("\ntick,"), "{log}");
            let json = log.replace(".v8.log", ".v8.json");
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
            assert!(v["ticks"].as_array().is_some_and(|t| !t.is_empty()), "{json}");
        }
    }
}

#[test]
fn profile_node_http_with_the_prof_sampler_folds_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let r = crate::helpers::profile_baseline_with(
        "node-http",
        "node",
        &["--node-sampler", "prof"],
        &[],
        dir.path(),
    );
    assert_prof_samples(&r);
}

#[test]
fn without_the_inspector_prof_is_the_fallback() {
    // Node 20's permission model shuts the inspector; the files and processes stay allowed.
    let options = "--experimental-permission --allow-fs-read=* --allow-fs-write=* --allow-child-process";
    let dir = tempfile::tempdir().unwrap();
    let r = crate::helpers::profile_baseline_with(
        "node-http",
        "node",
        &[],
        &[("NODE_OPTIONS", options)],
        dir.path(),
    );
    assert_prof_samples(&r);
    let notes = r["suites"][0]["workloads"][0]["results"]["profiling"]["notes"].to_string();
    assert!(notes.contains("cannot run in this node"), "{notes}");
}
