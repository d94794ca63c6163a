//! The rotation of a plan's requests against the echoing test server: every stream sends the
//! rotated requests in turn with the plan's own, and each response is checked against the
//! answer of the request it answers. Counts only.

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
