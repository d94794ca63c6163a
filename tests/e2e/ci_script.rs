//! `scripts/ci-benchmark.sh` end to end, as the workflow runs it: `main` writing the baseline
//! and recording the run in the SQLite history store, `pr` falling back to the baseline when
//! the base commit is not there, a second `main` moving the old baseline to history and adding
//! its run to the store, `history` on the same results importing nothing (and, the store
//! gone, seeding a new one from the committed history); and `pr` as a
//! same-runner A/B of a base commit and a head in a throwaway clone. Output goes to temporary
//! folders; the committed `results/` is untouched.

use std::path::Path;
use std::process::Command;

use crate::helpers::{bin_path, repo, text, Tag};

/// The script in `dir` (a checkout of this repository) with a short configuration; the
/// harness is the test build's binary, so nothing compiles.
fn ci_in(tag: &Tag, dir: &Path, mode: &str, results: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg(dir.join("scripts/ci-benchmark.sh"))
        .arg(mode)
        .current_dir(dir)
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
        .env_remove("BASE_SHA")
        .env_remove("BASE_REF")
        // The history step: the store defaults to $RESULTS_DIR/history.db, alerts to a dry run.
        .env_remove("HISTORY")
        .env_remove("HISTORY_DB")
        .env_remove("BENCHMARK_HARNESS_DB")
        .env_remove("SMTP_SERVER")
        .env_remove("GITHUB_RUN_ID")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let (o, e) = text(&out);
    (out.status.code().unwrap_or(-1), o, e)
}

fn ci(tag: &Tag, mode: &str, results: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    ci_in(tag, &repo(), mode, results, env)
}

/// `history list` of the script's store: one line per stored run (header dropped).
fn stored_runs(tag: &Tag, results: &Path) -> Vec<String> {
    let out =
        tag.command().args(["history", "list", "--db"]).arg(results.join("history.db")).output().unwrap();
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{o}{e}");
    o.lines().skip(1).map(String::from).collect()
}

fn commit_of(path: &Path) -> String {
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    r["metadata"]["git_commit"].as_str().unwrap_or_default().to_string()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=ci-script test", "-c", "user.email=test@example.invalid"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out).1);
    text(&out).0.trim().to_string()
}

/// The comment's first line after the marker is one verdict (✅, or ⚠️/❌ when this machine
/// was noisy); BLOCKING=true exits 1 exactly when it is ❌.
fn assert_verdict(md: &str, rc: i32, log: &str) {
    let verdict = md.lines().nth(1).unwrap_or_default();
    assert!(
        ["## ✅ Benchmark:", "## ⚠️ Benchmark:", "## ❌ Benchmark:"].iter().any(|v| verdict.starts_with(v)),
        "{md}"
    );
    assert_eq!(rc, if verdict.starts_with("## ❌") { 1 } else { 0 }, "{md}{log}");
    assert!(md.contains("### `axum-baseline` · suite `baseline`"), "{md}");
    for w in ["plaintext", "json-hello"] {
        assert!(
            ["✅", "⚠️", "❌"].iter().any(|v| md.contains(&format!("| {v} | {w} |"))),
            "no verdict row for {w}: {md}"
        );
    }
}

