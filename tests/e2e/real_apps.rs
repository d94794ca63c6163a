//! The real binary against the bundled apps.

use crate::helpers::{read_json, text, Tag};

#[test]
fn axum_baseline_verifies_and_measures_all_15_workloads() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let output = tag
        .command()
        .args(["run", "--framework", "axum-baseline", "--suite", "all", "--duration", "1", "--warmup", "0"])
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (stdout, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let r = read_json(&out);
    assert_eq!(r["mode"], "run");
    assert_eq!(r["complete"], true);
    assert_eq!(r["metadata"]["framework"], "axum-baseline");
    assert!(r["metadata"]["version"].as_str().is_some_and(|v| !v.is_empty()));
    let workloads = r["suites"][0]["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), 15);
    for w in workloads {
        assert_eq!(w["status"], "ok", "{w}");
        assert_eq!(w["verified"], true);
        let m = &w["results"];
        assert_eq!(m["throughput"]["success_rate"], 1.0, "{w}");
        assert!(m["throughput"]["requests_per_sec"].as_f64().unwrap() > 0.0);
        assert!(m["latency"]["p99_ms"].as_f64().unwrap() >= m["latency"]["median_ms"].as_f64().unwrap());
        assert!(m["resources"]["memory"]["peak_mb"].as_f64().unwrap() > 0.0, "{w}");
        assert!(!m["timeline"].as_array().unwrap().is_empty());
    }
    assert!(stdout.contains("json-very-large"), "the table lists the workloads: {stdout}");
}

#[test]
fn apps_verify_passes_for_every_bundled_app() {
    let tag = Tag::new();
    let output = tag.command().args(["apps", "verify", "--quiet"]).output().unwrap();
    tag.assert_no_leftovers();
    let (stdout, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{err}");
    let expected = [
        "axum-baseline",
        "actix-web",
        "spikard-rust",
        "spikard-python",
        "fastapi",
        "litestar",
        "robyn",
        "fastify",
        "express",
        "hono",
        "node-http",
        "rack-puma",
        "sinatra-puma",
    ];
    for app in expected {
        let row = stdout.lines().find(|l| l.split_whitespace().next() == Some(app));
        let row = row.unwrap_or_else(|| panic!("{app} missing from:\n{stdout}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(&cells[1..], &["17", "0", "0"], "{row}");
    }
}
