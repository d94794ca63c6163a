//! End-to-end tests of `run` and `send_once` against tiny blocking test
//! servers on 127.0.0.1:0. Counts only; timings only as lower bounds of the
//! stalls and timeouts that a test itself creates.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

/// How a test server answers each request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mode {
    /// `Content-Length` body "Hello, World!".
    Hello,
    /// The same body, chunked in three chunks written separately.
    Chunked,
    /// 500 for every other request (counted over all connections).
    Every2nd500,
    /// `Connection: close`, then close.
    CloseHeader,
    /// Closes after each response without saying so.
    SilentClose,
    /// Reads requests, never answers.
    Never,
    /// "Hellx, World!" (right length, wrong bytes).
    WrongBody,
    /// Echoes the request body.
    Echo,
    /// "Hello, World!", but the whole server pauses for [`STALL`] once per second.
    StallEverySecond,
    /// Leaves every 10th request (counted over all connections) unanswered.
    Every10thNever,
}

const STALL: Duration = Duration::from_millis(200);

const HELLO: &[u8] = b"Hello, World!";

/// State shared by all connections of one test server.
#[derive(Default)]
struct ServerState {
    requests: AtomicU64,
    /// StallEverySecond: (end of the current pause, start of the next one).
    stall: Mutex<Option<(Instant, Instant)>>,
}

pub(super) fn server(mode: Mode) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Arc::new(ServerState::default());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = state.clone();
            thread::spawn(move || serve(stream, mode, &state));
        }
    });
    addr
}

/// StallEverySecond: every request that arrives during a pause waits for its end.
fn stall(state: &ServerState) {
    let now = Instant::now();
    let until = {
        let mut stall = state.stall.lock().unwrap();
        let (until, next) = stall.get_or_insert((now, now));
        if now >= *next {
            *until = now + STALL;
            *next = now + Duration::from_secs(1);
        }
        *until
    };
    thread::sleep(until.saturating_duration_since(now));
}

/// Serves one connection until the client goes away.
fn serve(mut stream: TcpStream, mode: Mode, state: &ServerState) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) else {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < head_end + length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let ok = respond(&mut stream, mode, state, &body);
        if !ok || matches!(mode, Mode::CloseHeader | Mode::SilentClose) {
            return;
        }
    }
}

fn respond(stream: &mut TcpStream, mode: Mode, state: &ServerState, body: &[u8]) -> bool {
    let counter = &state.requests;
    let plain = |body: &[u8], extra: &str| {
        let mut out =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n{extra}\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    };
    let out = match mode {
        Mode::Hello | Mode::SilentClose => plain(HELLO, ""),
        Mode::StallEverySecond => {
            stall(state);
            plain(HELLO, "")
        }
        Mode::Every10thNever if counter.fetch_add(1, Ordering::Relaxed) % 10 == 9 => return true,
        Mode::Every10thNever => plain(HELLO, ""),
        Mode::CloseHeader => plain(HELLO, "Connection: close\r\n"),
        Mode::WrongBody => plain(b"Hellx, World!", ""),
        Mode::Echo => plain(body, ""),
        Mode::Never => return true,
        Mode::Every2nd500 if counter.fetch_add(1, Ordering::Relaxed) % 2 == 1 => {
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops".to_vec()
        }
        Mode::Every2nd500 => plain(HELLO, ""),
        Mode::Chunked => {
            let parts: [&[u8]; 4] = [
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n",
                b"2\r\n, \r\n",
                b"6;x=y\r\nWorld!\r\n",
                b"0\r\n\r\n",
            ];
            for part in parts {
                if stream.write_all(part).is_err() {
                    return false;
                }
            }
            return true;
        }
    };
    stream.write_all(&out).is_ok()
}

pub(super) fn plan(addr: SocketAddr) -> LoadPlan {
    LoadPlan {
        target: Target { addr, host_header: addr.to_string() },
        request: RequestSpec {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![],
            content_type: None,
            body: vec![],
        },
        connections: 4,
        pacing: Pacing::Closed,
        warmup: Duration::from_millis(100),
        duration: Duration::from_millis(400),
        timeout: Duration::from_secs(2),
        threads: Some(2),
        cpus: None,
        check: ResponseCheck::default(),
        protocol: Protocol::Http1,
        rotation: Vec::new(),
        stream: None,
        mix: None,
    }
}

