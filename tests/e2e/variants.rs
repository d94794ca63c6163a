//! `[[workloads.variants]]` against the test double: an app that reads the path passes and is
//! measured on both requests; one that answers a constant is caught by the variant.

use crate::helpers::{read_json, run_mock_suite, workload, Tag};

const SUITE: &str = "tests/fixtures/variants/path-int.toml";

#[test]
fn an_app_that_reads_the_path_is_verified_and_measured_on_every_variant() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-ok", SUITE, &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 0, "{err}");
    let r = read_json(&out);
    let w = workload(&r, "path-int");
    assert_eq!(w["status"], "ok", "{w}");
    assert_eq!(w["verified"], true);
    // Both requests were sent and each was checked against its own answer (every 64th body is
    // compared): a mix-up would show as mismatches.
    let t = &w["results"]["throughput"];
    assert!(t["successful_requests"].as_u64().unwrap() > 0, "{w}");
    assert_eq!(t["success_rate"], 1.0, "{w}");
    assert_eq!(w["results"]["errors"]["mismatch"], 0, "{w}");
}

#[test]
fn a_hard_coded_answer_is_caught_by_the_path_variant() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-wrong", SUITE, &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    let r = read_json(&out);
    let w = workload(&r, "path-int");
    assert_eq!(w["status"], "invalid", "{w}");
    let reason = w["reason"].as_str().unwrap();
    assert!(reason.starts_with("variant 1 (/path/int/7): "), "{reason}");
    assert!(reason.contains("expected 7, got 42"), "{reason}");
    assert!(w["results"].is_null());
}
