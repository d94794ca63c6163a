//! The compare runner: parallel setup, every server started once and every answer
//! verified, then rounds. A round measures the frameworks one after another in a rotated
//! order; each framework's turn starts its server afresh (or resumes the paused one with
//! `reuse_servers`), measures every workload, and stops (or pauses) it again, so only one
//! server runs while a load is applied and rounds are independent samples.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::schedule::{Schedule, Stop};
use super::{analyze, framework_result, precision, Collected, Settings};
use crate::app::{self, App};
use crate::run::{
    check_for, ensure_running, measure_load, measure_mix_load, verify_answer_over, AnswerError, Event,
    LoadCheck, LoadOptions, Progress, RunTarget, Session,
};
use crate::schema::{
    CompareConfiguration, CompareResult, CompareSuite, CompareWorkload, Configuration, Endpoint,
    FrameworkInfo, Mode, WorkloadStatus, SCHEMA_VERSION,
};
use crate::workload::Workload;
use result::assemble;

/// A validated `compare`.
#[derive(Debug, Clone)]
pub struct ComparePlan {
    pub apps: Vec<App>,
    /// Suite names and how many of `workloads` belong to each, in order.
    pub suites: Vec<(String, usize)>,
    pub workloads: Vec<Workload>,
    pub load: LoadOptions,
    pub workers: u32,
    pub server_cpus: Option<Vec<usize>>,
    /// Rounds to measure (the floor with `target_precision`), before rounding up to blocks.
    pub rounds: u32,
    /// Most rounds with `target_precision` (default `schedule::DEFAULT_MAX_ROUNDS`).
    pub max_rounds: Option<u32>,
    /// Adaptive rounds: the percent half-width every ranked ratio CI must reach.
    pub target_precision: Option<f64>,
    pub alpha: f64,
    pub noise_floor: f64,
    /// Most time to spend measuring; no block of rounds is started that would overshoot it.
    pub time_budget: Option<std::time::Duration>,
    /// The budget may stop the run inside the floor (an explicit `--time-budget`); a
    /// default budget only limits the adaptive rounds after it.
    pub budget_in_floor: bool,
    /// Keep servers across rounds (paused while idle) instead of a fresh start per round.
    pub reuse_servers: bool,
    /// `--paired`: per-workload tests on per-round log-ratios.
    pub paired: bool,
    pub verify: bool,
    pub repo_dir: PathBuf,
}

struct Contender<'a> {
    app: App,
    session: Option<Session<'a>>,
    info: FrameworkInfo,
    /// Per workload: the response check (after verification) or nothing when not comparable.
    checks: Vec<Option<LoadCheck>>,
    collected: Vec<Collected>,
}

