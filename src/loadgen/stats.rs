//! Thread-local result counters: HDR latency histograms, error counts and a
//! per-second timeline, all limited to the measured window and merged at the end.
//!
//! Requests that did not complete in the window still count in the latency
//! histograms as censored samples (their true latency is at least the value
//! recorded), so a stalling server never looks faster than it is: a timeout at
//! the timeout, a request in flight at the end at its age then, and (fixed
//! rate) a request due in the window but never sent at `end − intended`.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::mix::PartStats;
use super::{ErrorCounts, TimelineSecond};

/// Latency histogram bounds: 1 µs .. 60 s, 3 significant digits.
const LOW_US: u64 = 1;
const HIGH_US: u64 = 60_000_000;
const SIGFIG: u8 = 3;
/// Per-second histograms are coarser and grow only as far as the values seen.
const SECOND_SIGFIG: u8 = 2;

/// The kinds of error a request can end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    Connect,
    Timeout,
    Read,
    Status4xx,
    Status5xx,
    Mismatch,
}

pub(crate) fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(LOW_US, HIGH_US, SIGFIG).expect("constant histogram bounds are valid")
}

pub(crate) fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}

/// Censored latency samples by kind (see the module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Censored {
    pub(crate) timeouts: u64,
    pub(crate) in_flight: u64,
    pub(crate) unsent: u64,
}

/// What one connection has outstanding, kept current by the connection task so
/// that [`ThreadStats::finish`] can record it when the window ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Outstanding {
    /// The request on the wire: intended and actual send time.
    pub(crate) in_flight: Option<(Instant, Instant)>,
    /// Mixed load: the part (workload) of the request on the wire.
    pub(crate) part: usize,
    /// Fixed rate: the first intended send time not yet sent, and the interval.
    pub(crate) unsent: Option<(Instant, Duration)>,
}

impl ErrorCounts {
    /// Counts one error of `kind`.
    pub(crate) fn count(&mut self, kind: ErrorKind) {
        match kind {
            ErrorKind::Connect => self.connect += 1,
            ErrorKind::Timeout => self.timeout += 1,
            ErrorKind::Read => self.read += 1,
            ErrorKind::Status4xx => self.status_4xx += 1,
            ErrorKind::Status5xx => self.status_5xx += 1,
            ErrorKind::Mismatch => self.mismatch += 1,
        }
    }
}

/// Counters for one second of the measured window.
#[derive(Debug, Clone)]
pub(crate) struct SecondStats {
    requests: u64,
    errors: u64,
    latency: Histogram<u64>,
}

impl SecondStats {
    fn new() -> Self {
        SecondStats {
            requests: 0,
            errors: 0,
            latency: Histogram::new(SECOND_SIGFIG).expect("constant sigfig is valid"),
        }
    }
}

/// Everything one generator thread measured.
#[derive(Debug, Clone)]
pub(crate) struct ThreadStats {
    /// Start of the measured window.
    pub(crate) start: Instant,
    /// End of the measured window (moved earlier when the run is stopped).
    pub(crate) end: Instant,
    pub(crate) successful: u64,
    pub(crate) errors: ErrorCounts,
    pub(crate) bytes: u64,
    pub(crate) latency: Histogram<u64>,
    pub(crate) uncorrected: Option<Histogram<u64>>,
    pub(crate) timeline: Vec<SecondStats>,
    pub(crate) censored: Censored,
    /// Complete responses (successful or not) and their body bytes, for the header bytes
    /// per response.
    pub(crate) responses: u64,
    pub(crate) body_bytes: u64,
    /// Microseconds from the send time to the first response byte, successful responses.
    pub(crate) ttfb: Histogram<u64>,
    /// One entry per connection of this thread, indexed by its slot.
    pub(crate) outstanding: Vec<Outstanding>,
    /// SSE and WebSocket figures (empty for plain HTTP); callers check [`Self::in_window`].
    pub(crate) stream: super::stream_stats::StreamFigures,
    /// Mixed load: one entry per part; empty otherwise.
    pub(crate) parts: Vec<PartStats>,
}

