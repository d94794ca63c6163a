//! HTTP/1.1 and HTTP/2 load generator: keep-alive connections (HTTP/2: N connections × M
//! concurrent streams, prior knowledge over cleartext) driven by one loop that is
//! parametrised by pacing (closed loop or fixed rate) and a stop condition; only the
//! exchange of one request and its response is protocol-specific.
//!
//! HTTP/1.1 is built directly on tokio sockets and `httparse`, HTTP/2 on the `h2` crate: a few
//! OS threads (one per pinned CPU, else [`generator_cpus`] of the usable ones), each
//! running a current-thread runtime with one task per connection. Results go into thread-local HDR histograms and per-second
//! counters that are merged when the run ends, so memory does not grow with the
//! number of requests. This module may call only the standard library, tokio,
//! httparse, h2, http, bytes, hdrhistogram, libc, nix, serde_json, sha1 and base64; it never prints.
//!
//! Counting rules:
//! - a response is counted in the phase in which it *completes*: responses in
//!   flight across the warm-up → measurement boundary are measured, responses
//!   still in flight when the run ends are not requests of the run;
//! - latency includes censored samples, so that stalls are not hidden: a
//!   timeout at the timeout (and still a timeout error), a request in flight
//!   when the window ends at its age then, and in fixed rate a request due in
//!   the window but never sent at `end − intended` (corrected histogram only);
//! - every error, including a failed connect attempt, is one failed request, so
//!   `total_requests == successful_requests + failed_requests` and
//!   `failed_requests == errors.total()`;
//! - 2xx and 3xx responses succeed (as in wrk), 4xx and 5xx are errors, and the
//!   body check applies only to responses that would otherwise succeed;
//! - if a reused keep-alive connection turns out to be closed before any byte
//!   of the response arrived, the request is sent again once on a new
//!   connection without counting an error (servers may close idle connections);
//! - in HTTP/2 each stream slot is paced and accounted like an HTTP/1.1 connection (in
//!   fixed rate each gets 1/(N × M) of the rate); a reset stream is one read error and the
//!   connection stays, a failed connection fails its in-flight streams and is replaced.
//!
//! Streaming workloads ([`StreamPlan`], over HTTP/1.1 only) run through the same loop, where
//! one "request" is one unit of the stream:
//! - SSE: one **event**. A stream's first exchange writes the GET; each exchange takes the next
//!   event; its latency is the delivery latency (client wall clock − the server's `ts_us`, both
//!   on this host; negative values are clamped to 0 and counted). After the N-th event the end of
//!   the response is read and the next GET goes out on the same connection. Closed loop only: a
//!   fixed rate of events is not something the client can pace.
//! - WebSocket: one **echoed message** (one text frame out, its echo back); latency is the
//!   round trip. Each connection starts with TCP connect + upgrade, timed in its own histogram.
//!
//! See `sse` and `ws` for the error rules of each.

mod conn;
mod error;
mod event;
mod frame;
mod http1;
mod http2;
mod http2_request;
mod mix;
mod once;
mod parse;
mod request;
mod sse;
mod stats;
mod stream_stats;
mod threads;
mod worker;
mod ws;
mod ws_once;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_rotation;
#[cfg(test)]
mod tests_stream;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::LoadError;
pub use event::{event_data, wall_us, EventData, SseEvent, SseParser};
pub use stream_stats::StreamFigures;
pub use threads::generator_cpus;
pub use ws_once::{websocket_once, WsAnswer, WsMessage};

/// Where to send requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub addr: SocketAddr,
    /// Value of the `Host` header, e.g. `127.0.0.1:8080`.
    pub host_header: String,
}

/// A request to send (every connection sends it, with the plan's rotation), serialised once
/// per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    pub method: String,
    /// Path including the query string, e.g. `/search?q=x`.
    pub path: String,
    /// Extra headers; a `Host`, `Content-Type` or `Content-Length` given here
    /// replaces the generated one.
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// How requests are paced on each connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// Each connection sends the next request as soon as the previous response is complete.
    Closed,
    /// The total rate, divided evenly across connections; latency is measured
    /// from the intended send time (coordinated omission corrected, as wrk2).
    FixedRate { per_sec: f64 },
}

/// What to verify in every response besides its status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseCheck {
    /// When set, every response body must have this length.
    pub expected_body: Option<Vec<u8>>,
    /// Compare the body of every Nth response of a connection (0 = never).
    pub body_every_n: u64,
    /// Compare those bodies as JSON by value (key order may differ, as with a hash map
    /// in the server) instead of byte for byte.
    pub json: bool,
}

