//! `check` end to end on saved result files: exit codes, markdown and JSON outputs.

use crate::helpers::{repo, text, Tag};

#[test]
fn check_passes_identical_results_and_fails_a_20_percent_drop() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let base = repo().join("tests/fixtures/run.json");
    let mut r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let w =
        r["suites"][0]["workloads"].as_array_mut().unwrap().iter_mut().find(|w| w["status"] == "ok").unwrap();
    let name = w["name"].as_str().unwrap().to_string();
    let rps = w["results"]["throughput"]["requests_per_sec"].as_f64().unwrap();
    w["results"]["throughput"]["requests_per_sec"] = serde_json::json!(rps * 0.8);
    let cur = dir.path().join("cur.json");
    std::fs::write(&cur, serde_json::to_string(&r).unwrap()).unwrap();

    let same = tag
        .command()
        .args(["check", "--fail-on-regression", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&base)
        .output()
        .unwrap();
    let (out, err) = text(&same);
    assert_eq!(same.status.code(), Some(0), "{out}{err}");
    assert!(out.starts_with("## ✅ No performance regression"), "{out}");

    let (md, json) = (dir.path().join("c.md"), dir.path().join("c.json"));
    let worse = tag
        .command()
        .args(["check", "--fail-on-regression", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&cur)
        .arg("--report")
        .arg(&md)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let (out, err) = text(&worse);
    assert_eq!(worse.status.code(), Some(1), "{out}{err}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.starts_with("## ❌ Performance regression in 1 workload"), "{md}");
    assert!(md.contains(&format!("| ❌ | {name} |")), "{md}");
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["mode"], "check");
    assert_eq!(j["verdict"], "regression");
    // Without --fail-on-regression the same finding exits 0.
    let report_only =
        tag.command().args(["check", "--baseline"]).arg(&base).arg("--current").arg(&cur).output().unwrap();
    assert_eq!(report_only.status.code(), Some(0));
    tag.assert_no_leftovers();
}
