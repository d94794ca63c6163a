//! Server-sent events: an incremental parser of the `text/event-stream` format (lines ended by
//! `\n`, `\r\n` or `\r`; comments and unknown fields ignored) and the contract's event data
//! (`{"seq": i, "ts_us": T}`); pure, no I/O.

use std::collections::VecDeque;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// Turns body bytes into events as they arrive; events are queued until taken.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The previous byte was a `\r` ending a line (a `\n` right after it is the same end).
    after_cr: bool,
    current: SseEvent,
    has_data: bool,
    events: VecDeque<SseEvent>,
}

impl SseParser {
    /// Forgets everything (a new stream).
    pub fn reset(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.current = SseEvent::default();
        self.has_data = false;
        self.events.clear();
    }

    /// Feeds body bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    self.end_line();
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(b);
                }
            }
        }
    }

    /// The next complete event, in order.
    pub fn pop(&mut self) -> Option<SseEvent> {
        self.events.pop_front()
    }

    /// Events complete and not yet taken.
    pub fn queued(&self) -> usize {
        self.events.len()
    }

    /// True when bytes of an unfinished line or event are pending.
    pub fn partial(&self) -> bool {
        !self.line.is_empty() || self.has_data
    }

    fn end_line(&mut self) {
        if self.line.is_empty() {
            if self.has_data {
                let mut event = std::mem::take(&mut self.current);
                if event.data.ends_with('\n') {
                    event.data.pop();
                }
                self.events.push_back(event);
            } else {
                self.current = SseEvent::default();
            }
            self.has_data = false;
            return;
        }
        // The line buffer is kept (and its allocation reused) across lines.
        let mut bytes = std::mem::take(&mut self.line);
        let line = String::from_utf8_lossy(&bytes);
        if !line.starts_with(':') {
            // Not a comment.
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (&*line, ""),
            };
            match field {
                "data" => {
                    self.current.data.push_str(value);
                    self.current.data.push('\n');
                    self.has_data = true;
                }
                "id" => self.current.id = Some(value.to_string()),
                "event" => self.current.event = Some(value.to_string()),
                _ => {} // retry and unknown fields
            }
        }
        drop(line);
        bytes.clear();
        self.line = bytes;
    }
}

/// The contract's event data: the sequence number and the server's wall clock (µs since the
/// Unix epoch) when it wrote the event; other keys are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct EventData {
    pub seq: u64,
    pub ts_us: u64,
}

/// Parses an event's data as [`EventData`]; the error says what is wrong with it. The exact
/// form the contract shows (`{"seq":i,"ts_us":T}`, no spaces) is read without a JSON parser,
/// since the load generator reads every event; anything else goes through serde_json.
pub fn event_data(data: &str) -> Result<EventData, String> {
    if let Some(fast) = compact(data) {
        return Ok(fast);
    }
    serde_json::from_str(data)
        .map_err(|e| format!("event data {data:?} is not {{\"seq\": integer, \"ts_us\": integer}}: {e}"))
}

/// `{"seq":<digits>,"ts_us":<digits>}` exactly, or None.
fn compact(data: &str) -> Option<EventData> {
    fn number(s: &str) -> Option<(u64, &str)> {
        let end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
        // A leading zero (other than "0") is not JSON: left to serde_json's error.
        if end == 0 || (end > 1 && s.starts_with('0')) {
            return None;
        }
        Some((s[..end].parse().ok()?, &s[end..]))
    }
    let (seq, rest) = number(data.strip_prefix("{\"seq\":")?)?;
    let (ts_us, rest) = number(rest.strip_prefix(",\"ts_us\":")?)?;
    (rest == "}").then_some(EventData { seq, ts_us })
}

/// The wall clock now, in µs since the Unix epoch (0 before it).
pub fn wall_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros().min(u64::MAX as u128) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(parser: &mut SseParser) -> Vec<SseEvent> {
        std::iter::from_fn(|| parser.pop()).collect()
    }

    #[test]
    fn events_parse_with_lf_crlf_and_cr_line_ends_and_comments_are_ignored() {
        let text = ": hello\nid: 0\ndata: {\"seq\":0,\"ts_us\":5}\n\r\nevent: tick\r\nid: 1\r\ndata: a\r\ndata:b\r\n\r\nid: 2\rdata: c\r\r";
        let mut p = SseParser::default();
        p.feed(text.as_bytes());
        let events = all(&mut p);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0].id.as_deref(), Some("0"));
        assert_eq!(events[0].data, "{\"seq\":0,\"ts_us\":5}");
        assert_eq!(events[1].event.as_deref(), Some("tick"));
        assert_eq!(events[1].data, "a\nb");
        assert_eq!(events[2].data, "c");
        assert!(!p.partial());
    }

    #[test]
    fn bytes_split_anywhere_give_the_same_events() {
        let text =
            b"id: 0\r\ndata: {\"seq\":0,\"ts_us\":1}\r\n\r\n:c\nid: 1\ndata: {\"seq\":1,\"ts_us\":2}\n\n";
        let mut whole = SseParser::default();
        whole.feed(text);
        let expected = all(&mut whole);
        for split in 0..text.len() {
            let mut p = SseParser::default();
            p.feed(&text[..split]);
            p.feed(&text[split..]);
            assert_eq!(all(&mut p), expected, "split at {split}");
        }
        let mut p = SseParser::default();
        p.feed(b"data: x\n");
        assert!(p.partial() && p.queued() == 0);
        p.feed(b"\n");
        assert_eq!(p.queued(), 1);
    }

    #[test]
    fn a_block_without_data_is_not_an_event() {
        let mut p = SseParser::default();
        p.feed(b"id: 3\n\nevent: x\n\n: only a comment\n\n");
        assert_eq!(p.queued(), 0);
    }

    #[test]
    fn event_data_needs_integer_seq_and_ts_us() {
        assert_eq!(
            event_data("{\"ts_us\": 17, \"seq\": 3, \"extra\": true}").unwrap(),
            EventData { seq: 3, ts_us: 17 }
        );
        assert!(event_data("{\"seq\": 1.5, \"ts_us\": 1}").is_err());
        assert!(event_data("{\"seq\": 1}").unwrap_err().contains("ts_us"));
        assert!(event_data("hello").is_err());
        // The fast path and serde_json agree.
        for text in ["{\"seq\":12,\"ts_us\":1700000000000000}", "{\"seq\":0,\"ts_us\":0}"] {
            assert_eq!(compact(text), serde_json::from_str(text).ok(), "{text}");
        }
        for text in [
            "{\"seq\":01,\"ts_us\":1}",
            "{\"seq\":1,\"ts_us\":1.0}",
            "{\"seq\":1,\"ts_us\":99999999999999999999}",
        ] {
            assert_eq!(compact(text), None, "{text}");
            assert!(event_data(text).is_err(), "{text}");
        }
        assert!(wall_us() > 1_600_000_000_000_000);
    }
}