pub(super) fn run_plan(plan: &LoadPlan) -> LoadReport {
    let report = run(plan, &Arc::new(AtomicBool::new(false)), &|_| {}).unwrap();
    check_invariants(&report);
    report
}

fn check_invariants(r: &LoadReport) {
    assert_eq!(r.total_requests, r.successful_requests + r.failed_requests, "{r:?}");
    assert_eq!(r.failed_requests, r.errors.total());
    // Censored samples: timed out, in flight at the end, never sent (fixed rate).
    assert_eq!(r.censored_timeouts, r.errors.timeout);
    let sent = r.successful_requests + r.censored_timeouts + r.censored_in_flight;
    assert_eq!(r.latency.len(), sent + r.censored_unsent);
    match &r.latency_uncorrected {
        Some(h) => assert_eq!(h.len(), sent),
        None => assert_eq!(r.censored_unsent, 0),
    }
    assert_eq!(r.timeline.iter().map(|s| s.requests).sum::<u64>(), r.total_requests);
    assert_eq!(r.timeline.iter().map(|s| s.errors).sum::<u64>(), r.failed_requests);
}

#[test]
fn content_length_closed_loop() {
    let addr = server(Mode::Hello);
    let mut p = plan(addr);
    p.check = ResponseCheck { expected_body: Some(HELLO.to_vec()), body_every_n: 3, json: false };
    let phases = Mutex::new(Vec::new());
    let r = run(&p, &Arc::new(AtomicBool::new(false)), &|ph| phases.lock().unwrap().push(ph)).unwrap();
    check_invariants(&r);
    assert_eq!(*phases.lock().unwrap(), vec![Phase::Warmup, Phase::Measuring]);
    assert!(r.successful_requests > 0);
    assert_eq!(r.failed_requests, 0, "{:?}", r.errors);
    assert!(r.bytes_received >= r.total_requests * (HELLO.len() as u64 + 38));
    assert!(!r.interrupted && r.threads == 2 && r.target_rate.is_none() && r.latency_uncorrected.is_none());
    assert!(r.generator_cpu_percent.is_some());
    assert_eq!(r.elapsed, p.duration);
}

#[test]
fn chunked_bodies_are_decoded_and_checked() {
    let mut p = plan(server(Mode::Chunked));
    p.check = ResponseCheck { expected_body: Some(HELLO.to_vec()), body_every_n: 1, json: false };
    let r = run_plan(&p);
    assert!(r.successful_requests > 0);
    assert_eq!(r.failed_requests, 0, "{:?}", r.errors);
}

#[test]
fn server_errors_are_counted_as_5xx() {
    let r = run_plan(&plan(server(Mode::Every2nd500)));
    assert!(r.successful_requests > 0 && r.errors.status_5xx > 0, "{r:?}");
    assert_eq!(r.failed_requests, r.errors.status_5xx);
    assert!(r.successful_requests.abs_diff(r.errors.status_5xx) <= 4 + r.total_requests / 4);
}

#[test]
fn closed_connections_are_reopened() {
    for mode in [Mode::CloseHeader, Mode::SilentClose] {
        let r = run_plan(&plan(server(mode)));
        assert!(r.successful_requests > 0, "{mode:?}");
        assert_eq!(r.errors.read + r.errors.connect, 0, "{mode:?}: {:?}", r.errors);
    }
}

#[test]
fn unanswered_requests_time_out() {
    let mut p = plan(server(Mode::Never));
    p.warmup = Duration::ZERO;
    p.timeout = Duration::from_millis(100);
    p.duration = Duration::from_millis(500);
    let r = run_plan(&p);
    assert_eq!(r.successful_requests, 0);
    assert!(r.errors.timeout >= 4, "{:?}", r.errors);
    assert_eq!(r.failed_requests, r.errors.timeout);
}

#[test]
fn wrong_bodies_are_mismatches() {
    let mut p = plan(server(Mode::WrongBody));
    p.check = ResponseCheck { expected_body: Some(HELLO.to_vec()), body_every_n: 1, json: false };
    let r = run_plan(&p);
    assert!(r.total_requests > 0);
    assert_eq!(r.errors.mismatch, r.total_requests);
    // Length-only checking cannot see the wrong byte, but sees a wrong length.
    p.check.body_every_n = 0;
    assert_eq!(run_plan(&p).failed_requests, 0);
    p.check.expected_body = Some(b"Hello".to_vec());
    let r = run_plan(&p);
    assert!(r.total_requests > 0 && r.errors.mismatch == r.total_requests);
}

