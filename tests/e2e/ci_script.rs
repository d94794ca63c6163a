//! `scripts/ci-benchmark.sh` end to end, as the workflow runs it: `pr` with no baseline, `main`
//! writing the baseline, `pr` checked against it, and a second `main` moving the old baseline
//! to history. Output goes to a temporary RESULTS_DIR; the committed `results/` is untouched.

use std::path::Path;
use std::process::Command;

use crate::helpers::{bin_path, repo, text, Tag};

fn ci(tag: &Tag, mode: &str, results: &Path) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg(repo().join("scripts/ci-benchmark.sh"))
        .arg(mode)
        .current_dir(repo())
        .env("BH_TEST_TAG", &tag.0)
        .env("BH", bin_path())
        .env("RESULTS_DIR", results)
        .env("FRAMEWORKS", "axum-baseline")
        .env("SUITES", "baseline")
        .env("DURATION", "1")
        .env("ROUNDS", "2")
        .env("WARMUP", "0")
        .env("CONCURRENCY", "8")
        .env("PROFILER", "auto")
        .env("BLOCKING", "true")
        .env_remove("BASELINE_DIR")
        .output()
        .unwrap();
    let (o, e) = text(&out);
    (out.status.code().unwrap_or(-1), o, e)
}

fn commit_of(path: &Path) -> String {
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    r["metadata"]["git_commit"].as_str().unwrap_or_default().to_string()
}

#[test]
fn the_ci_script_checks_prs_and_keeps_baselines_by_commit() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let comment = results.join("current/pr-comment.md");
    let baseline = results.join("baseline/axum-baseline/baseline.json");

    // A PR before any baseline: measured, noted, not a failure.
    let (rc, out, err) = ci(&tag, "pr", &results);
    assert_eq!(rc, 0, "{out}{err}");
    assert!(results.join("current/axum-baseline/baseline.json").is_file());
    let md = std::fs::read_to_string(&comment).unwrap();
    assert!(md.starts_with("<!-- benchmark-harness -->\n## "), "{md}");
    assert!(md.contains("No baseline at"), "{md}");
    // The sampler (perf, picked by `auto`) ran in round 1 only: its flamegraphs are kept.
    let round = |n: &str| -> serde_json::Value {
        let p = results.join(format!("current/axum-baseline/baseline{n}.json"));
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let profiler =
        |r: &serde_json::Value| r["suites"][0]["workloads"][0]["results"]["profiling"]["profiler"].clone();
    assert!(
        profiler(&round("")).as_str().unwrap_or_default().starts_with("perf"),
        "{}",
        profiler(&round(""))
    );
    assert_eq!(profiler(&round(".round2")), "none");
    let svgs = std::fs::read_dir(results.join("current/axum-baseline/baseline-flamegraphs"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert!(svgs > 0, "no flamegraph from round 1");

    // main: the measurement becomes the baseline, with the commit it was measured at.
    let (rc, out, err) = ci(&tag, "main", &results);
    assert_eq!(rc, 0, "{out}{err}");
    let commit = commit_of(&baseline);
    assert_eq!(commit.len(), 40, "git_commit in {}", baseline.display());
    assert!(results.join("baseline/axum-baseline/baseline.round2.json").is_file(), "both rounds kept");

    // A PR against it: one verdict line (✅, or ⚠️/❌ if this machine was noisy), then the report.
    let (rc, out, err) = ci(&tag, "pr", &results);
    let md = std::fs::read_to_string(&comment).unwrap();
    let verdict = md.lines().nth(1).unwrap_or_default();
    assert!(
        ["## ✅ Benchmark:", "## ⚠️ Benchmark:", "## ❌ Benchmark:"].iter().any(|v| verdict.starts_with(v)),
        "{md}"
    );
    assert!(md.contains("### `axum-baseline` · suite `baseline`") && md.contains("| plaintext |"), "{md}");
    // BLOCKING=true: exit 1 exactly when the verdict is a regression.
    assert_eq!(rc, if verdict.starts_with("## ❌") { 1 } else { 0 }, "{md}{out}{err}");
    // Two rounds on each side: the significance gate applied (a p-value per workload).
    let check: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.join("current/axum-baseline/baseline.check.json")).unwrap(),
    )
    .unwrap();
    for w in check["workloads"].as_array().unwrap() {
        assert!(w["p_value"].is_number() && w["significant"].is_boolean(), "{w}");
    }

    // main again: the old baseline moves to history under its commit.
    let first = std::fs::read_to_string(&baseline).unwrap();
    let (rc, out, err) = ci(&tag, "main", &results);
    assert_eq!(rc, 0, "{out}{err}");
    let moved = results.join(format!("history/{commit}/axum-baseline/baseline.json"));
    assert_eq!(std::fs::read_to_string(&moved).unwrap(), first, "{}", moved.display());
    assert!(moved.with_file_name("baseline.round2.json").is_file(), "round 2 moved to history too");
    assert_ne!(std::fs::read_to_string(&baseline).unwrap(), first);
    assert_eq!(commit_of(&baseline).len(), 40);
    tag.assert_no_leftovers();
}

#[test]
fn the_ci_script_rejects_an_unknown_mode() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let (rc, _, err) = ci(&tag, "nightly", dir.path());
    assert_eq!(rc, 2, "{err}");
    assert!(err.contains("usage:"), "{err}");
}
