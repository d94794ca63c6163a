//! One line of streaming figures (SSE and WebSocket) per measured streaming workload, for the
//! console and markdown reports; pure.

use super::console::thousands;
use crate::schema::{RunResult, Streaming};

/// `(workload, line)` for every workload with `streaming` figures, in result order.
pub(super) fn lines(result: &RunResult) -> Vec<(String, String)> {
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"));
    result
        .workloads()
        .filter_map(|w| {
            let line = match w.results.as_ref()?.streaming.as_ref()? {
                Streaming::Sse(s) => format!(
                    "sse {} events/s, first event p50/p99 {}/{} ms, gap p50/p99 {}/{} ms, {} streams completed, {} dropped",
                    thousands(s.events_per_sec),
                    ms(s.time_to_first_event_p50_ms),
                    ms(s.time_to_first_event_p99_ms),
                    ms(s.inter_event_p50_ms),
                    ms(s.inter_event_p99_ms),
                    s.streams_completed,
                    s.dropped_streams
                ),
                Streaming::Websocket(s) => format!(
                    "websocket {} messages/s, connect p50/p99 {}/{} ms ({} connections), {} dropped",
                    thousands(s.messages_per_sec),
                    ms(s.connect_p50_ms),
                    ms(s.connect_p99_ms),
                    s.connections,
                    s.dropped_connections
                ),
            };
            Some((w.name.clone(), line))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{SseFigures, WebSocketFigures};

    #[test]
    fn one_line_per_streaming_workload() {
        let mut r = super::super::fixtures::run();
        assert!(lines(&r).is_empty());
        let mut workloads = r.suites[0].workloads.iter_mut().filter(|w| w.results.is_some());
        let a = workloads.next().unwrap();
        a.results.as_mut().unwrap().streaming = Some(Streaming::Sse(SseFigures {
            events_per_sec: 12_000.0,
            time_to_first_event_p50_ms: Some(1.5),
            time_to_first_event_p99_ms: Some(3.0),
            inter_event_p50_ms: None,
            inter_event_p99_ms: None,
            streams_completed: 12,
            dropped_streams: 0,
            delivery_negative: 0,
        }));
        let name_a = a.name.clone();
        let b = workloads.next().unwrap();
        b.results.as_mut().unwrap().streaming = Some(Streaming::Websocket(WebSocketFigures {
            messages_per_sec: 500.0,
            connect_p50_ms: Some(0.25),
            connect_p99_ms: Some(0.5),
            connections: 4,
            dropped_connections: 1,
        }));
        let got = lines(&r);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, name_a);
        assert_eq!(
            got[0].1,
            "sse 12,000 events/s, first event p50/p99 1.50/3.00 ms, gap p50/p99 -/- ms, 12 streams completed, 0 dropped"
        );
        assert_eq!(
            got[1].1,
            "websocket 500 messages/s, connect p50/p99 0.25/0.50 ms (4 connections), 1 dropped"
        );
    }
}