#[test]
fn the_ci_script_keeps_baselines_by_commit_and_falls_back_to_them() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let comment = results.join("current/pr-comment.md");
    let baseline = results.join("baseline/axum-baseline/baseline.json");

    // main: the measurement becomes the baseline, with the commit it was measured at.
    let (rc, out, err) = ci(&tag, "main", &results, &[]);
    assert_eq!(rc, 0, "{out}{err}");
    let commit = commit_of(&baseline);
    assert_eq!(commit.len(), 40, "git_commit in {}", baseline.display());
    assert!(results.join("baseline/axum-baseline/baseline.round2.json").is_file(), "both rounds kept");
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
    // Both rounds are in the history store, at that commit; the job summary says so.
    let runs = stored_runs(&tag, &results);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.iter().all(|r| r.contains(&commit[..8]) && r.contains("profile")), "{runs:?}");
    let summary = std::fs::read_to_string(results.join("current/history.md")).unwrap();
    assert!(summary.contains(": 2 imported, 0 already stored"), "{summary}");
    assert!(
        summary.contains("### Change points") && summary.contains("No SMTP server is configured"),
        "{summary}"
    );
    assert!(results.join("current/history-trend.html").is_file());

    // A PR whose base commit is not in the clone: checked against the committed baseline, and
    // the comment says loudly that this was not a same-runner comparison.
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let (rc, out, err) = ci(&tag, "pr", &results, &[("BASE_SHA", missing), ("PROFILER", "none")]);
    let md = std::fs::read_to_string(&comment).unwrap();
    assert!(md.starts_with("<!-- benchmark-harness -->\n## "), "{md}");
    assert!(md.contains("**Not a same-runner comparison**") && md.contains(missing), "{md}");
    assert!(!md.contains("same-runner A/B"), "{md}");
    // Against a baseline measured elsewhere, `check` is told explicitly to go on.
    assert!(md.contains("`check` ran with `--allow-mismatch`"), "{md}");
    assert_verdict(&md, rc, &format!("{out}{err}"));
    // Two rounds on each side: an interval and a p-value per workload.
    let check: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.join("current/axum-baseline/baseline.check.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(check["baseline"]["git_commit"], commit.as_str());
    for w in check["workloads"].as_array().unwrap() {
        assert!(w["p_value"].is_number() && w["significant"].is_boolean(), "{w}");
        assert!(w["rps_ratio_ci"]["low"].is_number() && w["decision"].is_string(), "{w}");
    }

    // main again: the old baseline moves to history under its commit.
    let first = std::fs::read_to_string(&baseline).unwrap();
    let (rc, out, err) = ci(&tag, "main", &results, &[]);
    assert_eq!(rc, 0, "{out}{err}");
    let moved = results.join(format!("history/{commit}/axum-baseline/baseline.json"));
    assert_eq!(std::fs::read_to_string(&moved).unwrap(), first, "{}", moved.display());
    assert!(moved.with_file_name("baseline.round2.json").is_file(), "round 2 moved to history too");
    assert_ne!(std::fs::read_to_string(&baseline).unwrap(), first);
    assert_eq!(commit_of(&baseline).len(), 40);
    // The store kept the first run's rounds and added the second's.
    assert_eq!(stored_runs(&tag, &results).len(), 4);

    // The history step again on the same results (what a re-run of the job does): no-op.
    let (rc, out, err) = ci(&tag, "history", &results, &[]);
    assert_eq!(rc, 0, "{out}{err}");
    assert_eq!(err.matches("nothing written").count(), 2, "{err}");
    let summary = std::fs::read_to_string(results.join("current/history.md")).unwrap();
    assert!(summary.contains(": 0 imported, 2 already stored"), "{summary}");
    assert_eq!(stored_runs(&tag, &results).len(), 4);

    // A lost store (no artifact to restore) starts again from the committed history.
    std::fs::remove_file(results.join("history.db")).unwrap();
    let (rc, out, err) = ci(&tag, "history", &results, &[]);
    assert_eq!(rc, 0, "{out}{err}");
    let summary = std::fs::read_to_string(results.join("current/history.md")).unwrap();
    assert!(summary.contains("seeded with the 2 committed result file(s)"), "{summary}");
    let runs = stored_runs(&tag, &results);
    let seeded = format!("/history/{commit}/axum-baseline/baseline");
    assert_eq!(runs.iter().filter(|r| r.contains(&seeded)).count(), 2, "{runs:?}");
    assert_eq!(runs.len(), 4, "{runs:?}");
    tag.assert_no_leftovers();
}

