//! Incremental HTTP/1.x response parser: head via `httparse`, body framed by
//! Content-Length, chunked encoding (decoded byte by byte across reads) or
//! connection close. Body bytes are handed to a sink, never buffered here.

use std::fmt;

/// Most headers a response may have.
const MAX_HEADERS: usize = 64;

/// A response is not valid HTTP/1.x; the connection cannot be reused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(pub(crate) String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Fixed(u64),
    ChunkSize { size: u64, digits: u8 },
    ChunkExt { size: u64 },
    ChunkSizeLf { size: u64 },
    ChunkData(u64),
    ChunkDataCr,
    ChunkDataLf,
    TrailerStart,
    TrailerLine,
    TrailerLf,
    UntilEof,
    Done,
}

/// The outcome of [`ResponseParser::feed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feed {
    /// More bytes are needed; this many bytes of the input were used (a
    /// partial head is not used: keep it and call again with more appended).
    NeedMore(usize),
    /// The response is complete after this many bytes of the input.
    Done(usize),
}

/// Parses one response at a time; call [`ResponseParser::start`] before each.
#[derive(Debug, Clone)]
pub(crate) struct ResponseParser {
    state: State,
    no_body: bool,
    /// Status of the final (non-1xx) response.
    pub(crate) status: u16,
    /// The server will close the connection after this response.
    pub(crate) close: bool,
    /// Body bytes seen so far (decoded, for chunked).
    pub(crate) body_len: u64,
}

impl ResponseParser {
    /// `head_request`: the request was HEAD, so the response has no body.
    pub(crate) fn new(head_request: bool) -> Self {
        ResponseParser { state: State::Head, no_body: head_request, status: 0, close: false, body_len: 0 }
    }

    /// Resets for the next response on the same connection; `head_request`: it answers a HEAD
    /// request (no body).
    pub(crate) fn start(&mut self, head_request: bool) {
        self.no_body = head_request;
        self.state = State::Head;
        self.status = 0;
        self.close = false;
        self.body_len = 0;
    }

    /// Called at end of stream: true if that completes a close-delimited response.
    pub(crate) fn finish_at_eof(&mut self) -> bool {
        if self.state == State::UntilEof {
            self.state = State::Done;
        }
        self.state == State::Done
    }

    /// Consumes `input`; `sink(offset, bytes)` receives body bytes in order.
    ///
    pub(crate) fn feed(
        &mut self,
        input: &[u8],
        sink: &mut impl FnMut(u64, &[u8]),
    ) -> Result<Feed, ParseError> {
        let mut pos = 0;
        while pos < input.len() || self.state == State::Done {
            let rest = &input[pos..];
            match self.state {
                State::Head => match self.parse_head(rest)? {
                    Some(n) => pos += n,
                    None => return Ok(Feed::NeedMore(pos)),
                },
                State::Fixed(left) => {
                    let n = left.min(rest.len() as u64) as usize;
                    self.body(&rest[..n], sink);
                    pos += n;
                    self.state = if left == n as u64 { State::Done } else { State::Fixed(left - n as u64) };
                }
                State::ChunkData(left) => {
                    let n = left.min(rest.len() as u64) as usize;
                    self.body(&rest[..n], sink);
                    pos += n;
                    self.state =
                        if left == n as u64 { State::ChunkDataCr } else { State::ChunkData(left - n as u64) };
                }
                State::UntilEof => {
                    self.body(rest, sink);
                    pos = input.len();
                }
                State::Done => return Ok(Feed::Done(pos)),
                _ => {
                    self.chunk_byte(rest[0])?;
                    pos += 1;
                }
            }
        }
        Ok(Feed::NeedMore(pos))
    }

    fn body(&mut self, bytes: &[u8], sink: &mut impl FnMut(u64, &[u8])) {
        if !bytes.is_empty() {
            sink(self.body_len, bytes);
            self.body_len += bytes.len() as u64;
        }
    }

