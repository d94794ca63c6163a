//! The rotation of a plan's requests against the echoing test server: every stream sends the
//! rotated requests in turn with the plan's own, and each response is checked against the
//! answer of the request it answers; a mixed load sends several workloads by weight and counts
//! each on its own. Counts only.

use super::tests::{plan, run_plan, server, Mode};
use super::*;

fn echo_plan(body: &[u8], expected: &[u8]) -> LoadPlan {
    let mut p = plan(server(Mode::Echo));
    p.request.method = "POST".into();
    p.request.content_type = Some("application/json".into());
    p.request.body = body.to_vec();
    p.check = ResponseCheck { expected_body: Some(expected.to_vec()), body_every_n: 1, json: true };
    p
}

fn rotated(body: &[u8], expected: &[u8]) -> Rotated {
    Rotated {
        request: RequestSpec {
            method: "POST".into(),
            path: "/".into(),
            headers: vec![],
            content_type: Some("application/json".into()),
            body: body.to_vec(),
        },
        expected_body: Some(expected.to_vec()),
    }
}

#[test]
fn each_rotated_request_is_checked_against_its_own_answer() {
    let mut p = echo_plan(br#"{"a":1}"#, br#"{"a":1}"#);
    p.rotation = vec![rotated(br#"{"a":2}"#, br#"{"a":2}"#), rotated(br#"{"a":33}"#, br#"{"a":33}"#)];
    let r = run_plan(&p);
    assert!(r.successful_requests > 0);
    assert_eq!(r.failed_requests, 0, "{:?}", r.errors);
}

#[test]
fn a_rotated_request_with_another_answer_fails_only_its_share() {
    // The second request's verified answer differs from what the server echoes: its turns (about
    // half of all requests) are mismatches, the plan's own request's turns are not.
    let mut p = echo_plan(br#"{"a":1}"#, br#"{"a":1}"#);
    p.rotation = vec![rotated(br#"{"a":2}"#, br#"{"a":3}"#)];
    let r = run_plan(&p);
    assert!(r.errors.mismatch > 0, "{:?}", r.errors);
    assert!(r.successful_requests > 0, "{r:?}");
    assert_eq!(r.failed_requests, r.errors.mismatch, "{:?}", r.errors);
    // Each stream alternates, so the two counts differ by at most one per stream.
    let streams = p.connections as u64;
    assert!(r.successful_requests.abs_diff(r.errors.mismatch) <= streams, "{r:?}");
}

#[test]
fn a_rotated_request_of_another_method_is_an_invalid_plan() {
    let mut p = echo_plan(br#"{"a":1}"#, br#"{"a":1}"#);
    let mut other = rotated(br#"{"a":2}"#, br#"{"a":2}"#);
    other.request.method = "PUT".into();
    p.rotation = vec![other];
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    match run(&p, &stop, &|_| {}) {
        Err(LoadError::InvalidPlan(m)) => assert!(m.contains("PUT") && m.contains("POST"), "{m}"),
        other => panic!("expected an invalid plan, got {other:?}"),
    }
}

fn part(weight: u32, method: &str, body: &[u8], expected: &[u8]) -> MixPart {
    let request = RequestSpec { method: method.into(), ..rotated(body, expected).request };
    MixPart { weight, request, expected_body: Some(expected.to_vec()), json: false, rotation: vec![] }
}

#[test]
fn a_mixed_load_sends_each_part_by_weight_and_counts_it_on_its_own() {
    // Weights 3:1:1 over POST, GET and PUT on the same connections; the PUT's expected answer
    // differs from the echo, so its requests (and only those) are mismatches.
    let mut p = echo_plan(br#"{"a":1}"#, br#"{"a":1}"#);
    p.check.json = false;
    p.mix = Some(Mix { weight: 3, parts: vec![part(1, "GET", b"", b""), part(1, "PUT", b"put", b"other")] });
    let r = run_plan(&p);
    assert_eq!(r.parts.len(), 3);
    let sum = |f: fn(&PartReport) -> u64| r.parts.iter().map(f).sum::<u64>();
    assert_eq!(sum(|x| x.total_requests), r.total_requests, "{r:?}");
    assert_eq!(sum(|x| x.successful_requests), r.successful_requests);
    assert_eq!(sum(|x| x.errors.mismatch), r.errors.mismatch);
    assert_eq!((r.parts[0].failed_requests, r.parts[1].failed_requests), (0, 0), "{:?}", r.parts);
    let put = &r.parts[2];
    assert!(put.total_requests > 0 && put.successful_requests == 0, "{put:?}");
    assert_eq!(put.errors.mismatch, put.total_requests);
    // Each stream sends the cycle A A B A C … in order (weights 3:1:1, 5 requests a cycle), so a
    // part's count is its weight's share to within one cycle per stream.
    let slack = (p.connections * 5) as f64;
    for (part, weight) in r.parts.iter().zip([3.0, 1.0, 1.0]) {
        let expected = r.total_requests as f64 * weight / 5.0;
        assert!((part.total_requests as f64 - expected).abs() <= slack, "{part:?} vs {expected}");
        let recorded = part.successful_requests + part.censored_timeouts + part.censored_in_flight;
        assert_eq!(part.latency.len(), recorded, "{part:?}");
    }
}

#[test]
fn without_a_mix_there_are_no_parts() {
    let r = run_plan(&echo_plan(br#"{"a":1}"#, br#"{"a":1}"#));
    assert!(r.parts.is_empty() && r.successful_requests > 0);
}
