//! A workload's answers: the requests it sends (its own and its variants'), their verification
//! before anything is measured, and how the load then checks every response against the
//! verified answers.

use std::time::Duration;

use super::Session;
use crate::loadgen::{self, Protocol, RequestSpec, ResponseCheck, Rotated};
use crate::workload::{Expect, ExpectBody, Variant, Workload};

/// Compare the body of every Nth response of a connection with the verified answer.
const BODY_CHECK_EVERY: u64 = 64;

/// The request a workload sends, with the session's path prefix.
pub fn request_of(workload: &Workload, session: &Session) -> RequestSpec {
    RequestSpec {
        method: workload.method.clone(),
        path: session.path(&workload.path),
        headers: workload.headers.clone(),
        content_type: workload.content_type.clone(),
        body: workload.body.clone(),
    }
}

/// The request of one of a workload's variants: the workload's method and headers, the
/// variant's path (or the workload's), body and Content-Type.
fn variant_request(workload: &Workload, variant: &Variant, session: &Session) -> RequestSpec {
    RequestSpec {
        path: session.path(variant.path.as_deref().unwrap_or(&workload.path)),
        content_type: variant.content_type.clone(),
        body: variant.body.clone(),
        ..request_of(workload, session)
    }
}

/// Why an answer did not pass verification.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerError {
    /// Nothing usable came back (connection refused, timeout, server died).
    NoAnswer(String),
    /// An answer came back but differs from the contract.
    Invalid(String),
}

/// The answers that passed verification: the workload's, then each variant's in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub body: Vec<u8>,
    pub variants: Vec<Vec<u8>>,
}

/// Send the workload's request once and check the answer, then send each of its variants
/// (another path or body with its own expected answer, so that a constant answer fails) and
/// check those too.
pub fn verify_answer(
    session: &mut Session,
    workload: &Workload,
    timeout: Duration,
) -> Result<Verified, AnswerError> {
    verify_answer_over(session, workload, timeout, Protocol::Http1)
}

/// [`verify_answer`] over `protocol` (status, body and content-type checked the same way).
pub fn verify_answer_over(
    session: &mut Session,
    workload: &Workload,
    timeout: Duration,
    protocol: Protocol,
) -> Result<Verified, AnswerError> {
    if workload.stream.is_some() {
        // Checked by the streaming contract; under load every event or message is compared.
        super::stream_answer::verify_stream(session, workload, timeout)?;
        return Ok(Verified { body: Vec::new(), variants: Vec::new() });
    }
    let request = request_of(workload, session);
    let body = send_and_check(session, &request, &workload.expect, timeout, protocol, "")?;
    let mut variants = Vec::with_capacity(workload.variants.len());
    for variant in &workload.variants {
        let request = variant_request(workload, variant, session);
        let prefix = format!("{}: ", variant.label);
        variants.push(send_and_check(session, &request, &variant.expect, timeout, protocol, &prefix)?);
    }
    Ok(Verified { body, variants })
}

/// Send one request and check its answer against `expect`; `prefix` starts an invalid reason
/// (it names a variant).
fn send_and_check(
    session: &mut Session,
    request: &RequestSpec,
    expect: &Expect,
    timeout: Duration,
    protocol: Protocol,
    prefix: &str,
) -> Result<Vec<u8>, AnswerError> {
    match loadgen::send_once_over(session.target(), request, timeout, protocol) {
        Err(e) => {
            let died = session.server_died().map(|r| format!("; {r}")).unwrap_or_default();
            Err(AnswerError::NoAnswer(format!(
                "{prefix}no answer to {} {}: {e}{died}",
                request.method, request.path
            )))
        }
        Ok(resp) => {
            let content_type =
                resp.headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.as_str());
            crate::verify::check(expect, &request.body, resp.status, content_type, &resp.body)
                .map(|()| resp.body)
                .map_err(|reason| AnswerError::Invalid(format!("{prefix}{reason}")))
        }
    }
}

/// How the load checks a workload's responses: `response` for the workload's own request (and
/// the comparison rules for all), and the verified answer of each variant sent in rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadCheck {
    pub response: ResponseCheck,
    /// One per variant of the workload, in order (None: not verified).
    pub variants: Vec<Option<Vec<u8>>>,
    /// The answers were verified before measuring.
    pub verified: bool,
}

/// The load check of a workload whose answers were verified as `verified` (None: not verified,
/// only statuses are checked).
pub fn check_for(workload: &Workload, verified: Option<Verified>) -> LoadCheck {
    let json = matches!(workload.expect.body, ExpectBody::Echo | ExpectBody::Json(_));
    match verified {
        // Streaming exchanges compare every event or message themselves.
        Some(_) if workload.stream.is_some() => LoadCheck { verified: true, ..LoadCheck::default() },
        Some(v) => LoadCheck {
            response: ResponseCheck { expected_body: Some(v.body), body_every_n: BODY_CHECK_EVERY, json },
            variants: v.variants.into_iter().map(Some).collect(),
            verified: true,
        },
        None => LoadCheck {
            response: ResponseCheck { expected_body: None, body_every_n: 0, json: false },
            variants: vec![None; workload.variants.len()],
            verified: false,
        },
    }
}

/// The variants the load sends in turn with the workload's request (those marked `rotate`),
/// each with its verified answer from `check`.
pub fn rotation_of(workload: &Workload, session: &Session, check: &LoadCheck) -> Vec<Rotated> {
    workload
        .variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.rotate)
        .map(|(i, v)| Rotated {
            request: variant_request(workload, v, session),
            expected_body: check.variants.get(i).cloned().flatten(),
        })
        .collect()
}
