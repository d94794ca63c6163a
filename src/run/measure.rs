//! One workload on a session: verify the answer, then warm up and measure with the monitor
//! sampling the server only during the measured window, and the machine's load read over
//! the same window (a busy machine is warned about, see [`super::machine`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::answer::{check_for, rotation_of, verify_answer_over, AnswerError, LoadCheck};
use super::{measurement_of, Event, LoadOptions, Progress, RunPlan, Session};
use crate::loadgen::{self, LoadPlan, Pacing, PartReport, Phase, Protocol};
use crate::monitor::system::WindowProbe;
use crate::monitor::Monitor;
use crate::schema::{Measurement, WorkloadResult, WorkloadStatus};
use crate::workload::Workload;

/// What became of one workload.
#[derive(Debug, Clone)]
pub struct WorkloadOutcome {
    pub status: WorkloadStatus,
    pub reason: Option<String>,
    pub verified: bool,
    pub results: Option<Measurement>,
    /// The latency histogram (µs) of the measured window, for merging across rounds.
    pub latency: Option<Histogram<u64>>,
    /// When the measured window began and how long it lasted (the timeline's span).
    pub window: Option<(Instant, Duration)>,
}

impl WorkloadOutcome {
    pub(super) fn new(status: WorkloadStatus, reason: Option<String>, verified: bool) -> Self {
        WorkloadOutcome { status, reason, verified, results: None, latency: None, window: None }
    }

    /// Write this outcome into the workload's result slot.
    pub fn apply(self, slot: &mut WorkloadResult) {
        slot.status = self.status;
        slot.reason = self.reason;
        slot.verified = self.verified;
        slot.results = self.results;
    }
}

/// Restart the server if it died since the last workload; `Err` holds the reason it could not be.
pub fn ensure_running(session: &mut Session, workload: &str) -> Result<(), String> {
    if session.server_died().is_some() {
        session
            .restart()
            .map_err(|e| format!("the server could not be restarted for workload '{workload}': {e}"))?;
    }
    Ok(())
}

