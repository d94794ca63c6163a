//! Streaming workloads (SSE and WebSocket) against the test double: a correct app is verified
//! and measured with the `streaming` figures; a wrong one is invalid with the difference; a bad
//! protocol value and `--http2` / `--rate` with streaming are usage errors (exit 2). Outcomes
//! only, never timings.

use crate::helpers::{read_json, run_mock_suite, text, workload, Tag};

#[test]
fn a_correct_app_streams_events_and_echoes_messages_with_their_figures() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-ok", "streaming", &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 0, "{err}");
    let r = read_json(&out);
    for name in ["sse-burst", "sse-ticks", "ws-echo"] {
        let w = workload(&r, name);
        assert_eq!(w["status"], "ok", "{w}");
        assert_eq!(w["verified"], true, "{w}");
        assert_eq!(w["category"], "streaming");
        let m = &w["results"];
        assert!(m["throughput"]["successful_requests"].as_u64().unwrap() > 0, "{w}");
        assert_eq!(m["errors"]["mismatch"], 0, "{w}");
        let s = &m["streaming"];
        if name.starts_with("sse") {
            assert_eq!(s["kind"], "sse", "{w}");
            assert_eq!(m["load"]["protocol"], "sse", "{w}");
            assert_eq!(s["events_per_sec"], m["throughput"]["requests_per_sec"], "{w}");
            for key in [
                "time_to_first_event_p50_ms",
                "time_to_first_event_p99_ms",
                "inter_event_p50_ms",
                "inter_event_p99_ms",
                "streams_completed",
                "dropped_streams",
                "delivery_negative",
            ] {
                assert!(s.get(key).is_some(), "{key} missing: {w}");
            }
            // Every stream that ended in the window delivered all its events in order.
            assert!(s["time_to_first_event_p50_ms"].is_number(), "{w}");
        } else {
            assert_eq!(s["kind"], "websocket", "{w}");
            assert_eq!(m["load"]["protocol"], "websocket", "{w}");
            assert_eq!(s["messages_per_sec"], m["throughput"]["requests_per_sec"], "{w}");
            assert!(s["connect_p50_ms"].is_number() && s["connect_p99_ms"].is_number(), "{w}");
            assert_eq!(s["connections"], 2, "{w}");
            assert_eq!(s["dropped_connections"], 0, "{w}");
        }
    }
    // Streams of the burst end within the second on any machine that passes verification; the
    // ticking one (20 × 50 ms) might not, so only the burst is asserted.
    let burst = &workload(&r, "sse-burst")["results"]["streaming"];
    assert!(burst["streams_completed"].as_u64().unwrap() > 0, "{burst}");
}

#[test]
fn a_wrong_app_is_invalid_with_the_difference() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, err) = run_mock_suite(&tag, "mock-wrong", "streaming", &out);
    tag.assert_no_leftovers();
    assert_eq!(code, 1, "{err}");
    let r = read_json(&out);
    let reason = |name: &str| {
        let w = workload(&r, name);
        assert_eq!(w["status"], "invalid", "{w}");
        assert!(w["results"].is_null(), "{w}");
        w["reason"].as_str().unwrap().to_string()
    };
    let burst = reason("sse-burst");
    assert!(burst.contains("100 events, expected 1000"), "{burst}");
    let ticks = reason("sse-ticks");
    assert!(ticks.contains("100 events, expected 20"), "{ticks}");
    let ws = reason("ws-echo");
    assert!(ws.contains("message 0 (text, 17 bytes) echoed wrongly"), "{ws}");
    assert!(ws.contains("expected \"0\", got \"#\""), "{ws}");
}

#[test]
fn an_unknown_protocol_exits_2_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("pigeon.toml");
    std::fs::write(
        &suite,
        "name = \"p\"\n\n[[workloads]]\nname = \"coo\"\ncategory = \"streaming\"\nmethod = \"GET\"\n\
         path = \"/stream/ws\"\nprotocol = \"carrier-pigeon\"\n",
    )
    .unwrap();
    let tag = Tag::new();
    let output = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite"])
        .arg(&suite)
        .args(["--duration", "1", "--warmup", "0"])
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("pigeon.toml:8:12: unknown protocol 'carrier-pigeon'"), "{err}");
    assert!(err.contains("valid protocols: sse, websocket"), "{err}");
}

#[test]
fn http2_or_a_rate_with_sse_exit_2_before_anything_starts() {
    for (flags, expected) in [
        (&["--http2"][..], "workload 'sse-burst' streams (sse), and streaming runs over http/1.1 only"),
        (&["--rate", "100"][..], "--rate 100 cannot pace sse workload 'sse-burst'"),
    ] {
        let tag = Tag::new();
        let output = tag
            .command()
            .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite", "streaming"])
            .args(flags)
            .args(["--duration", "1", "--warmup", "0"])
            .output()
            .unwrap();
        tag.assert_no_leftovers();
        let (_, err) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(expected), "{flags:?}: {err}");
    }
}
