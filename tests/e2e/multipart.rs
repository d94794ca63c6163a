//! The `multipart` suite against the test double: an app that counts the files it received
//! passes verification; one that answers the contract's constants is caught by the variant.

use crate::helpers::{read_json, run_mock_suite, workload, Tag};

#[test]
fn an_app_that_counts_the_files_is_verified_and_measured() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-ok", "multipart", &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 0, "{err}");
    let r = read_json(&out);
    for name in ["multipart-small", "multipart-medium", "multipart-large"] {
        let w = workload(&r, name);
        assert_eq!(w["status"], "ok", "{name}: {w}");
        assert_eq!(w["verified"], true, "{name}");
        assert!(w["results"]["throughput"]["successful_requests"].as_u64().unwrap() > 0, "{name}");
    }
}

#[test]
fn a_hard_coded_answer_is_caught_by_the_variant() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-wrong", "multipart", &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    let r = read_json(&out);
    // The main request gets the right numbers; only the variant shows they are constants.
    let small = workload(&r, "multipart-small");
    assert_eq!(small["status"], "invalid", "{small}");
    let reason = small["reason"].as_str().unwrap();
    assert!(reason.starts_with("variant with 2 files, 812 bytes: "), "{reason}");
    assert!(reason.contains("$.files_received: expected 2, got 1"), "{reason}");
    assert!(small["results"].is_null());
    for name in ["multipart-medium", "multipart-large"] {
        assert_eq!(workload(&r, name)["status"], "invalid", "{name}");
    }
}
