//! Runs a [`LoadPlan`]: validates it, starts its threads (see [`super::generator_cpus`] for how
//! many), each with a current-thread tokio runtime holding its share of the connection
//! tasks and a ticker that ends the run at the deadline or when `stop` is set, then
//! merges the threads' results into a [`LoadReport`].

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{Pacer, Schedule};
use super::request::Prepared;
use super::stats::ThreadStats;
use super::threads::{pin_to_cpu, thread_count, thread_cpu_time};
use super::{
    http1, http2, sse, ws, LoadError, LoadPlan, LoadReport, MixPart, Pacing, PartReport, Phase, Protocol,
    StreamPlan,
};

/// How often the ticker (and the caller's thread) look at the `stop` flag.
const TICK: Duration = Duration::from_millis(20);
/// Above this CPU use, the generator may be what limits throughput.
const BOUND_PERCENT: f64 = 85.0;

/// Read-only data shared by all connection tasks of a run.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) addr: SocketAddr,
    /// The plan's request, then its rotation, then (mixed load) each part's request and rotation.
    pub(crate) requests: Box<[Prepared]>,
    /// Indices into `requests`: the cycle each stream sends, from its own offset (see `mix`).
    pub(crate) order: Box<[u32]>,
    pub(crate) timeout: Duration,
    pub(crate) body_every_n: u64,
    http2: bool,
    stream: Option<StreamPlan>,
    stop: Arc<AtomicBool>,
    /// Set when a worker thread failed to start, so the others end early.
    abort: AtomicBool,
    measure_start: Instant,
    deadline: Instant,
}

/// What one worker thread hands back.
struct ThreadResult {
    stats: ThreadStats,
    /// Thread CPU time spent in the measured window, if measurement began.
    cpu: Option<Duration>,
    interrupted: bool,
}

pub(crate) fn run(
    plan: &LoadPlan,
    stop: &Arc<AtomicBool>,
    on_phase: &(dyn Fn(Phase) + Sync),
) -> Result<LoadReport, LoadError> {
    let http2 = matches!(plan.protocol, Protocol::Http2 { .. });
    let (requests, order) = prepare(plan, http2)?;
    let threads = thread_count(plan)?;
    let addr = plan.target.addr;
    let streams = plan.protocol.streams();
    if http2 {
        // One full exchange first: a server that does not speak h2c fails here, clearly.
        super::http2_request::send_once(&plan.target, &plan.request, plan.timeout)?;
    } else {
        std::net::TcpStream::connect_timeout(&addr, plan.timeout)
            .map_err(|source| LoadError::Connect { addr, source })?;
    }

    let t0 = Instant::now();
    let measure_start = t0 + plan.warmup;
    let shared = Arc::new(Shared {
        addr,
        requests: requests.into_boxed_slice(),
        order: order.into_boxed_slice(),
        timeout: plan.timeout,
        body_every_n: plan.check.body_every_n,
        http2,
        stream: plan.stream,
        stop: stop.clone(),
        abort: AtomicBool::new(false),
        measure_start,
        deadline: measure_start + plan.duration,
    });
    let mut handles = Vec::with_capacity(threads);
    for index in 0..threads {
        // Connection `conn` runs stream slots conn × M .. (conn + 1) × M of all N × M.
        let schedules: Vec<Vec<Schedule>> = (index..plan.connections)
            .step_by(threads)
            .map(|conn| {
                (conn * streams..(conn + 1) * streams)
                    .map(|slot| schedule(plan.pacing, plan.connections * streams, slot, t0))
                    .collect()
            })
            .collect();
        let cpu = plan.cpus.as_ref().map(|cpus| cpus[index % cpus.len()]);
        let thread_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name(format!("loadgen-{index}"))
            .spawn(move || {
                let result = worker(&thread_shared, schedules, cpu);
                if result.is_err() {
                    thread_shared.abort.store(true, Ordering::Relaxed);
                }
                result
            })
            .map_err(|e| {
                shared.abort.store(true, Ordering::Relaxed);
                LoadError::Worker(format!("cannot spawn thread: {e}"))
            });
        match handle {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                for handle in handles {
                    let _ = handle.join();
                }
                return Err(e);
            }
        }
    }

    if !plan.warmup.is_zero() {
        on_phase(Phase::Warmup);
    }
    let stopped = || stop.load(Ordering::Relaxed) || shared.abort.load(Ordering::Relaxed);
    while Instant::now() < measure_start && !stopped() {
        std::thread::sleep(TICK.min(measure_start.saturating_duration_since(Instant::now())));
    }
    if !stopped() {
        on_phase(Phase::Measuring);
    }

    let mut results = Vec::with_capacity(threads);
    for handle in handles {
        let result = handle.join().map_err(|_| LoadError::Worker("a generator thread panicked".into()))?;
        results.push(result?);
    }
    Ok(report(plan, threads, measure_start, results))
}

