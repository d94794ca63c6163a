//! axum-baseline: the Rust baseline for benchmark-harness.
//!
//! axum on a hand-built multi-threaded tokio runtime whose worker-thread count
//! comes from `--workers` (or `WORKERS`). Listens on 127.0.0.1 only, no logging.
//! SIGTERM keeps its default disposition, so the process exits at once.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::{
    extract::{
        multipart::MultipartError,
        ws::{Message as WsMessage, WebSocket, WebSocketUpgrade},
        Form, Multipart, Path, Query,
    },
    http::StatusCode,
    response::{
        sse::{Event, Sse},
        IntoResponse, Response,
    },
    routing::{get, post},
    Json, Router,
};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---------- baseline ----------

async fn health() -> Json<Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn json_hello() -> Json<Message> {
    Json(Message { message: "Hello, World!" })
}

// ---------- JSON bodies: parse as generic JSON, serialise it back ----------

async fn json_echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

// ---------- path parameters ----------

#[derive(Serialize)]
struct IdStr {
    id: String,
}

async fn path_simple(Path(id): Path<String>) -> Json<IdStr> {
    Json(IdStr { id })
}

#[derive(Deserialize, Serialize)]
struct UserPost {
    user_id: String,
    post_id: String,
}

async fn path_multiple(Path(p): Path<UserPost>) -> Json<UserPost> {
    Json(p)
}

#[derive(Deserialize, Serialize)]
struct Deep {
    org: String,
    team: String,
    project: String,
    resource: String,
    id: String,
}

async fn path_deep(Path(p): Path<Deep>) -> Json<Deep> {
    Json(p)
}

#[derive(Serialize)]
struct IdInt {
    id: i64,
}

async fn path_int(Path(id): Path<i64>) -> Json<IdInt> {
    Json(IdInt { id })
}

#[derive(Serialize)]
struct UuidOut {
    uuid: String,
}

async fn path_uuid(Path(uuid): Path<String>) -> Json<UuidOut> {
    Json(UuidOut { uuid })
}

#[derive(Serialize)]
struct DateOut {
    date: String,
}

async fn path_date(Path(date): Path<String>) -> Json<DateOut> {
    Json(DateOut { date })
}

// ---------- query parameters (typed) ----------

#[derive(Deserialize, Serialize)]
struct QueryFew {
    q: String,
    page: u32,
    limit: u32,
}

async fn query_few(Query(q): Query<QueryFew>) -> Json<QueryFew> {
    Json(q)
}

#[derive(Deserialize, Serialize)]
struct QueryMedium {
    category: String,
    tags: String,
    min_price: f64,
    max_price: f64,
    sort: String,
    order: String,
    page: u32,
    limit: u32,
}

async fn query_medium(Query(q): Query<QueryMedium>) -> Json<QueryMedium> {
    Json(q)
}

#[derive(Deserialize, Serialize)]
struct QueryMany {
    q: String,
    page: u32,
    limit: u32,
    sort: String,
    order: String,
    filter: String,
    category: String,
    subcategory: String,
    brand: String,
    min_price: f64,
    max_price: f64,
    rating: u32,
    verified: bool,
    in_stock: bool,
    shipping: String,
    color: String,
}

async fn query_many(Query(q): Query<QueryMany>) -> Json<QueryMany> {
    Json(q)
}

// ---------- urlencoded forms: any fields, decoded strings ----------

async fn urlencoded(Form(fields): Form<HashMap<String, String>>) -> Json<HashMap<String, String>> {
    Json(fields)
}

// ---------- multipart uploads: files in field `files`, counted as they arrive ----------

async fn multipart(mut form: Multipart) -> Result<Json<Value>, MultipartError> {
    let (mut files, mut total) = (0u64, 0u64);
    while let Some(mut field) = form.next_field().await? {
        if field.name() != Some("files") || field.file_name().is_none() {
            continue;
        }
        files += 1;
        while let Some(chunk) = field.chunk().await? {
            total += chunk.len() as u64;
        }
    }
    Ok(Json(serde_json::json!({ "files_received": files, "total_bytes": total })))
}

// ---------- streaming: SSE and WebSocket echo (docs/streaming contract) ----------

#[derive(Deserialize)]
struct SseParams {
    count: u32,
    #[serde(default)]
    interval_ms: u64,
}

/// Wall clock (Unix epoch) in microseconds.
fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