/// Run a comparison. Apps that fail to set up or start are reported and left out; the rest goes on.
pub fn execute(plan: &ComparePlan, progress: &dyn Progress, stop: &Arc<AtomicBool>) -> CompareResult {
    let started = Instant::now();
    let n = plan.workloads.len();
    // Setup in parallel (each app in its own folder; cargo locks its shared target itself).
    let setups: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .apps
            .iter()
            .map(|a| {
                progress.event(&Event::SetupStarted { app: a.name().into() });
                scope.spawn(move || app::setup(a, false, stop).map(|_| ()).map_err(|e| e.to_string()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("setup panicked".into()))).collect()
    });
    let mut contenders: Vec<Contender> = Vec::new();
    for (a, setup) in plan.apps.iter().zip(setups) {
        let mut info = FrameworkInfo {
            name: a.name().into(),
            version: None,
            language: Some(a.manifest.app.language.as_str().into()),
            runtime: None,
            app_dir: Some(a.dir.display().to_string()),
            status: WorkloadStatus::Ok,
            reason: None,
        };
        let session = setup.and_then(|()| {
            let target = RunTarget::App {
                app: Box::new(a.clone()),
                workers: plan.workers,
                server_cpus: plan.server_cpus.clone(),
                env: Vec::new(),
            };
            Session::open_over(&target, plan.load.protocol, progress, stop).map_err(|e| e.to_string())
        });
        let session = match session {
            Ok(s) => {
                info.version = s.versions().framework.clone();
                info.runtime = s.versions().runtime.clone();
                Some(s)
            }
            Err(reason) => {
                progress.event(&Event::Failed {
                    workload: format!("(app {})", a.name()),
                    reason: reason.clone(),
                });
                info.status = WorkloadStatus::Failed;
                info.reason = Some(reason);
                None
            }
        };
        contenders.push(Contender {
            app: a.clone(),
            session,
            info,
            checks: vec![None; n],
            collected: vec![Collected::new(); n],
        });
    }
    // Verify every app on every workload.
    for c in contenders.iter_mut() {
        let Some(session) = c.session.as_mut() else { continue };
        for (i, w) in plan.workloads.iter().enumerate() {
            if !plan.verify {
                c.checks[i] = Some(check_for(w, None));
                continue;
            }
            match verify_answer_over(session, w, plan.load.timeout, plan.load.protocol) {
                Ok(body) => c.checks[i] = Some(check_for(w, Some(body))),
                Err(AnswerError::Invalid(r)) => {
                    progress.event(&Event::Invalid {
                        workload: format!("{} / {}", w.name, c.app.name()),
                        reason: r.clone(),
                    });
                    c.collected[i].fail(WorkloadStatus::Invalid, r);
                }
                Err(AnswerError::NoAnswer(r)) => {
                    progress.event(&Event::Failed {
                        workload: format!("{} / {}", w.name, c.app.name()),
                        reason: r.clone(),
                    });
                    c.collected[i].fail(WorkloadStatus::Failed, r);
                }
            }
        }
    }
    let active: Vec<String> =
        contenders.iter().filter(|c| c.session.is_some()).map(|c| c.app.name().to_string()).collect();
    let mut settings = Settings {
        alpha: plan.alpha,
        noise_floor: plan.noise_floor,
        confidence: 0.95,
        stage: None,
        paired: plan.paired,
    };
    // Only the server being measured runs: stop (or freeze) every one now.
    for c in contenders.iter_mut() {
        if let Some(s) = c.session.as_mut() {
            if plan.reuse_servers {
                s.pause();
            } else {
                s.stop_server();
            }
        }
    }
    // Whole balanced blocks: every framework in every position equally often.
    let schedule = Schedule::new(
        active.len(),
        plan.rounds,
        plan.max_rounds,
        plan.target_precision,
        plan.time_budget,
        plan.budget_in_floor,
    );
    // Adaptive rounds: the floor is the first stage whose spread alone gives the errors.
    if plan.target_precision.is_some() {
        settings.stage = Some(schedule.floor as usize);
    }
    let mut round_orders = Vec::new();
    let mut completed = 0u32;
    let mut stopped_because = Stop::Rounds;
    let measuring = Instant::now();
    // One more than the most rounds: the rule always stops at `schedule.max`.
    'rounds: for round in 0..=schedule.max as usize {
        // Precision only, never significance: stopping when a test comes out significant
        // would be optional stopping and inflate false wins (see `schedule`).
        let precision_so_far = || {
            let so_far = assemble(plan, &contenders, &active, settings, completed, round_orders.clone(), 0.0);
            let ranked: Vec<CompareWorkload> = so_far.suites.into_iter().flat_map(|s| s.workloads).collect();
            precision(&ranked)
        };
        if let Some(why) = schedule.before_round(completed, precision_so_far, measuring.elapsed()) {
            stopped_because = why;
            break;
        }
        let order = super::ordered(&active, round);
        round_orders.push(order.clone());
        progress.event(&Event::WorkloadStarted {
            workload: format!("round {}: {}", round + 1, order.join(", ")),
            index: round,
            total: schedule.max as usize,
        });
        for name in &order {
            if stop.load(Ordering::SeqCst) {
                stopped_because = Stop::Interrupted;
                break 'rounds;
            }
            let Some(c) = contenders.iter_mut().find(|c| c.app.name() == name) else { continue };
            if turn(c, plan, round, progress, stop) == Turn::Stopped {
                stopped_because = Stop::Interrupted;
                break 'rounds;
            }
        }
        completed += 1;
    }
    for c in contenders.iter_mut() {
        c.session = None; // stop every server before the analysis is written
    }
    let mut result = assemble(
        plan,
        &contenders,
        &active,
        settings,
        completed,
        round_orders,
        started.elapsed().as_secs_f64(),
    );
    let min_rounds = schedule.floor;
    if stopped_because == Stop::TimeBudget && completed < min_rounds {
        result.notes.push(format!(
            "time budget reached after {completed} rounds, fewer than the {min_rounds} asked: intervals are wider"
        ));
    }
    result.configuration.rounds = min_rounds;
    result.configuration.max_rounds = plan.target_precision.map(|_| schedule.max);
    result.configuration.block_rounds = Some(schedule.block);
    result.configuration.time_budget_secs = plan.time_budget.map(|b| b.as_secs_f64());
    result.configuration.stopped_because = Some(stopped_because.as_str().to_string());
    if min_rounds != plan.rounds {
        result.notes.push(format!(
            "rounds rounded up from {} to {min_rounds}: whole blocks of {} put every framework in every position equally often",
            plan.rounds, schedule.block
        ));
    }
    let interrupted = stop.load(Ordering::SeqCst) || stopped_because == Stop::Interrupted;
    result.complete = !interrupted && (completed >= min_rounds || stopped_because == Stop::TimeBudget);
    if !result.complete {
        progress.event(&Event::Interrupted);
    }
    result
}

