//! The `streaming` figures object of an SSE or WebSocket workload's measurement.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The figures of a streaming workload, by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Streaming {
    /// Server-sent events.
    Sse(SseFigures),
    /// WebSocket echo.
    Websocket(WebSocketFigures),
}

/// SSE: what the streams delivered in the measured window. A null figure has its reason in
/// the measurement's `notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SseFigures {
    /// Events received in order per second (= `throughput.requests_per_sec`).
    pub events_per_sec: f64,
    /// From writing the GET to the stream's first event.
    pub time_to_first_event_p50_ms: Option<f64>,
    pub time_to_first_event_p99_ms: Option<f64>,
    /// Gaps between consecutive events of one stream (≈ `interval_ms` for paced streams).
    pub inter_event_p50_ms: Option<f64>,
    pub inter_event_p99_ms: Option<f64>,
    /// Streams that delivered all their events and ended.
    pub streams_completed: u64,
    /// Streams that ended, broke or went out of order before their last event.
    pub dropped_streams: u64,
    /// Events whose server timestamp was after their receive time (recorded as 0 ms).
    pub delivery_negative: u64,
}

/// WebSocket: the connections and the echo rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WebSocketFigures {
    /// Messages echoed correctly per second (= `throughput.requests_per_sec`).
    pub messages_per_sec: f64,
    /// TCP connect plus the upgrade, of every connection opened before the window ended
    /// (warm-up included: connections are kept).
    pub connect_p50_ms: Option<f64>,
    pub connect_p99_ms: Option<f64>,
    /// Connections those figures come from.
    pub connections: u64,
    /// Connections the server closed (close frame or EOF) in the measured window.
    pub dropped_connections: u64,
}
