//! Compare end to end on two test doubles, one slowed by a sleep: the structure of the
//! result and the reports, never the timing.

use crate::helpers::{read_json, text, Tag};

#[test]
fn compare_two_servers_writes_result_and_reports() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let (out, md, html) = (dir.path().join("c.json"), dir.path().join("c.md"), dir.path().join("c.html"));
    let output = tag
        .command()
        .args(["compare", "--apps", "tests/apps", "--frameworks", "mock-ok,mock-lag", "--suite", "baseline"])
        .args(["--rounds", "2", "--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(&out)
        .arg("--report")
        .arg(&md)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (stdout, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{err}");
    let r = read_json(&out);
    assert_eq!(r["mode"], "compare");
    assert_eq!(r["complete"], true);
    assert_eq!(r["configuration"]["rounds_completed"], 2);
    assert_eq!(
        r["configuration"]["round_orders"],
        serde_json::json!([["mock-ok", "mock-lag"], ["mock-lag", "mock-ok"]])
    );
    let names: Vec<&str> =
        r["frameworks"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mock-ok", "mock-lag"]);
    for w in r["suites"][0]["workloads"].as_array().unwrap() {
        for fr in w["results"].as_array().unwrap() {
            assert_eq!(fr["status"], "ok", "{fr}");
            assert_eq!(fr["samples"].as_array().unwrap().len(), 2);
            assert_eq!(fr["rounds"].as_array().unwrap().len(), 2);
        }
        let c = &w["comparison"];
        let ratios = c["performance_ratios"].as_object().unwrap();
        assert!(
            ratios.contains_key("mock-ok_vs_mock-lag") && ratios.contains_key("mock-lag_vs_mock-ok"),
            "{c}"
        );
        let tests = c["statistical_significance"].as_object().unwrap();
        assert_eq!(tests.len(), 1, "{c}");
        let t = tests.values().next().unwrap();
        assert_eq!(t["test"], "welch_t_log");
        assert!(t["p_value"].is_number() && t["adjusted_p_value"].is_number(), "{t}");
        assert!(t["verdict"].as_str().is_some_and(|v| !v.is_empty()));
    }
    let s = &r["summary"];
    assert!(s["overall"].is_object(), "{s}");
    assert_eq!(s["ranked_workloads"], 2);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("mock-lag") && md.contains("Methodology"), "{md}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"), "{}", &html[..html.len().min(300)]);
    assert!(stdout.contains("mock-lag"), "{stdout}");
}

#[test]
fn compare_reports_an_app_that_answers_wrongly_and_ranks_the_rest() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    let output = tag
        .command()
        .args([
            "compare",
            "--apps",
            "tests/apps",
            "--frameworks",
            "mock-ok,mock-wrong",
            "--suite",
            "baseline",
        ])
        .args(["--rounds", "2", "--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    let r = read_json(&out);
    let ws = r["suites"][0]["workloads"].as_array().unwrap();
    let json = ws.iter().find(|w| w["name"] == "json-hello").unwrap();
    assert!(json["comparison"].is_null());
    assert!(json["unranked_because"]["mock-wrong"].as_str().unwrap().contains("$.message"), "{json}");
    let plain = ws.iter().find(|w| w["name"] == "plaintext").unwrap();
    assert!(plain["comparison"].is_object());
    assert_eq!(r["summary"]["unranked_workloads"], 1);
}

/// A time budget shorter than one block stops after the first block (which always runs),
/// says why, and keeps the result complete with a note; rounds stay whole blocks (AB, BA).
#[test]
fn a_time_budget_stops_at_a_block_boundary() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    let output = tag
        .command()
        .args(["compare", "--apps", "tests/apps", "--frameworks", "mock-ok,mock-lag", "--suite", "baseline"])
        .args(["--workload", "plaintext", "--rounds", "6", "--time-budget", "1"])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (stdout, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{err}");
    let r = read_json(&out);
    let c = &r["configuration"];
    assert_eq!(c["rounds_completed"], 2, "{c}");
    assert_eq!(c["stopped_because"], "time_budget");
    assert_eq!(c["time_budget_secs"], 1.0);
    assert_eq!(c["round_orders"], serde_json::json!([["mock-ok", "mock-lag"], ["mock-lag", "mock-ok"]]));
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("time budget reached after 2 rounds")),
        "{}",
        r["notes"]
    );
    assert!(stdout.contains("rounds: 2 (fixed), stopped by the 1 s time budget"), "{stdout}");
}
