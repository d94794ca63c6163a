//! Workload suites: the suite TOML format, the built-in suites (embedded), loading and
//! validation, and the request bodies; calls only the file system.
//!
//! `load_suite("all")` gives the built-in suite; `load_suite("my/suite.toml")` reads a
//! user's file in exactly the same format (see `suites/*.toml` and WORKLOADS.md).

mod builtin;
mod error;
mod format;
pub mod multipart;
mod streaming;
#[cfg(test)]
mod tests_multipart;
mod validate;
mod variants;

use std::path::Path;

pub use builtin::source as builtin_source;
pub use error::WorkloadError;
pub use format::suite_schema;
pub use validate::METHODS;

use validate::{build_suite, Fixtures};

/// A named, ordered list of workloads.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    pub description: String,
    pub workloads: Vec<Workload>,
    /// `"built-in"`, or the path of the suite file as given.
    pub origin: String,
}

/// One request to benchmark, and the answer it must get.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    pub category: String,
    /// One of `METHODS`.
    pub method: String,
    /// Path and query string, starting with '/'.
    pub path: String,
    pub content_type: Option<String>,
    /// Extra request headers, in file order.
    pub headers: Vec<(String, String)>,
    /// The exact request body bytes (empty when there is none).
    pub body: Vec<u8>,
    /// Relative share in mixed suites; at least 1.
    pub weight: u32,
    /// The mixed suite (`mode = "mixed"`) this workload belongs to: consecutive workloads with
    /// the same name here are measured together, interleaved by weight. None: on its own.
    pub mix: Option<String>,
    pub expect: Expect,
    /// Further requests, each with its own expected answer, so that an app cannot pass with a
    /// constant answer: verified before measuring, and those that rotate also measured.
    pub variants: Vec<Variant>,
    /// A streaming workload (`protocol = "sse"` or `"websocket"`); None: one HTTP request and
    /// its response.
    pub stream: Option<Stream>,
}

/// What a streaming workload exchanges instead of one HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `GET path` with `Accept: text/event-stream`; the app sends exactly `events` events.
    Sse { events: u32 },
    /// An RFC 6455 upgrade on `path`, then text messages of `message_bytes` echoed back.
    WebSocket { message_bytes: usize },
}

impl Stream {
    /// `sse` or `websocket`, as in the suite file and the result.
    pub fn kind(&self) -> &'static str {
        match self {
            Stream::Sse { .. } => "sse",
            Stream::WebSocket { .. } => "websocket",
        }
    }
}

/// Another request of a workload: the same method and headers, with this path (None: the
/// workload's), body and Content-Type, and its own expected answer. Every variant is verified;
/// those that `rotate` are also sent in turn with the workload's request while it is measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// What differs, for messages (e.g. "variant with 2 files, 1357 bytes", "variant 1 (GET
    /// /path/int/7)").
    pub label: String,
    pub path: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub expect: Expect,
    /// Sent in rotation during warm-up and measurement too (`[[workloads.variants]]`), not only
    /// during verification (multipart's `variant_files`, which would change the workload's size).
    pub rotate: bool,
}

impl Workload {
    /// Size of the request body in bytes (WebSocket: of each message sent).
    pub fn payload_size_bytes(&self) -> u64 {
        match self.stream {
            Some(Stream::WebSocket { message_bytes }) => message_bytes as u64,
            _ => self.body.len() as u64,
        }
    }
}

/// The answer a workload must get before it is measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub status: u16,
    pub body: ExpectBody,
}

/// What the response body must be.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectBody {
    /// Anything (only the status is checked).
    Any,
    /// JSON equal by value to the request body.
    Echo,
    /// JSON equal by value to this.
    Json(serde_json::Value),
    /// Exactly this text.
    Text(String),
}

/// Names of the built-in suites: all, json-bodies, path-params, query-params, forms, baseline,
/// multipart, streaming, mixed.
pub fn builtin_names() -> Vec<&'static str> {
    builtin::names()
}

