//! A small HTTP/2 server with prior knowledge over cleartext (h2c, no HTTP/1.1, no upgrade),
//! on the `h2` crate, for the `--http2` tests and `scripts/bench-h2.sh`. Routes:
//! - `GET /plaintext`: `Hello, World!` (text/plain);
//! - `GET /json`: `{"message":"Hello, World!"}` (application/json);
//! - `POST /json/*`: the request body echoed (application/json);
//! - `GET /slow`: `Hello, World!` after 100 ms, so that streams overlap;
//! - `GET /stats`: `{"requests":N,"max_streams":M}`: requests answered before this one, and
//!   the most streams seen in flight at once on one connection;
//! - anything else: 404.
//!
//! Usage: `h2_server [PORT]` (default 8080; 0 picks a free port). Prints `listening on ADDR`
//! once ready. One thread (a current-thread runtime). The e2e tests include this file and call
//! [`serve_listener`] on a thread of their own.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use h2::server::SendResponse;
use http::{Response, StatusCode};
use tokio::net::{TcpListener, TcpStream};

/// Requests answered and the most streams in flight on one connection, for `/stats`.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub max_streams: AtomicU64,
}

#[allow(dead_code)] // the e2e tests include this file for `serve_listener` only
fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map_or(Ok(8080), |p| p.parse())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid port: {e}")))?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on {}", listener.local_addr()?);
    serve_listener(listener, Arc::new(Counters::default()))
}

/// Serves h2c on `listener` until an accept fails, on the calling thread.
pub fn serve_listener(listener: std::net::TcpListener, counters: Arc<Counters>) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let listener = TcpListener::from_std(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::task::spawn_local(serve(stream, counters.clone()));
        }
    })
}

/// Accepts the connection's streams and answers each in its own task.
async fn serve(stream: TcpStream, counters: Arc<Counters>) {
    let _ = stream.set_nodelay(true);
    let mut builder = h2::server::Builder::new();
    builder.initial_window_size(1 << 20).initial_connection_window_size(1 << 24).max_concurrent_streams(1000);
    let Ok(mut conn) = builder.handshake::<_, Bytes>(stream).await else { return };
    let in_flight = Rc::new(Cell::new(0u64));
    while let Some(Ok((request, respond))) = conn.accept().await {
        in_flight.set(in_flight.get() + 1);
        counters.max_streams.fetch_max(in_flight.get(), Ordering::Relaxed);
        let (counters, in_flight) = (counters.clone(), in_flight.clone());
        tokio::task::spawn_local(async move {
            answer(request, respond, &counters).await;
            in_flight.set(in_flight.get() - 1);
        });
    }
}

async fn answer(
    request: http::Request<h2::RecvStream>,
    mut respond: SendResponse<Bytes>,
    counters: &Counters,
) {
    let (parts, mut body) = request.into_parts();
    let mut received = Vec::new();
    while let Some(Ok(chunk)) = body.data().await {
        let _ = body.flow_control().release_capacity(chunk.len());
        received.extend_from_slice(&chunk);
    }
    let path = parts.uri.path();
    let (status, content_type, out) = match (parts.method.as_str(), path) {
        ("GET", "/plaintext") => (StatusCode::OK, "text/plain", Bytes::from_static(b"Hello, World!")),
        ("GET", "/json") => {
            (StatusCode::OK, "application/json", Bytes::from_static(br#"{"message":"Hello, World!"}"#))
        }
        ("POST", p) if p.starts_with("/json/") => (StatusCode::OK, "application/json", Bytes::from(received)),
        ("GET", "/slow") => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            (StatusCode::OK, "text/plain", Bytes::from_static(b"Hello, World!"))
        }
        ("GET", "/stats") => {
            let stats = format!(
                r#"{{"requests":{},"max_streams":{}}}"#,
                counters.requests.load(Ordering::Relaxed),
                counters.max_streams.load(Ordering::Relaxed)
            );
            (StatusCode::OK, "application/json", Bytes::from(stats))
        }
        _ => (StatusCode::NOT_FOUND, "text/plain", Bytes::from_static(b"not found")),
    };
    counters.requests.fetch_add(1, Ordering::Relaxed);
    let response = Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("content-length", out.len())
        .body(())
        .expect("static response parts are valid");
    if let Ok(mut send) = respond.send_response(response, out.is_empty()) {
        if !out.is_empty() {
            let _ = send.send_data(out, true);
        }
    }
}
