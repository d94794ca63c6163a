//! Profile end to end with the Ruby profiler on rack-puma: GC/heap counters from the boot
//! file, stackprof (cpu mode) flamegraphs, and no process left behind.

use crate::helpers::profile_baseline;

#[test]
fn profile_rack_puma_with_stackprof_measures_gc_and_draws_flamegraphs() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_baseline("rack-puma", "ruby", dir.path());
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("stackprof"), "{p}");
        assert!(p["profiled_requests_per_sec"].as_f64().unwrap() > 0.0, "{p}");
        let ruby = &p["ruby"];
        // Under load for a second Ruby allocates; GC count and time may still be 0.
        assert!(ruby["gc_count"].as_u64().is_some(), "{p}");
        assert!(ruby["gc_time_ms"].as_f64().unwrap() >= 0.0, "{p}");
        assert!(ruby["heap_allocated_pages"].as_u64().unwrap() > 0, "{p}");
        assert!(ruby["heap_live_slots"].as_u64().unwrap() > 0, "{p}");
        let folded = std::fs::read_to_string(p["profile"].as_str().unwrap()).unwrap();
        assert!(folded.contains("BenchmarkApp#call"), "{folded}");
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        let notes = p["notes"].as_array().unwrap();
        assert!(notes.iter().any(|n| n.as_str().unwrap().contains(".stackprof")), "{p}");
    }
}
