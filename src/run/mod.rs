//! The `run` command's engine: one app (or a running URL), one suite, measured workload by workload.
//!
//! Talks to `app` (setup), `server` (lifecycle), `verify`, `loadgen` and `monitor`; reports
//! progress through [`Progress`] and returns a [`RunResult`] (partial on Ctrl-C).

mod answer;
mod convert;
pub mod machine;
mod measure;
mod mixed;
pub mod pinning;
mod session;
mod stream_answer;

pub use answer::{
    check_for, request_of, rotation_of, verify_answer, verify_answer_over, AnswerError, LoadCheck, Verified,
};
pub use convert::{latency_of, measurement_of};
pub use machine::MachineLog;
pub use measure::{ensure_running, measure_load, measure_workload, WorkloadOutcome};
pub use mixed::{measure_mix_load, measure_mixed, MixedOutcome};
pub use pinning::{PinRequest, Pinning};
pub use session::{metadata_now, metadata_with, Session, SessionError};
pub use stream_answer::{stream_plan, stream_request, streaming_conflict, verify_stream};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::schema::{
    Configuration, Endpoint, Metadata, Mode, PinningInfo, RunResult, SuiteResult, Summary, WorkloadResult,
    WorkloadStatus, SCHEMA_VERSION,
};
use crate::workload::Workload;

/// Where the load goes.
#[derive(Debug, Clone)]
pub enum RunTarget {
    /// An app the harness sets up, starts and stops.
    App {
        app: Box<App>,
        workers: u32,
        server_cpus: Option<Vec<usize>>,
        /// Extra environment for the server (e.g. a profiler's in-process helpers).
        env: Vec<(String, String)>,
    },
    /// A server that is already running (nothing started or stopped; resources not sampled).
    Url { url: String },
}

/// Load options shared by run, profile and compare (validated).
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub duration: Duration,
    pub warmup: Duration,
    pub concurrency: usize,
    pub rate: Option<f64>,
    pub timeout: Duration,
    /// The CPUs the generator is pinned to (`None` = not pinned), from [`Pinning`].
    pub loadgen_cpus: Option<Vec<usize>>,
    /// Where the pinning came from, for the result's configuration.
    pub pinning: PinningInfo,
    /// The machine's load over the command, shared by every clone of these options.
    pub machine: MachineLog,
    /// HTTP/1.1 (default) or HTTP/2 with prior knowledge (`--http2`, `--streams`).
    pub protocol: crate::loadgen::Protocol,
}

/// A validated `run`.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub target: RunTarget,
    /// Suite names and how many of `workloads` belong to each, in order.
    pub suites: Vec<(String, usize)>,
    pub workloads: Vec<Workload>,
    pub load: LoadOptions,
    pub verify: bool,
    /// Folder whose git commit goes into the metadata.
    pub repo_dir: std::path::PathBuf,
}

/// What is happening, for the progress display (the library never prints).
#[derive(Debug, Clone)]
pub enum Event {
    SetupStarted {
        app: String,
    },
    SetupDone {
        app: String,
        cached: bool,
    },
    ServerStarting {
        app: String,
        port: u16,
    },
    ServerReady {
        app: String,
        port: u16,
        secs: f64,
    },
    WorkloadStarted {
        workload: String,
        index: usize,
        total: usize,
    },
    Invalid {
        workload: String,
        reason: String,
    },
    Measuring {
        workload: String,
        warmup_secs: f64,
        duration_secs: f64,
    },
    /// `load` says how the load was generated (the display names its caveats).
    Measured {
        workload: String,
        requests_per_sec: f64,
        success_rate: f64,
        load: Box<crate::schema::LoadInfo>,
    },
    Failed {
        workload: String,
        reason: String,
    },
    ServerRestarting {
        app: String,
    },
    /// Something the user should know about the figures (e.g. the machine was busy).
    Warning {
        message: String,
    },
    Interrupted,
}

/// Receives progress events.
pub trait Progress: Sync {
    fn event(&self, event: &Event);
}

/// A progress sink that drops everything (`--quiet`, tests).
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: &Event) {}
}

/// Run failures that end the run before anything is measured.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// `--http2` against a server that does not speak HTTP/2 with prior knowledge.
    #[error("cannot run over http/2: {0}")]
    Http2(#[source] crate::loadgen::LoadError),
}

/// With HTTP/2, one request of the first workload before measuring anything: a server that
/// does not speak h2c ends the run with the reason instead of failing every workload.
pub fn probe_protocol(session: &Session, plan: &RunPlan) -> Result<(), RunError> {
    let (crate::loadgen::Protocol::Http2 { .. }, Some(first)) = (plan.load.protocol, plan.workloads.first())
    else {
        return Ok(());
    };
    let request = request_of(first, session);
    match crate::loadgen::send_once_over(session.target(), &request, plan.load.timeout, plan.load.protocol) {
        Err(e @ crate::loadgen::LoadError::Http2 { .. }) => Err(RunError::Http2(e)),
        _ => Ok(()), // answers and other failures are the workloads' to report
    }
}

/// Name and version of the built-in load generator, with the protocol it speaks.
pub fn load_generator_name(protocol: crate::loadgen::Protocol) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match protocol {
        crate::loadgen::Protocol::Http1 => format!("benchmark-harness {version} (built-in HTTP/1.1 load generator)"),
        crate::loadgen::Protocol::Http2 { streams } => format!(
            "benchmark-harness {version} (built-in HTTP/2 load generator, h2c prior knowledge, {streams} streams per connection)"
        ),
    }
}