impl ThreadStats {
    pub(crate) fn new(start: Instant, end: Instant, fixed_rate: bool) -> Self {
        ThreadStats {
            start,
            end,
            successful: 0,
            errors: ErrorCounts::default(),
            bytes: 0,
            latency: latency_histogram(),
            uncorrected: fixed_rate.then(latency_histogram),
            timeline: Vec::new(),
            censored: Censored::default(),
            responses: 0,
            body_bytes: 0,
            ttfb: latency_histogram(),
            outstanding: Vec::new(),
            stream: Default::default(),
            parts: Vec::new(),
        }
    }

    /// Counts `n` parts (workloads) of a mixed load on their own, besides the totals.
    pub(crate) fn with_parts(mut self, n: usize) -> Self {
        self.parts = (0..n).map(|_| PartStats::new()).collect();
        self
    }

    /// Part `part`'s counters, if this is a mixed load and `now` is in the measured window.
    pub(crate) fn part(&mut self, part: usize, now: Instant) -> Option<&mut PartStats> {
        if now < self.start || now >= self.end {
            return None;
        }
        self.parts.get_mut(part)
    }

    /// A new connection's slot in `outstanding`, with its first unsent send time (fixed rate).
    pub(crate) fn add_connection(&mut self, unsent: Option<(Instant, Duration)>) -> usize {
        self.outstanding.push(Outstanding { in_flight: None, part: 0, unsent });
        self.outstanding.len() - 1
    }

    /// True once the measured window is over: connections then stop and leave
    /// their outstanding requests to [`ThreadStats::finish`].
    pub(crate) fn ended(&self, now: Instant) -> bool {
        now >= self.end
    }

    /// True when `now` lies in the measured window.
    pub(crate) fn in_window(&self, now: Instant) -> bool {
        now >= self.start && now < self.end
    }

    fn second(&mut self, now: Instant) -> Option<&mut SecondStats> {
        if now < self.start || now >= self.end {
            return None;
        }
        let index = (now - self.start).as_secs() as usize;
        if index >= self.timeline.len() {
            self.timeline.resize_with(index + 1, SecondStats::new);
        }
        Some(&mut self.timeline[index])
    }

    /// Counts response bytes read at `now`.
    pub(crate) fn bytes(&mut self, now: Instant, n: usize) {
        if now >= self.start && now < self.end {
            self.bytes += n as u64;
        }
    }

    /// A complete response (successful or not) with `body_len` body bytes, at `now`.
    pub(crate) fn response(&mut self, now: Instant, body_len: u64) {
        if now >= self.start && now < self.end {
            self.responses += 1;
            self.body_bytes += body_len;
        }
    }

    /// The time to first byte of a successful response completed at `now`.
    pub(crate) fn first_byte(&mut self, now: Instant, ttfb: Duration) {
        if now >= self.start && now < self.end {
            self.ttfb.saturating_record(micros(ttfb));
        }
    }

    /// A successful response completed at `now`; `uncorrected` only in FixedRate.
    pub(crate) fn success(&mut self, now: Instant, latency: Duration, uncorrected: Option<Duration>) {
        let us = micros(latency);
        let Some(second) = self.second(now) else {
            return;
        };
        second.requests += 1;
        let _ = second.latency.record(us); // auto-resizing: cannot fail
        self.successful += 1;
        self.latency.saturating_record(us);
        if let (Some(h), Some(d)) = (self.uncorrected.as_mut(), uncorrected) {
            h.saturating_record(micros(d));
        }
    }

    /// A request ended with an error at `now`.
    pub(crate) fn error(&mut self, now: Instant, kind: ErrorKind) {
        let Some(second) = self.second(now) else {
            return;
        };
        second.requests += 1;
        second.errors += 1;
        self.errors.count(kind);
    }

    /// A request sent at `sent` (due at `intended`) timed out at `now`: a timeout
    /// error, and a censored sample at the timeout (plus the sending delay, when
    /// corrected), also in that second's percentiles.
    pub(crate) fn timeout(&mut self, now: Instant, intended: Instant, sent: Instant, timeout: Duration) {
        let us = micros(sent.saturating_duration_since(intended) + timeout);
        let Some(second) = self.second(now) else {
            return;
        };
        let _ = second.latency.record(us); // auto-resizing: cannot fail
        self.error(now, ErrorKind::Timeout);
        self.latency.saturating_record(us);
        if let Some(h) = self.uncorrected.as_mut() {
            h.saturating_record(micros(timeout));
        }
        self.censored.timeouts += 1;
    }

