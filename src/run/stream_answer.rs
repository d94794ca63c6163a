//! Streaming workloads (SSE and WebSocket) in the run: the requests they send, the checks of
//! their answers before anything is measured (`/work/notes/streaming-contract.md`), the load
//! plan's stream, the option combinations they refuse and the `streaming` figures of their
//! measurement.

use std::time::Duration;

use super::answer::{request_of, AnswerError};
use super::{LoadOptions, Session};
use crate::loadgen::{self, LoadReport, RequestSpec, SseEvent, SseParser, StreamPlan, WsAnswer, WsMessage};
use crate::schema::{SseFigures, Streaming, WebSocketFigures};
use crate::stats::round_to;
use crate::workload::{Stream, Workload};

/// The load plan's stream for `workload` (None for plain HTTP).
pub fn stream_plan(workload: &Workload) -> Option<StreamPlan> {
    workload.stream.map(|s| match s {
        Stream::Sse { events } => StreamPlan::Sse { events },
        Stream::WebSocket { message_bytes } => StreamPlan::WebSocket { message_bytes },
    })
}

/// The request a workload sends: for SSE with `Accept: text/event-stream`, for WebSocket with
/// the upgrade headers (the key is added per connection).
pub fn stream_request(workload: &Workload, session: &Session) -> RequestSpec {
    let mut request = request_of(workload, session);
    let add: &[(&str, &str)] = match workload.stream {
        None => &[],
        Some(Stream::Sse { .. }) => &[("Accept", "text/event-stream")],
        Some(Stream::WebSocket { .. }) => {
            &[("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13")]
        }
    };
    for (name, value) in add {
        if !request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            request.headers.push((name.to_string(), value.to_string()));
        }
    }
    request
}

/// Why the options cannot run these workloads (a usage error), if they cannot: streaming runs
/// over HTTP/1.1 only, and SSE in closed loop only.
pub fn streaming_conflict(workloads: &[Workload], load: &LoadOptions) -> Option<String> {
    let streaming = workloads.iter().find(|w| w.stream.is_some())?;
    if load.protocol != loadgen::Protocol::Http1 {
        return Some(format!(
            "workload '{}' streams ({}), and streaming runs over http/1.1 only; drop --http2 / --protocol \
             http2 or leave the streaming workloads out (--workload)",
            streaming.name,
            streaming.stream.map_or("", |s| s.kind())
        ));
    }
    if let (Some(rate), Some(sse)) =
        (load.rate, workloads.iter().find(|w| matches!(w.stream, Some(Stream::Sse { .. }))))
    {
        return Some(format!(
            "--rate {rate} cannot pace sse workload '{}': the server sends the events at its own pace; run sse \
             workloads in closed loop (without --rate)",
            sse.name
        ));
    }
    None
}

/// Checks a streaming workload's answers as the contract says.
pub fn verify_stream(
    session: &mut Session,
    workload: &Workload,
    timeout: Duration,
) -> Result<(), AnswerError> {
    match workload.stream {
        None => Ok(()),
        Some(Stream::Sse { events }) => {
            let request = stream_request(workload, session);
            check_sse(session, &request, workload.expect.status, events, timeout, "")?;
            // Another count, so that a constant stream fails.
            let other = if events == 7 { 8 } else { 7 };
            let path = with_count(&request.path, other);
            let variant = RequestSpec { path, ..request };
            let prefix = format!("variant with count={other}: ");
            check_sse(session, &variant, workload.expect.status, other, timeout, &prefix)
        }
        Some(Stream::WebSocket { .. }) => check_websocket(session, workload, timeout),
    }
}