/// The result skeleton: metadata and configuration, every workload `skipped` until measured.
pub fn new_result(mode: Mode, plan: &RunPlan, metadata: Metadata) -> RunResult {
    let (workers, target_url, server_cpus) = match &plan.target {
        RunTarget::App { workers, server_cpus, .. } => {
            (*workers, None, server_cpus.as_ref().map(|c| cpu_list(c)))
        }
        RunTarget::Url { url } => (1, Some(url.clone()), None),
    };
    RunResult {
        mode,
        schema_version: SCHEMA_VERSION,
        complete: false,
        metadata,
        configuration: Configuration {
            duration_secs: plan.load.duration.as_secs_f64(),
            concurrency: plan.load.concurrency as u32,
            warmup_secs: plan.load.warmup.as_secs_f64(),
            rate: plan.load.rate,
            timeout_secs: plan.load.timeout.as_secs_f64(),
            load_generator: load_generator_name(plan.load.protocol),
            workers,
            verified: plan.verify,
            target_url,
            server_cpus,
            loadgen_cpus: plan.load.loadgen_cpus.as_ref().map(|c| cpu_list(c)),
            pinning: Some(plan.load.pinning.clone()),
            sharding: None,
        },
        suites: chunks(&plan.suites, &plan.workloads)
            .map(|(name, workloads)| SuiteResult {
                name: name.to_string(),
                workloads: workloads
                    .iter()
                    .map(|w| WorkloadResult {
                        name: w.name.clone(),
                        category: w.category.clone(),
                        payload_size_bytes: w.payload_size_bytes(),
                        endpoint: Endpoint { method: w.method.clone(), path: w.path.clone() },
                        status: WorkloadStatus::Skipped,
                        reason: Some("not measured: the run ended before this workload".into()),
                        verified: false,
                        results: None,
                    })
                    .collect(),
                mixed: None,
            })
            .collect(),
        summary: Summary {
            total_workloads: plan.workloads.len() as u32,
            total_requests: 0,
            overall_success_rate: 0.0,
            avg_requests_per_sec: 0.0,
            total_duration_secs: 0.0,
        },
        notes: Vec::new(),
        comparison: None,
    }
}

/// How many workloads from the start of `rest` are measured together: the consecutive ones of
/// the same mixed suite (1 for a workload measured on its own).
pub fn mix_group(rest: &[Workload]) -> usize {
    match rest.first().and_then(|w| w.mix.as_ref()) {
        Some(mix) => rest.iter().take_while(|w| w.mix.as_ref() == Some(mix)).count(),
        None => 1.min(rest.len()),
    }
}

/// The result's suite that holds workload `index` of the plan.
fn suite_of<'r>(result: &'r mut RunResult, plan: &RunPlan, index: usize) -> Option<&'r mut SuiteResult> {
    let mut end = 0;
    let position = plan.suites.iter().position(|(_, n)| {
        end += n;
        index < end
    })?;
    result.suites.get_mut(position)
}

/// The workloads of each suite: `suites` holds names and counts of consecutive `workloads`.
pub fn chunks<'a, T>(
    suites: &'a [(String, usize)],
    items: &'a [T],
) -> impl Iterator<Item = (&'a str, &'a [T])> {
    let mut start = 0;
    suites.iter().map(move |(name, n)| {
        let end = (start + n).min(items.len());
        let part = &items[start.min(end)..end];
        start = end;
        (name.as_str(), part)
    })
}

/// At the end of a run or profile: the machine's state (with its busy warning, if any, in
/// `metadata.machine.notes`, which the reports show in their methodology) into the metadata.
pub fn finish_machine(result: &mut RunResult, load: &LoadOptions) {
    result.metadata.machine = Some(load.machine.state());
}

fn cpu_list(cpus: &[usize]) -> String {
    cpus.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
}

/// Execute a run. Setup or start failures are errors; a workload that fails is recorded and
/// the run goes on; Ctrl-C (`stop`) ends it early with `complete = false`.
pub fn execute(
    plan: &RunPlan,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> Result<RunResult, RunError> {
    let started = Instant::now();
    let mut session = Session::open_over(&plan.target, plan.load.protocol, progress, stop)?;
    probe_protocol(&session, plan)?;
    let metadata = session.metadata(&plan.repo_dir);
    let mut result = new_result(Mode::Run, plan, metadata);
    result.notes.extend(session.notes());
    let total = plan.workloads.len();
    let mut index = 0;
    while index < total && !stop.load(Ordering::SeqCst) {
        let workload = &plan.workloads[index];
        progress.event(&Event::WorkloadStarted { workload: workload.name.clone(), index, total });
        let group = mix_group(&plan.workloads[index..]);
        let outcomes = if group > 1 || workload.mix.is_some() {
            let mixed =
                measure_mixed(&mut session, &plan.workloads[index..index + group], plan, progress, stop);
            if let Some(suite) = suite_of(&mut result, plan, index) {
                suite.mixed = mixed.total;
            }
            mixed.workloads
        } else {
            vec![measure_workload(&mut session, workload, plan, progress, stop)]
        };
        for (offset, outcome) in outcomes.into_iter().enumerate() {
            if let Some(slot) =
                result.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).nth(index + offset)
            {
                outcome.apply(slot);
            }
        }
        index += group;
    }
    result.complete =
        !stop.load(Ordering::SeqCst) && result.workloads().all(|w| w.status != WorkloadStatus::Skipped);
    if !result.complete {
        progress.event(&Event::Interrupted);
    }
    finish_machine(&mut result, &plan.load);
    result.summarize(started.elapsed().as_secs_f64());
    Ok(result)
}
