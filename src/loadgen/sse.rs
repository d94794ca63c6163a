//! The SSE side of the load loop: one exchange is **the next event** of a stream. The first
//! exchange of a stream writes the `GET` (with `Accept: text/event-stream`); each exchange then
//! takes one event (from the bytes already read, else reading more), checks that its `seq` is
//! the next one and records its delivery latency (client wall clock − server `ts_us`) as the
//! exchange's latency. After the last of the N events the end of the response is read, and the
//! next `GET` goes out on the same keep-alive connection (a close-delimited or `Connection:
//! close` stream makes the loop reconnect).
//!
//! The event awaited when the window ends is not a censored latency sample (unlike a request
//! in flight): the wait is the server's pacing, and the event has no timestamp yet.
//!
//! A stream that ends before its N events, or breaks, is a read error and a dropped stream; an
//! event out of order (or whose data is not the contract's) is a mismatch, and the connection
//! is replaced because the stream is out of step; a status other than 200 is a status error.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::conn::{connect_tcp, Backoff, Completed, Exchange, Outcome, Pacer};
use super::event::{event_data, wall_us, SseEvent, SseParser};
use super::parse::{Feed, ResponseParser};
use super::stats::ThreadStats;
use super::worker::Shared;

const BUF_SIZE: usize = 64 * 1024;

/// Why reading stopped.
enum ReadEnd {
    Timeout,
    /// EOF before the response was complete, an I/O error or a malformed response.
    Closed,
}

/// One connection's stream state, reused across its connections.
struct SseExchange {
    shared: Arc<Shared>,
    stats: Rc<RefCell<ThreadStats>>,
    stream: Option<TcpStream>,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    parser: ResponseParser,
    sse: SseParser,
    /// Events each stream must deliver.
    events: u32,
    /// A stream is open (its GET sent, its end not yet read).
    in_stream: bool,
    next_seq: u64,
    sent_at: Instant,
    last_event: Option<Instant>,
    /// When the last read arrived (every queued event completed in it), monotonic and wall.
    read_at: Instant,
    read_wall_us: u64,
    response_done: bool,
    /// Some byte of the current stream's response has arrived.
    stream_bytes: bool,
    /// The response ends with the connection (close-delimited or `Connection: close`).
    close: bool,
}

/// Runs one SSE connection until the worker's runtime drops the task.
pub(crate) async fn run_connection(mut pacer: Pacer, events: u32) {
    let shared = pacer.shared.clone();
    let now = Instant::now();
    let mut ex = SseExchange {
        shared: shared.clone(),
        stats: pacer.stats.clone(),
        stream: None,
        buf: vec![0u8; BUF_SIZE].into_boxed_slice(),
        start: 0,
        end: 0,
        parser: ResponseParser::new(false),
        sse: SseParser::default(),
        events,
        in_stream: false,
        next_seq: 0,
        sent_at: now,
        last_event: None,
        read_at: now,
        read_wall_us: 0,
        response_done: false,
        stream_bytes: false,
        close: false,
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
        ex.in_stream = false;
        if pacer.serve(&mut ex, timer.as_mut()).await {
            std::future::pending::<()>().await;
        }
    }
}