/// `path` with its `count=` query value replaced by `n`.
fn with_count(path: &str, n: u32) -> String {
    let Some((base, query)) = path.split_once('?') else { return format!("{path}?count={n}") };
    let pairs: Vec<String> = query
        .split('&')
        .map(|p| if p.starts_with("count=") { format!("count={n}") } else { p.to_string() })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

fn no_answer(session: &mut Session, prefix: &str, what: &str, e: loadgen::LoadError) -> AnswerError {
    let died = session.server_died().map(|r| format!("; {r}")).unwrap_or_default();
    AnswerError::NoAnswer(format!("{prefix}no answer to {what}: {e}{died}"))
}

fn check_sse(
    session: &mut Session,
    request: &RequestSpec,
    status: u16,
    events: u32,
    timeout: Duration,
    prefix: &str,
) -> Result<(), AnswerError> {
    let what = format!("GET {}", request.path);
    let resp = loadgen::send_once(session.target(), request, timeout)
        .map_err(|e| no_answer(session, prefix, &what, e))?;
    let invalid = |why: String| AnswerError::Invalid(format!("{prefix}{what}: {why}"));
    if resp.status != status {
        return Err(invalid(format!("status {}, expected {status}", resp.status)));
    }
    let content_type = resp.headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.as_str());
    let is_sse = content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("text/event-stream"));
    if !is_sse {
        return Err(invalid(format!(
            "content type {}, expected text/event-stream",
            content_type.map_or("missing".to_string(), |c| format!("'{c}'"))
        )));
    }
    let mut parser = SseParser::default();
    parser.feed(&resp.body);
    let got: Vec<SseEvent> = std::iter::from_fn(|| parser.pop()).collect();
    match sse_problem(&got, events) {
        Some(why) => Err(invalid(why)),
        None => Ok(()),
    }
}

/// What is wrong with a complete stream that should hold events 0..n, if anything.
pub(crate) fn sse_problem(events: &[SseEvent], n: u32) -> Option<String> {
    for (i, ev) in events.iter().enumerate() {
        if i >= n as usize {
            return Some(format!("{} events, expected {n}: event {i} has data {:?}", events.len(), ev.data));
        }
        match loadgen::event_data(&ev.data) {
            Err(why) => return Some(format!("event {i}: {why}")),
            Ok(d) if d.seq != i as u64 => {
                return Some(format!("event {i} has seq {}, expected {i} (data {:?})", d.seq, ev.data))
            }
            Ok(_) => {}
        }
    }
    (events.len() < n as usize)
        .then(|| format!("{} events, expected {n}; the stream ended early", events.len()))
}

/// The verification conversation: three text messages of different sizes and one binary.
fn ws_messages() -> Vec<WsMessage> {
    let text = |s: String| WsMessage { binary: false, payload: s.into_bytes() };
    vec![
        text("harness message 0".into()),
        text(format!("harness message 1 {}", "x".repeat(180))), // a 16-bit length
        text("harness message 2: ünïcödé ✓".into()),
        WsMessage { binary: true, payload: (0..=255u8).rev().collect() },
    ]
}

fn check_websocket(session: &mut Session, workload: &Workload, timeout: Duration) -> Result<(), AnswerError> {
    let request = stream_request(workload, session);
    let what = format!("websocket GET {}", request.path);
    let sent = ws_messages();
    let answer = loadgen::websocket_once(session.target(), &request, &sent, timeout)
        .map_err(|e| no_answer(session, "", &what, e))?;
    let invalid = |why: String| Err(AnswerError::Invalid(format!("{what}: {why}")));
    let (echoes, closed_cleanly) = match answer {
        WsAnswer::Refused(why) => return invalid(format!("upgrade refused: {why}")),
        WsAnswer::Talked { echoes, closed_cleanly } => (echoes, closed_cleanly),
    };
    for (i, (sent, got)) in sent.iter().zip(&echoes).enumerate() {
        let kind = |binary: bool| if binary { "binary" } else { "text" };
        let got = match got {
            Err(why) => return invalid(format!("message {i} ({}): {why}", kind(sent.binary))),
            Ok(got) => got,
        };
        if got.binary != sent.binary {
            return invalid(format!(
                "message {i} was {} and came back {}",
                kind(sent.binary),
                kind(got.binary)
            ));
        }
        if got.payload != sent.payload {
            return invalid(format!(
                "message {i} ({}, {} bytes) echoed wrongly: {}",
                kind(sent.binary),
                sent.payload.len(),
                first_difference(&sent.payload, &got.payload)
            ));
        }
    }
    if !closed_cleanly {
        return invalid("the close frame was not answered with a close frame".into());
    }
    Ok(())
}

/// Where two payloads first differ, quoted.
fn first_difference(expected: &[u8], got: &[u8]) -> String {
    let at = expected.iter().zip(got).position(|(a, b)| a != b).unwrap_or(expected.len().min(got.len()));
    let quote = |b: &[u8]| {
        let end = (at + 24).min(b.len());
        format!("{:?}", String::from_utf8_lossy(&b[at.min(end)..end]))
    };
    format!(
        "expected {} bytes, got {}; first difference at byte {at}: expected {}, got {}",
        expected.len(),
        got.len(),
        quote(expected),
        quote(got)
    )
}

