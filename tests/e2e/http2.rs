//! `--http2`: the real binary against the h2c example server (`examples/h2_server.rs`, run on
//! a thread of the test), against HTTP/1.1-only servers (a clear error, no hang), and bad
//! protocol values.

use std::io::{Read, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::helpers::{read_json, text, workload, Tag};

#[allow(dead_code)]
#[path = "../../examples/h2_server.rs"]
mod h2_server;

/// Starts the h2c server on a free port; its thread ends with the test process.
fn start_h2c() -> (String, Arc<h2_server::Counters>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counters = Arc::new(h2_server::Counters::default());
    let c = counters.clone();
    std::thread::spawn(move || h2_server::serve_listener(listener, c));
    (url, counters)
}

#[test]
fn http2_runs_verify_answers_and_count_every_request() {
    let (url, counters) = start_h2c();
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let output = tag
        .command()
        .args(["--quiet", "run", "--url", &url, "--suite", "baseline,json-bodies"])
        .args(["--workload", "plaintext,json-hello,json-small", "--http2", "--streams", "4"])
        .args(["--concurrency", "2", "--duration", "1", "--warmup", "0.2", "--no-pin", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    let (_, err) = text(&output);
    tag.assert_no_leftovers();
    assert_eq!(output.status.code(), Some(0), "{err}");
    let r = read_json(&out);
    assert!(r["configuration"]["load_generator"].as_str().unwrap().contains("HTTP/2"), "{r}");
    let mut counted = 0;
    for name in ["plaintext", "json-hello", "json-small"] {
        let w = workload(&r, name);
        assert_eq!((w["status"].as_str(), w["verified"].as_bool()), (Some("ok"), Some(true)), "{w}");
        let m = &w["results"];
        let t = &m["throughput"];
        assert_eq!(t["failed_requests"], 0, "{w}");
        assert!(t["successful_requests"].as_u64().unwrap() > 0, "{w}");
        assert_eq!(t["total_requests"], t["successful_requests"]);
        let load = &m["load"];
        assert_eq!(
            (load["protocol"].as_str(), load["streams_per_connection"].as_u64()),
            (Some("http2"), Some(4))
        );
        assert_eq!(load["connections"], 2);
        let (p50, p99) = (load["ttfb_p50_ms"].as_f64().unwrap(), load["ttfb_p99_ms"].as_f64().unwrap());
        assert!(p50 > 0.0 && p50 <= p99 && p99 <= m["latency"]["max_ms"].as_f64().unwrap(), "{load}");
        // A HEADERS frame and a DATA frame header at least; far less than the body-free h1 head.
        let head = load["header_bytes_per_response"].as_f64().unwrap();
        assert!((18.0..200.0).contains(&head), "{load}");
        assert!(m["timeline"].as_array().is_some_and(|t| !t.is_empty()), "{m}");
        counted += t["total_requests"].as_u64().unwrap();
    }
    // The server answered every counted request (plus warm-up and verification ones).
    let served = counters.requests.load(Ordering::Relaxed);
    assert!(served >= counted + 3, "server answered {served}, harness counted {counted}");
}

#[test]
fn streams_are_concurrent_on_one_connection() {
    let (url, counters) = start_h2c();
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("slow.toml");
    std::fs::write(
        &suite,
        "name = \"slow\"\ndescription = \"a 100 ms answer\"\n\n[[workloads]]\nname = \"slow\"\n\
         category = \"slow\"\nmethod = \"GET\"\npath = \"/slow\"\n\n[workloads.expect]\nstatus = 200\n\
         text = \"Hello, World!\"\n",
    )
    .unwrap();
    let out = dir.path().join("r.json");
    let output = tag
        .command()
        .args(["--quiet", "run", "--url", &url, "--suite"])
        .arg(&suite)
        .args(["--protocol", "http2", "--streams", "5", "--concurrency", "1", "--duration", "0.5"])
        .args(["--warmup", "0", "--no-pin", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let w = workload(&read_json(&out), "slow").clone();
    assert_eq!(w["status"], "ok", "{w}");
    // Each answer takes 100 ms, so the 5 streams of the one connection overlap.
    assert_eq!(counters.max_streams.load(Ordering::Relaxed), 5);
}

/// An HTTP/1.1-only server on a thread: answers every request head with `Hello, World!`.
fn start_http1() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    if !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        // Not an HTTP/1.1 request (e.g. the HTTP/2 preface): answer as h1 servers do.
                        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                        return;
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!");
                }
            });
        }
    });
    url
}

#[test]
fn http2_against_an_http1_only_url_exits_with_the_reason() {
    let url = start_http1();
    let tag = Tag::new();
    let output = tag
        .command()
        .args(["--quiet", "run", "--url", &url, "--suite", "baseline", "--http2", "--duration", "1"])
        .args(["--warmup", "0", "--no-pin", "--format", "json"])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("did not answer over HTTP/2 with prior knowledge (h2c)"), "{err}");
    assert!(err.contains("run without --http2"), "{err}");
}

#[test]
fn http2_against_an_http1_only_app_exits_with_the_reason() {
    let tag = Tag::new();
    let output = tag
        .command()
        .args(["--quiet", "run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite", "baseline"])
        .args(["--http2", "--duration", "1", "--warmup", "0", "--timeout", "3", "--format", "json"])
        .output()
        .unwrap();
    let (_, err) = text(&output);
    tag.assert_no_leftovers();
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot run over http/2"), "{err}");
    assert!(err.contains("did not answer over HTTP/2 with prior knowledge (h2c)"), "{err}");
}

#[test]
fn an_unknown_protocol_or_streams_without_http2_exit_2() {
    let tag = Tag::new();
    let output =
        tag.command().args(["run", "--url", "http://127.0.0.1:9", "--protocol", "http3"]).output().unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("'http3'") && err.contains("http1") && err.contains("http2"), "{err}");
    let output =
        tag.command().args(["run", "--url", "http://127.0.0.1:9", "--streams", "4"]).output().unwrap();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("--streams 4 needs --http2"), "{err}");
    let output = tag
        .command()
        .args(["run", "--url", "http://127.0.0.1:9", "--http2", "--streams", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
