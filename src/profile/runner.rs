//! The profile runner: per workload a warm-up, a clean measurement window with only the
//! in-process counters active, then a profiling window with the sampler attached.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::alloc::allocations_per_request;
use super::heaptrack::{heaptrack_version, HeaptrackPass};
use super::{
    compare_with_baseline, profiler_for, write_flamegraph, LoadTimeline, NodeSampler, ProcessTarget,
    ProfileError, ProfilerKind,
};
use crate::app::{App, Build};
use crate::run::{
    check_for, ensure_running, measure_load, new_result, verify_answer_over, AnswerError, Event, LoadOptions,
    Progress, RunPlan, RunTarget, Session, SessionError,
};
use crate::schema::{Mode, Profiling, RunResult, WorkloadStatus};
use crate::workload::Workload;

/// A validated `profile`.
#[derive(Debug, Clone)]
pub struct ProfilePlan {
    pub app: App,
    pub workers: u32,
    pub server_cpus: Option<Vec<usize>>,
    pub suites: Vec<(String, usize)>,
    pub workloads: Vec<Workload>,
    pub load: LoadOptions,
    /// The sampler's window per workload (`--profile-duration`).
    pub profile_duration: Duration,
    /// `auto` already resolved.
    pub profiler: ProfilerKind,
    /// The Node profiler's sampler (`--node-sampler`); ignored by the others.
    pub node_sampler: NodeSampler,
    /// Draw one flamegraph SVG per workload.
    pub flamegraphs: bool,
    /// Where raw profiles and flamegraphs go.
    pub out_dir: PathBuf,
    /// A run/profile result to compare with, and its path.
    pub baseline: Option<(RunResult, String)>,
    pub verify: bool,
    pub repo_dir: PathBuf,
    /// `--heaptrack`: after the measured windows, a pass per workload under heaptrack.
    pub heaptrack: bool,
    /// `--normal-build`: never the manifest's `[profile]` build.
    pub normal_build: bool,
}

/// Why a profile run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProfileRunError {
    #[error(transparent)]
    Profiler(#[from] ProfileError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("cannot create {}: {source}", path.display())]
    OutDir { path: PathBuf, source: std::io::Error },
}

fn file_stem(workload: &str) -> String {
    workload
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect()
}

