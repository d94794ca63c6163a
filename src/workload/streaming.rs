//! The streaming keys of a workload (`protocol = "sse" | "websocket"`, `[workloads.sse]`,
//! `[workloads.websocket]`): validated into a [`Stream`], every rejection pointing at its line
//! and column; calls `format` and `error` only.

use toml::Spanned;

use super::error::Locator;
use super::format::RawWorkload;
use super::{Stream, WorkloadError};

/// The values `protocol` may take.
pub(crate) const PROTOCOLS: &[&str] = &["sse", "websocket"];
/// Most events an SSE workload may ask for (the contract's bound).
const MAX_EVENTS: i64 = 100_000;
/// WebSocket payload sizes: room for the sequence number, at most 1 MiB.
const MIN_MESSAGE_BYTES: i64 = 16;
const MAX_MESSAGE_BYTES: i64 = 1_048_576;
/// The contract's default WebSocket payload size.
const DEFAULT_MESSAGE_BYTES: usize = 128;

/// The workload's stream, or None for plain HTTP; `name` is the workload's, for messages.
pub(super) fn build(at: Locator, name: &str, raw: &RawWorkload) -> Result<Option<Stream>, WorkloadError> {
    let Some(protocol) = &raw.protocol else {
        if let Some(sse) = &raw.sse {
            return Err(at.invalid(
                sse.span(),
                format!("[workloads.sse] of workload '{name}' needs protocol = \"sse\"; add it or remove the table"),
            ));
        }
        if let Some(ws) = &raw.websocket {
            return Err(at.invalid(
                ws.span(),
                format!(
                    "[workloads.websocket] of workload '{name}' needs protocol = \"websocket\"; add it or remove the table"
                ),
            ));
        }
        return Ok(None);
    };
    let kind = protocol.get_ref().as_str();
    if !PROTOCOLS.contains(&kind) {
        return Err(at.invalid(
            protocol.span(),
            format!(
                "unknown protocol '{kind}' in workload '{name}'; valid protocols: {} (or leave protocol out for \
                 plain HTTP)",
                PROTOCOLS.join(", ")
            ),
        ));
    }
    if raw.method.get_ref() != "GET" {
        return Err(at.invalid(
            raw.method.span(),
            format!("protocol = \"{kind}\" streams over GET; set method = \"GET\" in workload '{name}'"),
        ));
    }
    let clash = [
        ("body", raw.body.as_ref().map(Spanned::span)),
        ("body_file", raw.body_file.as_ref().map(Spanned::span)),
        ("multipart", raw.multipart.as_ref().map(Spanned::span)),
        ("variants", raw.variants.as_ref().map(Spanned::span)),
        ("content_type", raw.content_type.as_ref().map(Spanned::span)),
    ];
    if let Some((key, Some(span))) = clash.into_iter().find(|(_, span)| span.is_some()) {
        return Err(at.invalid(
            span,
            format!(
                "workload '{name}' streams (protocol = \"{kind}\") and cannot set {key}; the contract fixes \
                 what is sent and answered, remove {key}"
            ),
        ));
    }
    if let Some(expect) = &raw.expect {
        let kinds = [
            ("echo_body", expect.echo_body.as_ref().map(Spanned::span)),
            ("json", expect.json.as_ref().map(Spanned::span)),
            ("json_file", expect.json_file.as_ref().map(Spanned::span)),
            ("text", expect.text.as_ref().map(Spanned::span)),
            ("multipart_summary", expect.multipart_summary.as_ref().map(Spanned::span)),
        ];
        if let Some((key, Some(span))) = kinds.into_iter().find(|(_, span)| span.is_some()) {
            return Err(at.invalid(
                span,
                format!(
                    "expect.{key} does not apply to a streaming workload ('{name}', protocol = \"{kind}\"): its \
                     answer is checked by the streaming contract; keep only expect.status or remove it"
                ),
            ));
        }
    }
    match kind {
        "sse" => sse(at, name, raw).map(Some),
        _ => websocket(at, name, raw).map(Some),
    }
}

fn sse(at: Locator, name: &str, raw: &RawWorkload) -> Result<Stream, WorkloadError> {
    if let Some(ws) = &raw.websocket {
        return Err(at.invalid(
            ws.span(),
            format!("workload '{name}' has protocol = \"sse\", so [workloads.websocket] does not apply; remove it"),
        ));
    }
    let Some(table) = &raw.sse else {
        let span = raw.protocol.as_ref().map_or(0..0, Spanned::span);
        return Err(at.invalid(
            span,
            format!("protocol = \"sse\" needs a [workloads.sse] table with events = N in workload '{name}'"),
        ));
    };
    let events = &table.get_ref().events;
    let n = *events.get_ref();
    if !(1..=MAX_EVENTS).contains(&n) {
        return Err(at.invalid(
            events.span(),
            format!("sse.events {n} is out of range; use 1 to {MAX_EVENTS} events"),
        ));
    }
    let path = raw.path.get_ref();
    if query_value(path, "count") != Some(n.to_string().as_str()) {
        return Err(at.invalid(
            raw.path.span(),
            format!(
                "path '{path}' of workload '{name}' must carry count={n} (sse.events) in its query string, \
                 e.g. \"/stream/sse?count={n}\""
            ),
        ));
    }
    Ok(Stream::Sse { events: n as u32 })
}

