//! Serde types of the suite TOML file exactly as written, its JSON Schema (`schema suite`,
//! for editors), and TOML → JSON conversion; calls nothing.
//!
//! Every value that a later check may reject is `Spanned`, so that `validate` can
//! point at its line and column. Unknown keys are rejected by serde itself. The schema is
//! derived from these same types (`Spanned<T>` described as `T`), with the checks of
//! `validate` that a schema can say (methods, name pattern, ranges, body or body_file).

use schemars::JsonSchema;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

/// A workload suite file (TOML): a named list of requests to benchmark and the answer each
/// must get. The built-in suites (`suites/*.toml`) are written in this format.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Suite", extend("required" = ["name", "workloads"]))]
pub(crate) struct RawSuite {
    /// The suite's name, e.g. `"api-crud"`.
    #[schemars(with = "String", length(min = 1))]
    pub name: Spanned<String>,
    /// One line on what the suite measures.
    #[serde(default)]
    #[schemars(with = "String")]
    pub description: Option<String>,
    /// `"separate"` (default): each workload is measured on its own. `"mixed"`: all the
    /// suite's workloads are sent interleaved by `weight` on the same connections in one
    /// measurement, reported per workload and in total.
    #[serde(default)]
    #[schemars(with = "String", extend("enum" = ["separate", "mixed"], "default" = "separate"))]
    pub mode: Option<Spanned<String>>,
    /// The workloads, in order; at least one (`[[workloads]]` tables).
    #[serde(default)]
    #[schemars(with = "Vec<RawWorkload>", length(min = 1))]
    pub workloads: Option<Spanned<Vec<RawWorkload>>>,
}

/// One `[[workloads]]` table: a request and its expected answer. `body` and `body_file`
/// exclude each other.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Workload", extend("not" = { "anyOf": [
    { "required": ["body", "body_file"] },
    { "required": ["multipart", "body"] },
    { "required": ["multipart", "body_file"] },
    { "required": ["multipart", "content_type"] },
] }))]
pub(crate) struct RawWorkload {
    /// Unique within the suite: letters, digits, '-', '_' and '.'.
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9._-]+$"))]
    pub name: Spanned<String>,
    /// The workload's category, e.g. `"json-bodies"` (reports group by it).
    #[schemars(with = "String", regex(pattern = r"\S"))]
    pub category: Spanned<String>,
    /// The HTTP method.
    #[schemars(with = "String", extend("enum" = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]))]
    pub method: Spanned<String>,
    /// Path and query string, starting with '/'; no whitespace (percent-encode it).
    #[schemars(with = "String", regex(pattern = r"^/[^\s]*$"))]
    pub path: Spanned<String>,
    /// The request's Content-Type, e.g. `"application/json"`.
    #[serde(default)]
    #[schemars(with = "String")]
    pub content_type: Option<Spanned<String>>,
    /// The request body, inline.
    #[serde(default)]
    #[schemars(with = "String")]
    pub body: Option<Spanned<String>>,
    /// The request body from a file, relative to the suite file.
    #[serde(default)]
    #[schemars(with = "String")]
    pub body_file: Option<Spanned<String>>,
    /// Extra request headers: names to string values (not Content-Length, which is computed).
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub headers: Option<Spanned<RawHeaders>>,
    /// A `multipart/form-data` body built by the harness (excludes `body`, `body_file` and
    /// `content_type`, which it sets).
    #[serde(default)]
    #[schemars(with = "RawMultipart")]
    pub multipart: Option<Spanned<RawMultipart>>,
    /// Relative share in mixed suites (default 1).
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1), extend("default" = 1))]
    pub weight: Option<Spanned<i64>>,
    /// The answer the workload must get before it is measured (default: status 200, any body).
    #[serde(default)]
    #[schemars(with = "RawExpect")]
    pub expect: Option<RawExpect>,
    /// Other requests of the same method and headers (`[[workloads.variants]]`), each with its
    /// own answer: verified before measuring, then sent in turn with the workload's request, so
    /// that an app cannot pass, or be measured, with one constant answer. Not with `multipart`
    /// (which has `variant_files`).
    #[serde(default)]
    #[schemars(with = "Vec<RawVariant>", length(min = 1))]
    pub variants: Option<Spanned<Vec<RawVariant>>>,
    /// A streaming workload: `"sse"` (server-sent events) or `"websocket"` (RFC 6455 echo);
    /// absent for a plain HTTP request and response. See `[workloads.sse]` and
    /// `[workloads.websocket]`.
    #[serde(default)]
    #[schemars(with = "String", extend("enum" = ["sse", "websocket"]))]
    pub protocol: Option<Spanned<String>>,
    /// `protocol = "sse"` only: the stream the app must send.
    #[serde(default)]
    #[schemars(with = "RawSse")]
    pub sse: Option<Spanned<RawSse>>,
    /// `protocol = "websocket"` only: the messages the harness sends (default 128 bytes).
    #[serde(default)]
    #[schemars(with = "RawWebSocket")]
    pub websocket: Option<Spanned<RawWebSocket>>,
}