/// The HTTP version spoken to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// HTTP/1.1 keep-alive, one request at a time per connection.
    #[default]
    Http1,
    /// HTTP/2 with prior knowledge over cleartext (h2c), `streams` concurrent streams per
    /// connection.
    Http2 { streams: usize },
}

impl Protocol {
    /// Concurrent requests per connection.
    pub fn streams(self) -> usize {
        match self {
            Protocol::Http1 => 1,
            Protocol::Http2 { streams } => streams,
        }
    }

    /// The name used in results and messages: `http1` or `http2`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Http1 => "http1",
            Protocol::Http2 { .. } => "http2",
        }
    }
}

/// What a streaming workload exchanges on each connection instead of requests and responses
/// (see the module doc for what one "request" is then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamPlan {
    /// `request` is the SSE GET; each stream must deliver `events` events.
    Sse { events: u32 },
    /// `request` is the upgrade GET (without its key, added per connection); each exchange
    /// echoes one text message of `message_bytes`.
    WebSocket { message_bytes: usize },
}

/// A validated description of one load run.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPlan {
    pub target: Target,
    pub request: RequestSpec,
    pub connections: usize,
    pub pacing: Pacing,
    pub warmup: Duration,
    pub duration: Duration,
    /// Per-request timeout (also used for connecting).
    pub timeout: Duration,
    /// None = one per pinned CPU, else [`generator_cpus`] of the CPUs this process may run
    /// on; capped at `connections`.
    pub threads: Option<usize>,
    /// Linux: pin generator threads to these CPUs; threads default to `cpus.len()`.
    pub cpus: Option<Vec<usize>>,
    pub check: ResponseCheck,
    /// HTTP/1.1, or HTTP/2 with M streams on each of the `connections`.
    pub protocol: Protocol,
    /// Further requests of the same method that every stream sends in turn with `request`
    /// (`request`, `rotation[0]`, …, then `request` again; each stream starts at its own point),
    /// so that a server cannot answer from a single cached response. Empty: `request` only.
    pub rotation: Vec<Rotated>,
    /// A streaming workload (HTTP/1.1, no rotation); None: requests and responses.
    pub stream: Option<StreamPlan>,
    /// Mixed load (a suite with `mode = "mixed"`): further workloads sent on the same
    /// connections, interleaved by weight with the plan's own request (part 0), each counted on
    /// its own in [`LoadReport::parts`]. None: the plan's request (and rotation) only.
    pub mix: Option<Mix>,
}

/// The workloads of a mixed load besides the plan's own, and the weights of all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    /// The weight of the plan's own request (part 0).
    pub weight: u32,
    /// Parts 1, 2, …
    pub parts: Vec<MixPart>,
}

/// One workload of a mixed load: its request, rotation, check and share.
#[derive(Debug, Clone, PartialEq)]
pub struct MixPart {
    /// Relative share of the requests (at least 1).
    pub weight: u32,
    pub request: RequestSpec,
    /// Its verified answer (None: only the status is checked); compared every
    /// [`ResponseCheck::body_every_n`] responses like the plan's own.
    pub expected_body: Option<Vec<u8>>,
    /// Compare bodies as JSON by value.
    pub json: bool,
    /// Its variants, sent in turn within its share; the same method as `request`.
    pub rotation: Vec<Rotated>,
}

/// The share of one workload of a mixed load: requests counted as in [`LoadReport`], latency
/// of its successful, timed-out and (at the end of the window) in-flight requests. Fixed rate's
/// never-sent requests belong to no workload: they are in the total only.
#[derive(Debug, Clone)]
pub struct PartReport {
    pub total_requests: u64,
    pub successful_requests: u64,
    pub failed_requests: u64,
    pub errors: ErrorCounts,
    /// Bytes of its complete responses (HTTP/1.1: head and body as read; HTTP/2: body only,
    /// as headers are compressed per connection).
    pub bytes_received: u64,
    pub latency: hdrhistogram::Histogram<u64>,
    pub censored_timeouts: u64,
    pub censored_in_flight: u64,
}

/// A request of [`LoadPlan::rotation`] and the answer it must get: its responses are checked
/// like `request`'s under the plan's [`ResponseCheck`], against `expected_body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub request: RequestSpec,
    /// Its verified answer (None: only the status is checked).
    pub expected_body: Option<Vec<u8>>,
}

/// The phase that [`run`] reports through its `on_phase` callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Warmup,
    Measuring,
}

/// A complete response read by [`send_once`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names are lowercased; order is kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Errors by kind, counted in the measured window: the result file's own type.
pub use crate::schema::ErrorCounts;

