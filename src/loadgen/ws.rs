//! The WebSocket side of the load loop: one exchange is **one echoed message**. Each
//! connection is a TCP connect plus the HTTP/1.1 upgrade (its time, TCP + handshake, goes into
//! the connect histogram; a failed upgrade is a connect error); each exchange then writes one
//! masked text frame of `message_bytes` carrying its sequence number and reads frames until the
//! echo is complete (answering pings with pongs), comparing it with what was sent: a different
//! payload or a binary answer is a mismatch.
//!
//! A close frame or EOF from the server drops the connection: it is counted in
//! `dropped_connections` and the loop reconnects (as in HTTP/1.1, a message that got no byte
//! of answer on a connection that had already been used is sent again on the new one instead
//! of counting an error).

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::conn::{Backoff, Completed, Exchange, Outcome, Pacer};
use super::frame::{self, Masker};
use super::stats::ThreadStats;
use super::worker::Shared;

const BUF_SIZE: usize = 64 * 1024;
/// Largest upgrade response head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// One connection's state, reused across its connections.
struct WsExchange {
    shared: Arc<Shared>,
    stats: Rc<RefCell<ThreadStats>>,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    masker: Masker,
    message_bytes: usize,
    seq: u64,
    /// The payload sent, the frame written and the echo assembled (reused).
    payload: Vec<u8>,
    out: Vec<u8>,
    echo: Vec<u8>,
}

/// Runs one WebSocket connection until the worker's runtime drops the task.
pub(crate) async fn run_connection(mut pacer: Pacer, message_bytes: usize) {
    let shared = pacer.shared.clone();
    let mut ex = WsExchange {
        shared: shared.clone(),
        stats: pacer.stats.clone(),
        stream: None,
        buf: vec![0u8; BUF_SIZE],
        start: 0,
        end: 0,
        masker: Masker::from_clock(),
        message_bytes,
        seq: 0,
        payload: Vec::with_capacity(message_bytes),
        out: Vec::with_capacity(message_bytes + 14),
        echo: Vec::with_capacity(message_bytes),
    };
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut backoff = Backoff::new();
    loop {
        let began = Instant::now();
        let connected = tokio::time::timeout(shared.timeout, ex.connect()).await;
        let now = Instant::now();
        if !matches!(connected, Ok(Ok(()))) {
            ex.stream = None;
            backoff.failed(&pacer, timer.as_mut()).await;
            continue;
        }
        backoff.reset();
        {
            // Connections are kept, so most open during the warm-up: every connect before the
            // window ends is timed.
            let mut stats = ex.stats.borrow_mut();
            if !stats.ended(now) {
                stats.stream.connect(now - began);
            }
        }
        if pacer.serve(&mut ex, timer.as_mut()).await {
            std::future::pending::<()>().await;
        }
    }
}

impl WsExchange {
    /// TCP connect and upgrade; bytes after the 101 head stay in the buffer.
    async fn connect(&mut self) -> Result<(), String> {
        let mut stream = TcpStream::connect(self.shared.addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let key = self.masker.key();
        let request = handshake_request(&self.shared.requests[0].bytes, &key);
        stream.write_all(&request).await.map_err(|e| e.to_string())?;
        self.start = 0;
        self.end = 0;
        loop {
            let n = stream.read(&mut self.buf[self.end..]).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("closed during the upgrade".into());
            }
            self.end += n;
            match check_upgrade(&self.buf[..self.end], &key)? {
                Some(len) => {
                    self.start = len;
                    self.stream = Some(stream);
                    self.seq = 0;
                    return Ok(());
                }
                None if self.end >= MAX_HEAD => return Err("upgrade response head too large".into()),
                None => {}
            }
        }
    }

    /// The connection was dropped by the server: counted (in the window) and forgotten.
    fn dropped(&mut self, now: Instant) {
        self.stream = None;
        let mut stats = self.stats.borrow_mut();
        if stats.in_window(now) {
            stats.stream.dropped_connections += 1;
        }
    }
}

/// The upgrade request: the serialised GET (`Upgrade`, `Connection` and version headers
/// included) with `Sec-WebSocket-Key: key` added before its blank line.
pub(crate) fn handshake_request(get: &[u8], key: &str) -> Vec<u8> {
    let head = get.strip_suffix(b"\r\n").unwrap_or(get);
    let mut out = Vec::with_capacity(head.len() + 48);
    out.extend_from_slice(head);
    out.extend_from_slice(b"Sec-WebSocket-Key: ");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// Checks an upgrade response head: `Ok(Some(head length))` for a 101 with the right
/// `Sec-WebSocket-Accept`, `Ok(None)` when incomplete, else what is wrong.
pub(crate) fn check_upgrade(bytes: &[u8], key: &str) -> Result<Option<usize>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("invalid upgrade response: {e}")),
    };
    let status = resp.code.unwrap_or(0);
    if status != 101 {
        return Err(format!("status {status} instead of 101 Switching Protocols"));
    }
    let expected = frame::accept_key(key);
    let accept = resp.headers.iter().find(|h| h.name.eq_ignore_ascii_case("sec-websocket-accept"));
    match accept.map(|h| String::from_utf8_lossy(h.value).trim().to_string()) {
        Some(got) if got == expected => Ok(Some(len)),
        Some(got) => Err(format!("Sec-WebSocket-Accept is '{got}', expected '{expected}'")),
        None => Err(format!("no Sec-WebSocket-Accept header (expected '{expected}')")),
    }
}