/// The `streaming` figures of a load run with `stream` (None: not streaming), and notes for
/// those that are null.
pub fn streaming_of(
    stream: Option<StreamPlan>,
    report: &LoadReport,
    notes: &mut Vec<String>,
) -> Option<Streaming> {
    let f = &report.stream;
    let secs = report.elapsed.as_secs_f64().max(f64::EPSILON);
    let rate = round_to(report.successful_requests as f64 / secs, 2);
    let pct = |h: &hdrhistogram::Histogram<u64>, q: f64| {
        (!h.is_empty()).then(|| round_to(h.value_at_quantile(q) as f64 / 1000.0, 3))
    };
    match stream? {
        StreamPlan::Sse { events } => {
            if f.first_event.is_empty() {
                notes.push(
                    "streaming.time_to_first_event: null because no stream began and delivered its first event \
                     within the measured window"
                        .into(),
                );
            }
            if f.inter_event.is_empty() {
                notes.push(if events == 1 {
                    "streaming.inter_event: null because every stream has one event (no gaps)".into()
                } else {
                    "streaming.inter_event: null because no two consecutive events arrived in the window"
                        .into()
                });
            }
            if f.delivery_negative > 0 {
                notes.push(format!(
                    "latency: {} events carried a server timestamp later than their receive time (a clock step); \
                     recorded as 0 ms",
                    f.delivery_negative
                ));
            }
            notes.push(
                "ttfb: null for sse (see streaming.time_to_first_event); latency is the delivery latency"
                    .into(),
            );
            Some(Streaming::Sse(SseFigures {
                events_per_sec: rate,
                time_to_first_event_p50_ms: pct(&f.first_event, 0.5),
                time_to_first_event_p99_ms: pct(&f.first_event, 0.99),
                inter_event_p50_ms: pct(&f.inter_event, 0.5),
                inter_event_p99_ms: pct(&f.inter_event, 0.99),
                streams_completed: f.streams_completed,
                dropped_streams: f.dropped_streams,
                delivery_negative: f.delivery_negative,
            }))
        }
        StreamPlan::WebSocket { .. } => {
            if f.connect.is_empty() {
                notes.push(
                    "streaming.connect: null because no connection completed its upgrade during the run"
                        .into(),
                );
            }
            Some(Streaming::Websocket(WebSocketFigures {
                messages_per_sec: rate,
                connect_p50_ms: pct(&f.connect, 0.5),
                connect_p99_ms: pct(&f.connect, 0.99),
                connections: f.connect.len(),
                dropped_connections: f.dropped_connections,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(seqs: &[u64]) -> Vec<SseEvent> {
        seqs.iter()
            .map(|s| SseEvent { data: format!("{{\"seq\":{s},\"ts_us\":1}}"), ..Default::default() })
            .collect()
    }

    #[test]
    fn a_stream_must_hold_exactly_n_events_in_order() {
        assert_eq!(sse_problem(&events(&[0, 1, 2]), 3), None);
        assert_eq!(sse_problem(&events(&[0, 1]), 3).unwrap(), "2 events, expected 3; the stream ended early");
        assert!(sse_problem(&events(&[0, 2, 1]), 3).unwrap().starts_with("event 1 has seq 2, expected 1"));
        assert!(sse_problem(&events(&[0, 1, 2, 3]), 3).unwrap().starts_with("4 events, expected 3: event 3"));
        let bad = vec![SseEvent { data: "{\"seq\":0,\"ts_us\":1.5}".into(), ..Default::default() }];
        assert!(sse_problem(&bad, 1).unwrap().starts_with("event 0: event data"));
    }

    #[test]
    fn the_variant_changes_only_the_count() {
        assert_eq!(
            with_count("/stream/sse?count=20&interval_ms=50", 7),
            "/stream/sse?count=7&interval_ms=50"
        );
        assert_eq!(with_count("/s?a=1&count=3", 8), "/s?a=1&count=8");
    }

    #[test]
    fn differences_are_quoted_where_they_start() {
        let d = first_difference(b"harness message 0", b"harness messagX 0");
        assert_eq!(
            d,
            "expected 17 bytes, got 17; first difference at byte 14: expected \"e 0\", got \"X 0\""
        );
        assert!(first_difference(b"abc", b"ab").contains("at byte 2: expected \"c\", got \"\""));
    }
}
