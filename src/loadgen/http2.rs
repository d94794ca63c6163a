//! The HTTP/2 side of the load loop: a task per connection that (re)connects with prior
//! knowledge (h2c), then runs one [`Pacer`] per concurrent stream on it, each driving an
//! [`Http2Exchange`]. When the connection fails, its streams hand their pacers back and the
//! task connects again; when the window is over it stops.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use h2::client::SendRequest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Sleep;

use super::conn::{Backoff, Completed, Exchange, Outcome, Pacer};
use super::http2_request::client;
use super::stats::ThreadStats;
use super::worker::Shared;

/// One stream slot's side of a connection.
struct Http2Exchange {
    shared: Arc<Shared>,
    send: SendRequest<Bytes>,
    /// The connection failed: the pacer must wait for a new one.
    dead: bool,
    /// Body of a response being compared (reused).
    collected: Vec<u8>,
}

/// Runs one HTTP/2 connection with `pacers.len()` concurrent streams until the worker's
/// runtime drops the task.
pub(crate) async fn run_connection(mut pacers: Vec<Pacer>) {
    let Some(first) = pacers.first() else { return };
    let (shared, stats) = (first.shared.clone(), first.stats.clone());
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut backoff = Backoff::new();
    loop {
        let connected = tokio::time::timeout(shared.timeout, async {
            let stream = TcpStream::connect(shared.addr).await.ok()?;
            let _ = stream.set_nodelay(true);
            let io = Counted { inner: stream, stats: stats.clone() };
            client().handshake::<_, Bytes>(io).await.ok()
        });
        let Ok(Some((send, connection))) = connected.await else {
            backoff.failed(&pacers[0], timer.as_mut()).await;
            continue;
        };
        backoff.reset();
        tokio::task::spawn_local(async move {
            let _ = connection.await;
        });
        let mut streams = JoinSet::new();
        for pacer in pacers.drain(..) {
            let ex = Http2Exchange {
                shared: shared.clone(),
                send: send.clone(),
                dead: false,
                collected: Vec::new(),
            };
            streams.spawn_local(run_stream(pacer, ex));
        }
        drop(send);
        let mut over = false;
        while let Some(joined) = streams.join_next().await {
            if let Ok((pacer, done)) = joined {
                over |= done;
                pacers.push(pacer);
            }
        }
        if over || pacers.is_empty() {
            // The window is over: leave the outstanding requests to the worker.
            std::future::pending::<()>().await;
        }
    }
}

/// One stream slot on one connection: requests until the window is over (true) or the
/// connection failed (false); a failed stream alone is counted and replaced by the next.
async fn run_stream(mut pacer: Pacer, mut ex: Http2Exchange) -> (Pacer, bool) {
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    loop {
        if pacer.serve(&mut ex, timer.as_mut()).await {
            return (pacer, true);
        }
        if ex.dead {
            return (pacer, false);
        }
    }
}

impl Http2Exchange {
    /// Marks the connection dead unless `e` only reset this stream.
    fn failed(&mut self, e: &h2::Error, started: bool) -> Outcome {
        self.dead |= !e.is_reset() || e.is_go_away();
        Outcome::Failed { started }
    }

    async fn round_trip(&mut self, which: usize, compare: bool) -> Outcome {
        if poll_fn(|cx| self.send.poll_ready(cx)).await.is_err() {
            self.dead = true;
            return Outcome::Failed { started: false };
        }
        // Head and body taken up front, so that nothing borrows `self.shared` across the awaits.
        let template = self.shared.requests[which].http2.as_ref().expect("an http/2 run has a template");
        let body = (!template.body.is_empty()).then(|| template.body.clone());
        let (response, mut body_out) = match self.send.send_request(template.build(), body.is_none()) {
            Ok(sent) => sent,
            Err(e) => return self.failed(&e, false),
        };
        if let Some(body) = body {
            if let Err(e) = body_out.send_data(body, true) {
                return self.failed(&e, false);
            }
        }
        let response = match response.await {
            Ok(r) => r,
            Err(e) => return self.failed(&e, false),
        };
        let first_byte = Instant::now();
        let status = response.status().as_u16();
        let mut recv = response.into_body();
        let mut body_len = 0u64;
        self.collected.clear();
        while let Some(chunk) = recv.data().await {
            match chunk {
                Ok(chunk) => {
                    body_len += chunk.len() as u64;
                    let _ = recv.flow_control().release_capacity(chunk.len());
                    if compare {
                        self.collected.extend_from_slice(&chunk);
                    }
                }
                Err(e) => return self.failed(&e, true),
            }
        }
        let mismatch = compare && self.shared.requests[which].body_differs(&self.collected);
        Outcome::Complete(Completed {
            status,
            body_len,
            mismatch,
            close: false,
            first_byte,
            wire_bytes: body_len,
            latency: None,
        })
    }
}

impl Exchange for Http2Exchange {
    async fn exchange(
        &mut self,
        which: usize,
        compare: bool,
        timer: Pin<&mut Sleep>,
        now: &mut Instant,
    ) -> Outcome {
        let outcome = tokio::select! {
            biased;
            outcome = self.round_trip(which, compare) => outcome,
            () = timer => Outcome::Timeout, // dropping the stream resets it
        };
        *now = Instant::now();
        outcome
    }
}

/// A socket that counts the bytes read into the thread's stats (HTTP/2 reads happen in the
/// connection driver, not in the exchange).
struct Counted {
    inner: TcpStream,
    stats: Rc<RefCell<ThreadStats>>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            self.stats.borrow_mut().bytes(Instant::now(), n);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
