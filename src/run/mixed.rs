//! A mixed suite (`mode = "mixed"`): every workload's answer verified on its own, then those
//! that pass measured together, interleaved by weight on the same connections in one load (see
//! `loadgen::Mix`). Each workload's result is its share of that load; the suite's `mixed`
//! holds the total. A workload that fails verification is reported as usual and left out of
//! the mix, which the total's notes say.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::answer::{request_of, rotation_of};
use super::convert::latency_of;
use super::measure::{checked, measure_plan, plan_for, WorkloadOutcome};
use super::{LoadCheck, LoadOptions, Progress, RunPlan, Session};
use crate::loadgen::{Mix, MixPart, PartReport};
use crate::schema::{Measurement, MixShare, MixedTotal, Throughput, WorkloadStatus};
use crate::stats::round_to;
use crate::workload::Workload;

/// The outcome of each workload of the group (in order) and, when the mix was measured, the
/// total.
pub struct MixedOutcome {
    pub workloads: Vec<WorkloadOutcome>,
    pub total: Option<MixedTotal>,
}

/// Verify each workload of `group` (one mixed suite's), then measure those that pass together.
pub fn measure_mixed(
    session: &mut Session,
    group: &[Workload],
    plan: &RunPlan,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> MixedOutcome {
    let mut workloads = Vec::with_capacity(group.len());
    let mut valid = Vec::new();
    for (i, w) in group.iter().enumerate() {
        match checked(session, w, plan, progress) {
            Ok(check) => {
                valid.push((i, check));
                workloads.push(WorkloadOutcome::new(WorkloadStatus::Ok, None, plan.verify));
            }
            Err(outcome) => workloads.push(*outcome),
        }
    }
    if valid.is_empty() {
        return MixedOutcome { workloads, total: None };
    }
    let parts: Vec<(&Workload, LoadCheck)> = valid.iter().map(|(i, c)| (&group[*i], c.clone())).collect();
    let (total, measured) = measure_mix_load(session, &parts, plan.verify, &plan.load, progress, stop);
    let Some(mut measurement) = total.results.clone().filter(|_| total.status == WorkloadStatus::Ok) else {
        for (i, _) in &valid {
            workloads[*i] = WorkloadOutcome::new(total.status, total.reason.clone(), plan.verify);
            workloads[*i].results = total.results.clone();
        }
        return MixedOutcome { workloads, total: None };
    };
    let left_out: Vec<&str> = group
        .iter()
        .enumerate()
        .filter(|(i, _)| !valid.iter().any(|(v, _)| v == i))
        .map(|(_, w)| w.name.as_str())
        .collect();
    if !left_out.is_empty() {
        measurement.notes.push(format!(
            "mixed: {} left out of the mix (not verified: see their status)",
            left_out.join(", ")
        ));
    }
    let all: u64 = measured.iter().filter_map(|o| Some(o.results.as_ref()?.throughput.total_requests)).sum();
    let mut shares = Vec::new();
    for ((i, _), out) in valid.iter().zip(measured) {
        let requests = out.results.as_ref().map_or(0, |m| m.throughput.total_requests);
        shares.push(MixShare {
            name: group[*i].name.clone(),
            weight: group[*i].weight,
            share: round_to(requests as f64 / all.max(1) as f64, 6),
        });
        workloads[*i] = out;
    }
    MixedOutcome { workloads, total: Some(MixedTotal { workloads: shares, results: measurement }) }
}

/// Measure `parts` (workloads with the checks their answers passed) together, interleaved by
/// their weights: the whole load's outcome, and when it was measured each workload's share (in
/// order; failed when none of its requests succeeded).
pub fn measure_mix_load(
    session: &mut Session,
    parts: &[(&Workload, LoadCheck)],
    verified: bool,
    load: &LoadOptions,
    progress: &dyn Progress,
    stop: &Arc<AtomicBool>,
) -> (WorkloadOutcome, Vec<WorkloadOutcome>) {
    let Some(((first, first_check), rest)) = parts.split_first() else {
        let reason = Some("no workload to measure in the mix".to_string());
        return (WorkloadOutcome::new(WorkloadStatus::Failed, reason, verified), Vec::new());
    };
    let mut load_plan = plan_for(session, first, first_check.clone(), load);
    load_plan.mix = Some(Mix {
        weight: first.weight,
        parts: rest
            .iter()
            .map(|(w, check)| MixPart {
                weight: w.weight,
                request: request_of(w, session),
                expected_body: check.response.expected_body.clone(),
                json: check.response.json,
                rotation: rotation_of(w, session, check),
            })
            .collect(),
    });
    let names: Vec<&str> = parts.iter().map(|(w, _)| w.name.as_str()).collect();
    let label = format!("mix of {}", names.join(" + "));
    let (total, reports) = measure_plan(session, &label, &load_plan, verified, load, progress, stop);
    let Some(measurement) = total.results.as_ref().filter(|_| total.status == WorkloadStatus::Ok) else {
        return (total, Vec::new());
    };
    let secs = total.window.map_or(0.0, |(_, elapsed)| elapsed.as_secs_f64()).max(f64::EPSILON);
    let outcomes = reports
        .iter()
        .map(|part| {
            let mut out = WorkloadOutcome::new(WorkloadStatus::Ok, None, verified);
            if part.successful_requests == 0 {
                out.status = WorkloadStatus::Failed;
                out.reason = Some(format!(
                    "no request of this workload succeeded in the mixed load ({} failed: {:?})",
                    part.failed_requests, part.errors
                ));
            }
            out.results = Some(part_measurement(measurement, part, secs, &label));
            out.latency = Some(part.latency.clone());
            out.window = total.window;
            out
        })
        .collect();
    (total, outcomes)
}

/// One workload's share of the mixed load `total` (measured over `secs`): its own requests,
/// latency and errors; the load's facts (connections, threads, generator CPU) are the whole
/// mix's, and the server's resources are only in the total.
fn part_measurement(total: &Measurement, part: &PartReport, secs: f64, label: &str) -> Measurement {
    let mut m = total.clone();
    m.throughput = Throughput {
        requests_per_sec: round_to(part.successful_requests as f64 / secs, 2),
        bytes_per_sec: round_to(part.bytes_received as f64 / secs, 1),
        total_requests: part.total_requests,
        successful_requests: part.successful_requests,
        failed_requests: part.failed_requests,
        success_rate: if part.total_requests == 0 {
            0.0
        } else {
            round_to(part.successful_requests as f64 / part.total_requests as f64, 6)
        },
    };
    m.latency = latency_of(&part.latency);
    m.errors = part.errors;
    m.load.censored_timeouts = part.censored_timeouts;
    m.load.censored_in_flight = part.censored_in_flight;
    m.load.censored_unsent = 0;
    m.load.latency_uncorrected = None;
    m.load.latency_uncorrected_histogram = None;
    m.load.ttfb_p50_ms = None;
    m.load.ttfb_p99_ms = None;
    m.load.header_bytes_per_response = None;
    m.latency_histogram =
        (!part.latency.is_empty()).then(|| crate::schema::hdr::encode(&part.latency)).flatten();
    m.timeline = Vec::new();
    m.resources = None;
    m.notes = vec![format!(
        "mixed: this workload's share of one load ({label}); timeline, server resources and load \
         facts are the whole mix's (the suite's `mixed.results`), bytes_per_sec counts its complete \
         responses"
    )];
    m
}