impl Exchange for WsExchange {
    async fn exchange(
        &mut self,
        _which: usize,
        _compare: bool,
        mut timer: Pin<&mut Sleep>,
        now: &mut Instant,
    ) -> Outcome {
        frame::message(self.seq, self.message_bytes, &mut self.payload);
        self.seq += 1;
        self.out.clear();
        frame::encode(&mut self.out, frame::TEXT, &self.payload, self.masker.mask());
        let Some(stream) = self.stream.as_mut() else {
            return Outcome::Failed { started: false };
        };
        tokio::select! {
            biased;
            r = stream.write_all(&self.out) => if r.is_err() {
                *now = Instant::now();
                self.dropped(*now);
                return Outcome::Failed { started: false };
            },
            () = timer.as_mut() => {
                *now = Instant::now();
                return Outcome::Timeout;
            }
        }
        self.echo.clear();
        let mut opcode = None;
        let mut first_byte = None;
        loop {
            // Every complete frame in the buffer.
            while self.start < self.end {
                let decoded = match frame::decode(&mut self.buf[self.start..self.end]) {
                    Ok(Some(d)) => d,
                    Ok(None) => break,
                    Err(_) => {
                        self.stream = None;
                        return Outcome::Failed { started: true };
                    }
                };
                let payload = self.start + decoded.payload.start..self.start + decoded.payload.end;
                self.start += decoded.len;
                match decoded.opcode {
                    frame::PING => {
                        self.out.clear();
                        frame::encode(&mut self.out, frame::PONG, &self.buf[payload], self.masker.mask());
                        let Some(stream) = self.stream.as_mut() else { break };
                        if stream.write_all(&self.out).await.is_err() {
                            *now = Instant::now();
                            self.dropped(*now);
                            return Outcome::Failed { started: !self.echo.is_empty() };
                        }
                    }
                    frame::PONG => {}
                    frame::CLOSE => {
                        // No byte of the echo came: like a kept-alive HTTP connection closed
                        // before answering, the loop resends it on a new connection (counting
                        // a read error only on a fresh one).
                        self.dropped(*now);
                        return Outcome::Failed { started: !self.echo.is_empty() };
                    }
                    op => {
                        if op != frame::CONTINUATION {
                            opcode = Some(op);
                        }
                        self.echo.extend_from_slice(&self.buf[payload]);
                        if decoded.fin {
                            let mismatch = opcode != Some(frame::TEXT) || self.echo != self.payload;
                            return Outcome::Complete(Completed {
                                status: 101,
                                body_len: self.echo.len() as u64,
                                mismatch,
                                close: false,
                                first_byte: first_byte.unwrap_or(*now),
                                latency: None,
                                wire_bytes: self.echo.len() as u64,
                            });
                        }
                    }
                }
            }
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            } else if self.end == self.buf.len() {
                if self.start > 0 {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                } else {
                    // A frame larger than the buffer: grow it (frames are bounded by MAX_PAYLOAD).
                    let len = self.buf.len() * 2;
                    self.buf.resize(len, 0);
                }
            }
            let Some(stream) = self.stream.as_mut() else {
                return Outcome::Failed { started: !self.echo.is_empty() };
            };
            let read = tokio::select! {
                biased;
                r = stream.read(&mut self.buf[self.end..]) => r,
                () = timer.as_mut() => {
                    *now = Instant::now();
                    return Outcome::Timeout;
                }
            };
            *now = Instant::now();
            match read {
                Ok(0) | Err(_) => {
                    self.dropped(*now);
                    return Outcome::Failed { started: !self.echo.is_empty() || self.end > self.start };
                }
                Ok(n) => {
                    first_byte.get_or_insert(*now);
                    self.end += n;
                    self.stats.borrow_mut().bytes(*now, n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handshake_adds_the_key_before_the_blank_line() {
        let get = b"GET /stream/ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n";
        let out = handshake_request(get, "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(
            out,
            b"GET /stream/ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Key: \
              dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        );
    }

    #[test]
    fn the_upgrade_answer_is_checked() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81";
        assert_eq!(check_upgrade(ok, key), Ok(Some(ok.len() - 1)));
        assert_eq!(check_upgrade(&ok[..20], key), Ok(None));
        let wrong = b"HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: abc\r\n\r\n";
        assert!(check_upgrade(wrong, key).unwrap_err().contains("expected 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='"));
        let not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        assert!(check_upgrade(not_found, key).unwrap_err().contains("status 404"));
    }
}
