//! A blocking WebSocket conversation on a fresh connection, for answer verification: the
//! upgrade, then each message sent and the next data message read back, then a close.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::frame::{self, Masker};
use super::ws::{check_upgrade, handshake_request};
use super::{request, LoadError, RequestSpec, Target};

/// A message of a verification conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsMessage {
    pub binary: bool,
    pub payload: Vec<u8>,
}

/// What the server did in [`websocket_once`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsAnswer {
    /// The upgrade failed: why (status, or the accept value).
    Refused(String),
    /// The upgrade succeeded; one answer per message sent, in order, until the server stopped
    /// answering (`Err` says how), and whether it answered the final close with a close.
    Talked { echoes: Vec<Result<WsMessage, String>>, closed_cleanly: bool },
}

/// Upgrades `spec` (a GET with the upgrade headers) on `target`, sends `messages` one at a time
/// and reads each answer, then sends a close; everything within `timeout`.
pub fn websocket_once(
    target: &Target,
    spec: &RequestSpec,
    messages: &[WsMessage],
    timeout: Duration,
) -> Result<WsAnswer, LoadError> {
    let addr = target.addr;
    let deadline = Instant::now() + timeout;
    let io = |action| move |source| LoadError::Io { addr, action, source };
    let mut masker = Masker::from_clock();
    let key = masker.key();
    let get = request::serialize(target, spec)?;
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|source| LoadError::Connect { addr, source })?;
    let _ = stream.set_nodelay(true);
    stream.set_write_timeout(Some(timeout)).map_err(io("configuring the socket"))?;
    stream.write_all(&handshake_request(&get, &key)).map_err(io("sending the upgrade"))?;
    let mut conn = Conn { stream, buf: Vec::new(), deadline, addr, timeout };
    let head = loop {
        if let Some(len) = match check_upgrade(&conn.buf, &key) {
            Ok(found) => found,
            Err(why) => return Ok(WsAnswer::Refused(why)),
        } {
            break len;
        }
        if !conn.fill()? {
            return Ok(WsAnswer::Refused("the connection closed during the upgrade".into()));
        }
    };
    conn.buf.drain(..head);
    let mut echoes = Vec::new();
    for m in messages {
        let opcode = if m.binary { frame::BINARY } else { frame::TEXT };
        let mut out = Vec::new();
        frame::encode(&mut out, opcode, &m.payload, masker.mask());
        conn.stream.write_all(&out).map_err(io("sending a message"))?;
        match conn.next_message(&mut masker)? {
            Ok(Some(answer)) => echoes.push(Ok(answer)),
            Ok(None) => {
                echoes.push(Err("the server closed the connection instead of answering".into()));
                return Ok(WsAnswer::Talked { echoes, closed_cleanly: false });
            }
            Err(why) => {
                echoes.push(Err(why));
                return Ok(WsAnswer::Talked { echoes, closed_cleanly: false });
            }
        }
    }
    let mut out = Vec::new();
    frame::encode(&mut out, frame::CLOSE, &1000u16.to_be_bytes(), masker.mask());
    let _ = conn.stream.write_all(&out);
    let closed_cleanly = matches!(conn.next_message(&mut masker), Ok(Ok(None)));
    Ok(WsAnswer::Talked { echoes, closed_cleanly })
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    deadline: Instant,
    addr: std::net::SocketAddr,
    timeout: Duration,
}

impl Conn {
    /// Reads more; false at EOF.
    fn fill(&mut self) -> Result<bool, LoadError> {
        let (addr, timeout) = (self.addr, self.timeout);
        let left = self.deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero());
        let left = left.ok_or(LoadError::Timeout { addr, timeout })?;
        self.stream.set_read_timeout(Some(left)).map_err(|source| LoadError::Io {
            addr,
            action: "configuring the socket",
            source,
        })?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            return match self.stream.read(&mut chunk) {
                Ok(0) => Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    Ok(true)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    Err(LoadError::Timeout { addr, timeout })
                }
                Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => Ok(false),
                Err(source) => Err(LoadError::Io { addr, action: "reading a message", source }),
            };
        }
    }

    /// The next data message (pings answered): `Ok(None)` on a close frame or EOF, `Err(why)`
    /// for a protocol violation.
    fn next_message(&mut self, masker: &mut Masker) -> Result<Result<Option<WsMessage>, String>, LoadError> {
        let mut opcode = None;
        let mut payload = Vec::new();
        loop {
            match frame::decode(&mut self.buf) {
                Err(why) => return Ok(Err(why)),
                Ok(None) => {
                    if !self.fill()? {
                        return Ok(Ok(None));
                    }
                }
                Ok(Some(d)) => {
                    let body = self.buf[d.payload.clone()].to_vec();
                    self.buf.drain(..d.len);
                    match d.opcode {
                        frame::CLOSE => return Ok(Ok(None)),
                        frame::PONG => {}
                        frame::PING => {
                            let mut out = Vec::new();
                            frame::encode(&mut out, frame::PONG, &body, masker.mask());
                            let _ = self.stream.write_all(&out);
                        }
                        op => {
                            if op != frame::CONTINUATION {
                                opcode = Some(op);
                            }
                            payload.extend_from_slice(&body);
                            if d.fin {
                                let binary = opcode == Some(frame::BINARY);
                                return Ok(Ok(Some(WsMessage { binary, payload })));
                            }
                        }
                    }
                }
            }
        }
    }
}
