//! The one load loop: a [`Pacer`] per request stream (an HTTP/1.1 connection or one HTTP/2
//! stream slot) paces, hands each request to the protocol's [`Exchange`] and records the
//! outcome. Pacing comes from [`Schedule`]; the stop condition is the worker's ticker, which
//! ends the runtime (and so every task) when the run is over. Each pacer keeps its slot of
//! [`Outstanding`] current, and stops touching it once the window is over, so that what was
//! in flight or due is recorded then. The protocol-specific parts (connecting, writing and
//! reading) live in `http1` and `http2`.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::stats::{ErrorKind, Outstanding, ThreadStats};
use super::worker::Shared;

/// Wait after a failed connect, doubling up to the maximum.
const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_millis(250);

/// The wait between a connection task's failed connects: [`MIN_BACKOFF`], doubled after each
/// failure up to [`MAX_BACKOFF`], back to the minimum once a connect succeeds.
#[derive(Debug)]
pub(crate) struct Backoff(Duration);

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff(MIN_BACKOFF)
    }

    /// A connect succeeded.
    pub(crate) fn reset(&mut self) {
        self.0 = MIN_BACKOFF;
    }

    /// A connect failed: counts it on `pacer` (one failed request) and waits on `timer`.
    pub(crate) async fn failed(&mut self, pacer: &Pacer, mut timer: Pin<&mut Sleep>) {
        let now = Instant::now();
        pacer.connect_failed(now);
        timer.as_mut().reset((now + self.0).into());
        timer.await;
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
    }
}

/// A TCP connection to the target with `TCP_NODELAY`, or `None` when connecting failed or
/// took longer than the request timeout.
pub(crate) async fn connect_tcp(shared: &Shared) -> Option<TcpStream> {
    let stream = tokio::time::timeout(shared.timeout, TcpStream::connect(shared.addr)).await.ok()?.ok()?;
    let _ = stream.set_nodelay(true);
    Some(stream)
}

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
pub(crate) enum Outcome {
    Complete(Completed),
    Timeout,
    /// I/O error, EOF mid-response, malformed response or reset stream; `started` if any
    /// response byte had arrived.
    Failed {
        started: bool,
    },
}

/// A complete response, as the protocol read it.
pub(crate) struct Completed {
    pub(crate) status: u16,
    /// Body bytes after transfer decoding.
    pub(crate) body_len: u64,
    /// The compared body (when asked to compare) differs from the expected one.
    pub(crate) mismatch: bool,
    /// The connection cannot be reused (HTTP/1.1 `Connection: close` or EOF framing).
    pub(crate) close: bool,
    /// When the first byte of the response (HTTP/2: its HEADERS) arrived.
    pub(crate) first_byte: Instant,
    /// A latency measured by the protocol that replaces `now − intended` (SSE: the event's
    /// delivery latency, from the server's timestamp); None for request/response protocols.
    pub(crate) latency: Option<Duration>,
    /// Bytes of this response: HTTP/1.1 head and body as read, HTTP/2 the body.
    pub(crate) wire_bytes: u64,
}

/// The protocol-specific part of the load loop: send one request and read its response.
pub(crate) trait Exchange {
    /// Sends request `which` of the rotation (`Shared::requests`) and reads the whole response,
    /// comparing its body with that request's expected one when `compare`; gives up when
    /// `timer` fires. `now` is updated on every wake-up.
    async fn exchange(
        &mut self,
        which: usize,
        compare: bool,
        timer: Pin<&mut Sleep>,
        now: &mut Instant,
    ) -> Outcome;

    /// Whether an exchange still open when the window ends is recorded in the latency
    /// histogram at its age (the censored sample of the module doc). SSE says no: waiting for
    /// the next event is the server's pacing, not a delivery latency.
    fn censored_when_in_flight(&self) -> bool {
        true
    }
}

/// One request stream's pacing and accounting state, reused across its connections.
pub(crate) struct Pacer {
    pub(crate) shared: Arc<Shared>,
    pub(crate) stats: Rc<RefCell<ThreadStats>>,
    /// This stream's index in the stats' `outstanding`.
    slot: usize,
    schedule: Schedule,
    /// Requests sent by this stream, for `body_every_n` and the rotation.
    responses: u64,
}