    /// The window is over: records every connection's outstanding requests at
    /// `end` (not in the timeline, as they completed in no second of it). In
    /// flight: the age from the intended time (from the send time, uncorrected).
    /// Unsent: `end − intended` for each intended time in `[start, end)`, corrected only.
    pub(crate) fn finish(&mut self) {
        let (start, end) = (self.start, self.end);
        let outstanding = std::mem::take(&mut self.outstanding);
        if end <= start {
            return; // stopped before the window began
        }
        for o in outstanding {
            if let Some((intended, sent)) = o.in_flight.filter(|&(_, sent)| sent < end) {
                let age = micros(end.saturating_duration_since(intended));
                self.latency.saturating_record(age);
                if let Some(part) = self.parts.get_mut(o.part) {
                    part.latency.saturating_record(age);
                    part.censored.in_flight += 1;
                }
                if let Some(h) = self.uncorrected.as_mut() {
                    h.saturating_record(micros(end - sent));
                }
                self.censored.in_flight += 1;
            }
            if let Some((next, interval)) = o.unsent {
                self.censored.unsent += record_unsent(&mut self.latency, next, interval, start, end);
            }
        }
    }

    /// Adds another thread's results into this one.
    pub(crate) fn merge(&mut self, other: &ThreadStats) {
        self.successful += other.successful;
        self.errors.add(&other.errors);
        self.bytes += other.bytes;
        self.censored.timeouts += other.censored.timeouts;
        self.censored.in_flight += other.censored.in_flight;
        self.censored.unsent += other.censored.unsent;
        self.responses += other.responses;
        self.body_bytes += other.body_bytes;
        let _ = self.ttfb.add(&other.ttfb);
        self.stream.merge(&other.stream);
        // Same bounds on both sides, so adding cannot fail; saturate regardless.
        let _ = self.latency.add(&other.latency);
        if let (Some(a), Some(b)) = (self.uncorrected.as_mut(), other.uncorrected.as_ref()) {
            let _ = a.add(b);
        }
        if other.timeline.len() > self.timeline.len() {
            self.timeline.resize_with(other.timeline.len(), SecondStats::new);
        }
        for (mine, theirs) in self.parts.iter_mut().zip(&other.parts) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.timeline.iter_mut().zip(&other.timeline) {
            mine.requests += theirs.requests;
            mine.errors += theirs.errors;
            let _ = mine.latency.add(&theirs.latency);
        }
    }

    /// The per-second timeline with percentiles of successful and timed-out requests.
    pub(crate) fn timeline(&self) -> Vec<TimelineSecond> {
        let pct = |h: &Histogram<u64>, q: f64| (!h.is_empty()).then(|| h.value_at_quantile(q));
        self.timeline
            .iter()
            .enumerate()
            .map(|(t, s)| TimelineSecond {
                t: t as u32,
                requests: s.requests,
                errors: s.errors,
                p50_us: pct(&s.latency, 0.5),
                p99_us: pct(&s.latency, 0.99),
            })
            .collect()
    }
}

/// Records in `h` the age at `end` (µs) of each intended send time `next + i × interval`
/// that lies in `[start, end)`; returns how many. Ages that share a microsecond are
/// recorded together, so the cost is bounded by the window's length in µs even
/// when the interval is tiny.
fn record_unsent(
    h: &mut Histogram<u64>,
    next: Instant,
    interval: Duration,
    start: Instant,
    end: Instant,
) -> u64 {
    let step = interval.as_nanos().max(1);
    // The first intended time at or after `start`.
    let skip = start.saturating_duration_since(next).as_nanos().div_ceil(step);
    let Some(first) =
        u64::try_from(skip * step).ok().and_then(|ns| next.checked_add(Duration::from_nanos(ns)))
    else {
        return 0;
    };
    if first >= end {
        return 0;
    }
    let age = (end - first).as_nanos(); // > 0; intended i has age `age − i × step`
    let n = (age - 1) / step + 1;
    let mut i = 0;
    while i < n {
        let us = (age - i * step) / 1000;
        // The last i whose age is still in this microsecond.
        let last = ((age - us * 1000) / step).min(n - 1);
        h.saturating_record_n(us.min(u64::MAX as u128) as u64, (last - i + 1) as u64);
        i = last + 1;
    }
    n as u64
}

#[cfg(test)]
#[path = "tests_stats.rs"]
mod tests;
