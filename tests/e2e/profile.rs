//! Profile end to end: the measurement and profiling windows, perf on the Rust baseline,
//! baseline ratios, and the error for an unknown profiler.

use crate::helpers::{read_json, text, Tag};

#[test]
fn profile_axum_with_perf_draws_flamegraphs_and_compares_with_a_baseline() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let (base, out, flames) =
        (dir.path().join("base.json"), dir.path().join("p.json"), dir.path().join("flames"));
    let output = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite", "baseline"])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let output = tag
        .command()
        .args(["profile", "--framework", "axum-baseline", "--suite", "baseline", "--profiler", "perf"])
        .args(["--duration", "1", "--warmup", "0", "--profile-duration", "2", "--flamegraph-dir"])
        .arg(&flames)
        .arg("--baseline")
        .arg(&base)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let r = read_json(&out);
    assert_eq!(r["mode"], "profile");
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert_eq!(w["status"], "ok", "{w}");
        let p = &w["results"]["profiling"];
        assert!(p["profiler"].as_str().unwrap().starts_with("perf"), "{p}");
        assert!(p["profiled_requests_per_sec"].as_f64().unwrap() > 0.0, "{p}");
        assert!(p["rust"]["samples"].as_u64().unwrap() > 0, "{p}");
        // The [profile] build's counting allocator: heap figures of the measurement window.
        assert!(p["rust"]["heap_allocations"].as_u64().unwrap() > 0, "{p}");
        assert!(p["rust"]["heap_peak_mb"].as_f64().unwrap() > 0.0, "{p}");
        assert!(p["rust"]["allocations_per_request"].as_f64().unwrap() > 0.0, "{p}");
        let svg = std::fs::read_to_string(p["flamegraph"].as_str().unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    }
    let notes = r["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains("[profile] build")), "{notes:?}");
    let c = &r["comparison"];
    assert_eq!(c["baseline"]["framework"], "mock-ok");
    assert_eq!(c["workloads"].as_array().unwrap().len(), 2);
    assert!(c["overall_ratio"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_unknown_profiler_is_a_usage_error_listing_the_valid_ones() {
    let tag = Tag::new();
    let output = tag
        .command()
        .args(["profile", "--apps", "tests/apps", "--framework", "mock-ok", "--profiler", "jvm"])
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("'jvm'") && err.contains("python") && err.contains("perf"), "{err}");
}

#[test]
fn profile_without_a_sampler_measures_cleanly() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.json");
    let output = tag
        .command()
        .args([
            "profile",
            "--apps",
            "tests/apps",
            "--framework",
            "mock-ok",
            "--suite",
            "baseline",
            "--profiler",
            "none",
        ])
        .args([
            "--duration",
            "1",
            "--warmup",
            "0",
            "--profile-duration",
            "1",
            "--concurrency",
            "2",
            "--output",
        ])
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let r = read_json(&out);
    let w = &r["suites"][0]["workloads"][0];
    assert_eq!(w["results"]["profiling"]["profiler"], "none");
    assert!(w["results"]["throughput"]["requests_per_sec"].as_f64().unwrap() > 0.0);
}