#[derive(Debug, PartialEq, Eq)]
enum Turn {
    Done,
    Stopped,
}

/// One framework's turn in a round: bring its server up, measure every workload it still
/// passes, take the server down again.
fn turn(
    c: &mut Contender,
    plan: &ComparePlan,
    round: usize,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> Turn {
    let Contender { app, session, checks, collected, .. } = c;
    let Some(session) = session.as_mut() else { return Turn::Done };
    if collected.iter().all(|c| c.status != WorkloadStatus::Ok) {
        return Turn::Done;
    }
    if plan.reuse_servers {
        session.resume();
    } else if let Err(e) = session.ensure_started() {
        let reason = format!("round {}: the server did not start: {e}", round + 1);
        progress.event(&Event::Failed { workload: format!("(app {})", app.name()), reason: reason.clone() });
        for col in collected.iter_mut().filter(|c| c.status == WorkloadStatus::Ok) {
            col.fail(WorkloadStatus::Failed, reason.clone());
        }
        return Turn::Done;
    }
    let mut outcome = Turn::Done;
    let mut mixed_done = 0;
    for (i, w) in plan.workloads.iter().enumerate() {
        if stop.load(Ordering::SeqCst) {
            outcome = Turn::Stopped;
            break;
        }
        if i < mixed_done {
            continue;
        }
        if w.mix.is_some() {
            mixed_done = i + crate::run::mix_group(&plan.workloads[i..]);
            let group: Vec<usize> = (i..mixed_done)
                .filter(|&j| checks[j].is_some() && collected[j].status == WorkloadStatus::Ok)
                .collect();
            if group.is_empty() {
                continue;
            }
            if let Err(reason) = ensure_running(session, &w.name) {
                for &j in &group {
                    collected[j].fail(WorkloadStatus::Failed, reason.clone());
                }
                continue;
            }
            let parts: Vec<(&Workload, LoadCheck)> =
                group.iter().map(|&j| (&plan.workloads[j], checks[j].clone().expect("filtered"))).collect();
            let verified = parts.iter().all(|(_, c)| c.response.expected_body.is_some());
            let (total, outs) = measure_mix_load(session, &parts, verified, &plan.load, progress, stop);
            if total.status == WorkloadStatus::Skipped {
                outcome = Turn::Stopped;
                break;
            }
            if total.status != WorkloadStatus::Ok {
                for &j in &group {
                    collected[j].fail(total.status, total.reason.clone().unwrap_or_default());
                }
                continue;
            }
            for (&j, out) in group.iter().zip(outs) {
                match (out.status, out.results) {
                    (WorkloadStatus::Ok, Some(m)) => collected[j].push(m, out.latency),
                    (status, _) => collected[j].fail(status, out.reason.unwrap_or_default()),
                }
            }
            continue;
        }
        let Some(check) = checks[i].clone() else { continue };
        if collected[i].status != WorkloadStatus::Ok {
            continue;
        }
        let label = Workload { name: format!("{} / {}", w.name, app.name()), ..w.clone() };
        if let Err(reason) = ensure_running(session, &w.name) {
            collected[i].fail(WorkloadStatus::Failed, reason);
            continue;
        }
        let out = measure_load(session, &label, check, &plan.load, progress, stop);
        match (out.status, out.results) {
            (WorkloadStatus::Ok, Some(m)) => collected[i].push(m, out.latency),
            (WorkloadStatus::Skipped, _) => {
                outcome = Turn::Stopped;
                break;
            }
            (status, _) => collected[i].fail(status, out.reason.unwrap_or_default()),
        }
    }
    if plan.reuse_servers {
        session.pause();
    } else {
        session.stop_server();
    }
    outcome
}

#[path = "runner_result.rs"]
mod result;
