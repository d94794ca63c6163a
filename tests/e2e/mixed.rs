//! A mixed suite (`mode = "mixed"`) against the test double: the workloads share one load,
//! interleaved by weight, and are reported each on its own and in total; a workload that fails
//! verification is left out of the mix and the rest is still measured.

use crate::helpers::{read_json, run_mock_suite, workload, Tag};

const SUITE: &str = "tests/fixtures/mixed/mix.toml";

fn requests(w: &serde_json::Value) -> u64 {
    w["results"]["throughput"]["total_requests"].as_u64().unwrap_or_else(|| panic!("no requests in {w}"))
}

#[test]
fn the_workloads_share_one_load_by_weight_and_add_up_to_the_total() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-ok", SUITE, &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 0, "{err}");
    let r = read_json(&out);
    let names = ["plaintext", "echo", "path-int"];
    for name in names {
        let w = workload(&r, name);
        assert_eq!(w["status"], "ok", "{w}");
        assert_eq!(w["results"]["throughput"]["success_rate"], 1.0, "{w}");
    }
    let mixed = &r["suites"][0]["mixed"];
    let total = requests(mixed);
    let parts: Vec<u64> = names.iter().map(|n| requests(workload(&r, n))).collect();
    assert_eq!(parts.iter().sum::<u64>(), total, "{mixed}");
    // Weights 3:1:2 (a cycle of 6 per stream, 2 streams): each share within a cycle per stream.
    for ((name, n), weight) in names.iter().zip(&parts).zip([3.0, 1.0, 2.0]) {
        let expected = total as f64 * weight / 6.0;
        assert!((*n as f64 - expected).abs() <= 12.0, "{name}: {n} of {total}, expected {expected}");
    }
    let shares: Vec<(&str, u64)> = mixed["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["weight"].as_u64().unwrap()))
        .collect();
    assert_eq!(shares, [("plaintext", 3), ("echo", 1), ("path-int", 2)]);
    assert!(mixed["results"]["resources"].is_object(), "{mixed}");
}

#[test]
fn a_workload_that_fails_verification_is_left_out_and_the_rest_is_measured() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-wrong", SUITE, &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    let r = read_json(&out);
    let bad = workload(&r, "path-int");
    assert_eq!(bad["status"], "invalid", "{bad}");
    assert!(bad["reason"].as_str().unwrap().contains("expected 7, got 42"), "{bad}");
    let mixed = &r["suites"][0]["mixed"];
    let parts = requests(workload(&r, "plaintext")) + requests(workload(&r, "echo"));
    assert_eq!(parts, requests(mixed), "{mixed}");
    assert_eq!(mixed["workloads"].as_array().unwrap().len(), 2, "{mixed}");
    let notes = mixed["results"]["notes"].to_string();
    assert!(notes.contains("path-int left out of the mix"), "{notes}");
}

#[test]
fn an_unknown_mode_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(SUITE).unwrap().replace("mode = \"mixed\"", "mode = \"shuffled\"");
    std::fs::write(&suite, text).unwrap();
    let tag = Tag::new();
    let (code, err) = run_mock_suite(&tag, "mock-ok", suite.to_str().unwrap(), &dir.path().join("r.json"));
    tag.assert_no_leftovers();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mode 'shuffled' is not known") && err.contains("\"mixed\""), "{err}");
}
