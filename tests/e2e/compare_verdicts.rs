//! Compare verdicts end to end against real small servers the test starts
//! (`tests/apps/mock_server.py` under apps written to a temporary folder): an A/A compare
//! names no winner anywhere; an A/B compare where one server is about 3× slower names the
//! right winner everywhere. Verdicts only, never timings.

use std::path::Path;

use crate::helpers::{mock_apps, read_json, text, Tag};

/// A mock app `name` in `dir` that answers the baseline contract after `lag_ms`.
fn app(dir: &Path, name: &str, lag_ms: u32) {
    let server = mock_apps().join("mock_server.py");
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("benchmark.toml"),
        format!(
            "[app]\nname = \"{name}\"\nlanguage = \"python\"\nframework = \"mock\"\n\
             description = \"test double, {lag_ms} ms per answer\"\n\n\
             [start]\ncommand = \"exec python3 {}\"\nhealth = \"/health\"\nstartup_timeout_secs = 10\n\
             env = {{ MOCK_MODE = \"lag\", MOCK_LAG_MS = \"{lag_ms}\" }}\n\n\
             [version]\nframework = \"echo mock-1.0\"\nruntime = \"python3 --version\"\n",
            server.display()
        ),
    )
    .unwrap();
}

/// Compare `a,b` from `apps` (with `extra` flags); the result JSON and the stdout.
fn compare(apps: &Path, frameworks: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let tag = Tag::new();
    let out = apps.join("result.json");
    let md = apps.join("report.md");
    let output = tag
        .command()
        .args(["compare", "--apps"])
        .arg(apps)
        .args(["--frameworks", frameworks, "--suite", "baseline"])
        .args(["--duration", "1", "--warmup", "0.3", "--concurrency", "1"])
        .args(extra)
        .arg("--output")
        .arg(&out)
        .arg("--report")
        .arg(&md)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (stdout, err) = text(&output);
    assert!(output.status.success(), "{stdout}\n{err}");
    let mut r = read_json(&out);
    r["_markdown"] = serde_json::Value::String(std::fs::read_to_string(&md).unwrap());
    (r, stdout)
}

#[test]
fn an_aa_compare_names_no_winner_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), "same-a", 2);
    app(dir.path(), "same-b", 2);
    // The default design is adaptive; --max-rounds only bounds the test's time (the
    // default 30 rounds could take minutes on a busy machine).
    let (r, stdout) = compare(dir.path(), "same-a,same-b", &["--max-rounds", "8"]);
    let c = &r["configuration"];
    // At least the default 5 rounds, rounded up to whole balanced blocks of 2 (AB, BA),
    // then a block at a time: 6 or 8.
    let done = c["rounds_completed"].as_u64().unwrap();
    assert!(done == 6 || done == 8, "the floor is 5 rounds rounded up to 6, the cap 8: {c}");
    assert_eq!(c["rounds"], 6, "{c}");
    assert_eq!(c["target_precision_percent"], 2.0, "adaptive by default: {c}");
    assert_eq!(c["time_budget_secs"], 900.0, "{c}");
    let why = c["stopped_because"].as_str().unwrap();
    assert!(why == "precision" || why == "max_rounds", "{c}");
    let imprecise = c["precision_reached_percent"].as_f64().is_none_or(|p| p > 2.0);
    assert_eq!(why == "max_rounds", done == 8 && imprecise, "{c}");
    let orders = r["configuration"]["round_orders"].as_array().unwrap();
    let firsts = orders.iter().filter(|o| o[0] == "same-a").count();
    assert_eq!(firsts as u64 * 2, done, "each goes first in half the rounds: {orders:?}");
    // Welch on the logs by default; staged (Stein) past the adaptive floor.
    let test = if done > 6 { "welch_t_log_stein" } else { "welch_t_log" };
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        for t in w["comparison"]["statistical_significance"].as_object().unwrap().values() {
            assert_eq!(t["test"], test, "{t}");
        }
    }
    assert!(stdout.contains(&format!("rounds: {done} (adaptive)")), "{stdout}");
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        assert!(w["comparison"]["winner"].is_null(), "A/A workload winner: {}", w["comparison"]);
    }
    let s = &r["summary"];
    assert!(s["overall_winner"].is_null(), "A/A overall winner: {s}");
    assert!(s["category_winners"].as_object().unwrap().is_empty(), "A/A category winner: {s}");
    assert!(s["overall"]["verdict"].as_str().unwrap().starts_with("no overall winner"), "{s}");
    let md = r["_markdown"].as_str().unwrap();
    assert!(md.contains("**No overall winner.**") && !md.contains("🏆"), "{md}");
    assert!(stdout.contains("no overall winner"), "{stdout}");
}

#[test]
fn an_ab_compare_names_the_faster_server() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), "quick", 2);
    app(dir.path(), "sluggish", 6);
    // Eight rounds rather than the default five: the e2e tests run side by side on a
    // small machine, and a busy neighbour can widen one round's spread a lot.
    // --paired: the paired test on the rounds' log-ratios (the A/A test covers Welch's).
    let (r, stdout) = compare(dir.path(), "sluggish,quick", &["--rounds", "8", "--paired"]);
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        let c = &w["comparison"];
        assert_eq!(c["winner"], "quick", "{c}");
        let t = &c["statistical_significance"]["quick_vs_sluggish"];
        assert_eq!(t["test"], "paired_t_log", "--paired with 8 complete rounds");
        assert_eq!(t["significant"], true, "{t}");
        assert!(t["ratio"].as_f64().unwrap() > 1.5, "{t}");
    }
    let s = &r["summary"];
    assert_eq!(s["overall_winner"], "quick", "{s}");
    let ci = &s["overall"]["relative"]["sluggish"]["ratio_confidence_interval"];
    assert!(ci["high"].as_f64().unwrap() < 1.0, "{ci}");
    let md = r["_markdown"].as_str().unwrap();
    assert!(md.contains("🏆 **quick** is the overall winner"), "{md}");
    assert!(stdout.contains("overall winner: quick"), "{stdout}");
}