impl SseExchange {
    /// Reads once more and feeds the response parser (body bytes go to the event parser).
    async fn read_more(&mut self, timer: &mut Pin<&mut Sleep>, now: &mut Instant) -> Result<(), ReadEnd> {
        let Some(stream) = self.stream.as_mut() else { return Err(ReadEnd::Closed) };
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start == 0 {
                return Err(ReadEnd::Closed); // a head larger than the buffer
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
                return Err(ReadEnd::Timeout);
            }
        };
        *now = Instant::now();
        match read {
            Ok(0) => {
                if self.parser.finish_at_eof() {
                    self.response_done = true;
                    self.close = true;
                    return Ok(());
                }
                Err(ReadEnd::Closed)
            }
            Ok(n) => {
                self.read_at = *now;
                self.stream_bytes = true;
                self.read_wall_us = wall_us();
                self.end += n;
                self.stats.borrow_mut().bytes(*now, n);
                if self.response_done {
                    return Ok(()); // bytes after the response: left for the next one
                }
                let sse = &mut self.sse;
                match self.parser.feed(&self.buf[self.start..self.end], &mut |_, bytes| sse.feed(bytes)) {
                    Ok(Feed::Done(k)) => {
                        self.start += k;
                        self.response_done = true;
                        self.close = self.parser.close;
                        Ok(())
                    }
                    Ok(Feed::NeedMore(k)) => {
                        self.start += k;
                        Ok(())
                    }
                    Err(_) => Err(ReadEnd::Closed),
                }
            }
            Err(_) => Err(ReadEnd::Closed),
        }
    }

    /// The stream broke: counts it dropped (in the window) and ends it.
    fn dropped(&mut self, now: Instant) {
        self.in_stream = false;
        let mut stats = self.stats.borrow_mut();
        if stats.in_window(now) {
            stats.stream.dropped_streams += 1;
        }
    }

    /// Accounts for event `ev` (taken at `now`) and, after the last one, reads the response's end.
    async fn take(&mut self, ev: SseEvent, mut timer: Pin<&mut Sleep>, now: &mut Instant) -> Outcome {
        let received = self.read_at;
        let data = event_data(&ev.data);
        let mut mismatch = !matches!(&data, Ok(d) if d.seq == self.next_seq);
        let mut latency = Duration::ZERO;
        {
            let mut stats = self.stats.borrow_mut();
            let window = stats.in_window(*now);
            if let Ok(d) = &data {
                match self.read_wall_us.checked_sub(d.ts_us) {
                    Some(us) => latency = Duration::from_micros(us),
                    None if window => stats.stream.delivery_negative += 1,
                    None => {}
                }
            }
            if window && !mismatch {
                match self.last_event {
                    None => stats.stream.first_event(received.saturating_duration_since(self.sent_at)),
                    Some(last) => stats.stream.inter_event(received.saturating_duration_since(last)),
                }
            }
        }
        self.last_event = Some(received);
        self.next_seq += 1;
        let done = |mismatch: bool, close: bool| {
            Outcome::Complete(Completed {
                status: 200,
                body_len: ev.data.len() as u64,
                mismatch,
                close,
                first_byte: received,
                latency: Some(latency),
                wire_bytes: ev.data.len() as u64,
            })
        };
        if mismatch {
            self.dropped(*now);
            return done(true, true);
        }
        if self.next_seq < u64::from(self.events) {
            return done(false, false);
        }
        // The last event: the response must end now, with no further event.
        while !self.response_done && self.sse.queued() == 0 {
            match self.read_more(&mut timer, now).await {
                Ok(()) => {}
                Err(ReadEnd::Timeout) => {
                    self.dropped(*now);
                    return Outcome::Timeout;
                }
                Err(ReadEnd::Closed) => {
                    self.dropped(*now);
                    return Outcome::Failed { started: true };
                }
            }
        }
        if self.sse.queued() > 0 || self.sse.partial() {
            mismatch = true; // more than N events
            self.dropped(*now);
            return done(mismatch, true);
        }
        self.in_stream = false;
        let mut stats = self.stats.borrow_mut();
        if stats.in_window(*now) {
            stats.stream.streams_completed += 1;
        }
        done(false, self.close)
    }
}

impl Exchange for SseExchange {
    fn censored_when_in_flight(&self) -> bool {
        false
    }

    async fn exchange(
        &mut self,
        which: usize,
        _compare: bool,
        mut timer: Pin<&mut Sleep>,
        now: &mut Instant,
    ) -> Outcome {
        if !self.in_stream {
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
            self.parser.start(false);
            self.sse.reset();
            self.in_stream = true;
            self.next_seq = 0;
            self.sent_at = *now;
            self.last_event = None;
            self.response_done = false;
            self.stream_bytes = false;
            self.close = false;
        }
        loop {
            if let Some(ev) = self.sse.pop() {
                return self.take(ev, timer, now).await;
            }
            if self.parser.status != 0 && self.parser.status != 200 {
                // Not a stream: report the status and replace the connection.
                self.in_stream = false;
                return Outcome::Complete(Completed {
                    status: self.parser.status,
                    body_len: 0,
                    mismatch: false,
                    close: true,
                    first_byte: *now,
                    latency: None,
                    wire_bytes: 0,
                });
            }
            if self.response_done {
                // Ended before the last event.
                self.dropped(*now);
                return Outcome::Failed { started: true };
            }
            match self.read_more(&mut timer, now).await {
                Ok(()) => {}
                Err(ReadEnd::Timeout) => {
                    self.dropped(*now);
                    return Outcome::Timeout;
                }
                Err(ReadEnd::Closed) => {
                    // Nothing of this stream arrived: a kept-alive connection that was closed.
                    let started = self.stream_bytes;
                    if started {
                        self.dropped(*now);
                    }
                    self.in_stream = false;
                    return Outcome::Failed { started };
                }
            }
        }
    }
}