/// Loads a built-in suite by name or, when the argument looks like a path (contains
/// '/' or ends with `.toml`), a suite file. A path that cannot be read is an `Io`
/// error naming it; anything else unknown is `UnknownSuite`.
pub fn load_suite(name_or_path: &str) -> Result<Suite, WorkloadError> {
    if let Some(text) = builtin::source(name_or_path) {
        let file = format!("suites/{name_or_path}.toml");
        return build_suite(text, &file, "built-in", Fixtures::Embedded);
    }
    let looks_like_path = name_or_path.contains('/')
        || name_or_path.contains(std::path::MAIN_SEPARATOR)
        || name_or_path.ends_with(".toml");
    if looks_like_path {
        return parse_suite_file(Path::new(name_or_path));
    }
    Err(WorkloadError::UnknownSuite {
        name: name_or_path.to_string(),
        valid: builtin_names().into_iter().map(String::from).collect(),
    })
}

/// Reads and validates a suite file; body and JSON files resolve relative to it.
pub fn parse_suite_file(path: &Path) -> Result<Suite, WorkloadError> {
    let text = std::fs::read_to_string(path).map_err(|e| WorkloadError::io(path, e))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file = path.display().to_string();
    build_suite(&text, &file, &file, Fixtures::Dir(dir))
}

/// Validates suite text. `origin` names it in errors and in `Suite::origin`; body
/// files resolve relative to `base_dir`, or from the embedded fixtures when `None`.
pub fn parse_suite_str(text: &str, origin: &str, base_dir: Option<&Path>) -> Result<Suite, WorkloadError> {
    let fixtures = base_dir.map_or(Fixtures::Embedded, Fixtures::Dir);
    build_suite(text, origin, origin, fixtures)
}

impl Suite {
    /// The named workloads in the order given (repeats dropped); all of them when
    /// `names` is empty.
    pub fn select(&self, names: &[String]) -> Result<Vec<Workload>, WorkloadError> {
        if names.is_empty() {
            return Ok(self.workloads.clone());
        }
        let mut chosen: Vec<Workload> = Vec::with_capacity(names.len());
        for name in names {
            if chosen.iter().any(|w| &w.name == name) {
                continue;
            }
            let workload = self.workloads.iter().find(|w| &w.name == name).ok_or_else(|| {
                WorkloadError::UnknownWorkload {
                    name: name.clone(),
                    suite: self.name.clone(),
                    valid: self.workloads.iter().map(|w| w.name.clone()).collect(),
                }
            })?;
            chosen.push(workload.clone());
        }
        Ok(chosen)
    }
}

/// Workloads chosen from one or more suites, in suite order.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Suite names with how many of `workloads` belong to each, in order.
    pub suites: Vec<(String, usize)>,
    pub workloads: Vec<Workload>,
}