    /// Parses a head; returns its length, or None if incomplete.
    fn parse_head(&mut self, input: &[u8]) -> Result<Option<usize>, ParseError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        let len = match resp.parse(input) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(e) => return err(format!("invalid response head: {e}")),
        };
        let status = resp.code.unwrap_or(0);
        if (100..200).contains(&status) && status != 101 {
            return Ok(Some(len)); // interim response: the final one follows
        }
        let mut close = resp.version == Some(0);
        let mut length = None;
        let mut chunked = false;
        for h in resp.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                let text = std::str::from_utf8(h.value).unwrap_or("").trim();
                match text.parse::<u64>() {
                    Ok(n) => length = Some(n),
                    Err(_) => return err(format!("invalid content-length '{text}'")),
                }
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = last_token_is(h.value, b"chunked");
            } else if h.name.eq_ignore_ascii_case("connection") {
                if has_token(h.value, b"close") {
                    close = true;
                } else if has_token(h.value, b"keep-alive") {
                    close = false;
                }
            }
        }
        self.status = status;
        self.state = if self.no_body || status == 204 || status == 304 {
            State::Done
        } else if chunked {
            State::ChunkSize { size: 0, digits: 0 }
        } else if let Some(n) = length {
            if n == 0 {
                State::Done
            } else {
                State::Fixed(n)
            }
        } else {
            close = true;
            State::UntilEof
        };
        self.close = close;
        Ok(Some(len))
    }

    fn chunk_byte(&mut self, b: u8) -> Result<(), ParseError> {
        self.state = match (self.state, b) {
            (State::ChunkSize { size, digits }, _) if b.is_ascii_hexdigit() => {
                if digits >= 15 {
                    return err("chunk size too large");
                }
                let d = (b as char).to_digit(16).unwrap_or(0) as u64;
                State::ChunkSize { size: size * 16 + d, digits: digits + 1 }
            }
            (State::ChunkSize { digits: 0, .. }, _) => return err("chunk size missing"),
            (State::ChunkSize { size, .. }, b';' | b' ' | b'\t') => State::ChunkExt { size },
            (State::ChunkSize { size, .. }, b'\r') => State::ChunkSizeLf { size },
            (
                State::ChunkSize { size, .. } | State::ChunkExt { size } | State::ChunkSizeLf { size },
                b'\n',
            ) => {
                if size == 0 {
                    State::TrailerStart
                } else {
                    State::ChunkData(size)
                }
            }
            (State::ChunkExt { size }, _) => State::ChunkExt { size },
            (State::ChunkDataCr, b'\r') => State::ChunkDataLf,
            (State::ChunkDataCr | State::ChunkDataLf, b'\n') => State::ChunkSize { size: 0, digits: 0 },
            (State::TrailerStart, b'\r') => State::TrailerLf,
            (State::TrailerStart | State::TrailerLf, b'\n') => State::Done,
            (State::TrailerLine, b'\n') => State::TrailerStart,
            (State::TrailerStart | State::TrailerLine, _) => State::TrailerLine,
            (state, b) => return err(format!("invalid chunked encoding: byte 0x{b:02x} in state {state:?}")),
        };
        Ok(())
    }
}

/// Comma-separated header value contains `token` (case-insensitive).
fn has_token(value: &[u8], token: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

fn last_token_is(value: &[u8], token: &[u8]) -> bool {
    value.rsplit(|&b| b == b',').next().is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes the way the connection loop does
    /// (a partial head stays in the buffer); returns (parser, body, bytes used).
    fn parse_in_steps(
        input: &[u8],
        step: usize,
        head: bool,
    ) -> Result<(ResponseParser, Vec<u8>, usize), ParseError> {
        let mut p = ResponseParser::new(head);
        let mut body = Vec::new();
        let (mut start, mut end) = (0, 0);
        while end < input.len() {
            end = (end + step).min(input.len());
            let mut sink = |off: u64, b: &[u8]| {
                assert_eq!(off as usize, body.len());
                body.extend_from_slice(b)
            };
            match p.feed(&input[start..end], &mut sink)? {
                Feed::Done(n) => return Ok((p, body, start + n)),
                Feed::NeedMore(n) => start += n,
            }
        }
        assert!(p.finish_at_eof(), "incomplete response");
        Ok((p, body, end))
    }

    #[test]
    fn content_length_in_any_split() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";
        for step in [1, 2, 7, 100] {
            let (p, body, used) = parse_in_steps(raw, step, false).unwrap();
            assert_eq!((p.status, p.close, used), (200, false, raw.len()));
            assert_eq!(body, b"Hello, World!");
        }
    }

    #[test]
    fn chunked_with_extensions_and_trailers_in_any_split() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5;name=x\r\nHello\r\n8\r\n, World!\r\n0\r\nX-Trailer: 1\r\n\r\n";
        for step in [1, 3, 10, 1000] {
            let (p, body, used) = parse_in_steps(raw, step, false).unwrap();
            assert_eq!(body, b"Hello, World!");
            assert_eq!((p.body_len, used), (13, raw.len()));
        }
    }

    #[test]
    fn several_responses_in_one_buffer() {
        let one = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let two = b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n";
        let all = [&one[..], &two[..]].concat();
        let mut p = ResponseParser::new(false);
        let feed = p.feed(&all, &mut |_, _| {}).unwrap();
        assert_eq!(feed, Feed::Done(one.len()));
        assert_eq!(p.status, 200);
        p.start(false);
        let feed = p.feed(&all[one.len()..], &mut |_, _| {}).unwrap();
        assert_eq!((feed, p.status, p.body_len), (Feed::Done(two.len()), 500, 2));
    }

    #[test]
    fn interim_head_and_empty_bodies() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        let (p, body, used) = parse_in_steps(raw, 4, false).unwrap();
        assert_eq!((p.status, body.len(), used), (204, 0, raw.len()));
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
        let (p, _, used) = parse_in_steps(head, 100, true).unwrap();
        assert_eq!((p.status, used), (200, head.len()));
    }

    #[test]
    fn close_delimited_and_connection_close() {
        let raw = b"HTTP/1.0 200 OK\r\n\r\nuntil the end";
        let (p, body, _) = parse_in_steps(raw, 5, false).unwrap();
        assert!(p.close);
        assert_eq!(body, b"until the end");
        let raw = b"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\nx";
        assert!(parse_in_steps(raw, 100, false).unwrap().0.close);
        let raw = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx";
        assert!(!parse_in_steps(raw, 100, false).unwrap().0.close);
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(parse_in_steps(b"NOT HTTP\r\n\r\n", 100, false).is_err());
        let bad_len = b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n";
        assert!(parse_in_steps(bad_len, 100, false).is_err());
        let bad_chunk = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert!(parse_in_steps(bad_chunk, 100, false).is_err());
        let no_crlf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n";
        assert!(parse_in_steps(no_crlf, 100, false).is_err());
    }
}
