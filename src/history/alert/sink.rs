//! A tiny SMTP server on 127.0.0.1 for the tests: it takes connections one at a time,
//! answers EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP and QUIT, and keeps every
//! message it accepted. Stopped (and its thread joined) when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;

/// One accepted message.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed, CRLF line ends).
    pub data: String,
    /// The decoded AUTH PLAIN response (`authzid \0 user \0 password`), when given.
    pub auth: Option<String>,
}

pub struct Sink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Starts the sink; with `accept_only = Some(n)`, messages after the n-th are refused
    /// at MAIL FROM (550).
    pub fn start(accept_only: Option<usize>) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (received.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let _ = session(conn, &r, accept_only);
                }
            }
        });
        Sink { port, received, stop, thread: Some(thread) }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn session(
    conn: TcpStream,
    received: &Mutex<Vec<Received>>,
    accept_only: Option<usize>,
) -> std::io::Result<()> {
    // A bound on a stuck client, not a timing assumption: tests never wait for it.
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = conn.try_clone()?;
    let mut input = BufReader::new(conn);
    let mut reply = |s: &str| out.write_all(format!("{s}\r\n").as_bytes());
    reply("220 sink.test ESMTP test sink")?;
    let mut current = Received::default();
    let mut auth = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            reply("250-sink.test")?;
            reply("250-AUTH PLAIN")?;
            reply("250 8BITMIME")?;
        } else if let Some(b64) = upper.strip_prefix("AUTH PLAIN ").map(|_| &cmd[11..]) {
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).unwrap_or_default();
            auth = Some(String::from_utf8_lossy(&bytes).into_owned());
            reply("235 2.7.0 authenticated")?;
        } else if upper.starts_with("MAIL FROM:") {
            if accept_only.is_some_and(|n| received.lock().unwrap().len() >= n) {
                reply("550 5.7.1 no more mail accepted by this test sink")?;
                continue;
            }
            current = Received { from: addr(&cmd[10..]), auth: auth.clone(), ..Default::default() };
            reply("250 2.1.0 ok")?;
        } else if upper.starts_with("RCPT TO:") {
            current.to.push(addr(&cmd[8..]));
            reply("250 2.1.5 ok")?;
        } else if upper == "DATA" {
            reply("354 end data with <CR><LF>.<CR><LF>")?;
            let mut data = String::new();
            loop {
                line.clear();
                if input.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            current.data = data;
            received.lock().unwrap().push(std::mem::take(&mut current));
            reply("250 2.0.0 queued")?;
        } else if upper == "QUIT" {
            reply("221 2.0.0 bye")?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            reply("250 2.0.0 ok")?;
        } else {
            reply("502 5.5.2 command not implemented")?;
        }
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn addr(s: &str) -> String {
    let s = s.trim();
    match (s.find('<'), s.find('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_string(),
        _ => s.split_whitespace().next().unwrap_or("").to_string(),
    }
}
