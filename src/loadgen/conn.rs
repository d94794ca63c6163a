//! The one load loop: a task per connection that (re)connects, paces, writes
//! the pre-serialised request and reads the response, recording the outcome.
//! Pacing comes from [`Schedule`]; the stop condition is the worker's ticker,
//! which ends the runtime (and so every connection task) when the run is over.
//! Each task keeps its slot of [`Outstanding`] current, and stops touching it
//! once the window is over, so that what was in flight or due is recorded then.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::parse::{Feed, ResponseParser};
use super::stats::{ErrorKind, Outstanding, ThreadStats};
use super::worker::Shared;

/// Read buffer per connection; a response head must fit in it.
const BUF_SIZE: usize = 64 * 1024;
/// Wait after a failed connect, doubling up to the maximum.
const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_millis(250);

/// Intended send times of one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Schedule {
    /// Send as soon as the previous response is complete.
    Closed,
    /// Send at `next`, then every `interval`, even when behind (no skipping).
    Fixed { next: Instant, interval: Duration },
}

impl Schedule {
    /// When the next request is due, given the current time.
    fn due(&self, now: Instant) -> Instant {
        match *self {
            Schedule::Closed => now,
            Schedule::Fixed { next, .. } => next,
        }
    }

    fn advance(&mut self) {
        if let Schedule::Fixed { next, interval } = self {
            *next += *interval;
        }
    }

    /// Fixed rate: the first intended send time not yet sent (after the one
    /// being sent, if `sending`) and the interval; `None` in closed loop.
    pub(crate) fn pending(&self, sending: bool) -> Option<(Instant, Duration)> {
        match *self {
            Schedule::Closed => None,
            Schedule::Fixed { next, interval } => {
                Some((if sending { next + interval } else { next }, interval))
            }
        }
    }
}

/// How one request/response exchange ended.
enum Outcome {
    Complete {
        close: bool,
    },
    Timeout,
    /// I/O error, EOF mid-response or malformed response; `started` if any
    /// response byte had arrived.
    Failed {
        started: bool,
    },
}

/// State owned by one connection task, reused for every request.
struct Conn {
    shared: Arc<Shared>,
    stats: Rc<RefCell<ThreadStats>>,
    /// This connection's index in the stats' `outstanding`.
    slot: usize,
    schedule: Schedule,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    parser: ResponseParser,
    /// Responses completed by this connection task, for `body_every_n`.
    responses: u64,
    mismatch: bool,
    /// Body of a response being compared as JSON (reused).
    collected: Vec<u8>,
}

