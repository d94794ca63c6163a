//! Failure cases against test doubles the tests start through the harness: wrong answer,
//! crash mid-run, slow start, never ready, Ctrl-C, and `--url` against a server we started.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::{read_json, text, workload, Tag};

fn run_mock(tag: &Tag, app: &str, extra: &[&str], out: &std::path::Path) -> (i32, String) {
    run_mock_for(tag, app, "1", extra, out)
}

fn run_mock_for(tag: &Tag, app: &str, secs: &str, extra: &[&str], out: &std::path::Path) -> (i32, String) {
    let output = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", app, "--suite", "baseline"])
        .args(["--duration", secs, "--warmup", "0", "--concurrency", "4", "--output"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let (_, err) = text(&output);
    (output.status.code().unwrap_or(-1), err)
}

#[test]
fn a_wrong_answer_makes_the_workload_invalid_and_the_rest_is_measured() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock(&tag, "mock-wrong", &[], &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    let r = read_json(&out);
    assert_eq!(r["complete"], true);
    let bad = workload(&r, "json-hello");
    assert_eq!(bad["status"], "invalid");
    let reason = bad["reason"].as_str().unwrap();
    assert!(reason.contains("$.message") && reason.contains("Hello, World!"), "{reason}");
    assert!(bad["results"].is_null());
    let good = workload(&r, "plaintext");
    assert_eq!(good["status"], "ok");
    assert_eq!(good["verified"], true);
    assert!(good["results"]["throughput"]["successful_requests"].as_u64().unwrap() > 0);
}

#[test]
fn a_crash_mid_run_fails_that_workload_with_the_log_tail_and_the_run_goes_on() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_for(&tag, "mock-crash", "2", &[], &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    let r = read_json(&out);
    let crashed = workload(&r, "plaintext");
    assert_eq!(crashed["status"], "failed");
    let reason = crashed["reason"].as_str().unwrap();
    assert!(reason.contains("'plaintext'") && reason.contains("crashing on purpose"), "{reason}");
    // The server is restarted for the next workload, which is measured.
    assert_eq!(workload(&r, "json-hello")["status"], "ok", "{err}");
}

#[test]
fn a_slow_start_is_waited_for() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock(&tag, "mock-slow", &["--workload", "json-hello"], &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 0, "{err}");
    assert_eq!(workload(&read_json(&out), "json-hello")["status"], "ok");
}

#[test]
fn never_ready_exits_1_with_the_log_tail() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock(&tag, "mock-never", &[], &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not ready") && err.contains("mock: sleeping before listening"), "{err}");
}

#[test]
fn ctrl_c_stops_the_server_and_writes_a_partial_result() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let mut child = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite", "baseline"])
        .args(["--duration", "60", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(&out)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first measurement has begun, then press Ctrl-C.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("measuring") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: sending SIGINT to our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let started = Instant::now();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(50), "the run did not stop on Ctrl-C");
    tag.assert_no_leftovers();
    assert_eq!(status.code(), Some(130), "{seen:?} {rest:?}");
    let r = read_json(&out);
    assert_eq!(r["complete"], false);
    assert_eq!(workload(&r, "plaintext")["status"], "skipped");
    assert_eq!(workload(&r, "json-hello")["status"], "skipped");
}

#[test]
fn url_mode_measures_a_running_server_without_resources() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let server = crate::helpers::MockServer::start(&tag);
    let port = server.port;
    let out = dir.path().join("r.json");
    let output = tag
        .command()
        .args(["run", "--url", &format!("http://127.0.0.1:{port}"), "--suite", "baseline"])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    drop(server);
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let r = read_json(&out);
    assert!(r["metadata"]["framework"].is_null());
    assert_eq!(r["configuration"]["target_url"], format!("http://127.0.0.1:{port}"));
    let w = workload(&r, "plaintext");
    assert!(w["results"]["resources"].is_null());
    assert!(w["results"]["notes"][0].as_str().unwrap().contains("--url"));
    // Nothing is pinned by default for a server the harness did not start.
    let pinning = &r["configuration"]["pinning"];
    assert_eq!(pinning["source"], "off", "{pinning}");
    assert!(pinning["reason"].as_str().unwrap().starts_with("--url"), "{pinning}");
    assert!(r["configuration"]["loadgen_cpus"].is_null());
}