/// The run's requests, ready to send (the plan's, its rotation, then each mixed-load part's),
/// and the order in which every stream sends them.
fn prepare(plan: &LoadPlan, http2: bool) -> Result<(Vec<Prepared>, Vec<u32>), LoadError> {
    let json = plan.check.json;
    let own = MixPart {
        weight: plan.mix.as_ref().map_or(1, |m| m.weight),
        request: plan.request.clone(),
        expected_body: plan.check.expected_body.clone(),
        json,
        rotation: plan.rotation.clone(),
    };
    let parts = std::iter::once(&own).chain(plan.mix.iter().flat_map(|m| m.parts.iter()));
    let (mut requests, mut weights, mut lens) = (Vec::new(), Vec::new(), Vec::new());
    for (index, part) in parts.enumerate() {
        let first = &part.request;
        requests.push(Prepared::new(
            &plan.target,
            first,
            part.expected_body.as_deref(),
            part.json,
            http2,
            index,
        )?);
        for other in &part.rotation {
            if !other.request.method.eq_ignore_ascii_case(&first.method) {
                return Err(LoadError::InvalidPlan(format!(
                    "rotated request {} {} must use the method of {} {}",
                    other.request.method, other.request.path, first.method, first.path
                )));
            }
            let expected = other.expected_body.as_deref();
            requests.push(Prepared::new(&plan.target, &other.request, expected, part.json, http2, index)?);
        }
        weights.push(part.weight);
        lens.push(1 + part.rotation.len());
    }
    let order = super::mix::order(&weights, &lens).map_err(LoadError::InvalidPlan)?;
    Ok((requests, order))
}

/// Connection `conn` of `connections` gets 1/connections of the rate, staggered within one interval.
fn schedule(pacing: Pacing, connections: usize, conn: usize, t0: Instant) -> Schedule {
    match pacing {
        Pacing::Closed => Schedule::Closed,
        Pacing::FixedRate { per_sec } => {
            let interval = Duration::from_secs_f64(connections as f64 / per_sec);
            let offset = interval.mul_f64(conn as f64 / connections as f64);
            Schedule::Fixed { next: t0 + offset, interval }
        }
    }
}

fn worker(
    shared: &Arc<Shared>,
    schedules: Vec<Vec<Schedule>>,
    cpu: Option<usize>,
) -> Result<ThreadResult, LoadError> {
    if let Some(cpu) = cpu {
        pin_to_cpu(cpu)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LoadError::Worker(format!("cannot start runtime: {e}")))?;
    let parts = match shared.requests.last() {
        Some(last) if last.part > 0 => last.part + 1,
        _ => 0,
    };
    let stats = Rc::new(RefCell::new(
        ThreadStats::new(
            shared.measure_start,
            shared.deadline,
            schedules.iter().flatten().any(|s| matches!(s, Schedule::Fixed { .. })),
        )
        .with_parts(parts),
    ));
    let local = tokio::task::LocalSet::new();
    let (cpu, interrupted) = local.block_on(&runtime, async {
        for streams in schedules {
            let pacers: Vec<Pacer> = streams
                .into_iter()
                .map(|schedule| {
                    let slot = stats.borrow_mut().add_connection(schedule.pending(false));
                    Pacer::new(shared.clone(), stats.clone(), slot, schedule)
                })
                .collect();
            if shared.http2 {
                tokio::task::spawn_local(http2::run_connection(pacers));
            } else {
                for pacer in pacers {
                    match shared.stream {
                        None => tokio::task::spawn_local(http1::run_connection(pacer)),
                        Some(StreamPlan::Sse { events }) => {
                            tokio::task::spawn_local(sse::run_connection(pacer, events))
                        }
                        Some(StreamPlan::WebSocket { message_bytes }) => {
                            tokio::task::spawn_local(ws::run_connection(pacer, message_bytes))
                        }
                    };
                }
            }
        }
        ticker(shared, &stats).await
    });
    drop(local); // drops the connection tasks and their Rc clones
    let mut stats = Rc::try_unwrap(stats).map(RefCell::into_inner).unwrap_or_else(|rc| rc.borrow().clone());
    stats.finish();
    Ok(ThreadResult { stats, cpu, interrupted })
}

