//! Serialises a [`RequestSpec`] once into the exact bytes written for every request, and
//! prepares each request of a run's rotation with the answer its responses are checked against.

use super::http2_request::H2Request;
use super::{LoadError, RequestSpec, Target};

/// One request of a run's rotation, ready to send, with its expected answer.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The HTTP/1.1 bytes (in HTTP/2 runs only validated, never sent).
    pub(crate) bytes: Box<[u8]>,
    /// HTTP/2 runs: the request template.
    pub(crate) http2: Option<H2Request>,
    /// When set, every response body must have this length (and, when compared, these bytes).
    pub(crate) expected_body: Option<Box<[u8]>>,
    /// The expected body parsed, when bodies are compared as JSON by value.
    pub(crate) expected_json: Option<serde_json::Value>,
    /// The part (workload) of a mixed load it belongs to; 0 otherwise.
    pub(crate) part: usize,
    /// A HEAD request: its response has no body.
    pub(crate) head: bool,
}

impl Prepared {
    /// `spec` for `target`, its responses checked against `expected` (as JSON when `json`), of
    /// mixed-load part `part`.
    pub(crate) fn new(
        target: &Target,
        spec: &RequestSpec,
        expected: Option<&[u8]>,
        json: bool,
        http2: bool,
        part: usize,
    ) -> Result<Self, LoadError> {
        Ok(Prepared {
            part,
            head: spec.method.eq_ignore_ascii_case("HEAD"),
            bytes: serialize(target, spec)?.into_boxed_slice(),
            http2: if http2 { Some(H2Request::new(target, spec)?) } else { None },
            expected_body: expected.map(Box::from),
            expected_json: match (expected, json) {
                (Some(body), true) => serde_json::from_slice(body).ok(),
                _ => None,
            },
        })
    }

    /// True when `body` differs from the expected body, by value for JSON (`expected_json`).
    pub(crate) fn body_differs(&self, body: &[u8]) -> bool {
        match (&self.expected_json, &self.expected_body) {
            (Some(json), _) => serde_json::from_slice::<serde_json::Value>(body).ok().as_ref() != Some(json),
            (None, Some(expected)) => &expected[..] != body,
            (None, None) => false,
        }
    }
}

/// Methods whose requests carry `Content-Length` even with an empty body.
const BODY_METHODS: [&str; 3] = ["POST", "PUT", "PATCH"];

/// Builds request line, Host, Content-Type, Content-Length, extra headers and body.
///
/// A header in `spec.headers` named Host, Content-Type or Content-Length
/// replaces the generated one. Rejects values that would break the framing.
pub(crate) fn serialize(target: &Target, spec: &RequestSpec) -> Result<Vec<u8>, LoadError> {
    if spec.method.is_empty() || !spec.method.bytes().all(is_token_byte) {
        return Err(LoadError::InvalidPlan(format!(
            "http method '{}' is not a valid token; use e.g. GET or POST",
            spec.method
        )));
    }
    if !(spec.path.starts_with('/') || spec.path == "*") || spec.path.bytes().any(|b| b <= b' ') {
        return Err(LoadError::InvalidPlan(format!(
            "request path '{}' must start with '/' and contain no spaces or control characters",
            spec.path
        )));
    }
    check_header("Host", &target.host_header)?;
    if let Some(ct) = &spec.content_type {
        check_header("Content-Type", ct)?;
    }
    for (name, value) in &spec.headers {
        check_header(name, value)?;
    }
    let has = |name: &str| spec.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));

    let mut out = Vec::with_capacity(128 + spec.body.len());
    push_line(&mut out, &[&spec.method, " ", &spec.path, " HTTP/1.1"]);
    if !has("host") {
        push_line(&mut out, &["Host: ", &target.host_header]);
    }
    if let (Some(ct), false) = (&spec.content_type, has("content-type")) {
        push_line(&mut out, &["Content-Type: ", ct]);
    }
    let wants_length =
        !spec.body.is_empty() || BODY_METHODS.iter().any(|m| spec.method.eq_ignore_ascii_case(m));
    if wants_length && !has("content-length") {
        push_line(&mut out, &["Content-Length: ", &spec.body.len().to_string()]);
    }
    for (name, value) in &spec.headers {
        push_line(&mut out, &[name, ": ", value]);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&spec.body);
    Ok(out)
}

fn push_line(out: &mut Vec<u8>, parts: &[&str]) {
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

fn check_header(name: &str, value: &str) -> Result<(), LoadError> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(LoadError::InvalidPlan(format!("header name '{name}' is not a valid http token")));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(LoadError::InvalidPlan(format!(
            "header '{name}' contains a line break or NUL; remove it from the value"
        )));
    }
    Ok(())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target { addr: "127.0.0.1:8080".parse().unwrap(), host_header: "localhost:8080".into() }
    }

    fn spec(method: &str, path: &str) -> RequestSpec {
        RequestSpec {
            method: method.into(),
            path: path.into(),
            headers: vec![],
            content_type: None,
            body: vec![],
        }
    }

    #[test]
    fn get_has_request_line_and_host_only() {
        let bytes = serialize(&target(), &spec("GET", "/a?b=1")).unwrap();
        assert_eq!(bytes, b"GET /a?b=1 HTTP/1.1\r\nHost: localhost:8080\r\n\r\n");
    }

    #[test]
    fn post_has_type_length_headers_and_body() {
        let mut s = spec("POST", "/json");
        s.content_type = Some("application/json".into());
        s.headers = vec![("X-Id".into(), "7".into())];
        s.body = b"{\"a\":1}".to_vec();
        let bytes = serialize(&target(), &s).unwrap();
        let want = "POST /json HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/json\r\n\
                    Content-Length: 7\r\nX-Id: 7\r\n\r\n{\"a\":1}";
        assert_eq!(String::from_utf8(bytes).unwrap(), want);
    }

    #[test]
    fn empty_post_sends_zero_length_and_user_host_wins() {
        let mut s = spec("POST", "/");
        s.headers = vec![("host".into(), "example.com".into())];
        let bytes = serialize(&target(), &s).unwrap();
        assert_eq!(bytes, b"POST / HTTP/1.1\r\nContent-Length: 0\r\nhost: example.com\r\n\r\n");
    }

    #[test]
    fn rejects_header_injection_bad_method_and_path() {
        let mut s = spec("GET", "/");
        s.headers = vec![("X".into(), "a\r\nEvil: 1".into())];
        assert!(matches!(serialize(&target(), &s), Err(LoadError::InvalidPlan(_))));
        assert!(serialize(&target(), &spec("G ET", "/")).is_err());
        assert!(serialize(&target(), &spec("GET", "no-slash")).is_err());
        assert!(serialize(&target(), &spec("GET", "/a b")).is_err());
    }
}