impl ErrorCounts {
    /// Sum of all error kinds.
    pub fn total(&self) -> u64 {
        self.connect + self.timeout + self.read + self.status_4xx + self.status_5xx + self.mismatch
    }

    pub(crate) fn add(&mut self, other: &ErrorCounts) {
        self.connect += other.connect;
        self.timeout += other.timeout;
        self.read += other.read;
        self.status_4xx += other.status_4xx;
        self.status_5xx += other.status_5xx;
        self.mismatch += other.mismatch;
    }
}

/// One second of the measured window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineSecond {
    /// Second index from the start of measurement, 0-based.
    pub t: u32,
    /// Requests completed in that second, successful and failed.
    pub requests: u64,
    pub errors: u64,
    /// Of successful and timed-out requests.
    pub p50_us: Option<u64>,
    pub p99_us: Option<u64>,
}

/// The result of [`run`].
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// When the measured window began (the timeline's second 0).
    pub started: Instant,
    /// Actual measured window.
    pub elapsed: Duration,
    pub total_requests: u64,
    pub successful_requests: u64,
    pub failed_requests: u64,
    /// Response bytes (head and body) read in the measured window.
    pub bytes_received: u64,
    pub errors: ErrorCounts,
    /// Microseconds, successful responses and the censored samples counted
    /// below; in FixedRate from the intended send time.
    pub latency: hdrhistogram::Histogram<u64>,
    /// FixedRate only: microseconds from the actual send time (successful,
    /// timed out and in flight; not the unsent).
    pub latency_uncorrected: Option<hdrhistogram::Histogram<u64>>,
    /// Timed-out requests recorded in `latency` at the timeout (also in `errors.timeout`).
    pub censored_timeouts: u64,
    /// Requests in flight when the window ended, recorded in `latency` at their age then.
    pub censored_in_flight: u64,
    /// FixedRate: requests due in the window but never sent, recorded at `end − intended`.
    pub censored_unsent: u64,
    pub timeline: Vec<TimelineSecond>,
    pub target_rate: Option<f64>,
    /// Completed requests (successful and failed) per second of `elapsed`.
    pub achieved_rate: f64,
    /// Generator threads' CPU time / (elapsed × threads) × 100.
    pub generator_cpu_percent: Option<f64>,
    /// `generator_cpu_percent > 85`: the generator may be the bottleneck.
    pub generator_bound: bool,
    pub threads: usize,
    pub interrupted: bool,
    /// Microseconds from the actual send time to the first byte of the response (HTTP/2: its
    /// HEADERS frame), successful responses in the window.
    pub ttfb: hdrhistogram::Histogram<u64>,
    /// Complete responses in the window (successful or not) and their body bytes; the rest of
    /// `bytes_received` is heads and framing.
    pub responses: u64,
    pub body_bytes: u64,
    /// SSE and WebSocket figures of the window (empty for plain HTTP).
    pub stream: StreamFigures,
    /// Mixed load: one entry per part (the plan's own request first), summing to the totals
    /// except for fixed rate's unsent requests; empty otherwise.
    pub parts: Vec<PartReport>,
}

/// Runs warm-up (not counted) then the measured window.
///
/// `stop` (set by another thread, e.g. on Ctrl-C or when the server dies) ends
/// the run early: the report then has `interrupted = true` and covers the time
/// measured so far. `on_phase` is called from the calling thread when a phase
/// begins (`Warmup` only if there is a warm-up).
pub fn run(
    plan: &LoadPlan,
    stop: &Arc<AtomicBool>,
    on_phase: &(dyn Fn(Phase) + Sync),
) -> Result<LoadReport, LoadError> {
    worker::run(plan, stop, on_phase)
}

/// One request on a fresh connection, full response read (Content-Length,
/// chunked or until close), for answer verification.
pub fn send_once(target: &Target, request: &RequestSpec, timeout: Duration) -> Result<Response, LoadError> {
    send_once_over(target, request, timeout, Protocol::Http1)
}

/// [`send_once`] over `protocol`: with HTTP/2, a server that does not speak h2c gives
/// [`LoadError::Http2`] (within `timeout`, never a hang).
pub fn send_once_over(
    target: &Target,
    request: &RequestSpec,
    timeout: Duration,
    protocol: Protocol,
) -> Result<Response, LoadError> {
    if timeout.is_zero() {
        return Err(LoadError::InvalidPlan("timeout must be greater than zero".into()));
    }
    match protocol {
        Protocol::Http1 => once::send_once(target, request, timeout),
        Protocol::Http2 { .. } => http2_request::send_once(target, request, timeout),
    }
}
