//! How many generator threads a run starts and where they run: the count (sized by what the
//! generator needs, not by the cores: issue 14), the plan checks that come with it, pinning,
//! and the threads' CPU time.

use std::time::Duration;

use super::{LoadError, LoadPlan, Pacing, Protocol, StreamPlan};

/// How many CPUs (and so event-loop threads) the generator needs on a machine where
/// `usable` CPUs are free for the server and the generator together: half of them, rounded
/// down, at least 1 (1, 1, 1, 2, 4, 8 for 1, 2, 3, 4, 8, 16 CPUs).
///
/// Why half: against the fastest servers the generator costs about as much CPU per request as
/// the server. Measured with `run --framework axum-baseline` (one worker; server and generator
/// pinned to one CPU each, 50 connections; generator CPU per request ÷ server CPU per
/// request): plaintext 0.94 and 0.91 (6.8 µs against 7.2 µs, 6.0 against 6.6), JSON echo of
/// 1.5 KiB 0.67 and 0.57 (19.7 µs against 29.4, 14.6 against 25.7). So a generator with
/// fewer CPUs than the server would be the bottleneck for a fast multi-worker server, and one
/// with more would only take CPUs from it. Slower servers (Python, Ruby) leave the generator
/// idle part of the time, which costs nothing.
///
/// The same count serves pinned (the CPUs the default split gives the generator, see
/// `run::pinning`) and unpinned runs (threads that float): either way the generator takes only
/// its share instead of one thread per core, which made it compete with the server it measures
/// (issue 14: on 2 CPUs, two generator threads against a one-worker server). When it is still
/// the bottleneck, `generator_bound` says so and `--loadgen-cpus` gives it more.
pub fn generator_cpus(usable: usize) -> usize {
    (usable / 2).max(1)
}

/// Threads: explicit, else one per pinned CPU, else [`generator_cpus`] of the usable CPUs;
/// at most one per connection.
pub(super) fn thread_count(plan: &LoadPlan) -> Result<usize, LoadError> {
    let invalid = |msg: &str| Err(LoadError::InvalidPlan(msg.to_string()));
    if plan.connections == 0 {
        return invalid("connections must be at least 1");
    }
    if plan.duration.is_zero() || plan.timeout.is_zero() {
        return invalid("duration and timeout must be greater than zero");
    }
    if let Pacing::FixedRate { per_sec } = plan.pacing {
        if !(per_sec.is_finite() && per_sec > 0.0) {
            return invalid("fixed rate must be a positive number of requests per second");
        }
    }
    if plan.protocol.streams() == 0 {
        return invalid("streams per connection must be at least 1");
    }
    if plan.threads == Some(0) {
        return invalid("threads must be at least 1");
    }
    if let Some(stream) = plan.stream {
        if plan.protocol != Protocol::Http1 {
            return invalid("streaming workloads (sse, websocket) run over http/1.1 only");
        }
        if !plan.rotation.is_empty() || plan.mix.is_some() {
            return invalid("streaming workloads send no rotation or mix of requests");
        }
        if let (StreamPlan::Sse { .. }, Pacing::FixedRate { .. }) = (stream, plan.pacing) {
            return invalid("sse runs in closed loop only: the server, not the client, paces the events");
        }
        if let StreamPlan::Sse { events: 0 } | StreamPlan::WebSocket { message_bytes: 0 } = stream {
            return invalid("a stream needs at least one event and messages of at least one byte");
        }
    }
    if let Some(cpus) = &plan.cpus {
        if cpus.is_empty() {
            return invalid("cpu list is empty; give at least one cpu number or leave it unset");
        }
        if let Some(bad) = cpus.iter().find(|&&c| c >= libc::CPU_SETSIZE as usize) {
            return Err(LoadError::InvalidPlan(format!("cpu {bad} is out of range")));
        }
    }
    let wanted =
        plan.threads.or(plan.cpus.as_ref().map(Vec::len)).unwrap_or_else(|| generator_cpus(usable_cpus()));
    Ok(wanted.clamp(1, plan.connections))
}

/// CPU time used so far by the calling thread.
pub(super) fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(target_os = "linux")]
pub(super) fn usable_cpus() -> usize {
    use nix::sched::{sched_getaffinity, CpuSet};
    use nix::unistd::Pid;
    match sched_getaffinity(Pid::from_raw(0)) {
        Ok(set) => (0..CpuSet::count()).filter(|&i| set.is_set(i).unwrap_or(false)).count().max(1),
        Err(_) => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn usable_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(target_os = "linux")]
pub(super) fn pin_to_cpu(cpu: usize) -> Result<(), LoadError> {
    use nix::sched::{sched_setaffinity, CpuSet};
    use nix::unistd::Pid;
    let mut set = CpuSet::new();
    set.set(cpu).and_then(|()| sched_setaffinity(Pid::from_raw(0), &set)).map_err(|e| {
        LoadError::InvalidPlan(format!("cannot pin a generator thread to cpu {cpu}: {e}; check the cpu list"))
    })
}

#[cfg(not(target_os = "linux"))]
pub(super) fn pin_to_cpu(_cpu: usize) -> Result<(), LoadError> {
    Ok(())
}