impl Pacer {
    /// A pacer for `slot` (from [`ThreadStats::add_connection`]) following `schedule`.
    pub(crate) fn new(
        shared: Arc<Shared>,
        stats: Rc<RefCell<ThreadStats>>,
        slot: usize,
        schedule: Schedule,
    ) -> Self {
        Pacer { shared, stats, slot, schedule, responses: 0 }
    }

    /// Counts a failed connect attempt at `now` as one failed request.
    pub(crate) fn connect_failed(&self, now: Instant) {
        self.stats.borrow_mut().error(now, ErrorKind::Connect);
    }

    /// Sends requests through `ex` until its connection has to be replaced (false) or the
    /// measured window is over (true).
    pub(crate) async fn serve<E: Exchange>(&mut self, ex: &mut E, mut timer: Pin<&mut Sleep>) -> bool {
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
            // Each stream starts the rotation at its own slot, so that every request of it is
            // compared on some stream even when its length divides `body_every_n`.
            let order = &self.shared.order;
            let which = match order.len() {
                1 => order[0] as usize,
                n => order[((self.responses + self.slot as u64) % n as u64) as usize] as usize,
            };
            let part = self.shared.requests[which].part;
            {
                let mut stats = self.stats.borrow_mut();
                if stats.ended(now) {
                    return true;
                }
                let in_flight = ex.censored_when_in_flight().then_some((intended, sent));
                stats.outstanding[self.slot] = self.outstanding(in_flight, part);
            }
            timer.as_mut().reset((sent + self.shared.timeout).into());
            let every_n = self.shared.body_every_n;
            let compare = self.shared.requests[which].expected_body.is_some()
                && every_n > 0
                && (self.responses + 1) % every_n == 0;
            let outcome = ex.exchange(which, compare, timer.as_mut(), &mut now).await;
            self.responses += 1;
            let mut stats = self.stats.borrow_mut();
            if stats.ended(now) {
                return true; // still in flight as far as the window is concerned
            }
            let keep = match outcome {
                Outcome::Complete(done) => {
                    stats.response(now, done.body_len);
                    let kind = match done.status {
                        500.. => Some(ErrorKind::Status5xx),
                        400..=499 => Some(ErrorKind::Status4xx),
                        _ if self.body_wrong(which, &done) => Some(ErrorKind::Mismatch),
                        _ => None,
                    };
                    match kind {
                        Some(kind) => {
                            stats.error(now, kind);
                            if let Some(p) = stats.part(part, now) {
                                p.error(kind, done.wire_bytes);
                            }
                        }
                        None => {
                            let fixed = matches!(self.schedule, Schedule::Fixed { .. });
                            let ttfb = done.first_byte.saturating_duration_since(sent);
                            let latency = done.latency.unwrap_or(now - intended);
                            stats.success(now, latency, fixed.then(|| now - sent));
                            stats.first_byte(now, ttfb);
                            if let Some(p) = stats.part(part, now) {
                                p.success(latency, done.wire_bytes);
                            }
                        }
                    }
                    self.schedule.advance();
                    !done.close
                }
                Outcome::Timeout => {
                    stats.timeout(now, intended, sent, self.shared.timeout);
                    if let Some(p) = stats.part(part, now) {
                        p.timeout(intended, sent, self.shared.timeout);
                    }
                    self.schedule.advance();
                    false
                }
                // A kept-alive connection closed before answering: resend once on a new one.
                Outcome::Failed { started: false } if reused => false,
                Outcome::Failed { .. } => {
                    stats.error(now, ErrorKind::Read);
                    if let Some(p) = stats.part(part, now) {
                        p.error(ErrorKind::Read, 0);
                    }
                    self.schedule.advance();
                    false
                }
            };
            stats.outstanding[self.slot] = self.outstanding(None, part);
            if !keep {
                return false;
            }
            reused = true;
        }
    }

    /// This stream's outstanding requests, given the one on the wire (of mixed-load `part`).
    fn outstanding(&self, in_flight: Option<(Instant, Instant)>, part: usize) -> Outstanding {
        Outstanding { in_flight, part, unsent: self.schedule.pending(in_flight.is_some()) }
    }

    /// True if the completed response to request `which` fails its configured check (or, for
    /// the streaming exchanges, which compare every message themselves, was flagged).
    fn body_wrong(&self, which: usize, done: &Completed) -> bool {
        match &self.shared.requests[which].expected_body {
            Some(expected) => done.mismatch || done.body_len != expected.len() as u64,
            None => done.mismatch,
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