fn websocket(at: Locator, name: &str, raw: &RawWorkload) -> Result<Stream, WorkloadError> {
    if let Some(sse) = &raw.sse {
        return Err(at.invalid(
            sse.span(),
            format!("workload '{name}' has protocol = \"websocket\", so [workloads.sse] does not apply; remove it"),
        ));
    }
    let bytes = match raw.websocket.as_ref().and_then(|t| t.get_ref().message_bytes.as_ref()) {
        None => DEFAULT_MESSAGE_BYTES,
        Some(b) if (MIN_MESSAGE_BYTES..=MAX_MESSAGE_BYTES).contains(b.get_ref()) => *b.get_ref() as usize,
        Some(b) => {
            return Err(at.invalid(
                b.span(),
                format!(
                "websocket.message_bytes {} is out of range; use {MIN_MESSAGE_BYTES} to {MAX_MESSAGE_BYTES}",
                b.get_ref()
            ),
            ))
        }
    };
    Ok(Stream::WebSocket { message_bytes: bytes })
}

/// The value of `key` in the query string of `path`, if present.
pub(crate) fn query_value<'a>(path: &'a str, key: &str) -> Option<&'a str> {
    let query = path.split_once('?')?.1;
    query.split('&').find_map(|pair| match pair.split_once('=') {
        Some((k, v)) if k == key => Some(v),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::validate::{build_suite, Fixtures};
    use super::*;

    const HEAD: &str = "name = \"t\"\n\n[[workloads]]\nname = \"s\"\ncategory = \"streaming\"\n";

    fn parse(rest: &str) -> Result<Option<Stream>, String> {
        build_suite(&format!("{HEAD}{rest}"), "x.toml", "x.toml", Fixtures::Embedded)
            .map(|s| s.workloads[0].stream)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sse_and_websocket_workloads_parse() {
        let sse = "method = \"GET\"\npath = \"/stream/sse?count=10&interval_ms=5\"\nprotocol = \"sse\"\n\n\
                   [workloads.sse]\nevents = 10\n";
        assert_eq!(parse(sse).unwrap(), Some(Stream::Sse { events: 10 }));
        let ws = "method = \"GET\"\npath = \"/stream/ws\"\nprotocol = \"websocket\"\n";
        assert_eq!(parse(ws).unwrap(), Some(Stream::WebSocket { message_bytes: 128 }));
        let ws = format!("{ws}\n[workloads.websocket]\nmessage_bytes = 512\n");
        assert_eq!(parse(&ws).unwrap(), Some(Stream::WebSocket { message_bytes: 512 }));
        assert_eq!(parse("method = \"GET\"\npath = \"/a\"\n").unwrap(), None);
    }

    #[test]
    fn an_unknown_protocol_names_the_value_and_the_valid_ones() {
        let err = parse("method = \"GET\"\npath = \"/x\"\nprotocol = \"carrier-pigeon\"\n").unwrap_err();
        assert_eq!(
            err,
            "x.toml:8:12: unknown protocol 'carrier-pigeon' in workload 's'; valid protocols: sse, websocket \
             (or leave protocol out for plain HTTP)"
        );
    }

    #[test]
    fn tables_on_the_wrong_protocol_are_errors() {
        let err = parse("method = \"GET\"\npath = \"/x\"\n\n[workloads.sse]\nevents = 3\n").unwrap_err();
        assert!(
            err.starts_with("x.toml:9:1: [workloads.sse] of workload 's' needs protocol = \"sse\""),
            "{err}"
        );
        let err = parse(
            "method = \"GET\"\npath = \"/x?count=3\"\nprotocol = \"sse\"\n\n[workloads.sse]\nevents = 3\n\n\
             [workloads.websocket]\nmessage_bytes = 64\n",
        )
        .unwrap_err();
        assert!(err.contains("[workloads.websocket] does not apply"), "{err}");
        let err = parse(
            "method = \"GET\"\npath = \"/x\"\nprotocol = \"websocket\"\n\n[workloads.sse]\nevents = 3\n",
        )
        .unwrap_err();
        assert!(err.contains("[workloads.sse] does not apply"), "{err}");
    }

    #[test]
    fn sse_needs_events_matching_the_path_and_ranges_hold() {
        let err = parse("method = \"GET\"\npath = \"/x?count=3\"\nprotocol = \"sse\"\n").unwrap_err();
        assert!(err.contains("needs a [workloads.sse] table"), "{err}");
        let err = parse(
            "method = \"GET\"\npath = \"/x?count=3\"\nprotocol = \"sse\"\n\n[workloads.sse]\nevents = 4\n",
        )
        .unwrap_err();
        assert!(err.starts_with("x.toml:7:8: path '/x?count=3' of workload 's' must carry count=4"), "{err}");
        let err = parse(
            "method = \"GET\"\npath = \"/x?count=0\"\nprotocol = \"sse\"\n\n[workloads.sse]\nevents = 0\n",
        )
        .unwrap_err();
        assert!(err.contains("sse.events 0 is out of range; use 1 to 100000"), "{err}");
        let err = parse(
            "method = \"GET\"\npath = \"/x\"\nprotocol = \"websocket\"\n\n[workloads.websocket]\nmessage_bytes = 8\n",
        )
        .unwrap_err();
        assert!(err.contains("websocket.message_bytes 8 is out of range"), "{err}");
        let err = parse("method = \"POST\"\npath = \"/x\"\nprotocol = \"websocket\"\n").unwrap_err();
        assert!(err.contains("streams over GET"), "{err}");
        let err =
            parse("method = \"GET\"\npath = \"/x\"\nbody = \"a\"\nprotocol = \"websocket\"\n").unwrap_err();
        assert!(err.contains("cannot set body"), "{err}");
    }

    #[test]
    fn query_values_are_found_by_key() {
        assert_eq!(query_value("/s?count=10&interval_ms=5", "count"), Some("10"));
        assert_eq!(query_value("/s?interval_ms=5&count=7", "count"), Some("7"));
        assert_eq!(query_value("/s?xcount=7", "count"), None);
        assert_eq!(query_value("/s", "count"), None);
    }
}
