//! Tests of `worker.rs` (a child module of it, so they see its private items).

use super::super::threads::{generator_cpus, usable_cpus};
use super::super::{RequestSpec, ResponseCheck, Target};
use super::*;

fn plan() -> LoadPlan {
    LoadPlan {
        target: Target { addr: "127.0.0.1:1".parse().unwrap(), host_header: "x".into() },
        request: RequestSpec {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![],
            content_type: None,
            body: vec![],
        },
        connections: 10,
        pacing: Pacing::Closed,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        threads: None,
        cpus: None,
        check: ResponseCheck::default(),
        protocol: Protocol::Http1,
        rotation: Vec::new(),
        stream: None,
        mix: None,
    }
}

#[test]
fn thread_count_follows_threads_then_cpus_then_machine() {
    let mut p = plan();
    p.threads = Some(3);
    assert_eq!(thread_count(&p).unwrap(), 3);
    p.threads = None;
    p.cpus = Some(vec![0, 1]);
    assert_eq!(thread_count(&p).unwrap(), 2);
    p.cpus = None;
    assert_eq!(thread_count(&p).unwrap(), generator_cpus(usable_cpus()));
    p.connections = 1;
    assert_eq!(thread_count(&p).unwrap(), 1);
    assert!(usable_cpus() >= 1);
}

#[test]
fn the_generator_takes_half_of_the_cpus() {
    let got: Vec<usize> = [1, 2, 3, 4, 7, 8, 16, 64].iter().map(|&n| generator_cpus(n)).collect();
    assert_eq!(got, [1, 1, 1, 2, 3, 4, 8, 32]);
}

#[test]
fn invalid_plans_are_rejected() {
    let cases: [fn(&mut LoadPlan); 8] = [
        |p| {
            p.stream = Some(StreamPlan::Sse { events: 3 });
            p.pacing = Pacing::FixedRate { per_sec: 10.0 };
        },
        |p| {
            p.stream = Some(StreamPlan::WebSocket { message_bytes: 16 });
            p.protocol = Protocol::Http2 { streams: 1 };
        },
        |p| p.protocol = Protocol::Http2 { streams: 0 },
        |p| p.connections = 0,
        |p| p.threads = Some(0),
        |p| p.cpus = Some(vec![]),
        |p| p.duration = Duration::ZERO,
        |p| p.pacing = Pacing::FixedRate { per_sec: f64::NAN },
    ];
    for change in cases {
        let mut p = plan();
        change(&mut p);
        assert!(matches!(thread_count(&p), Err(LoadError::InvalidPlan(_))), "{p:?}");
    }
}

#[test]
fn fixed_rate_is_divided_and_staggered() {
    let t0 = Instant::now();
    let Schedule::Fixed { next, interval } = schedule(Pacing::FixedRate { per_sec: 100.0 }, 4, 2, t0) else {
        panic!("expected a fixed schedule")
    };
    assert_eq!(interval, Duration::from_millis(40));
    assert_eq!(next, t0 + Duration::from_millis(20));
    assert!(thread_cpu_time().is_some());
}
