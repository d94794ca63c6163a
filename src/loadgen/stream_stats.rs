//! Counters of the streaming exchanges (SSE and WebSocket) beside the request counters of
//! [`super::stats::ThreadStats`]: connect, time-to-first-event and inter-event histograms (µs)
//! and stream / connection counts, limited to the measured window by the caller and merged
//! like the rest.

use std::time::Duration;

use hdrhistogram::Histogram;

use super::stats::latency_histogram;

/// What the streaming exchanges measured in the window (all zero / empty for plain HTTP).
#[derive(Debug, Clone)]
pub struct StreamFigures {
    /// WebSocket: TCP connect plus the upgrade handshake (µs), successful connections opened
    /// before the window ended (warm-up included: connections are kept).
    pub connect: Histogram<u64>,
    /// SSE: from writing the GET to the first event of the stream (µs).
    pub first_event: Histogram<u64>,
    /// SSE: gaps between consecutive events of one stream (µs).
    pub inter_event: Histogram<u64>,
    /// SSE: streams that delivered all their events and ended.
    pub streams_completed: u64,
    /// SSE: streams that ended (or failed) before their last event.
    pub dropped_streams: u64,
    /// SSE: events whose server timestamp was later than the client's receive time (clock
    /// steps); their delivery latency was recorded as 0.
    pub delivery_negative: u64,
    /// WebSocket: connections the server closed (close frame or EOF) while in use.
    pub dropped_connections: u64,
}

impl Default for StreamFigures {
    fn default() -> Self {
        StreamFigures {
            connect: latency_histogram(),
            first_event: latency_histogram(),
            inter_event: latency_histogram(),
            streams_completed: 0,
            dropped_streams: 0,
            delivery_negative: 0,
            dropped_connections: 0,
        }
    }
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}

impl StreamFigures {
    pub(crate) fn connect(&mut self, took: Duration) {
        self.connect.saturating_record(micros(took));
    }

    pub(crate) fn first_event(&mut self, took: Duration) {
        self.first_event.saturating_record(micros(took));
    }

    pub(crate) fn inter_event(&mut self, gap: Duration) {
        self.inter_event.saturating_record(micros(gap));
    }

    /// Adds another thread's figures.
    pub(crate) fn merge(&mut self, other: &StreamFigures) {
        // Same bounds on every side, so adding cannot fail.
        let _ = self.connect.add(&other.connect);
        let _ = self.first_event.add(&other.first_event);
        let _ = self.inter_event.add(&other.inter_event);
        self.streams_completed += other.streams_completed;
        self.dropped_streams += other.dropped_streams;
        self.delivery_negative += other.delivery_negative;
        self.dropped_connections += other.dropped_connections;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_merge() {
        let mut a = StreamFigures::default();
        a.connect(Duration::from_micros(100));
        a.streams_completed = 2;
        let mut b = StreamFigures::default();
        b.connect(Duration::from_micros(300));
        b.inter_event(Duration::from_millis(50));
        b.dropped_connections = 1;
        a.merge(&b);
        assert_eq!(a.connect.len(), 2);
        assert_eq!(a.inter_event.len(), 1);
        assert_eq!((a.streams_completed, a.dropped_connections), (2, 1));
    }
}
