//! Load past one machine: shards (`run --segment`) against one test server, `merge`, and the
//! bad input of both. No timing is asserted: only counts and histogram arithmetic.

use std::path::Path;
use std::process::{Command, Stdio};

use benchmark_harness::schema::hdr;

use crate::helpers::{read_json, text, MockServer, Tag};

const SEQ: &str = "0,1/4,1/2,3/4,1";

/// The mock server and its URL.
fn mock_server(tag: &Tag) -> (MockServer, String) {
    let server = MockServer::start(tag);
    let url = server.url();
    (server, url)
}

fn stop(server: MockServer) {
    drop(server);
}

/// Why a run exited as it did: its stderr, or each workload's status and reason from its result.
fn why(output: &std::process::Output, out: &Path) -> String {
    let workloads = std::fs::read_to_string(out)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map(|r| {
            r["suites"][0]["workloads"]
                .as_array()
                .map(|ws| {
                    ws.iter()
                        .map(|w| format!("{} {} {}", w["name"], w["status"], w["reason"]))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .join("; ")
        })
        .unwrap_or_default();
    format!("{} | {workloads}", text(output).1)
}

/// `run --url URL` on the plaintext workload for one second with `conns` connections.
fn run_cmd(tag: &Tag, url: &str, conns: &str, out: &Path) -> Command {
    let mut c = tag.command();
    c.args(["run", "--url", url, "--suite", "baseline", "--workload", "plaintext", "--quiet"])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", conns, "--output"])
        .arg(out);
    c
}

fn plaintext(r: &serde_json::Value) -> &serde_json::Value {
    &r["suites"][0]["workloads"][0]["results"]
}

fn p99_of_histograms(results: &[serde_json::Value]) -> f64 {
    let parts: Vec<_> = results
        .iter()
        .map(|r| hdr::decode(plaintext(r)["latency_histogram"].as_str().unwrap()).unwrap())
        .collect();
    hdr::merge(parts.iter()).unwrap().value_at_quantile(0.99) as f64 / 1000.0
}

#[test]
#[allow(clippy::print_stderr)] // the shards' and the single run's figures, for the reader
fn four_shards_merge_to_their_sums_and_their_histograms_p99() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let (server, url) = mock_server(&tag);
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 2;
    let shards: Vec<_> = (0..4)
        .map(|i| {
            let out = dir.path().join(format!("shard{i}.json"));
            let child = run_cmd(&tag, &url, "8", &out)
                .args(["--segment", &format!("{i}/4:{}/4", i + 1), "--segment-sequence", SEQ])
                .args(["--start-at", &start.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (child, out)
        })
        .collect();
    let mut results = Vec::new();
    for (child, out) in shards {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", why(&output, &out));
        results.push(read_json(&out));
    }
    let single_out = dir.path().join("single.json");
    let single = run_cmd(&tag, &url, "8", &single_out).output().unwrap();
    stop(server);
    assert_eq!(single.status.code(), Some(0), "{}", text(&single).1);
    let merged_out = dir.path().join("merged.json");
    // Given out of order: merge sorts by segment.
    let merge = tag
        .command()
        .args(["merge", "--quiet", "--output"])
        .arg(&merged_out)
        .args([3, 1, 0, 2].map(|i| dir.path().join(format!("shard{i}.json"))))
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    assert_eq!(merge.status.code(), Some(0), "{}", text(&merge).1);
    let merged = read_json(&merged_out);

    // Each shard ran its share of the 8 connections: 2 each, 8 in all.
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["configuration"]["concurrency"], 2, "shard {i}");
        assert_eq!(r["configuration"]["sharding"]["segment_sequence"], SEQ);
        assert_eq!(r["configuration"]["sharding"]["total_concurrency"], 8);
    }
    let sum =
        |key: &str| results.iter().map(|r| plaintext(r)["throughput"][key].as_u64().unwrap()).sum::<u64>();
    let m = plaintext(&merged);
    assert_eq!(m["throughput"]["total_requests"].as_u64().unwrap(), sum("total_requests"));
    assert_eq!(m["throughput"]["successful_requests"].as_u64().unwrap(), sum("successful_requests"));
    assert_eq!(merged["summary"]["total_requests"].as_u64().unwrap(), sum("total_requests"));
    assert_eq!(merged["configuration"]["concurrency"], 8);
    assert_eq!(m["load"]["connections"], 8);
    let segments: Vec<&str> = merged["configuration"]["sharding"]["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment"].as_str().unwrap())
        .collect();
    assert_eq!(segments, ["0:1/4", "1/4:1/2", "1/2:3/4", "3/4:1"]);
    // p99 within the histogram's precision (3 significant digits) of the shards' summed histograms.
    let p99 = m["latency"]["p99_ms"].as_f64().unwrap();
    let direct = p99_of_histograms(&results);
    assert!(
        (p99 - direct).abs() <= direct * 1e-3 + 1e-3,
        "merged p99 {p99} ms, summed histograms {direct} ms"
    );
    let single = read_json(&single_out);
    let s = plaintext(&single);
    eprintln!(
        "4 shards merged: {} requests, {} req/s, p99 {p99} ms; single process: {} requests, {} req/s, p99 {} ms",
        m["throughput"]["total_requests"],
        m["throughput"]["requests_per_sec"],
        s["throughput"]["total_requests"],
        s["throughput"]["requests_per_sec"],
        s["latency"]["p99_ms"]
    );
}

