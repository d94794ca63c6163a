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
//! once ready. One thread (a current-thread runtime).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use h2::server::SendResponse;
use http::{Response, StatusCode};
use tokio::net::{TcpListener, TcpStream};

/// Requests answered and the most streams in flight on one connection, for `/stats`.
#[derive(Default)]
struct Counters {
    requests: Cell<u64>,
    max_streams: Cell<u64>,
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map_or(Ok(8080), |p| p.parse())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid port: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on {}", listener.local_addr()?);
        let counters = Rc::new(Counters::default());
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::task::spawn_local(serve(stream, counters.clone()));
        }
    })
}

/// Accepts the connection's streams and answers each in its own task.
async fn serve(stream: TcpStream, counters: Rc<Counters>) {
    let _ = stream.set_nodelay(true);
    let mut builder = h2::server::Builder::new();
    builder.initial_window_size(1 << 20).initial_connection_window_size(1 << 24).max_concurrent_streams(1000);
    let Ok(mut conn) = builder.handshake::<_, Bytes>(stream).await else { return };
    let in_flight = Rc::new(Cell::new(0u64));
    while let Some(Ok((request, respond))) = conn.accept().await {
        in_flight.set(in_flight.get() + 1);
        counters.max_streams.set(counters.max_streams.get().max(in_flight.get()));
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
                counters.requests.get(),
                counters.max_streams.get()
            );
            (StatusCode::OK, "application/json", Bytes::from(stats))
        }
        _ => (StatusCode::NOT_FOUND, "text/plain", Bytes::from_static(b"not found")),
    };
    counters.requests.set(counters.requests.get() + 1);
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