/// `count` events `id: i` / `data: {"seq":i,"ts_us":T}`, `interval_ms` apart; the stream
/// yields an event only when hyper polls for the next frame, so `ts_us` is taken just
/// before it is written. The response ends after the last event.
fn sse_events(count: u32, interval: Duration) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(0u32, move |i| async move {
        if i >= count {
            return None;
        }
        if i > 0 && !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        let data = format!(r#"{{"seq":{i},"ts_us":{}}}"#, now_us());
        Some((Ok(Event::default().id(i.to_string()).data(data)), i + 1))
    })
}

async fn stream_sse(Query(p): Query<SseParams>) -> Response {
    if !(1..=100_000).contains(&p.count) || p.interval_ms > 10_000 {
        return (
            StatusCode::BAD_REQUEST,
            "count must be 1..=100000 and interval_ms 0..=10000",
        )
            .into_response();
    }
    // Sse sets content-type: text/event-stream and cache-control: no-cache; no keep-alive
    // comments are configured.
    Sse::new(sse_events(p.count, Duration::from_millis(p.interval_ms))).into_response()
}

async fn stream_ws(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(ws_echo)
}

/// Text back as text, binary back as binary, in order. A close frame from the client is
/// answered by tungstenite (queued on receipt, flushed by the next `recv`), so the loop
/// keeps reading until the stream ends instead of breaking on `Close`.
async fn ws_echo(mut socket: WebSocket) {
    while let Some(Ok(msg)) = socket.recv().await {
        let echo = match msg {
            WsMessage::Text(_) | WsMessage::Binary(_) => msg,
            _ => continue,
        };
        if socket.send(echo).await.is_err() {
            break;
        }
    }
}

fn app() -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/plaintext", get(plaintext))
        .route("/json", get(json_hello))
        .route("/json/small", post(json_echo))
        .route("/json/medium", post(json_echo))
        .route("/json/large", post(json_echo))
        .route("/json/very-large", post(json_echo))
        .route("/path/simple/{id}", get(path_simple))
        .route("/path/multiple/{user_id}/{post_id}", get(path_multiple))
        .route("/path/deep/{org}/{team}/{project}/{resource}/{id}", get(path_deep))
        .route("/path/int/{id}", get(path_int))
        .route("/path/uuid/{uuid}", get(path_uuid))
        .route("/path/date/{date}", get(path_date))
        .route("/query/few", get(query_few))
        .route("/query/medium", get(query_medium))
        .route("/query/many", get(query_many))
        .route("/urlencoded/simple", post(urlencoded))
        .route("/urlencoded/complex", post(urlencoded))
        .route("/multipart/small", post(multipart))
        .route("/multipart/medium", post(multipart))
        .route("/multipart/large", post(multipart))
        .route("/stream/sse", get(stream_sse))
        .route("/stream/ws", get(stream_ws))
}

/// `--port N --workers N` (also `--port=N`), falling back to `PORT` / `WORKERS`.
fn settings() -> (u16, usize) {
    let mut port = std::env::var("PORT").ok();
    let mut workers = std::env::var("WORKERS").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let slot = match key.as_str() {
            "--port" => &mut port,
            "--workers" => &mut workers,
            other => {
                eprintln!("unknown argument: {other}");
                std::process::exit(2);
            }
        };
        *slot = inline.or_else(|| args.next());
    }
    let port = port
        .as_deref()
        .unwrap_or("8000")
        .parse()
        .expect("--port must be a port number");
    let workers = workers
        .as_deref()
        .unwrap_or("1")
        .parse::<usize>()
        .expect("--workers must be a positive integer")
        .max(1);
    (port, workers)
}

#[cfg(feature = "alloc-stats")]
#[global_allocator]
static ALLOC: alloc_counter::CountingAlloc = alloc_counter::CountingAlloc::new();

fn main() {
    #[cfg(feature = "alloc-stats")]
    alloc_counter::start_from_env(&ALLOC);
    let (port, workers) = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("failed to build the tokio runtime");
    runtime.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("cannot bind {addr}: {e}"));
        // TCP_NODELAY on every connection, as production servers set it (Node, Uvicorn and
        // actix do by default): without it, Nagle's algorithm holds a streamed response's
        // small writes until the client's delayed ACK (~40 ms), and an SSE burst measures
        // that timer instead of the server.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        // With axum's `http2` feature, axum::serve (hyper-util's auto builder) answers
        // HTTP/1.1 and h2c with prior knowledge on the same port.
        axum::serve(listener, app()).await.expect("server error");
    });
}