/// Waits for the deadline or `stop`; measures this thread's CPU time in the window.
async fn ticker(shared: &Shared, stats: &RefCell<ThreadStats>) -> (Option<Duration>, bool) {
    let mut cpu_start = None;
    loop {
        let now = Instant::now();
        if cpu_start.is_none() && now >= shared.measure_start {
            cpu_start = thread_cpu_time();
        }
        if now >= shared.deadline {
            break (cpu_start.and_then(|s| Some(thread_cpu_time()?.saturating_sub(s))), false);
        }
        if shared.stop.load(Ordering::Relaxed) || shared.abort.load(Ordering::Relaxed) {
            stats.borrow_mut().end = now;
            break (cpu_start.and_then(|s| Some(thread_cpu_time()?.saturating_sub(s))), true);
        }
        let next = if now < shared.measure_start { shared.measure_start } else { shared.deadline };
        tokio::time::sleep_until(next.min(now + TICK).into()).await;
    }
}

fn report(plan: &LoadPlan, threads: usize, measure_start: Instant, results: Vec<ThreadResult>) -> LoadReport {
    let interrupted = results.iter().any(|r| r.interrupted);
    let cpu: Option<Duration> = results.iter().map(|r| r.cpu).sum();
    let end = results.iter().map(|r| r.stats.end).max().unwrap_or(measure_start);
    let mut iter = results.into_iter();
    let mut all = iter.next().map(|r| r.stats).expect("at least one thread");
    for r in iter {
        all.merge(&r.stats);
    }
    let elapsed = end.saturating_duration_since(measure_start).min(plan.duration);
    let failed = all.errors.total();
    let total = all.successful + failed;
    let secs = elapsed.as_secs_f64();
    let cpu_percent = cpu.filter(|_| secs > 0.0).map(|c| c.as_secs_f64() / (secs * threads as f64) * 100.0);
    LoadReport {
        started: measure_start,
        elapsed,
        total_requests: total,
        successful_requests: all.successful,
        failed_requests: failed,
        bytes_received: all.bytes,
        errors: all.errors,
        timeline: all.timeline(),
        latency: all.latency,
        latency_uncorrected: all.uncorrected,
        censored_timeouts: all.censored.timeouts,
        censored_in_flight: all.censored.in_flight,
        censored_unsent: all.censored.unsent,
        target_rate: match plan.pacing {
            Pacing::FixedRate { per_sec } => Some(per_sec),
            Pacing::Closed => None,
        },
        achieved_rate: if secs > 0.0 { total as f64 / secs } else { 0.0 },
        generator_cpu_percent: cpu_percent,
        generator_bound: cpu_percent.is_some_and(|p| p > BOUND_PERCENT),
        threads,
        interrupted,
        ttfb: all.ttfb,
        responses: all.responses,
        body_bytes: all.body_bytes,
        stream: all.stream,
        parts: all
            .parts
            .into_iter()
            .map(|p| {
                let failed = p.errors.total();
                PartReport {
                    total_requests: p.successful + failed,
                    successful_requests: p.successful,
                    failed_requests: failed,
                    errors: p.errors,
                    bytes_received: p.bytes,
                    latency: p.latency,
                    censored_timeouts: p.censored.timeouts,
                    censored_in_flight: p.censored.in_flight,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
#[path = "tests_worker.rs"]
mod tests;
