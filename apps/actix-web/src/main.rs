//! actix-web benchmark app for benchmark-harness.
//!
//! actix-web 4 with `.workers(workers)` (one single-threaded runtime per worker
//! thread, actix's model) from `--workers` (or `WORKERS`). Listens on 127.0.0.1
//! only, no Logger middleware. actix-web's own signal handling stops the server
//! on SIGTERM (graceful shutdown, bounded by `shutdown_timeout`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_multipart::Multipart;
use actix_web::{
    get,
    web::{self, Bytes, Form, Json, Path, Query},
    App, HttpRequest, HttpResponse, HttpServer, Responder,
};
use actix_ws::{AggregatedMessage, CloseCode};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---------- baseline ----------

#[get("/health")]
async fn health() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[get("/plaintext")]
async fn plaintext() -> impl Responder {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("Hello, World!")
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[get("/json")]
async fn json_hello() -> Json<Message> {
    Json(Message { message: "Hello, World!" })
}

// ---------- JSON bodies: parse as generic JSON, serialise it back ----------

async fn json_echo(body: Json<Value>) -> Json<Value> {
    body
}

// ---------- path parameters ----------

#[derive(Serialize)]
struct IdStr {
    id: String,
}

#[get("/path/simple/{id}")]
async fn path_simple(id: Path<String>) -> Json<IdStr> {
    Json(IdStr { id: id.into_inner() })
}

#[derive(Deserialize, Serialize)]
struct UserPost {
    user_id: String,
    post_id: String,
}

#[get("/path/multiple/{user_id}/{post_id}")]
async fn path_multiple(p: Path<UserPost>) -> Json<UserPost> {
    Json(p.into_inner())
}

#[derive(Deserialize, Serialize)]
struct Deep {
    org: String,
    team: String,
    project: String,
    resource: String,
    id: String,
}

#[get("/path/deep/{org}/{team}/{project}/{resource}/{id}")]
async fn path_deep(p: Path<Deep>) -> Json<Deep> {
    Json(p.into_inner())
}

#[derive(Serialize)]
struct IdInt {
    id: i64,
}

#[get("/path/int/{id}")]
async fn path_int(id: Path<i64>) -> Json<IdInt> {
    Json(IdInt { id: id.into_inner() })
}

#[derive(Serialize)]
struct UuidOut {
    uuid: String,
}

#[get("/path/uuid/{uuid}")]
async fn path_uuid(uuid: Path<String>) -> Json<UuidOut> {
    Json(UuidOut { uuid: uuid.into_inner() })
}

#[derive(Serialize)]
struct DateOut {
    date: String,
}

#[get("/path/date/{date}")]
async fn path_date(date: Path<String>) -> Json<DateOut> {
    Json(DateOut { date: date.into_inner() })
}

// ---------- query parameters (typed) ----------

#[derive(Deserialize, Serialize)]
struct QueryFew {
    q: String,
    page: u32,
    limit: u32,
}

#[get("/query/few")]
async fn query_few(q: Query<QueryFew>) -> Json<QueryFew> {
    Json(q.into_inner())
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

#[get("/query/medium")]
async fn query_medium(q: Query<QueryMedium>) -> Json<QueryMedium> {
    Json(q.into_inner())
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

#[get("/query/many")]
async fn query_many(q: Query<QueryMany>) -> Json<QueryMany> {
    Json(q.into_inner())
}

// ---------- urlencoded forms: any fields, decoded strings ----------

async fn urlencoded(form: Form<HashMap<String, String>>) -> Json<HashMap<String, String>> {
    Json(form.into_inner())
}

// ---------- multipart uploads: files in field `files`, counted as they arrive ----------

async fn multipart(mut form: Multipart) -> actix_web::Result<Json<Value>> {
    let (mut files, mut total) = (0u64, 0u64);
    while let Some(field) = form.next().await {
        let mut field = field?;
        let is_file = field.name() == Some("files")
            && field.content_disposition().and_then(|d| d.get_filename()).is_some();
        if is_file {
            files += 1;
        }
        // Every field is read to its end (actix-multipart needs that to reach the next one).
        while let Some(chunk) = field.next().await {
            let chunk = chunk?;
            if is_file {
                total += chunk.len() as u64;
            }
        }
    }
    Ok(Json(serde_json::json!({ "files_received": files, "total_bytes": total })))
}

// ---------- streaming: SSE and WebSocket echo ----------

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

/// `count` events `id: i` / `data: {"seq":i,"ts_us":T}` as a streaming (chunked) body,
/// `interval_ms` apart. Each chunk is made when actix polls the stream for it, so `ts_us`
/// is taken just before the write; the body ends after the last event.
async fn stream_sse(q: Query<SseParams>) -> HttpResponse {
    let SseParams { count, interval_ms } = q.into_inner();
    if !(1..=100_000).contains(&count) || interval_ms > 10_000 {
        return HttpResponse::BadRequest()
            .body("count must be 1..=100000 and interval_ms 0..=10000");
    }
    let interval = Duration::from_millis(interval_ms);
    let events = futures_util::stream::unfold(0u32, move |i| async move {
        if i >= count {
            return None;
        }
        if i > 0 && !interval.is_zero() {
            actix_web::rt::time::sleep(interval).await;
        }
        let event = format!("id: {i}\ndata: {{\"seq\":{i},\"ts_us\":{}}}\n\n", now_us());
        Some((Ok::<_, Infallible>(Bytes::from(event)), i + 1))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(events)
}

/// actix-ws: text back as text, binary back as binary, in order; pings answered; a close
/// frame answered with a normal-closure close frame.
async fn stream_ws(req: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, stream) = actix_ws::handle(&req, body)?;
    let mut stream = stream.aggregate_continuations();
    actix_web::rt::spawn(async move {
        while let Some(Ok(msg)) = stream.recv().await {
            let sent = match msg {
                AggregatedMessage::Text(text) => session.text(text).await,
                AggregatedMessage::Binary(bin) => session.binary(bin).await,
                AggregatedMessage::Ping(ping) => session.pong(&ping).await,
                AggregatedMessage::Pong(_) => Ok(()),
                AggregatedMessage::Close(_) => break,
            };
            if sent.is_err() {
                return;
            }
        }
        let _ = session.close(Some(CloseCode::Normal.into())).await;
    });
    Ok(response)
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

fn main() -> std::io::Result<()> {
    #[cfg(feature = "alloc-stats")]
    alloc_counter::start_from_env(&ALLOC);
    let (port, workers) = settings();
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                // The default JSON limit is 32 KiB; the very-large workload is ~150 KiB.
                .app_data(web::JsonConfig::default().limit(4 * 1024 * 1024))
                .app_data(web::FormConfig::default().limit(1024 * 1024))
                .service(health)
                .service(plaintext)
                .service(json_hello)
                .route("/json/small", web::post().to(json_echo))
                .route("/json/medium", web::post().to(json_echo))
                .route("/json/large", web::post().to(json_echo))
                .route("/json/very-large", web::post().to(json_echo))
                .service(path_simple)
                .service(path_multiple)
                .service(path_deep)
                .service(path_int)
                .service(path_uuid)
                .service(path_date)
                .service(query_few)
                .service(query_medium)
                .service(query_many)
                .route("/urlencoded/simple", web::post().to(urlencoded))
                .route("/urlencoded/complex", web::post().to(urlencoded))
                .route("/multipart/small", web::post().to(multipart))
                .route("/multipart/medium", web::post().to(multipart))
                .route("/multipart/large", web::post().to(multipart))
                .route("/stream/sse", web::get().to(stream_sse))
                .route("/stream/ws", web::get().to(stream_ws))
        })
        .workers(workers)
        .shutdown_timeout(1)
        // TCP_NODELAY, as production servers set it (actix leaves the OS default, Nagle
        // on): otherwise a streamed response's small writes wait for the client's delayed
        // ACK (~40 ms), and an SSE burst measures that timer instead of the server.
        .tcp_nodelay(true)
        // HTTP/1.1 and h2c (prior knowledge) on the same port: the first bytes of each
        // connection pick the protocol (actix-web feature `http2`, on by default).
        .bind_auto_h2c(("127.0.0.1", port))?
        .run()
        .await
    })
}
