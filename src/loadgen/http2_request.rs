//! HTTP/2 with prior knowledge over cleartext (h2c): the request template every stream sends,
//! the client settings, and one blocking request on a fresh connection ([`send_once`]) for
//! answer verification and for telling a server that does not speak h2c from one that does.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use tokio::net::TcpStream;

use super::{request, LoadError, RequestSpec, Response, Target};

/// Flow-control windows (stream and connection), as h2load's defaults (`-w 30 -W 30`): large
/// enough that the window never limits a response on loopback.
pub(crate) const WINDOW: u32 = (1 << 30) - 1;

/// Headers that HTTP/2 forbids (RFC 9113 §8.2.2) or that become pseudo-headers; dropped.
const DROPPED: [&str; 7] =
    ["host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"];

/// The request of a run, built once; [`H2Request::build`] clones it for every stream.
#[derive(Debug, Clone)]
pub(crate) struct H2Request {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl H2Request {
    /// The HTTP/2 form of `spec`: `:authority` from the Host header (the target's or the
    /// spec's own), content-type and content-length as in HTTP/1.1.
    pub(crate) fn new(target: &Target, spec: &RequestSpec) -> Result<Self, LoadError> {
        request::serialize(target, spec)?; // the same validation as HTTP/1.1
        let invalid = |what: &str, e: &dyn std::fmt::Display| {
            LoadError::InvalidPlan(format!("cannot build the http/2 request ({what}): {e}"))
        };
        let method = Method::from_bytes(spec.method.as_bytes()).map_err(|e| invalid("method", &e))?;
        let authority = spec
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map_or(target.host_header.as_str(), |(_, v)| v.as_str());
        let uri = Uri::builder()
            .scheme("http")
            .authority(authority)
            .path_and_query(spec.path.as_str())
            .build()
            .map_err(|e| invalid("uri", &e))?;
        let mut headers = HeaderMap::new();
        let mut add = |name: &str, value: &str| -> Result<(), LoadError> {
            let lower = name.to_ascii_lowercase();
            if DROPPED.contains(&lower.as_str()) {
                return Ok(());
            }
            let name = HeaderName::from_bytes(lower.as_bytes()).map_err(|e| invalid("header name", &e))?;
            let value = HeaderValue::from_str(value).map_err(|e| invalid("header value", &e))?;
            headers.append(name, value);
            Ok(())
        };
        let has = |name: &str| spec.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if let (Some(ct), false) = (&spec.content_type, has("content-type")) {
            add("content-type", ct)?;
        }
        let wants_length = !spec.body.is_empty() || ["POST", "PUT", "PATCH"].contains(&method.as_str());
        if wants_length && !has("content-length") {
            add("content-length", &spec.body.len().to_string())?;
        }
        for (name, value) in &spec.headers {
            add(name, value)?;
        }
        Ok(H2Request { method, uri, headers, body: Bytes::from(spec.body.clone()) })
    }

    /// A fresh request with the template's method, URI and headers.
    pub(crate) fn build(&self) -> Request<()> {
        let mut req = Request::new(());
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = self.uri.clone();
        *req.headers_mut() = self.headers.clone();
        req
    }
}

/// The client settings used by the load loop and [`send_once`].
pub(crate) fn client() -> h2::client::Builder {
    let mut b = h2::client::Builder::new();
    b.initial_window_size(WINDOW).initial_connection_window_size(WINDOW).enable_push(false);
    b
}

/// One HTTP/2 request (prior knowledge, cleartext) on a fresh connection, the whole response
/// read within `timeout`. Anything but a connect failure is [`LoadError::Http2`], whose message
/// says that the server may not speak h2c.
pub(crate) fn send_once(
    target: &Target,
    spec: &RequestSpec,
    timeout: Duration,
) -> Result<Response, LoadError> {
    let template = H2Request::new(target, spec)?;
    let addr = target.addr;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LoadError::Worker(format!("cannot start runtime: {e}")))?;
    let failed = |reason: String| LoadError::Http2 { addr, reason };
    runtime.block_on(async {
        let exchange = async {
            let stream =
                TcpStream::connect(addr).await.map_err(|source| LoadError::Connect { addr, source })?;
            let _ = stream.set_nodelay(true);
            let (send, connection) = client()
                .handshake::<_, Bytes>(stream)
                .await
                .map_err(|e| failed(format!("handshake failed: {e}")))?;
            let driver = tokio::spawn(connection);
            let mut send = send.ready().await.map_err(|e| failed(e.to_string()))?;
            let end = template.body.is_empty();
            let (response, mut body_out) =
                send.send_request(template.build(), end).map_err(|e| failed(e.to_string()))?;
            if !end {
                body_out.send_data(template.body.clone(), true).map_err(|e| failed(e.to_string()))?;
            }
            let response = response.await.map_err(|e| match driver.is_finished() {
                true => failed(format!("the connection ended before a response ({e})")),
                false => failed(e.to_string()),
            })?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let mut recv = response.into_body();
            let mut body = Vec::new();
            while let Some(chunk) = recv.data().await {
                let chunk = chunk.map_err(|e| failed(format!("while reading the body: {e}")))?;
                let _ = recv.flow_control().release_capacity(chunk.len());
                body.extend_from_slice(&chunk);
            }
            Ok(Response { status, headers, body })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(failed(format!("no response within {timeout:?}"))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target { addr: "127.0.0.1:8080".parse().unwrap(), host_header: "localhost:8080".into() }
    }

    #[test]
    fn the_template_carries_authority_type_length_and_drops_connection_headers() {
        let spec = RequestSpec {
            method: "POST".into(),
            path: "/json?x=1".into(),
            headers: vec![("Connection".into(), "keep-alive".into()), ("X-Id".into(), "7".into())],
            content_type: Some("application/json".into()),
            body: b"{}".to_vec(),
        };
        let req = H2Request::new(&target(), &spec).unwrap().build();
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri().to_string(), "http://localhost:8080/json?x=1");
        let h = req.headers();
        assert_eq!(
            (h["content-type"].to_str().unwrap(), h["content-length"].to_str().unwrap()),
            ("application/json", "2")
        );
        assert_eq!(h["x-id"], "7");
        assert!(h.get("connection").is_none() && h.get("host").is_none());
    }

    #[test]
    fn a_host_header_becomes_the_authority_and_bad_requests_are_invalid() {
        let mut spec = RequestSpec {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![("Host".into(), "example.com".into())],
            content_type: None,
            body: vec![],
        };
        let req = H2Request::new(&target(), &spec).unwrap().build();
        assert_eq!(req.uri().authority().unwrap().as_str(), "example.com");
        assert!(req.headers().get("content-length").is_none());
        spec.path = "no-slash".into();
        assert!(matches!(H2Request::new(&target(), &spec), Err(LoadError::InvalidPlan(_))));
    }
}