/// Run the profile. Workload failures are recorded and the run goes on; Ctrl-C ends it early.
pub fn execute(
    plan: &ProfilePlan,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> Result<RunResult, ProfileRunError> {
    let started = Instant::now();
    let mut profiler = profiler_for(plan.profiler, plan.node_sampler)?;
    let heaptrack = if plan.heaptrack { Some(heaptrack_version()?) } else { None };
    std::fs::create_dir_all(&plan.out_dir)
        .map_err(|source| ProfileRunError::OutDir { path: plan.out_dir.clone(), source })?;
    let env = profiler.server_env(&plan.out_dir)?;
    // The app's [profile] build, when it has one (e.g. with a counting allocator), unless no
    // profiler runs (`--profiler none` measures the normal build, like run and compare) or
    // `--normal-build` asks for the normal one.
    let app = match plan.profiler {
        _ if plan.normal_build => plan.app.clone(),
        ProfilerKind::None => plan.app.clone(),
        _ => plan.app.profile_build().unwrap_or_else(|| plan.app.clone()),
    };
    let target = RunTarget::App {
        app: Box::new(app.clone()),
        workers: plan.workers,
        server_cpus: plan.server_cpus.clone(),
        env,
    };
    let mut session = Session::open_over(&target, plan.load.protocol, progress, stop)?;
    let run_plan = RunPlan {
        target,
        suites: plan.suites.clone(),
        workloads: plan.workloads.clone(),
        load: plan.load.clone(),
        verify: plan.verify,
        repo_dir: plan.repo_dir.clone(),
    };
    let mut result = new_result(Mode::Profile, &run_plan, session.metadata(&plan.repo_dir));
    result.notes.extend(session.notes());
    if plan.normal_build && plan.app.manifest.profile.is_some() {
        result.notes.push(
            "--normal-build: the app's [profile] build was not started, so figures that need it \
             (e.g. Rust heap counters) are null"
                .into(),
        );
    }
    if let Some(p) = app.manifest.profile.as_ref().filter(|_| app.build == Build::Profile) {
        let what = if p.description.is_empty() { String::new() } else { format!(": {}", p.description) };
        result.notes.push(format!(
            "profile started the app's [profile] build{what}; run and compare use the normal build"
        ));
    }
    let total = plan.workloads.len();
    let clean = LoadOptions { warmup: Duration::ZERO, ..plan.load.clone() };
    let profiled =
        LoadOptions { warmup: Duration::ZERO, duration: plan.profile_duration, ..plan.load.clone() };
    for (index, w) in plan.workloads.iter().enumerate() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        progress.event(&Event::WorkloadStarted { workload: w.name.clone(), index, total });
        let mut outcome = crate::run::WorkloadOutcome {
            status: WorkloadStatus::Failed,
            reason: None,
            verified: false,
            results: None,
            latency: None,
            window: None,
        };
        'one: {
            if let Err(r) = ensure_running(&mut session, &w.name) {
                outcome.reason = Some(r);
                break 'one;
            }
            let mut check = check_for(w, None);
            if plan.verify {
                match verify_answer_over(&mut session, w, plan.load.timeout, plan.load.protocol) {
                    Ok(body) => check = check_for(w, Some(body)),
                    Err(AnswerError::Invalid(r)) => {
                        progress.event(&Event::Invalid { workload: w.name.clone(), reason: r.clone() });
                        outcome = crate::run::WorkloadOutcome {
                            status: WorkloadStatus::Invalid,
                            reason: Some(r),
                            verified: true,
                            ..outcome
                        };
                        break 'one;
                    }
                    Err(AnswerError::NoAnswer(r)) => {
                        outcome.reason = Some(r);
                        break 'one;
                    }
                }
            }
            // Warm-up, not counted.
            if !plan.load.warmup.is_zero() {
                let warm =
                    LoadOptions { warmup: Duration::ZERO, duration: plan.load.warmup, ..plan.load.clone() };
                let label = Workload { name: format!("{} (warm-up)", w.name), ..w.clone() };
                let _ = measure_load(&mut session, &label, check.clone(), &warm, &crate::run::Silent, stop);
            }
            let process =
                session.server_ids().and_then(|(pid, pgid)| ProcessTarget::find(pid, pgid, session.port()));
            let mut profiling = Profiling {
                profiler: profiler.name(),
                profile_duration_secs: plan.profile_duration.as_secs_f64(),
                ..Profiling::default()
            };
            if process.is_none() {
                profiling.notes.push(
                    "no process listening on the server's port was found: counters and samples are null"
                        .into(),
                );
            }
            // Measurement window: counters reset right before, read right after.
            if let Some(p) = &process {
                profiler.reset_counters(p);
            }
            outcome = measure_load(&mut session, w, check.clone(), &clean, progress, stop);
            if outcome.status != WorkloadStatus::Ok {
                break 'one;
            }
            if let Some(p) = &process {
                profiler.read_counters(p, &mut profiling);
            }
            if let (Some(rust), Some(m)) = (profiling.rust.as_mut(), outcome.results.as_ref()) {
                rust.allocations_per_request =
                    allocations_per_request(rust.heap_allocations, m.throughput.total_requests);
            }
            // Profiling window: the sampler attached under the same load.
            if let Some(p) = &process {
                if let Err(e) = profiler.start_sampling(p, &file_stem(&w.name), &plan.out_dir) {
                    profiling.notes.push(format!("sampler: {e}; stack-derived figures are null"));
                } else {
                    let label = Workload { name: format!("{} (profiling)", w.name), ..w.clone() };
                    let window = measure_load(&mut session, &label, check, &profiled, progress, stop);
                    profiling.profiled_requests_per_sec =
                        window.results.as_ref().map(|m| m.throughput.requests_per_sec);
                    if let Some(load) = LoadTimeline::of(&window) {
                        profiler.profiled_load(&load);
                    }
                    if let Some((folded, raw)) = profiler.stop_sampling(p, &mut profiling) {
                        let folded_path = plan.out_dir.join(format!("{}.folded", file_stem(&w.name)));
                        if std::fs::write(&folded_path, &folded).is_ok() {
                            profiling.profile = Some(folded_path.display().to_string());
                        }
                        if let Some(raw) = raw {
                            profiling.notes.push(format!("raw profile: {}", raw.display()));
                        }
                        if plan.flamegraphs {
                            let svg = plan.out_dir.join(format!("{}.svg", file_stem(&w.name)));
                            let title = format!("{} · {}", plan.app.name(), w.name);
                            match write_flamegraph(&folded, &title, &svg) {
                                Ok(()) => profiling.flamegraph = Some(svg.display().to_string()),
                                Err(e) => profiling.notes.push(format!("flamegraph: {e}")),
                            }
                        }
                    }
                }
            }
            if let Some(m) = outcome.results.as_mut() {
                m.profiling = Some(profiling);
            }
        }
        if outcome.status == WorkloadStatus::Failed && outcome.reason.is_some() {
            progress.event(&Event::Failed {
                workload: w.name.clone(),
                reason: outcome.reason.clone().unwrap_or_default(),
            });
        }
        if let Some(slot) = result.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).nth(index) {
            outcome.apply(slot);
        }
    }
    drop(session);
    if let Some(version) = heaptrack {
        let pass = HeaptrackPass {
            app: &app,
            workers: plan.workers,
            server_cpus: plan.server_cpus.clone(),
            load: LoadOptions {
                warmup: Duration::ZERO,
                duration: plan.profile_duration,
                ..plan.load.clone()
            },
            out_dir: &plan.out_dir,
        };
        heaptrack_workloads(&pass, &version, plan, &mut result, progress, stop);
    }
    result.complete =
        !stop.load(Ordering::SeqCst) && result.workloads().all(|w| w.status != WorkloadStatus::Skipped);
    if !result.complete {
        progress.event(&Event::Interrupted);
    }
    crate::run::finish_machine(&mut result, &plan.load);
    result.summarize(started.elapsed().as_secs_f64());
    if let Some((base, file)) = &plan.baseline {
        result.comparison = Some(compare_with_baseline(&result, base, file));
    }
    Ok(result)
}

/// The `--heaptrack` pass of every workload measured ok: figures into its `rust.heaptrack`,
/// failures into its notes. The pass's throughput is only ever mentioned in a note.
fn heaptrack_workloads(
    pass: &HeaptrackPass,
    version: &str,
    plan: &ProfilePlan,
    result: &mut RunResult,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) {
    let slots = result.suites.iter_mut().flat_map(|s| s.workloads.iter_mut());
    for (w, slot) in plan.workloads.iter().zip(slots) {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Some(profiling) = slot.results.as_mut().and_then(|m| m.profiling.as_mut()) else { continue };
        match pass.run(w, &file_stem(&w.name), progress, stop) {
            Ok((figures, rps)) => {
                let rps =
                    rps.map(|r| format!(" ran at {r:.0} req/s, a figure never used;")).unwrap_or_default();
                profiling.notes.push(format!(
                    "heaptrack: a separate pass of {:.1} s under {version} (the server started again){rps} its figures cover the whole pass, start-up included",
                    plan.profile_duration.as_secs_f64()
                ));
                profiling.rust.get_or_insert_with(Default::default).heaptrack = Some(figures);
            }
            Err(e) => profiling.notes.push(format!("heaptrack: {e}; the measurement still stands")),
        }
    }
}
