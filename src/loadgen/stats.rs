//! Thread-local result counters: HDR latency histograms, error counts and a
//! per-second timeline, all limited to the measured window and merged at the end.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

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

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
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
        }
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
        let e = &mut self.errors;
        match kind {
            ErrorKind::Connect => e.connect += 1,
            ErrorKind::Timeout => e.timeout += 1,
            ErrorKind::Read => e.read += 1,
            ErrorKind::Status4xx => e.status_4xx += 1,
            ErrorKind::Status5xx => e.status_5xx += 1,
            ErrorKind::Mismatch => e.mismatch += 1,
        }
    }

    /// Adds another thread's results into this one.
    pub(crate) fn merge(&mut self, other: &ThreadStats) {
        self.successful += other.successful;
        self.errors.add(&other.errors);
        self.bytes += other.bytes;
        // Same bounds on both sides, so adding cannot fail; saturate regardless.
        let _ = self.latency.add(&other.latency);
        if let (Some(a), Some(b)) = (self.uncorrected.as_mut(), other.uncorrected.as_ref()) {
            let _ = a.add(b);
        }
        if other.timeline.len() > self.timeline.len() {
            self.timeline.resize_with(other.timeline.len(), SecondStats::new);
        }
        for (mine, theirs) in self.timeline.iter_mut().zip(&other.timeline) {
            mine.requests += theirs.requests;
            mine.errors += theirs.errors;
            let _ = mine.latency.add(&theirs.latency);
        }
    }

    /// The per-second timeline with percentiles of successful responses.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> (Instant, Instant) {
        let start = Instant::now();
        (start, start + Duration::from_secs(10))
    }

    #[test]
    fn only_the_measured_window_counts() {
        let (start, end) = window();
        let mut s = ThreadStats::new(start + Duration::from_secs(1), end, false);
        s.success(start, Duration::from_micros(5), None); // warm-up
        s.error(end, ErrorKind::Read); // after the end
        s.bytes(start, 100);
        assert_eq!((s.successful, s.errors.total(), s.bytes, s.latency.len()), (0, 0, 0, 0));
        s.success(start + Duration::from_secs(1), Duration::from_micros(5), None);
        s.bytes(start + Duration::from_secs(2), 100);
        assert_eq!((s.successful, s.bytes, s.latency.len()), (1, 100, 1));
    }

    #[test]
    fn errors_by_kind_and_timeline_by_second() {
        let (start, end) = window();
        let mut s = ThreadStats::new(start, end, true);
        s.success(start, Duration::from_millis(2), Some(Duration::from_millis(1)));
        s.error(start + Duration::from_millis(2500), ErrorKind::Status5xx);
        s.error(start + Duration::from_millis(2600), ErrorKind::Mismatch);
        s.error(start + Duration::from_millis(2700), ErrorKind::Connect);
        assert_eq!(s.errors.status_5xx + s.errors.mismatch + s.errors.connect, 3);
        assert_eq!(s.uncorrected.as_ref().unwrap().len(), 1);
        let t = s.timeline();
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].requests, t[0].errors), (1, 0));
        assert!(t[0].p50_us.unwrap().abs_diff(2000) < 20, "{:?}", t[0]);
        assert_eq!((t[1].requests, t[1].p50_us), (0, None));
        assert_eq!((t[2].requests, t[2].errors), (3, 3));
    }

    #[test]
    fn merge_adds_everything() {
        let (start, end) = window();
        let mut a = ThreadStats::new(start, end, false);
        let mut b = ThreadStats::new(start, end, false);
        a.success(start, Duration::from_micros(10), None);
        b.success(start + Duration::from_secs(3), Duration::from_micros(30), None);
        b.error(start, ErrorKind::Timeout);
        b.bytes(start, 7);
        a.merge(&b);
        assert_eq!((a.successful, a.errors.timeout, a.bytes, a.latency.len()), (2, 1, 7, 2));
        let t = a.timeline();
        assert_eq!(t.len(), 4);
        assert_eq!((t[0].requests, t[0].errors, t[3].requests), (2, 1, 1));
    }

    #[test]
    fn huge_latencies_saturate_instead_of_failing() {
        let (start, end) = window();
        let mut s = ThreadStats::new(start, end, false);
        s.success(start, Duration::from_secs(3600), None);
        assert_eq!(s.latency.len(), 1);
        assert!(s.latency.max() >= HIGH_US);
    }
}