/// Verify, warm up and measure one workload. Never fails the whole run: a dead server or a
/// wrong answer becomes this workload's status and reason.
pub fn measure_workload(
    session: &mut Session,
    workload: &Workload,
    plan: &RunPlan,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> WorkloadOutcome {
    let check = match checked(session, workload, plan, progress) {
        Ok(check) => check,
        Err(outcome) => return *outcome,
    };
    let mut out = measure_load(session, workload, check, &plan.load, progress, stop);
    out.verified = plan.verify;
    out
}

/// The server running (restarted if it died) and `workload`'s answer verified (unless the plan
/// says not to): the check its responses get under load, or the outcome that ends it here.
pub(super) fn checked(
    session: &mut Session,
    workload: &Workload,
    plan: &RunPlan,
    progress: &dyn Progress,
) -> Result<LoadCheck, Box<WorkloadOutcome>> {
    let name = workload.name.clone();
    let failed = |reason: String, verified: bool| {
        progress.event(&Event::Failed { workload: name.clone(), reason: reason.clone() });
        WorkloadOutcome::new(WorkloadStatus::Failed, Some(reason), verified)
    };
    if let Err(reason) = ensure_running(session, &name) {
        return Err(Box::new(failed(reason, false)));
    }
    if !plan.verify {
        return Ok(check_for(workload, None));
    }
    match verify_answer_over(session, workload, plan.load.timeout, plan.load.protocol) {
        Err(AnswerError::NoAnswer(reason)) => Err(Box::new(failed(reason, false))),
        Err(AnswerError::Invalid(reason)) => {
            progress.event(&Event::Invalid { workload: name.clone(), reason: reason.clone() });
            Err(Box::new(WorkloadOutcome::new(WorkloadStatus::Invalid, Some(reason), true)))
        }
        Ok(body) => Ok(check_for(workload, Some(body))),
    }
}

/// Warm up and measure one workload whose answer is already checked (or not to be).
/// The monitor samples the server during the measured window only; a watcher ends the load
/// early on Ctrl-C or when the server dies.
pub fn measure_load(
    session: &mut Session,
    workload: &Workload,
    check: LoadCheck,
    load: &LoadOptions,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> WorkloadOutcome {
    let verified = check.verified;
    let load_plan = plan_for(session, workload, check, load);
    measure_plan(session, &workload.name, &load_plan, verified, load, progress, stop).0
}

/// The load plan of `workload` on `session` under `load` (no mix).
pub(super) fn plan_for(
    session: &Session,
    workload: &Workload,
    check: LoadCheck,
    load: &LoadOptions,
) -> LoadPlan {
    LoadPlan {
        target: session.target().clone(),
        request: super::stream_answer::stream_request(workload, session),
        connections: load.concurrency,
        pacing: load.rate.map_or(Pacing::Closed, |per_sec| Pacing::FixedRate { per_sec }),
        warmup: load.warmup,
        duration: load.duration,
        timeout: load.timeout,
        threads: None,
        cpus: load.loadgen_cpus.clone(),
        rotation: rotation_of(workload, session, &check),
        check: check.response,
        protocol: load.protocol,
        stream: super::stream_answer::stream_plan(workload),
        mix: None,
    }
}

/// Warm up and measure `load_plan` (named `name` in events and reasons): the outcome, and a
/// mixed load's parts.
pub(super) fn measure_plan(
    session: &mut Session,
    name: &str,
    load_plan: &LoadPlan,
    verified: bool,
    load: &LoadOptions,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> (WorkloadOutcome, Vec<PartReport>) {
    let name = name.to_string();
    let failed = |reason: String| {
        progress.event(&Event::Failed { workload: name.clone(), reason: reason.clone() });
        WorkloadOutcome::new(WorkloadStatus::Failed, Some(reason), verified)
    };
    progress.event(&Event::Measuring {
        workload: name.clone(),
        warmup_secs: load.warmup.as_secs_f64(),
        duration_secs: load.duration.as_secs_f64(),
    });
    let ids = session.server_ids();
    let local_stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let watcher =
        spawn_watcher(ids.map(|(pid, _)| pid), Arc::clone(stop), Arc::clone(&local_stop), Arc::clone(&done));
    let monitor: Mutex<Option<Monitor>> = Mutex::new(None);
    let probe: Mutex<Option<WindowProbe>> = Mutex::new(None);
    let on_phase = |phase: Phase| {
        if phase != Phase::Measuring {
            return;
        }
        if let Ok(mut p) = probe.lock() {
            *p = WindowProbe::start(ids.map(|(_, pgid)| pgid));
        }
        if let Some((pid, pgid)) = ids {
            if let Ok(mut m) = monitor.lock() {
                *m = Some(Monitor::start(pid, Some(pgid), Duration::from_millis(100)));
            }
        }
    };
    let report = loadgen::run(load_plan, &local_stop, &on_phase);
    let window = probe.lock().ok().and_then(|mut p| p.take()).map(|p| p.finish(&load.machine.cpus()));
    done.store(true, Ordering::SeqCst);
    let _ = watcher.join();
    let resources = monitor.lock().ok().and_then(|mut m| m.take()).and_then(Monitor::finish);
    // A window that never began measuring (an error, Ctrl-C) is not recorded.
    let busy = window.and_then(|w| load.machine.record(w));
    if let Some(reason) = session.server_died() {
        return (
            failed(format!("the server exited during the measurement of workload '{name}': {reason}")),
            vec![],
        );
    }
    if stop.load(Ordering::SeqCst) {
        let reason = Some("interrupted (Ctrl-C) during the measurement".into());
        return (WorkloadOutcome::new(WorkloadStatus::Skipped, reason, verified), vec![]);
    }
    let mut report = match report {
        Ok(r) => r,
        Err(e) => return (failed(format!("load generation failed for workload '{name}': {e}")), vec![]),
    };
    let mut notes = Vec::new();
    if !session.has_server() {
        notes.push("resources: null because the server was not started by the harness (--url)".to_string());
    } else if resources.is_none() {
        notes.push(
            "resources: null because no 100 ms sample completed during the measured window".to_string(),
        );
    }
    if let Some(warning) = busy {
        progress.event(&Event::Warning { message: format!("{name}: {warning}") });
        notes.push(warning);
    }
    let streaming = super::stream_answer::streaming_of(load_plan.stream, &report, &mut notes);
    let mut measurement = measurement_of(&report, resources, load.concurrency, notes);
    if let Some(figures) = streaming {
        let kind = match figures {
            crate::schema::Streaming::Sse(_) => {
                (measurement.load.ttfb_p50_ms, measurement.load.ttfb_p99_ms) = (None, None);
                "sse"
            }
            crate::schema::Streaming::Websocket(_) => "websocket",
        };
        measurement.load.protocol = Some(kind.to_string());
        measurement.streaming = Some(figures);
    }
    if let Protocol::Http2 { streams } = load.protocol {
        measurement.load.protocol = Some(load.protocol.name().to_string());
        measurement.load.streams_per_connection = Some(streams as u32);
    }
    if measurement.throughput.successful_requests == 0 {
        let reason = format!(
            "no request succeeded during the measurement ({} failed: {:?})",
            measurement.throughput.failed_requests, measurement.errors
        );
        let mut out = failed(reason);
        out.results = Some(measurement);
        return (out, vec![]);
    }
    progress.event(&Event::Measured {
        workload: name,
        requests_per_sec: measurement.throughput.requests_per_sec,
        success_rate: measurement.throughput.success_rate,
        load: Box::new(measurement.load.clone()),
    });
    let parts = std::mem::take(&mut report.parts);
    let outcome = WorkloadOutcome {
        status: WorkloadStatus::Ok,
        reason: None,
        verified,
        results: Some(measurement),
        latency: Some(report.latency),
        window: Some((report.started, report.elapsed)),
    };
    (outcome, parts)
}

/// Watch for Ctrl-C and for the server's death; either ends the load early.
fn spawn_watcher(
    pid: Option<i32>,
    stop: Arc<AtomicBool>,
    local_stop: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            let dead = pid.is_some_and(|p| !alive(p));
            if stop.load(Ordering::SeqCst) || dead {
                local_stop.store(true, Ordering::SeqCst);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

/// True while `pid` exists and has not exited, on every unix: `kill(pid, 0)`, after a
/// `waitid` that does not reap, so that an exited child of ours (a zombie until its `Child`
/// is waited for) counts as gone.
pub(crate) fn alive(pid: i32) -> bool {
    // SAFETY: a zeroed siginfo_t is valid; WNOWAIT leaves the child's status to be reaped by
    // its owner; kill with signal 0 only checks that the process exists.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        if libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) == 0 && info.si_pid() == pid {
            return false;
        }
        libc::kill(pid, 0) == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Poll `cond` until it holds (no timing is asserted: the deadline only ends a hang).
    fn eventually(cond: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn an_exited_child_is_gone_before_it_is_reaped() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        assert!(alive(pid));
        child.kill().unwrap();
        // A zombie until waited for: kill(pid, 0) alone would still say alive.
        assert!(eventually(|| !alive(pid)));
        // alive() did not reap it: its owner still gets the status.
        assert!(child.wait().is_ok_and(|s| !s.success()));
        assert!(!alive(pid));
    }

    #[test]
    fn a_process_that_is_not_our_child_is_alive() {
        assert!(alive(1));
        assert!(alive(std::process::id() as i32));
    }
}