/// Runs one connection until the worker's runtime drops the task; `slot` comes
/// from [`ThreadStats::add_connection`].
pub(crate) async fn run_connection(
    shared: Arc<Shared>,
    stats: Rc<RefCell<ThreadStats>>,
    slot: usize,
    schedule: Schedule,
) {
    let head_request = shared.head_request;
    let mut conn = Conn {
        shared,
        stats,
        slot,
        schedule,
        buf: vec![0u8; BUF_SIZE].into_boxed_slice(),
        start: 0,
        end: 0,
        parser: ResponseParser::new(head_request),
        responses: 0,
        mismatch: false,
        collected: Vec::new(),
    };
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut backoff = MIN_BACKOFF;
    loop {
        let addr = conn.shared.addr;
        let stream = match tokio::time::timeout(conn.shared.timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => stream,
            _ => {
                let now = Instant::now();
                conn.stats.borrow_mut().error(now, ErrorKind::Connect);
                timer.as_mut().reset((now + backoff).into());
                timer.as_mut().await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = MIN_BACKOFF;
        let _ = stream.set_nodelay(true);
        if conn.serve(stream, timer.as_mut()).await {
            // The window is over: leave the outstanding requests to the worker.
            std::future::pending::<()>().await;
        }
    }
}

impl Conn {
    /// Sends requests on `stream` until it has to be replaced (false) or the
    /// measured window is over (true).
    async fn serve(&mut self, mut stream: TcpStream, mut timer: Pin<&mut Sleep>) -> bool {
        self.start = 0;
        self.end = 0;
        let mut reused = false;
        let mut now = Instant::now();
        loop {
            let intended = self.schedule.due(now);
            if intended > now {
                timer.as_mut().reset(intended.into());
                timer.as_mut().await;
                now = Instant::now();
            }
            let sent = now;
            {
                let mut stats = self.stats.borrow_mut();
                if stats.ended(now) {
                    return true;
                }
                stats.outstanding[self.slot] = self.outstanding(Some((intended, sent)));
            }
            timer.as_mut().reset((sent + self.shared.timeout).into());
            let outcome = self.exchange(&mut stream, timer.as_mut(), &mut now).await;
            let mut stats = self.stats.borrow_mut();
            if stats.ended(now) {
                return true; // still in flight as far as the window is concerned
            }
            let keep = match outcome {
                Outcome::Complete { close } => {
                    let kind = match self.parser.status {
                        500.. => Some(ErrorKind::Status5xx),
                        400..=499 => Some(ErrorKind::Status4xx),
                        _ if self.body_wrong() => Some(ErrorKind::Mismatch),
                        _ => None,
                    };
                    match kind {
                        Some(kind) => stats.error(now, kind),
                        None => {
                            let fixed = matches!(self.schedule, Schedule::Fixed { .. });
                            stats.success(now, now - intended, fixed.then(|| now - sent));
                        }
                    }
                    self.schedule.advance();
                    !close
                }
                Outcome::Timeout => {
                    stats.timeout(now, intended, sent, self.shared.timeout);
                    self.schedule.advance();
                    false
                }
                // A kept-alive connection closed before answering: resend once on a new one.
                Outcome::Failed { started: false } if reused => false,
                Outcome::Failed { .. } => {
                    stats.error(now, ErrorKind::Read);
                    self.schedule.advance();
                    false
                }
            };
            stats.outstanding[self.slot] = self.outstanding(None);
            if !keep {
                return false;
            }
            reused = true;
        }
    }

    /// This connection's outstanding requests, given the one on the wire.
    fn outstanding(&self, in_flight: Option<(Instant, Instant)>) -> Outstanding {
        Outstanding { in_flight, unsent: self.schedule.pending(in_flight.is_some()) }
    }

    /// True if the completed response's body fails the configured check.
    fn body_wrong(&self) -> bool {
        match &self.shared.expected_body {
            Some(expected) => self.mismatch || self.parser.body_len != expected.len() as u64,
            None => false,
        }
    }

    /// Writes the request and reads one full response; `now` is updated once per read.
    async fn exchange(
        &mut self,
        stream: &mut TcpStream,
        mut timer: Pin<&mut Sleep>,
        now: &mut Instant,
    ) -> Outcome {
        let shared = &*self.shared;
        tokio::select! {
            biased;
            r = stream.write_all(&shared.request) => if r.is_err() {
                *now = Instant::now();
                return Outcome::Failed { started: false };
            },
            () = timer.as_mut() => {
                *now = Instant::now();
                return Outcome::Timeout;
            }
        }
        self.responses += 1;
        let every_n = shared.body_every_n;
        let compare = match &shared.expected_body {
            Some(expected) if every_n > 0 && self.responses % every_n == 0 => Some(&expected[..]),
            _ => None,
        };
        let as_json = compare.is_some() && shared.expected_json.is_some();
        self.mismatch = false;
        self.collected.clear();
        self.parser.start();
        let mut started = self.end > self.start;
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
                        if as_json {
                            let got = serde_json::from_slice::<serde_json::Value>(&self.collected).ok();
                            self.mismatch = got.as_ref() != shared.expected_json.as_ref();
                        }
                        return Outcome::Complete { close: self.parser.close };
                    }
                    Ok(Feed::NeedMore(n)) => self.start += n,
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
                        Outcome::Complete { close: true }
                    } else {
                        Outcome::Failed { started }
                    };
                }
                Ok(n) => {
                    started = true;
                    self.end += n;
                    self.stats.borrow_mut().bytes(*now, n);
                }
                Err(_) => return Outcome::Failed { started },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_schedule_is_always_due_now() {
        let mut s = Schedule::Closed;
        let now = Instant::now();
        assert_eq!(s.due(now), now);
        s.advance();
        assert_eq!(s.due(now + Duration::from_secs(1)), now + Duration::from_secs(1));
    }

    #[test]
    fn fixed_schedule_keeps_intended_times_when_behind() {
        let t0 = Instant::now();
        let mut s = Schedule::Fixed { next: t0, interval: Duration::from_millis(10) };
        let late = t0 + Duration::from_secs(1);
        assert_eq!(s.due(late), t0); // behind: due in the past, so sent at once
        s.advance();
        s.advance();
        assert_eq!(s.due(late), t0 + Duration::from_millis(20));
        let due = t0 + Duration::from_millis(20);
        assert_eq!(s.pending(false), Some((due, Duration::from_millis(10))));
        assert_eq!(s.pending(true), Some((due + Duration::from_millis(10), Duration::from_millis(10))));
        assert_eq!(Schedule::Closed.pending(true), None);
    }
}
