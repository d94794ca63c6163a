//! Tests of `stats.rs` (a child module of it, so they see its private items).

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
fn a_timeout_is_an_error_and_a_censored_sample() {
    let (start, end) = window();
    let mut s = ThreadStats::new(start, end, true);
    let (intended, sent) = (start, start + Duration::from_millis(30));
    let timeout = Duration::from_millis(100);
    s.timeout(sent + timeout, intended, sent, timeout);
    s.timeout(start - Duration::from_millis(1), intended, sent, timeout); // warm-up: ignored
    assert_eq!((s.errors.timeout, s.errors.total(), s.censored.timeouts), (1, 1, 1));
    // Corrected: the sending delay plus the timeout; uncorrected: the timeout.
    assert_eq!(s.latency.len(), 1);
    assert!(s.latency.equivalent(s.latency.max(), 130_000), "{}", s.latency.max());
    let u = s.uncorrected.as_ref().unwrap();
    assert!(u.equivalent(u.max(), 100_000), "{}", u.max());
    let t = s.timeline();
    assert_eq!((t[0].requests, t[0].errors), (1, 1));
    assert!(t[0].p99_us.unwrap() >= 130_000, "{:?}", t[0]);
}

#[test]
fn finish_records_in_flight_at_their_age() {
    let (start, end) = window();
    let mut s = ThreadStats::new(start, end, true);
    let a = s.add_connection(None);
    let b = s.add_connection(None);
    let _idle = s.add_connection(None);
    // Due 3 s before the end, sent 1 s later; and one sent (oddly) after the end.
    let intended = end - Duration::from_secs(3);
    s.outstanding[a].in_flight = Some((intended, intended + Duration::from_secs(1)));
    s.outstanding[b].in_flight = Some((end, end + Duration::from_millis(1)));
    s.finish();
    assert_eq!(s.censored, Censored { timeouts: 0, in_flight: 1, unsent: 0 });
    assert!(s.latency.equivalent(s.latency.max(), 3_000_000), "{}", s.latency.max());
    let u = s.uncorrected.as_ref().unwrap();
    assert!(u.equivalent(u.max(), 2_000_000), "{}", u.max());
    assert!(s.outstanding.is_empty() && s.timeline.is_empty() && s.errors.total() == 0);
}

#[test]
fn finish_records_unsent_requests_due_in_the_window() {
    let (start, end) = window(); // 10 s
    let mut s = ThreadStats::new(start + Duration::from_secs(1), end, true);
    // Behind since the warm-up: due every 100 ms from 0.55 s; only the ones from 1.05 s count.
    let next = start + Duration::from_millis(550);
    s.add_connection(Some((next, Duration::from_millis(100))));
    // In flight and behind: the in-flight one is 200 ms old, two more are due.
    let c = s.add_connection(None);
    let due = end - Duration::from_millis(200);
    s.outstanding[c] = Outstanding {
        in_flight: Some((due, due)),
        part: 0,
        unsent: Some((due + Duration::from_millis(100), Duration::from_millis(100))),
    };
    s.finish();
    assert_eq!(s.censored, Censored { timeouts: 0, in_flight: 1, unsent: 90 + 1 });
    assert_eq!(s.latency.len(), 92);
    // Not sent, so not in the histogram from the send time.
    assert_eq!(s.uncorrected.as_ref().unwrap().len(), 1);
    assert!(s.latency.equivalent(s.latency.max(), 8_950_000), "{}", s.latency.max());
    assert!(s.latency.equivalent(s.latency.min(), 50_000), "{}", s.latency.min());
    assert_eq!(s.latency.count_between(199_000, 201_000), 1);
}

#[test]
fn finish_records_nothing_when_stopped_before_the_window() {
    let (start, end) = window();
    let mut s = ThreadStats::new(end, end + Duration::from_secs(1), true);
    s.end = start; // stopped during the warm-up
    let c = s.add_connection(Some((start, Duration::from_millis(1))));
    s.outstanding[c].in_flight = Some((start, start));
    s.finish();
    assert_eq!((s.censored, s.latency.len()), (Censored::default(), 0));
}

#[test]
fn unsent_ages_are_exact_and_cheap_for_tiny_intervals() {
    let (start, _) = window();
    let end = start + Duration::from_millis(10);
    let mut h = latency_histogram();
    // Every 3 µs from `start`: ages 10 000, 9 997, … 1 µs.
    assert_eq!(record_unsent(&mut h, start, Duration::from_micros(3), start, end), 3334);
    assert_eq!((h.len(), h.min()), (3334, 1));
    assert!(h.equivalent(h.max(), 10_000), "{}", h.max());
    // Every 1 ns for 10 ms: 10 million requests, recorded in about 10 000 calls.
    let mut h = latency_histogram();
    assert_eq!(record_unsent(&mut h, start, Duration::from_nanos(1), start, end), 10_000_000);
    assert_eq!((h.len(), h.min()), (10_000_000, 0));
    assert_eq!(h.count_at(1500), 1000); // below 2048 µs the histogram is exact
                                        // A zero interval counts as 1 ns instead of looping forever; nothing due in the window.
    assert_eq!(record_unsent(&mut h, start, Duration::ZERO, start, start + Duration::from_nanos(5)), 5);
    assert_eq!(record_unsent(&mut h, end, Duration::from_millis(1), start, end), 0);
    // Due before the window: skipped to the first time in it (start + 4 ms).
    let mut h = latency_histogram();
    let early = start - Duration::from_millis(16);
    assert_eq!(record_unsent(&mut h, early, Duration::from_millis(5), start, end), 2);
    assert_eq!((h.min(), h.count_at(1000), h.len()), (1000, 1, 2));
    assert!(h.equivalent(h.max(), 6000), "{}", h.max());
}

#[test]
fn responses_body_bytes_and_ttfb_count_in_the_window_and_merge() {
    let (start, end) = window();
    let mut a = ThreadStats::new(start, end, false);
    let mut b = ThreadStats::new(start, end, false);
    a.response(start, 13);
    a.response(end, 99); // after the window
    a.first_byte(start, Duration::from_micros(40));
    a.first_byte(end, Duration::from_micros(1));
    b.response(start + Duration::from_secs(1), 7);
    b.first_byte(start, Duration::from_micros(60));
    a.merge(&b);
    assert_eq!((a.responses, a.body_bytes, a.ttfb.len()), (2, 20, 2));
    assert_eq!((a.ttfb.min(), a.ttfb.max()), (40, 60));
}

#[test]
fn merge_adds_censored_counts() {
    let (start, end) = window();
    let mut a = ThreadStats::new(start, end, false);
    let mut b = ThreadStats::new(start, end, false);
    a.censored = Censored { timeouts: 1, in_flight: 2, unsent: 3 };
    b.censored = Censored { timeouts: 10, in_flight: 20, unsent: 30 };
    a.merge(&b);
    assert_eq!(a.censored, Censored { timeouts: 11, in_flight: 22, unsent: 33 });
}

#[test]
fn huge_latencies_saturate_instead_of_failing() {
    let (start, end) = window();
    let mut s = ThreadStats::new(start, end, false);
    s.success(start, Duration::from_secs(3600), None);
    assert_eq!(s.latency.len(), 1);
    assert!(s.latency.max() >= HIGH_US);
}
