//! The HTTP/1.1 side of the load loop: a task per keep-alive connection that (re)connects and
//! lets its [`Pacer`] drive an [`Http1Exchange`], which writes the pre-serialised request and
//! reads the response with the incremental parser.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::conn::{connect_tcp, Backoff, Completed, Exchange, Outcome, Pacer};
use super::parse::{Feed, ResponseParser};
use super::worker::Shared;

/// Read buffer per connection; a response head must fit in it.
const BUF_SIZE: usize = 64 * 1024;

/// One connection's reading state, reused for every request on it and its successors.
struct Http1Exchange {
    shared: Arc<Shared>,
    stream: Option<TcpStream>,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    parser: ResponseParser,
    mismatch: bool,
    /// Body of a response being compared as JSON (reused).
    collected: Vec<u8>,
    /// The pacer's stats, for the bytes read.
    stats: std::rc::Rc<std::cell::RefCell<super::stats::ThreadStats>>,
}

/// Runs one HTTP/1.1 connection until the worker's runtime drops the task.
pub(crate) async fn run_connection(mut pacer: Pacer) {
    let shared = pacer.shared.clone();
    let mut ex = Http1Exchange {
        shared: shared.clone(),
        stream: None,
        buf: vec![0u8; BUF_SIZE].into_boxed_slice(),
        start: 0,
        end: 0,
        parser: ResponseParser::new(false),
        mismatch: false,
        collected: Vec::new(),
        stats: pacer.stats.clone(),
    };
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut backoff = Backoff::new();
    loop {
        let Some(stream) = connect_tcp(&shared).await else {
            backoff.failed(&pacer, timer.as_mut()).await;
            continue;
        };
        backoff.reset();
        ex.stream = Some(stream);
        ex.start = 0;
        ex.end = 0;
        if pacer.serve(&mut ex, timer.as_mut()).await {
            // The window is over: leave the outstanding requests to the worker.
            std::future::pending::<()>().await;
        }
    }
}

impl Exchange for Http1Exchange {
    async fn exchange(
        &mut self,
        which: usize,
        compare: bool,
        mut timer: Pin<&mut Sleep>,
        now: &mut Instant,
    ) -> Outcome {
        let request = &self.shared.requests[which];
        let Some(stream) = self.stream.as_mut() else {
            return Outcome::Failed { started: false };
        };
        tokio::select! {
            biased;
            r = stream.write_all(&request.bytes) => if r.is_err() {
                *now = Instant::now();
                return Outcome::Failed { started: false };
            },
            () = timer.as_mut() => {
                *now = Instant::now();
                return Outcome::Timeout;
            }
        }
        let compare = if compare { request.expected_body.as_deref() } else { None };
        let as_json = compare.is_some() && request.expected_json.is_some();
        self.mismatch = false;
        self.collected.clear();
        self.parser.start(request.head);
        let mut started = self.end > self.start;
        let mut wire_bytes = 0u64;
        let mut first_byte = *now;
        loop {
            if self.start < self.end {
                let mismatch = &mut self.mismatch;
                let collected = &mut self.collected;
                let mut sink = |offset: u64, bytes: &[u8]| {
                    if as_json {
                        collected.extend_from_slice(bytes);
                    } else if let Some(expected) = compare {
                        let offset = offset as usize;
                        if expected.get(offset..offset + bytes.len()) != Some(bytes) {
                            *mismatch = true;
                        }
                    }
                };
                match self.parser.feed(&self.buf[self.start..self.end], &mut sink) {
                    Ok(Feed::Done(n)) => {
                        self.start += n;
                        wire_bytes += n as u64;
                        if as_json {
                            self.mismatch = request.body_differs(&self.collected);
                        }
                        return Outcome::Complete(Completed {
                            status: self.parser.status,
                            body_len: self.parser.body_len,
                            mismatch: self.mismatch,
                            close: self.parser.close,
                            first_byte,
                            latency: None,
                            wire_bytes,
                        });
                    }
                    Ok(Feed::NeedMore(n)) => {
                        self.start += n;
                        wire_bytes += n as u64;
                    }
                    Err(_) => return Outcome::Failed { started: true },
                }
            }
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            } else if self.end == self.buf.len() {
                if self.start == 0 {
                    return Outcome::Failed { started: true }; // head larger than the buffer
                }
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
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
                Ok(0) => {
                    return if self.parser.finish_at_eof() {
                        Outcome::Complete(Completed {
                            status: self.parser.status,
                            body_len: self.parser.body_len,
                            mismatch: self.mismatch,
                            close: true,
                            first_byte,
                            latency: None,
                            wire_bytes,
                        })
                    } else {
                        Outcome::Failed { started }
                    };
                }
                Ok(n) => {
                    if !started {
                        started = true;
                        first_byte = *now;
                    }
                    self.end += n;
                    self.stats.borrow_mut().bytes(*now, n);
                }
                Err(_) => return Outcome::Failed { started },
            }
        }
    }
}