/// Load the comma-separated suites of `spec` (built-in names or files) and keep the workloads
/// named in `names` (all when empty). A name found in none of the suites is an error listing
/// every valid one; a suite left with no chosen workload is dropped.
pub fn select_from(spec: &str, names: &[String]) -> Result<Selection, WorkloadError> {
    let suites = spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(load_suite)
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Selection { suites: Vec::new(), workloads: Vec::new() };
    for name in names {
        if !suites.iter().any(|s| s.workloads.iter().any(|w| &w.name == name)) {
            return Err(WorkloadError::UnknownWorkload {
                name: name.clone(),
                suite: suites.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                valid: suites.iter().flat_map(|s| s.workloads.iter().map(|w| w.name.clone())).collect(),
            });
        }
    }
    for suite in suites {
        let chosen: Vec<Workload> = if names.is_empty() {
            suite.workloads.clone()
        } else {
            let mine: Vec<String> =
                names.iter().filter(|n| suite.workloads.iter().any(|w| &w.name == *n)).cloned().collect();
            if mine.is_empty() {
                continue;
            }
            suite.select(&mine)?
        };
        out.suites.push((suite.name.clone(), chosen.len()));
        out.workloads.extend(chosen);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_suites_select_by_name_across_them() {
        let s = select_from("path-params,json-bodies", &[]).unwrap();
        assert_eq!(s.suites, vec![("path-params".to_string(), 6), ("json-bodies".to_string(), 4)]);
        assert_eq!(s.workloads.len(), 10);
        let s = select_from("path-params, baseline", &["plaintext".into(), "path-int".into()]).unwrap();
        assert_eq!(s.suites, vec![("path-params".to_string(), 1), ("baseline".to_string(), 1)]);
        let err = select_from("path-params,baseline", &["nope".into()]).unwrap_err().to_string();
        assert!(err.contains("'nope'") && err.contains("path-int") && err.contains("json-hello"), "{err}");
    }

    fn names(workloads: &[Workload]) -> Vec<&str> {
        workloads.iter().map(|w| w.name.as_str()).collect()
    }

    #[test]
    fn builtin_names_are_the_seed_suites_then_baseline_multipart_and_mixed() {
        assert_eq!(
            builtin_names(),
            [
                "all",
                "json-bodies",
                "path-params",
                "query-params",
                "forms",
                "baseline",
                "multipart",
                "streaming",
                "mixed"
            ]
        );
        assert_eq!(load_suite("baseline").unwrap().workloads.len(), 2);
    }

    #[test]
    fn unknown_suite_lists_the_builtin_names() {
        let error = load_suite("jsn-bodies").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown suite 'jsn-bodies'; valid suites: all, json-bodies, path-params, \
             query-params, forms, baseline, multipart, streaming, mixed (or a path to a .toml file)"
        );
    }

    #[test]
    fn a_missing_suite_path_is_an_io_error_naming_it() {
        let error = load_suite("no/such/suite.toml").unwrap_err();
        assert!(matches!(error, WorkloadError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("'no/such/suite.toml'"), "{error}");
    }

    #[test]
    fn select_keeps_the_given_order_and_drops_repeats() {
        let suite = load_suite("path-params").unwrap();
        assert_eq!(suite.select(&[]).unwrap(), suite.workloads);
        let chosen = suite.select(&["path-int".into(), "path-simple".into(), "path-int".into()]).unwrap();
        assert_eq!(names(&chosen), ["path-int", "path-simple"]);
    }

    #[test]
    fn unknown_workload_lists_the_valid_ones() {
        let suite = load_suite("forms").unwrap();
        let error = suite.select(&["urlencoded".into()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown workload 'urlencoded' in suite 'forms'; \
             valid workloads: urlencoded-simple, urlencoded-complex"
        );
    }

    #[test]
    fn a_suite_on_disk_resolves_body_file_relative_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bodies")).unwrap();
        std::fs::write(dir.path().join("bodies/item.json"), br#"{"id": 1}"#).unwrap();
        std::fs::write(dir.path().join("expected.json"), br#"{"ok": true}"#).unwrap();
        let suite_path = dir.path().join("crud.toml");
        std::fs::write(
            &suite_path,
            r#"name = "crud"
description = "items"

[[workloads]]
name = "create"
category = "json-bodies"
method = "POST"
path = "/items"
content_type = "application/json"
body_file = "bodies/item.json"
headers = { "X-Source" = "bench", "X-Trace" = "1" }
weight = 3

[workloads.expect]
status = 201
json_file = "expected.json"
"#,
        )
        .unwrap();
        // Loaded from a different working directory than the suite's.
        let suite = load_suite(suite_path.to_str().unwrap()).unwrap();
        assert_eq!(suite.origin, suite_path.display().to_string());
        let w = &suite.workloads[0];
        assert_eq!(w.body, br#"{"id": 1}"#);
        assert_eq!(w.payload_size_bytes(), 9);
        assert_eq!(w.weight, 3);
        assert_eq!(w.headers, [("X-Source".into(), "bench".into()), ("X-Trace".into(), "1".into())]);
        assert_eq!(w.expect.status, 201);
        assert_eq!(w.expect.body, ExpectBody::Json(serde_json::json!({"ok": true})));
    }
}
