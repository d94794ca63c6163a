//! Checking one answer against a workload's expectation, with a readable difference.
//!
//! Pure: takes the status and body that came back, never opens a socket.

mod diff;

pub use diff::json_diff;

use crate::workload::{Expect, ExpectBody};

/// How many differences a reason lists before it says "and N more".
const MAX_DIFFS: usize = 5;

/// The media type a JSON answer must carry (WORKLOADS.md: "Responses are `application/json`").
pub const JSON_MEDIA_TYPE: &str = "application/json";
/// The media type of a text answer (`plaintext`).
pub const TEXT_MEDIA_TYPE: &str = "text/plain";

/// Compare an answer with the expectation. `request_body` is what was sent (for echo);
/// `content_type` is the answer's `Content-Type` header, if any.
/// `Err` holds a readable reason: what was expected, what came back, and where they differ.
pub fn check(
    expect: &Expect,
    request_body: &[u8],
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    if status != expect.status {
        return Err(format!("expected status {}, got {status}; body: {}", expect.status, excerpt(body)));
    }
    media_type(&expect.body, content_type)?;
    match &expect.body {
        ExpectBody::Any => Ok(()),
        ExpectBody::Text(text) => {
            if body == text.as_bytes() {
                Ok(())
            } else {
                Err(format!("expected text {:?}, got {}", text, excerpt(body)))
            }
        }
        ExpectBody::Echo => {
            let sent: serde_json::Value = serde_json::from_slice(request_body).map_err(|e| {
                format!("the workload's request body is not JSON ({e}); echo_body needs a JSON body")
            })?;
            compare_json(&sent, body, "the request body echoed")
        }
        ExpectBody::Json(expected) => compare_json(expected, body, "the expected JSON"),
    }
}

/// The answer's media type against the one its expectation implies (parameters such as
/// `charset` and letter case do not matter; `Any` accepts every type).
fn media_type(expect: &ExpectBody, content_type: Option<&str>) -> Result<(), String> {
    let want = match expect {
        ExpectBody::Any => return Ok(()),
        ExpectBody::Text(_) => TEXT_MEDIA_TYPE,
        ExpectBody::Echo | ExpectBody::Json(_) => JSON_MEDIA_TYPE,
    };
    let got = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match got {
        Some(g) if g == want => Ok(()),
        Some(g) => Err(format!("expected Content-Type {want}, got {g:?}")),
        None => Err(format!("expected Content-Type {want}, got no Content-Type header")),
    }
}

fn compare_json(expected: &serde_json::Value, body: &[u8], what: &str) -> Result<(), String> {
    let got: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("expected {what}, got a body that is not JSON ({e}): {}", excerpt(body)))?;
    let diffs = json_diff(expected, &got);
    if diffs.is_empty() {
        return Ok(());
    }
    let mut reason = format!("response differs from {what}: ");
    reason.push_str(&diffs.iter().take(MAX_DIFFS).cloned().collect::<Vec<_>>().join("; "));
    if diffs.len() > MAX_DIFFS {
        reason.push_str(&format!("; and {} more", diffs.len() - MAX_DIFFS));
    }
    Err(reason)
}

/// The start of a body, for messages (at most 200 characters).
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if body.is_empty() {
        return "(empty)".into();
    }
    let short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        format!("{short:?}… ({} bytes)", body.len())
    } else {
        format!("{short:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JSON: Option<&str> = Some("application/json");
    const TEXT: Option<&str> = Some("text/plain; charset=utf-8");

    fn expect(body: ExpectBody) -> Expect {
        Expect { status: 200, body }
    }

    #[test]
    fn echo_compares_by_value_not_bytes() {
        let sent = br#"{"a": 1, "b": [1.5, "x"]}"#;
        assert!(check(&expect(ExpectBody::Echo), sent, 200, JSON, br#"{"b":[1.5,"x"],"a":1.0}"#).is_ok());
        let err = check(&expect(ExpectBody::Echo), sent, 200, JSON, br#"{"ok":true}"#).unwrap_err();
        assert!(err.contains("$.a: missing") && err.contains("$.ok: unexpected"), "{err}");
    }

    #[test]
    fn typed_values_must_keep_their_type() {
        let e = expect(ExpectBody::Json(json!({"id": 42})));
        assert!(check(&e, b"", 200, JSON, br#"{"id":42}"#).is_ok());
        let err = check(&e, b"", 200, JSON, br#"{"id":"42"}"#).unwrap_err();
        assert!(err.contains(r#"$.id: expected 42, got "42""#), "{err}");
    }

    #[test]
    fn wrong_status_and_text_are_reported() {
        let err = check(&expect(ExpectBody::Any), b"", 404, None, b"Not Found").unwrap_err();
        assert!(err.contains("expected status 200, got 404") && err.contains("Not Found"), "{err}");
        let e = expect(ExpectBody::Text("Hello, World!".into()));
        assert!(check(&e, b"", 200, TEXT, b"Hello, World!").is_ok());
        assert!(check(&e, b"", 200, TEXT, b"Hello").unwrap_err().contains("expected text"));
    }

    #[test]
    fn a_non_json_answer_is_named() {
        let e = expect(ExpectBody::Json(json!({"id": 1})));
        let err = check(&e, b"", 200, JSON, b"<html>").unwrap_err();
        assert!(err.contains("not JSON") && err.contains("<html>"), "{err}");
    }

    #[test]
    fn long_diffs_are_cut() {
        let expected: serde_json::Value =
            (0..10).map(|i| (format!("k{i}"), json!(i))).collect::<serde_json::Map<_, _>>().into();
        let err = check(&expect(ExpectBody::Json(expected)), b"", 200, JSON, b"{}").unwrap_err();
        assert!(err.ends_with("and 5 more"), "{err}");
    }

    #[test]
    fn the_content_type_must_match_the_answer() {
        let e = expect(ExpectBody::Json(json!({"id": 1})));
        assert!(check(&e, b"", 200, Some("Application/JSON; charset=UTF-8"), br#"{"id":1}"#).is_ok());
        let err = check(&e, b"", 200, Some("text/html; charset=utf-8"), br#"{"id":1}"#).unwrap_err();
        assert_eq!(err, r#"expected Content-Type application/json, got "text/html""#);
        let err = check(&e, b"", 200, None, br#"{"id":1}"#).unwrap_err();
        assert!(err.contains("no Content-Type header"), "{err}");
        let t = expect(ExpectBody::Text("Hello, World!".into()));
        assert!(check(&t, b"", 200, Some("application/json"), b"Hello, World!").is_err());
        assert!(check(&expect(ExpectBody::Any), b"", 200, None, b"").is_ok());
    }
}