fn run_code(tag: &Tag, cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    tag.assert_no_leftovers();
    (out.status.code().unwrap_or(-1), text(&out).1)
}

#[test]
fn bad_segments_and_start_times_exit_2_naming_the_value_and_what_is_valid() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let url = "http://127.0.0.1:9";
    let (code, err) = run_code(&tag, run_cmd(&tag, url, "8", &out).args(["--segment", "1/4-1/2"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid --segment '1/4-1/2'") && err.contains("FROM:TO"), "{err}");
    let (code, err) = run_code(
        &tag,
        run_cmd(&tag, url, "8", &out).args(["--segment", "1/4:3/4", "--segment-sequence", SEQ]),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1/4:3/4") && err.contains("valid segments: 0:1/4, 1/4:1/2, 1/2:3/4, 3/4:1"),
        "{err}"
    );
    let (code, err) = run_code(
        &tag,
        run_cmd(&tag, url, "8", &out).args(["--segment", "0:1/2", "--segment-sequence", "0,1/2,1/3,1"]),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'0,1/2,1/3,1'") && err.contains("must increase"), "{err}");
    let (code, err) =
        run_code(&tag, run_cmd(&tag, url, "3", &out).args(["--segment", "3/4:1", "--segment-sequence", SEQ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("none of the 3 connections") && err.contains("at least 4"), "{err}");
    let (code, err) = run_code(
        &tag,
        run_cmd(&tag, url, "8", &out).args(["--segment", "0:1/2", "--start-at", "1700000000"]),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--start-at 1700000000") && err.contains("in the past"), "{err}");
    let (code, err) = run_code(
        &tag,
        tag.command().args(["run", "--framework", "mock-ok", "--apps", "tests/apps", "--segment", "0:1/2"]),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--segment needs --url"), "{err}");
    assert!(!out.exists(), "nothing was measured, nothing written");
}

#[test]
fn merge_refuses_a_shard_of_another_configuration_and_missing_segments() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let (server, url) = mock_server(&tag);
    let first = dir.path().join("a.json");
    let output = run_cmd(&tag, &url, "2", &first)
        .args(["--segment", "0:1/2", "--segment-sequence", "0,1/2,1"])
        .output()
        .unwrap();
    stop(server);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    // The other half, as if run with another --duration.
    let mut other = read_json(&first);
    other["configuration"]["sharding"]["segment"] = "1/2:1".into();
    other["configuration"]["duration_secs"] = 30.0.into();
    let second = dir.path().join("b.json");
    std::fs::write(&second, serde_json::to_string(&other).unwrap()).unwrap();
    let merged = dir.path().join("m.json");
    let merge = |files: &[&Path]| {
        let mut c = tag.command();
        c.args(["merge", "--output"]).arg(&merged).args(files);
        run_code(&tag, &mut c)
    };
    let (code, err) = merge(&[&first, &second]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("b.json") && err.contains("configuration.duration_secs is 30 there but 1"), "{err}");
    let (code, err) = merge(&[&first]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("segment(s) 1/2:1") && err.contains("missing"), "{err}");
    let (code, err) = merge(&[&first, &first]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("both cover segment 0:1/2"), "{err}");
    let (code, err) = merge(&[&first, &dir.path().join("nope.json")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope.json"), "{err}");
    assert!(!merged.exists());
}