#[test]
fn post_bodies_are_sent() {
    let mut p = plan(server(Mode::Echo));
    p.request.method = "POST".into();
    p.request.content_type = Some("text/plain".into());
    p.request.body = b"ping pong".to_vec();
    p.check = ResponseCheck { expected_body: Some(b"ping pong".to_vec()), body_every_n: 1, json: false };
    let r = run_plan(&p);
    assert!(r.successful_requests > 0);
    assert_eq!(r.failed_requests, 0, "{:?}", r.errors);
}

#[test]
fn json_bodies_compare_by_value_when_asked() {
    let mut p = plan(server(Mode::Echo));
    p.request.method = "POST".into();
    p.request.content_type = Some("application/json".into());
    p.request.body = br#"{"a":1,"b":2}"#.to_vec();
    // Same value, other key order (as a server's hash map may give): fine by value, not by bytes.
    p.check =
        ResponseCheck { expected_body: Some(br#"{"b":2,"a":1}"#.to_vec()), body_every_n: 1, json: true };
    let r = run_plan(&p);
    assert!(r.successful_requests > 0);
    assert_eq!(r.failed_requests, 0, "{:?}", r.errors);
    p.check.json = false;
    let r = run_plan(&p);
    assert!(r.total_requests > 0 && r.errors.mismatch == r.total_requests, "{:?}", r.errors);
    // A different value of the same length is a mismatch by value too.
    p.check =
        ResponseCheck { expected_body: Some(br#"{"b":3,"a":1}"#.to_vec()), body_every_n: 1, json: true };
    let r = run_plan(&p);
    assert!(r.total_requests > 0 && r.errors.mismatch == r.total_requests, "{:?}", r.errors);
}

#[test]
fn fixed_rate_sends_about_the_target_rate() {
    let mut p = plan(server(Mode::Hello));
    p.pacing = Pacing::FixedRate { per_sec: 200.0 };
    p.warmup = Duration::ZERO;
    p.duration = Duration::from_secs(1);
    let r = run_plan(&p);
    assert!((100..=300).contains(&r.total_requests), "{}", r.total_requests);
    assert_eq!(r.target_rate, Some(200.0));
    assert!(r.latency_uncorrected.is_some());
}

/// p99 in milliseconds, for the assertions and the log.
fn p99_ms(h: &hdrhistogram::Histogram<u64>) -> f64 {
    h.value_at_quantile(0.99) as f64 / 1000.0
}

#[test]
#[allow(clippy::print_stderr)] // the figures, for `--nocapture`; a test, not the library
fn a_stall_once_per_second_shows_in_the_fixed_rate_p99() {
    let mut p = plan(server(Mode::StallEverySecond));
    p.pacing = Pacing::FixedRate { per_sec: 100.0 }; // capacity is thousands per second
    p.connections = 2;
    p.warmup = Duration::from_millis(200);
    p.duration = Duration::from_secs(3);
    let r = run_plan(&p);
    let uncorrected = r.latency_uncorrected.as_ref().unwrap();
    eprintln!(
        "stall {STALL:?}/s at 100/s: p99 {} ms (uncorrected {} ms), max {} ms, {} ok, censored {}+{}+{}",
        p99_ms(&r.latency),
        p99_ms(uncorrected),
        r.latency.max() as f64 / 1000.0,
        r.successful_requests,
        r.censored_timeouts,
        r.censored_in_flight,
        r.censored_unsent,
    );
    assert_eq!(r.failed_requests, 0, "{:?}", r.errors);
    // About 20 % of the requests are due during a pause, 5 % in its first 50 ms.
    assert!(p99_ms(&r.latency) >= 150.0, "{}", p99_ms(&r.latency));
}

#[test]
#[allow(clippy::print_stderr)] // the figures, for `--nocapture`; a test, not the library
fn unanswered_requests_put_the_p99_at_the_timeout() {
    let mut p = plan(server(Mode::Every10thNever));
    p.timeout = Duration::from_millis(100);
    p.duration = Duration::from_secs(1);
    let r = run_plan(&p);
    eprintln!(
        "every 10th unanswered, timeout 100 ms: p99 {} ms, {} ok, {} timeouts, {} in flight at the end",
        p99_ms(&r.latency),
        r.successful_requests,
        r.censored_timeouts,
        r.censored_in_flight,
    );
    assert!(r.successful_requests > 0 && r.censored_timeouts > 0, "{r:?}");
    assert_eq!(r.failed_requests, r.errors.timeout);
    // A tenth of the requests time out; each is recorded at no less than the timeout.
    assert!(p99_ms(&r.latency) >= 100.0, "{}", p99_ms(&r.latency));
}

#[test]
fn requests_outstanding_at_the_end_are_recorded_at_their_age() {
    let mut p = plan(server(Mode::Never));
    p.pacing = Pacing::FixedRate { per_sec: 100.0 }; // one connection every 20 ms, staggered by 10
    p.connections = 2;
    p.warmup = Duration::ZERO;
    p.duration = Duration::from_millis(500);
    p.timeout = Duration::from_secs(10); // nothing times out
    let r = run_plan(&p);
    assert_eq!((r.total_requests, r.censored_timeouts, r.censored_in_flight), (0, 0, 2), "{r:?}");
    // 25 due per connection in the window, one of each on the wire.
    assert_eq!(r.censored_unsent, 48);
    // The first one was due when the window began, and is 500 ms old at its end.
    assert!(r.latency.max() >= 500_000 && r.latency_uncorrected.as_ref().unwrap().len() == 2);
}

#[test]
fn stop_flag_interrupts_a_long_run() {
    let mut p = plan(server(Mode::Hello));
    p.duration = Duration::from_secs(3600);
    let stop = Arc::new(AtomicBool::new(false));
    let setter = stop.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        setter.store(true, Ordering::Relaxed);
    });
    let r = run(&p, &stop, &|_| {}).unwrap();
    check_invariants(&r);
    assert!(r.interrupted);
    assert!(r.elapsed < p.duration);
}

#[test]
fn unreachable_target_is_a_connect_error() {
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap(); // closed again
    let err = run(&plan(addr), &Arc::new(AtomicBool::new(false)), &|_| {}).unwrap_err();
    assert!(matches!(err, LoadError::Connect { addr: a, .. } if a == addr), "{err:?}");
    let err = send_once(&plan(addr).target, &plan(addr).request, Duration::from_secs(1)).unwrap_err();
    assert!(matches!(err, LoadError::Connect { .. }));
}

#[test]
fn send_once_returns_the_exact_response() {
    for mode in [Mode::Hello, Mode::Chunked, Mode::CloseHeader] {
        let p = plan(server(mode));
        let resp = send_once(&p.target, &p.request, Duration::from_secs(2)).unwrap();
        assert_eq!((resp.status, &resp.body[..]), (200, HELLO), "{mode:?}");
        assert!(resp.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
    }
    let mut p = plan(server(Mode::Echo));
    p.request.method = "PUT".into();
    p.request.body = vec![b'x'; 100_000];
    let resp = send_once(&p.target, &p.request, Duration::from_secs(2)).unwrap();
    assert_eq!(resp.body, p.request.body);
    let p = plan(server(Mode::Never));
    let err = send_once(&p.target, &p.request, Duration::from_millis(100)).unwrap_err();
    assert!(matches!(err, LoadError::Timeout { .. }), "{err:?}");
}

#[test]
fn invalid_plan_is_rejected_before_connecting() {
    let mut p = plan(server(Mode::Hello));
    p.connections = 0;
    let err = run(&p, &Arc::new(AtomicBool::new(false)), &|_| {}).unwrap_err();
    assert!(matches!(err, LoadError::InvalidPlan(_)));
}

#[cfg(target_os = "linux")]
#[test]
fn pinning_to_a_missing_cpu_fails_the_run_promptly() {
    let mut p = plan(server(Mode::Hello));
    p.duration = Duration::from_secs(3600); // would hang if the other threads were not told
    p.threads = Some(2);
    p.cpus = Some(vec![0, 1000]);
    let err = run(&p, &Arc::new(AtomicBool::new(false)), &|_| {}).unwrap_err();
    assert!(matches!(&err, LoadError::InvalidPlan(m) if m.contains("cpu 1000")), "{err:?}");
}
