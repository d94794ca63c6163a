//! spikard-rust: the `spikard` crate (Rust API) for benchmark-harness.
//!
//! Routes are registered on `spikard::App` with `RouteBuilder`s; query and path
//! parameters are declared with `RouteBuilder::params::<T>()` (a schemars schema
//! whose properties carry spikard's `source` annotation), so spikard validates and
//! type-checks them before the handler runs, and the handler reads them through
//! `RequestContext`. The tokio runtime is built by hand with
//! `worker_threads(workers)`; the server listens on 127.0.0.1 only.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::{
    sse::{Event, Sse},
    IntoResponse, Json,
};
use futures_util::stream;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use spikard::{get, post, App, AppError, HandlerResult, RequestContext, ServerConfig};

type Res = HandlerResult;

fn json<T: Serialize>(value: T) -> Res {
    Ok(Json(value).into_response())
}

// ---------- baseline ----------

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

// ---------- path parameters ----------

#[derive(Deserialize, Serialize, JsonSchema)]
struct PathSimple {
    #[schemars(extend("source" = "path"))]
    id: String,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct PathMultiple {
    #[schemars(extend("source" = "path"))]
    user_id: String,
    #[schemars(extend("source" = "path"))]
    post_id: String,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct PathDeep {
    #[schemars(extend("source" = "path"))]
    org: String,
    #[schemars(extend("source" = "path"))]
    team: String,
    #[schemars(extend("source" = "path"))]
    project: String,
    #[schemars(extend("source" = "path"))]
    resource: String,
    #[schemars(extend("source" = "path"))]
    id: String,
}

#[derive(Serialize, JsonSchema)]
struct PathInt {
    #[schemars(extend("source" = "path"))]
    id: i64,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct PathUuid {
    #[schemars(extend("source" = "path"))]
    uuid: String,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct PathDate {
    #[schemars(extend("source" = "path"))]
    date: String,
}

// ---------- query parameters (typed) ----------

#[derive(Deserialize, Serialize, JsonSchema)]
struct QueryFew {
    #[schemars(extend("source" = "query"))]
    q: String,
    #[schemars(extend("source" = "query"))]
    page: u32,
    #[schemars(extend("source" = "query"))]
    limit: u32,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct QueryMedium {
    #[schemars(extend("source" = "query"))]
    category: String,
    #[schemars(extend("source" = "query"))]
    tags: String,
    #[schemars(extend("source" = "query"))]
    min_price: f64,
    #[schemars(extend("source" = "query"))]
    max_price: f64,
    #[schemars(extend("source" = "query"))]
    sort: String,
    #[schemars(extend("source" = "query"))]
    order: String,
    #[schemars(extend("source" = "query"))]
    page: u32,
    #[schemars(extend("source" = "query"))]
    limit: u32,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct QueryMany {
    #[schemars(extend("source" = "query"))]
    q: String,
    #[schemars(extend("source" = "query"))]
    page: u32,
    #[schemars(extend("source" = "query"))]
    limit: u32,
    #[schemars(extend("source" = "query"))]
    sort: String,
    #[schemars(extend("source" = "query"))]
    order: String,
    #[schemars(extend("source" = "query"))]
    filter: String,
    #[schemars(extend("source" = "query"))]
    category: String,
    #[schemars(extend("source" = "query"))]
    subcategory: String,
    #[schemars(extend("source" = "query"))]
    brand: String,
    #[schemars(extend("source" = "query"))]
    min_price: f64,
    #[schemars(extend("source" = "query"))]
    max_price: f64,
    #[schemars(extend("source" = "query"))]
    rating: u32,
    #[schemars(extend("source" = "query"))]
    verified: bool,
    #[schemars(extend("source" = "query"))]
    in_stock: bool,
    #[schemars(extend("source" = "query"))]
    shipping: String,
    #[schemars(extend("source" = "query"))]
    color: String,
}

// ---------- streaming: SSE ----------

/// `count` 1..=100000 and `interval_ms` 0..=10000 (default 0) from the query string,
/// declared like the other query parameters, so spikard validates and coerces them
/// (422 when missing, not an integer or out of range) before the handler runs.
#[derive(Deserialize, Serialize, JsonSchema)]
struct SseParams {
    #[schemars(extend("source" = "query"), range(min = 1, max = 100_000))]
    count: u32,
    #[serde(default)]
    #[schemars(extend("source" = "query"), range(max = 10_000))]
    interval_ms: u64,
}

/// Wall clock (Unix epoch) in microseconds.
fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

fn build_app(workers: usize, port: u16) -> Result<App, AppError> {
    let config = ServerConfig {
        host: "127.0.0.1".to_string(),
        port,
        workers,
        // No signal handler: SIGTERM keeps its default disposition and ends the
        // process at once (the harness stops servers with SIGTERM).
        graceful_shutdown: false,
        ..ServerConfig::default()
    };
    let mut app = App::new().config(config);

    // Baseline.
    app.route(get("/health"), |_ctx: RequestContext| async {
        json(serde_json::json!({ "status": "ok" }))
    })?;
    app.route(get("/plaintext"), |_ctx: RequestContext| async {
        Ok("Hello, World!".into_response())
    })?;
    app.route(get("/json"), |_ctx: RequestContext| async {
        json(Message { message: "Hello, World!" })
    })?;

    // JSON bodies: parsed as generic JSON by spikard, deserialised, re-serialised.
    for path in ["/json/small", "/json/medium", "/json/large", "/json/very-large"] {
        app.route(post(path), |ctx: RequestContext| async move {
            let body: Value = ctx.json()?;
            json(body)
        })?;
    }

    // Path parameters.
    app.route(
        get("/path/simple/{id}").params::<PathSimple>(),
        |ctx: RequestContext| async move { json(ctx.path::<PathSimple>()?) },
    )?;
    app.route(
        get("/path/multiple/{user_id}/{post_id}").params::<PathMultiple>(),
        |ctx: RequestContext| async move { json(ctx.path::<PathMultiple>()?) },
    )?;
    app.route(
        get("/path/deep/{org}/{team}/{project}/{resource}/{id}").params::<PathDeep>(),
        |ctx: RequestContext| async move { json(ctx.path::<PathDeep>()?) },
    )?;
    app.route(
        get("/path/int/{id}").params::<PathInt>(),
        |ctx: RequestContext| async move {
            // spikard has validated `id` as an integer (422 otherwise); the context
            // exposes path params as strings, so the handler parses it.
            let id = ctx
                .path_param("id")
                .unwrap_or_default()
                .parse::<i64>()
                .map_err(|e| AppError::Decode(e.to_string()))?;
            json(PathInt { id })
        },
    )?;
    app.route(
        get("/path/uuid/{uuid}").params::<PathUuid>(),
        |ctx: RequestContext| async move { json(ctx.path::<PathUuid>()?) },
    )?;
    app.route(
        get("/path/date/{date}").params::<PathDate>(),
        |ctx: RequestContext| async move { json(ctx.path::<PathDate>()?) },
    )?;

    // Query parameters: validated against the typed schema, then deserialised.
    app.route(
        get("/query/few").params::<QueryFew>(),
        |ctx: RequestContext| async move { json(ctx.query::<QueryFew>()?) },
    )?;
    app.route(
        get("/query/medium").params::<QueryMedium>(),
        |ctx: RequestContext| async move { json(ctx.query::<QueryMedium>()?) },
    )?;
    app.route(
        get("/query/many").params::<QueryMany>(),
        |ctx: RequestContext| async move { json(ctx.query::<QueryMany>()?) },
    )?;

    // urlencoded forms: spikard decodes the form body; any fields, as strings.
    for path in ["/urlencoded/simple", "/urlencoded/complex"] {
        app.route(post(path), |ctx: RequestContext| async move {
            let fields: HashMap<String, String> = ctx.json()?;
            json(fields)
        })?;
    }

    // Multipart uploads: spikard parses multipart/form-data into JSON before the handler
    // runs, a file as {"filename", "size", "content", "content_type"}; the sizes are the
    // bytes its parser received. Declaring file parameters (`file_params_json`) routes the
    // body through spikard's multipart middleware, which gathers the parts of one field into
    // an array (one part stays an object); without it spikard keeps only the last part.
    for path in ["/multipart/small", "/multipart/medium", "/multipart/large"] {
        let route = post(path).file_params_json(serde_json::json!({ "files": { "multiple": true } }));
        app.route(route, |ctx: RequestContext| async move {
            let form: Value = ctx.json()?;
            let files: Vec<&Value> = match form.get("files") {
                Some(Value::Array(files)) => files.iter().collect(),
                Some(file @ Value::Object(_)) => vec![file],
                _ => Vec::new(),
            };
            let total: u64 = files.iter().filter_map(|f| f.get("size").and_then(Value::as_u64)).sum();
            json(serde_json::json!({ "files_received": files.len(), "total_bytes": total }))
        })?;
    }

    // SSE: a normal spikard route (typed, validated query) whose handler returns axum's
    // streaming `Sse` response; spikard passes the body through unbuffered. An event is
    // made when hyper polls for it, so `ts_us` is taken just before it is written.
    // (spikard's own `App::sse` producer gets no request data, so it cannot read `count`.)
    app.route(
        get("/stream/sse").params::<SseParams>(),
        |ctx: RequestContext| async move {
            let p: SseParams = ctx.query()?;
            let (count, interval) = (p.count, Duration::from_millis(p.interval_ms));
            let events = stream::unfold(0u32, move |i| async move {
                if i >= count {
                    return None;
                }
                if i > 0 && !interval.is_zero() {
                    tokio::time::sleep(interval).await;
                }
                let data = format!(r#"{{"seq":{i},"ts_us":{}}}"#, now_us());
                Some((Ok::<_, Infallible>(Event::default().id(i.to_string()).data(data)), i + 1))
            });
            Ok(Sse::new(events).into_response())
        },
    )?;

    Ok(app)
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
    let app = build_app(workers, port).unwrap_or_else(|e| panic!("cannot build the app: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("failed to build the tokio runtime");
    if let Err(e) = runtime.block_on(app.run()) {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}
