//! `history` end to end on saved result files and a SQLite store in a temp dir: import
//! twice (the second a no-op), list, trend (table and HTML), export, prune, `check --history`,
//! and bad input (exit 2, the store untouched) or an unreachable server (exit 1).

use std::path::Path;

use crate::helpers::{repo, text, Tag};

fn history(tag: &Tag, db: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = tag
        .command()
        .arg("history")
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BENCHMARK_HARNESS_DB")
        .output()
        .unwrap();
    let (o, e) = text(&out);
    (out.status.code(), o, e)
}

/// The committed baselines plus the run fixture moved to three commits.
fn results(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = ["baseline.json", "baseline.round2.json", "baseline.round3.json"]
        .iter()
        .map(|f| repo().join("results/baseline/axum-baseline").join(f).display().to_string())
        .collect();
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/fixtures/run.json")).unwrap())
            .unwrap();
    for (i, scale) in [1.0, 1.02, 0.8].iter().enumerate() {
        let mut r = run.clone();
        r["metadata"]["git_commit"] = format!("c{i}aaaaaaaa").into();
        r["metadata"]["timestamp"] = format!("2025-07-0{}T00:00:00Z", i + 1).into();
        let w = &mut r["suites"][0]["workloads"][0]["results"]["throughput"]["requests_per_sec"];
        *w = (w.as_f64().unwrap() * scale).into();
        let path = dir.join(format!("run{i}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
        files.push(path.display().to_string());
    }
    files
}

#[test]
fn history_imports_once_lists_trends_exports_and_prunes() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let files = results(dir.path());
    let args: Vec<&str> = std::iter::once("import").chain(files.iter().map(String::as_str)).collect();
    let (code, out, err) = history(&tag, &db, &args);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(out.matches(": stored as run").count(), 6, "{out}");
    let (code, out, err) = history(&tag, &db, &args);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.matches("nothing written").count(), 6, "{out}");
    assert!(err.contains("0 imported, 6 already stored"), "{err}");

    let (code, out, _) = history(&tag, &db, &["list", "--framework", "fastapi", "--since", "2025-07-02"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), 3, "header and two runs:\n{out}");
    assert!(out.contains("c1aaaaaa") && out.contains("c2aaaaaa") && !out.contains("c0aaaaaa"), "{out}");

    let html = dir.path().join("t.html");
    let (code, out, err) =
        history(&tag, &db, &["trend", "--workload", "small-json", "--html", html.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("fastapi · json-bodies · small-json"), "{out}");
    assert_eq!(out.matches("   1 ").count(), 3, "three commits of one sample each:\n{out}");
    assert!(out.contains("9 632.0"), "the 20 % slower commit c2: 12040 × 0.8\n{out}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 1);

    let (code, out, _) =
        history(&tag, &db, &["export", "--format", "influx", "--framework", "axum-baseline"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), 6, "two workloads in three baseline files:\n{out}");
    assert!(
        out.lines().all(|l| l.starts_with("benchmark,") && l.contains("framework=axum-baseline")),
        "{out}"
    );
    let (code, out, _) = history(&tag, &db, &["export", "--format", "csv"]);
    assert_eq!((code, out.lines().count()), (Some(0), 1 + 6 + 15));

    let (code, out, _) = history(&tag, &db, &["prune", "--keep", "2"]);
    assert_eq!((code, out.trim()), (Some(0), "removed 4 run(s) with 17 measurement(s); 2 run(s) kept"));
    let (_, out, _) = history(&tag, &db, &["list"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.contains("baseline.round2.json") && out.contains("baseline.round3.json"),
        "the two newest:\n{out}"
    );
}

#[test]
fn history_bad_input_exits_2_and_stores_nothing() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let good = repo().join("results/baseline/axum-baseline/baseline.json").display().to_string();
    let bad = dir.path().join("notes.json");
    std::fs::write(&bad, r#"{"schema_version": 1, "mode": "report"}"#).unwrap();
    let (code, _, err) = history(&tag, &db, &["import", &good, bad.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("notes.json") && err.contains("mode 'report'"), "{err}");
    let (code, out, _) = history(&tag, &db, &["list"]);
    assert_eq!((code, out.lines().count()), (Some(0), 1), "nothing stored:\n{out}");

    for (args, needle) in [
        (vec!["export", "--format", "xml"], "unknown --format 'xml'; valid formats: csv, json, influx"),
        (vec!["list", "--since", "last tuesday"], "invalid --since 'last tuesday'"),
        (vec!["prune", "--before", "2025-13-01"], "invalid --before '2025-13-01'"),
        (vec!["trend", "--workload", "nope"], "unknown --workload 'nope'; the store at"),
        (vec!["prune"], "prune needs --before DATE or --keep N"),
    ] {
        let (code, _, err) = history(&tag, &db, &args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let (code, _, err) = history(&tag, dir.path(), &["list"]);
    assert_eq!(code, Some(2), "a folder as --db: {err}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://ci:hunter2@127.0.0.1:{port}/bench");
    let out = tag.command().args(["history", "list", "--db", &url]).output().unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "unreachable server: {err}");
    assert!(
        err.contains(&format!("postgres://ci:***@127.0.0.1:{port}/bench")) && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn check_with_history_stores_its_verdicts_and_a_failed_recording_keeps_the_result() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let base = repo().join("tests/fixtures/run.json");
    let json = dir.path().join("check.json");
    let out = tag
        .command()
        .args(["check", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&base)
        .arg("--json")
        .arg(&json)
        .arg(format!("--history={}", db.display()))
        .output()
        .unwrap();
    let (o, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{o}{err}");
    assert!(err.contains("recorded in the history store"), "{err}");
    let (code, out, _) = history(&tag, &db, &["list"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("check") && out.contains(" 3  "), "three verdicts:\n{out}");
    let (_, out, _) = history(&tag, &db, &["import", json.to_str().unwrap()]);
    assert!(out.contains("nothing written"), "--history and import hash the same content:\n{out}");

    let out = tag
        .command()
        .args(["check", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&base)
        .arg("--json")
        .arg(dir.path().join("again.json"))
        .arg(format!("--history={}", dir.path().display()))
        .output()
        .unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("could not record the result in history") && err.contains("again.json"), "{err}");
    assert!(dir.path().join("again.json").exists());
}

#[test]
fn alert_dry_runs_show_each_new_regression_once_without_sending() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let base = repo().join("tests/fixtures/run.json");
    let mut r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    r["metadata"]["git_commit"] = "beefbeefbeef".into();
    let rps = &mut r["suites"][0]["workloads"][0]["results"]["throughput"]["requests_per_sec"];
    *rps = (rps.as_f64().unwrap() * 0.8).into();
    let cur = dir.path().join("cur.json");
    std::fs::write(&cur, serde_json::to_string(&r).unwrap()).unwrap();
    let out = tag
        .command()
        .args(["check", "--alert-dry-run", "--baseline"])
        .arg(&base)
        .arg("--current")
        .arg(&cur)
        .arg(format!("--history={}", db.display()))
        .output()
        .unwrap();
    let (o, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(o.contains("1 new alert event (0 already sent); dry run: nothing is sent"), "{o}");
    assert!(o.contains("Subject: [benchmark-harness] regression: fastapi small-json rps -20.0 %"), "{o}");
    let (code, o, err) = history(&tag, &db, &["alert", "--dry-run"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(o.starts_with("1 new alert event") && o.contains("beefbeefbeef"), "the stored regression:\n{o}");
    let (code, _, err) = history(&tag, &db, &["alert", "--smtp-server", "127.0.0.1", "--smtp-from", "a@b.c"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no recipient for alerts"), "{err}");
}