/// The `[workloads.sse]` table: the number of events the app must send on each stream (the
/// workload's path carries the same `count=N`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Sse")]
pub(crate) struct RawSse {
    /// Events per stream, 1 to 100000; equal to the path's `count=`.
    #[schemars(with = "u32", range(min = 1, max = 100_000))]
    pub events: Spanned<i64>,
}

/// The `[workloads.websocket]` table: the text messages the harness sends; each carries its
/// sequence number, so that a constant echo is caught.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WebSocket")]
pub(crate) struct RawWebSocket {
    /// Payload size of each text message in bytes, 16 to 1048576 (default 128).
    #[serde(default)]
    #[schemars(with = "u32", range(min = 16, max = 1_048_576), extend("default" = 128))]
    pub message_bytes: Option<Spanned<i64>>,
}

/// One `[[workloads.variants]]` table: what differs from the workload's request, and the answer
/// it must get. At least one of `path`, `body` and `body_file`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Variant", extend(
    "anyOf" = [{ "required": ["path"] }, { "required": ["body"] }, { "required": ["body_file"] }],
    "not" = { "required": ["body", "body_file"] },
))]
pub(crate) struct RawVariant {
    /// Path and query string (default: the workload's), e.g. `"/path/int/7"`.
    #[serde(default)]
    #[schemars(with = "String", regex(pattern = r"^/[^\s]*$"))]
    pub path: Option<Spanned<String>>,
    /// The request body, inline (default: the workload's).
    #[serde(default)]
    #[schemars(with = "String")]
    pub body: Option<Spanned<String>>,
    /// The request body from a file, relative to the suite file.
    #[serde(default)]
    #[schemars(with = "String")]
    pub body_file: Option<Spanned<String>>,
    /// The answer this variant must get (default: status 200, any body).
    #[serde(default)]
    #[schemars(with = "RawExpect")]
    pub expect: Option<RawExpect>,
}

/// The `[workloads.expect]` table: the status, and at most one of `echo_body = true`,
/// `json`, `json_file`, `text` and `multipart_summary = true`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Expect", extend("not" = { "anyOf": [
    { "required": ["json", "json_file"] },
    { "required": ["json", "text"] },
    { "required": ["json_file", "text"] },
    { "required": ["echo_body", "json"], "properties": { "echo_body": { "const": true } } },
    { "required": ["echo_body", "json_file"], "properties": { "echo_body": { "const": true } } },
    { "required": ["echo_body", "text"], "properties": { "echo_body": { "const": true } } },
    { "required": ["multipart_summary"], "anyOf": [
        { "required": ["json"] }, { "required": ["json_file"] }, { "required": ["text"] },
        { "required": ["echo_body"], "properties": { "echo_body": { "const": true } } },
    ], "properties": { "multipart_summary": { "const": true } } },
] }))]
pub(crate) struct RawExpect {
    /// The HTTP status (default 200).
    #[serde(default)]
    #[schemars(with = "u16", range(min = 100, max = 599), extend("default" = 200))]
    pub status: Option<Spanned<i64>>,
    /// The response JSON must equal the request body's JSON.
    #[serde(default)]
    #[schemars(with = "bool", extend("default" = false))]
    pub echo_body: Option<Spanned<bool>>,
    /// The response JSON must equal this value.
    #[serde(default)]
    #[schemars(with = "serde_json::Value")]
    pub json: Option<Spanned<toml::Value>>,
    /// The response JSON must equal this file's JSON (relative to the suite file).
    #[serde(default)]
    #[schemars(with = "String")]
    pub json_file: Option<Spanned<String>>,
    /// The response body must be exactly this text.
    #[serde(default)]
    #[schemars(with = "String")]
    pub text: Option<Spanned<String>>,
    /// The response JSON must be `{"files_received": n, "total_bytes": b}` computed from the
    /// `[workloads.multipart]` files, for the request and for its verification variant.
    #[serde(default)]
    #[schemars(with = "bool", extend("default" = false))]
    pub multipart_summary: Option<Spanned<bool>>,
}

