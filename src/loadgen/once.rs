//! A single blocking request on a fresh connection, for answer verification:
//! the full response (head and decoded body) is returned.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::parse::{Feed, ResponseParser};
use super::{request, LoadError, RequestSpec, Response, Target};

/// Sends `spec` to `target` and reads the whole response within `timeout`.
pub(crate) fn send_once(
    target: &Target,
    spec: &RequestSpec,
    timeout: Duration,
) -> Result<Response, LoadError> {
    let bytes = request::serialize(target, spec)?;
    let addr = target.addr;
    let deadline = Instant::now() + timeout;
    let timed_out = || LoadError::Timeout { addr, timeout };
    let io = |action| move |source| LoadError::Io { addr, action, source };

    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|source| LoadError::Connect { addr, source })?;
    let _ = stream.set_nodelay(true);
    stream
        .set_write_timeout(Some(remaining(deadline).ok_or_else(timed_out)?))
        .map_err(io("configuring the socket"))?;
    stream.write_all(&bytes).map_err(|e| match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => timed_out(),
        _ => io("sending the request")(e),
    })?;

    let mut parser = ResponseParser::new(spec.method.eq_ignore_ascii_case("HEAD"));
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    let mut body = Vec::new();
    // `buf` keeps every byte (the head is parsed again at the end); `used` of
    // them were consumed by the parser, the rest is a partial head.
    let mut used = 0;
    loop {
        let left = remaining(deadline).ok_or_else(timed_out)?;
        stream.set_read_timeout(Some(left)).map_err(io("configuring the socket"))?;
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(timed_out())
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(io("reading the response")(e)),
        };
        if n == 0 {
            if parser.finish_at_eof() {
                break;
            }
            return Err(LoadError::BadResponse(format!(
                "{addr} closed the connection before the response was complete ({} bytes received)",
                buf.len()
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
        let feed = parser
            .feed(&buf[used..], &mut |_, b: &[u8]| body.extend_from_slice(b))
            .map_err(|e| LoadError::BadResponse(format!("from {addr}: {e}")))?;
        match feed {
            Feed::Done(_) => break,
            Feed::NeedMore(n) => used += n,
        }
    }
    let (status, headers) = parse_head(&buf)?;
    Ok(Response { status, headers, body })
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Status and lowercased headers of the final (non-1xx) head at the start of `raw`.
fn parse_head(mut raw: &[u8]) -> Result<(u16, Vec<(String, String)>), LoadError> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        let len = match resp.parse(raw) {
            Ok(httparse::Status::Complete(len)) => len,
            _ => return Err(LoadError::BadResponse("incomplete response head".into())),
        };
        let status = resp.code.unwrap_or(0);
        if (100..200).contains(&status) && status != 101 {
            raw = &raw[len..];
            continue;
        }
        let headers = resp
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
            .collect();
        return Ok((status, headers));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_parsing_skips_interim_and_lowercases() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-Thing: A b\r\n\r\nbody";
        let (status, headers) = parse_head(raw).unwrap();
        assert_eq!(status, 201);
        assert_eq!(headers, vec![("x-thing".to_string(), "A b".to_string())]);
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n").is_err());
    }

    #[test]
    fn zero_timeout_is_invalid() {
        let target = Target { addr: "127.0.0.1:1".parse().unwrap(), host_header: "x".into() };
        let spec = RequestSpec {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![],
            content_type: None,
            body: vec![],
        };
        // The public entry points hold the check, for both protocols.
        assert!(matches!(
            crate::loadgen::send_once(&target, &spec, Duration::ZERO),
            Err(LoadError::InvalidPlan(_))
        ));
        let h2 = crate::loadgen::Protocol::Http2 { streams: 1 };
        assert!(matches!(
            crate::loadgen::send_once_over(&target, &spec, Duration::ZERO, h2),
            Err(LoadError::InvalidPlan(_))
        ));
    }
}