#[test]
fn the_ci_script_checks_a_pr_as_a_same_runner_ab_of_base_and_head() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    // A throwaway clone whose head is a docs-only commit on top of this repository's HEAD (the
    // base), carrying the working tree's scripts so that what is tested is what is here.
    let clone = dir.path().join("repo");
    let status = Command::new("git").args(["clone", "-q"]).arg(repo()).arg(&clone).status().unwrap();
    assert!(status.success());
    let status = Command::new("cp")
        .arg("-a")
        .arg(repo().join("scripts/."))
        .arg(clone.join("scripts"))
        .status()
        .unwrap();
    assert!(status.success());
    let doc = clone.join("docs/ci.md");
    let mut text_of_doc = std::fs::read_to_string(&doc).unwrap();
    text_of_doc.push_str("\nA docs-only change: the head of the A/B test.\n");
    std::fs::write(&doc, text_of_doc).unwrap();
    git(&clone, &["add", "-A", "docs", "scripts"]);
    git(&clone, &["commit", "-q", "-m", "docs-only head"]);
    let (base, head) = (git(&clone, &["rev-parse", "HEAD~1"]), git(&clone, &["rev-parse", "HEAD"]));

    // apps/ is the same on both sides: the base side reuses the head's setup (an A/A run).
    // APPS is this repository's own apps folder, already set up, so that nothing compiles; the
    // clone's apps/ holds the same files.
    let apps = repo().join("apps");
    let env = [("BASE_SHA", base.as_str()), ("APPS", apps.to_str().unwrap()), ("PROFILER", "none")];
    let (rc, out, err) = ci_in(&tag, &clone, "pr", &results, &env);
    let md = std::fs::read_to_string(results.join("current/pr-comment.md")).unwrap_or_default();
    assert!(md.starts_with("<!-- benchmark-harness -->\n## "), "{md}{out}{err}");
    let line =
        format!("same-runner A/B: base `{}` vs head `{}`, 2 rounds each, order ABBA", &base[..8], &head[..8]);
    assert!(md.contains(&line), "{line}\n{md}");
    assert!(md.contains("apps unchanged between base and head: an A/A run"), "{md}");
    assert!(!md.contains("Not a same-runner comparison"), "{md}");
    assert_verdict(&md, rc, &format!("{out}{err}"));

    // check saw base rounds as the baseline and head rounds as the current result.
    let check: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.join("current/axum-baseline/baseline.check.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(check["baseline"]["git_commit"], base.as_str(), "{check}");
    assert_eq!(check["current"]["git_commit"], head.as_str(), "{check}");
    // Same runner, same settings, same harness: the fingerprints agree (no --allow-mismatch).
    assert_eq!(check["mismatches"], serde_json::json!([]), "{check}");
    assert!(!md.contains("--allow-mismatch"), "{md}");
    assert!(results.join("current/base/axum-baseline/baseline.round2.json").is_file());
    assert!(results.join("current/axum-baseline/baseline.round2.json").is_file());

    // The order, from the log: round 1 base then head, round 2 head then base.
    let measured: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("== profile axum-baseline / baseline round "))
        .map(|l| if l.contains("/current/base/") { "base" } else { "head" })
        .collect();
    assert_eq!(measured, ["base", "head", "head", "base"], "{err}");

    // The base worktree is gone, and nothing the script started is left running.
    assert!(!results.join(".base").exists(), "base worktree folder left behind");
    let worktrees = git(&clone, &["worktree", "list", "--porcelain"]);
    assert_eq!(worktrees.lines().filter(|l| l.starts_with("worktree ")).count(), 1, "{worktrees}");
    tag.assert_no_leftovers();
}

#[test]
fn the_ci_script_rejects_an_unknown_mode() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let (rc, _, err) = ci(&tag, "nightly", dir.path(), &[]);
    assert_eq!(rc, 2, "{err}");
    assert!(err.contains("usage:"), "{err}");
}