/// The `[workloads.multipart]` table: the files of a `multipart/form-data` body. File
/// contents are deterministic printable ASCII of the given sizes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Multipart")]
pub(crate) struct RawMultipart {
    /// The part delimiter (default `benchmark-harness-boundary-7d3f1c9a0b2e4d68`).
    #[serde(default)]
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9'()+_,\-./:=?]{1,70}$"))]
    pub boundary: Option<Spanned<String>>,
    /// The files, in order; at least one.
    #[schemars(with = "Vec<RawFilePart>", length(min = 1))]
    pub files: Spanned<Vec<RawFilePart>>,
    /// Files of a second request sent only during verification, whose answer must match them
    /// too, so that a constant answer fails (needs `expect.multipart_summary = true`; default:
    /// `files` and one more file of 333 bytes).
    #[serde(default)]
    #[schemars(with = "Vec<RawFilePart>", length(min = 1))]
    pub variant_files: Option<Spanned<Vec<RawFilePart>>>,
}

/// One file of `files` or `variant_files`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "FilePart")]
pub(crate) struct RawFilePart {
    /// The form field name (default `"files"`).
    #[serde(default)]
    #[schemars(with = "String", extend("default" = "files"))]
    pub field: Option<Spanned<String>>,
    /// The file name (default `file-N.bin`, N counting from 1).
    #[serde(default)]
    #[schemars(with = "String")]
    pub filename: Option<Spanned<String>>,
    /// The part's Content-Type (default `"application/octet-stream"`).
    #[serde(default)]
    #[schemars(with = "String", extend("default" = "application/octet-stream"))]
    pub content_type: Option<Spanned<String>>,
    /// Content size in bytes (0 to 64 MiB).
    #[schemars(with = "u32", range(min = 0, max = 67_108_864))]
    pub size: Spanned<i64>,
}

/// JSON Schema of the suite TOML file (as its JSON equivalent), pretty-printed.
///
/// Optional keys carry no `"default": null` (TOML has no null); those with a real default
/// (weight, status, echo_body) say it.
pub fn suite_schema() -> String {
    fn drop_null_defaults(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if map.get("default").is_some_and(serde_json::Value::is_null) {
                    map.remove("default");
                }
                map.values_mut().for_each(drop_null_defaults);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_null_defaults),
            _ => {}
        }
    }
    let mut schema = schemars::schema_for!(RawSuite).to_value();
    drop_null_defaults(&mut schema);
    serde_json::to_string_pretty(&schema).expect("a schema always serialises") + "\n"
}

/// `headers = { "X-Name" = "value" }`, in file order; values must be strings.
#[derive(Debug, Default)]
pub(crate) struct RawHeaders(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for RawHeaders {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeadersVisitor;

        impl<'de> Visitor<'de> for HeadersVisitor {
            type Value = RawHeaders;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of header names to string values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeaders, A::Error> {
                let mut headers = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    headers.push((name, value));
                }
                Ok(RawHeaders(headers))
            }
        }

        deserializer.deserialize_map(HeadersVisitor)
    }
}

/// Converts an inline `expect.json` value to JSON. `at` names the value in messages
/// (`expect.json`, then `expect.json.items[2]` and so on as it descends).
///
/// Integers stay integers and floats stay floats. TOML datetimes and non-finite
/// floats have no JSON form and are rejected with a message saying how to write them.
pub(crate) fn toml_to_json(value: &toml::Value, at: &str) -> Result<serde_json::Value, String> {
    use serde_json::Value as Json;
    Ok(match value {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::Number((*i).into()),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(number) => Json::Number(number),
            None => {
                return Err(format!(
                    "{at} is {f}, which JSON cannot represent; use a finite number or a string"
                ))
            }
        },
        toml::Value::Datetime(d) => {
            return Err(format!(
                "{at} is the TOML datetime {d}, which JSON cannot represent; \
                 quote it to expect a string: \"{d}\""
            ))
        }
        toml::Value::Array(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| toml_to_json(item, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Json::Object(
            table
                .iter()
                .map(|(key, item)| Ok((key.clone(), toml_to_json(item, &format!("{at}.{key}"))?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
#[path = "tests_format.rs"]
mod tests;
