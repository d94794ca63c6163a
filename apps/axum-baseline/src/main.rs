//! axum-baseline: the Rust baseline for benchmark-harness.
//!
//! axum on a hand-built multi-threaded tokio runtime whose worker-thread count
//! comes from `--workers` (or `WORKERS`). Listens on 127.0.0.1 only, no logging.
//! SIGTERM keeps its default disposition, so the process exits at once.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::{
    extract::{multipart::MultipartError, Form, Multipart, Path, Query},
    routing::{get, post},
    Json, Router,
};
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
        axum::serve(listener, app()).await.expect("server error");
    });
}
