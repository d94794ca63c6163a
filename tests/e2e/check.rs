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

/// The fixture run with edits, written into `dir` as `name`.
fn edited(dir: &std::path::Path, name: &str, edit: impl Fn(&mut serde_json::Value)) -> std::path::PathBuf {
    let base = repo().join("tests/fixtures/run.json");
    let mut r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(base).unwrap()).unwrap();
    edit(&mut r);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    path
}

/// Rounds of one side: small-json's throughput scaled by each factor, one file per round.
fn rounds(dir: &std::path::Path, prefix: &str, factors: &[f64]) -> String {
    let files: Vec<String> = factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let path = edited(dir, &format!("{prefix}{}.json", i + 1), |r| {
                let w = &mut r["suites"][0]["workloads"][0];
                assert_eq!(w["name"], "small-json");
                let rps = w["results"]["throughput"]["requests_per_sec"].as_f64().unwrap();
                w["results"]["throughput"]["requests_per_sec"] = serde_json::json!(rps * f);
            });
            path.display().to_string()
        })
        .collect();
    files.join(",")
}

#[test]
fn check_refuses_a_different_host_or_concurrency_unless_allowed() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let base = repo().join("tests/fixtures/run.json");
    let cur = edited(dir.path(), "cur.json", |r| {
        r["configuration"]["concurrency"] = serde_json::json!(100);
        r["metadata"]["host"]["cpu_model"] = serde_json::json!("Intel(R) Xeon(R) Platinum 8370C");
    });
    let refused =
        tag.command().args(["check", "--baseline"]).arg(&base).arg("--current").arg(&cur).output().unwrap();
    let (out, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{out}{err}");
    assert!(out.is_empty(), "no verdict is printed: {out}");
    assert!(err.contains("  - baseline concurrency 64, current 100\n"), "{err}");
    assert!(
        err.contains("  - baseline CPU model AMD EPYC 7B13, current Intel(R) Xeon(R) Platinum 8370C\n"),
        "{err}"
    );
    assert!(err.contains("--allow-mismatch"), "{err}");

    let json = dir.path().join("c.json");
    let allowed = tag
        .command()
        .args(["check", "--allow-mismatch", "--fail-on-regression", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&cur)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let (out, err) = text(&allowed);
    assert_eq!(allowed.status.code(), Some(0), "{out}{err}");
    assert!(
        out.starts_with("## ✅ No performance regression") && out.contains("· ⚠️ sides measured differently"),
        "{out}"
    );
    assert!(out.contains("> ⚠️ **The two sides were measured differently**"), "{out}");
    assert!(err.contains("warning: the sides were measured differently"), "{err}");
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let fields: Vec<&str> =
        j["mismatches"].as_array().unwrap().iter().map(|m| m["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["concurrency", "cpu_model"]);
}

#[test]
fn check_rejects_a_negative_sample_naming_file_framework_and_workload() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let cur = edited(dir.path(), "cur.json", |r| {
        r["suites"][0]["workloads"][1]["results"]["throughput"]["requests_per_sec"] = serde_json::json!(-5.0);
    });
    let base = repo().join("tests/fixtures/run.json");
    let out =
        tag.command().args(["check", "--baseline"]).arg(&base).arg("--current").arg(&cur).output().unwrap();
    let (o, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{o}{err}");
    let want =
        format!("{}: fastapi / large-json: throughput is -5; expected a finite number ≥ 0", cur.display());
    assert!(err.contains(&want), "{err}");
}

/// Issue 10's case through the binary: a 25 % drop with 3 rounds per side. Quiet rounds: a
/// regression (exit 1 when blocking); noisy rounds: inconclusive, a warning, never a pass.
#[test]
fn check_never_passes_a_25_percent_drop_with_3_rounds() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let run = |base: &str, cur: &str| {
        let json = dir.path().join("c.json");
        let out = tag
            .command()
            .args([
                "check",
                "--fail-on-regression",
                "--metric",
                "rps",
                "--baseline",
                base,
                "--current",
                cur,
                "--json",
            ])
            .arg(&json)
            .output()
            .unwrap();
        let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let w = j["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["workload"] == "small-json")
            .unwrap()
            .clone();
        (out.status.code(), text(&out).0, j, w)
    };
    let base = rounds(dir.path(), "qb", &[1.0, 1.01, 0.99]);
    let cur = rounds(dir.path(), "qc", &[0.755, 0.748, 0.752]);
    let (code, md, j, w) = run(&base, &cur);
    assert_eq!(code, Some(1), "{md}");
    assert_eq!((j["verdict"].as_str(), w["decision"].as_str()), (Some("regression"), Some("settled")), "{w}");
    assert!(md.contains("| ❌ | small-json | fastapi |"), "{md}");

    let base = rounds(dir.path(), "nb", &[1.25, 0.8, 1.0]);
    let cur = rounds(dir.path(), "nc", &[0.6, 0.9375, 0.75]);
    let (code, md, j, w) = run(&base, &cur);
    assert_eq!(code, Some(0), "{md}");
    assert_eq!(
        (w["severity"].as_str(), w["decision"].as_str()),
        (Some("warning"), Some("inconclusive")),
        "{w}"
    );
    assert_eq!(j["inconclusive_workloads"], 1);
    assert!(md.contains("inconclusive: need more rounds (CI 0.452–1.244"), "{md}");
}

/// `check --json` saves a result that `report` renders again: the console table, the
/// markdown and the HTML page each give the regression of the slowed workload; a check
/// result given to `check` itself is refused (exit 2).
#[test]
fn report_renders_a_saved_check_result_and_check_refuses_one() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let base = repo().join("tests/fixtures/run.json");
    let cur = edited(dir.path(), "cur.json", |r| {
        let w = &mut r["suites"][0]["workloads"][0];
        assert_eq!(w["name"], "small-json");
        let rps = w["results"]["throughput"]["requests_per_sec"].as_f64().unwrap();
        w["results"]["throughput"]["requests_per_sec"] = serde_json::json!(rps * 0.8);
    });
    let json = dir.path().join("check.json");
    let made = tag
        .command()
        .args(["check", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&cur)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{}", text(&made).1);

    let table = tag.command().arg("report").arg(&json).output().unwrap();
    let (out, err) = text(&table);
    assert_eq!(table.status.code(), Some(0), "{err}");
    assert!(out.starts_with("❌ Performance regression in 1 workload"), "{out}");
    let row = out.lines().find(|l| l.contains("small-json")).unwrap_or_else(|| panic!("{out}"));
    assert!(row.starts_with("REGRESSION") && row.contains("-20.0%"), "{out}");
    let passed = out.lines().filter(|l| l.starts_with("pass ")).count();
    assert_eq!(passed, 2, "large-json and path-params pass: {out}");

    let (md, html) = (dir.path().join("c.md"), dir.path().join("c.html"));
    let files = tag
        .command()
        .arg("report")
        .arg(&json)
        .arg("--markdown")
        .arg(&md)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(files.status.code(), Some(0), "{}", text(&files).1);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.starts_with("## ❌ Performance regression in 1 workload"), "{md}");
    assert!(md.contains("| ❌ | small-json | fastapi |"), "{md}");
    assert!(md.contains("| ✅ | large-json | fastapi |"), "{md}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<tr><td>❌</td><td>small-json</td><td>fastapi</td>"), "{html}");
    for forbidden in ["http://", "https://", "<script", "<link", "url("] {
        assert!(!html.contains(forbidden), "not self-contained: {forbidden}");
    }

    let again =
        tag.command().args(["check", "--baseline"]).arg(&base).arg("--current").arg(&json).output().unwrap();
    let (out, err) = text(&again);
    assert_eq!(again.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("check.json is a check result"), "{err}");
    tag.assert_no_leftovers();
}
