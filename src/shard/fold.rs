//! One workload's measurements from every shard folded into one: counts, bytes and rates
//! summed, latency from the summed HDR histograms (never averaged percentiles), and a null
//! with its reason wherever a figure cannot be merged exactly. Talks to `schema` and `run`.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use super::MergeError;
use crate::run::latency_of;
use crate::schema::{hdr, ErrorCounts, Latency, LoadInfo, Measurement, Throughput, TimelinePoint};
use crate::stats::round_to;

/// The summed histogram of every part's `pick` (a serialised histogram), with its summary;
/// `Ok(None)` with a reason when a part has figures but no histogram (an older file).
fn merged_latency(
    workload: &str,
    parts: &[(String, &Measurement)],
    pick: impl Fn(&Measurement) -> (Option<&Latency>, Option<&String>),
    what: &str,
    notes: &mut Vec<String>,
) -> Result<Option<(Latency, String)>, MergeError> {
    let mut hists: Vec<Histogram<u64>> = Vec::new();
    for (file, m) in parts {
        match pick(m) {
            (_, Some(text)) => hists.push(hdr::decode(text).map_err(|e| MergeError::BadHistogram {
                file: file.clone(),
                workload: workload.to_string(),
                reason: e.to_string(),
            })?),
            (Some(_), None) => {
                notes.push(format!(
                    "{what}: null because {file} has no latency histogram (an older file), so percentiles cannot be merged exactly"
                ));
                return Ok(None);
            }
            (None, None) => {}
        }
    }
    let Some(all) = hdr::merge(hists.iter()).filter(|h| !h.is_empty()) else { return Ok(None) };
    Ok(latency_of(&all).zip(hdr::encode(&all)))
}

/// Fold `parts` (each shard's measurement of `workload`, with its file) into one;
/// `shards` is how many shards there are (some may not have measured the workload).
pub fn fold_measurements(
    workload: &str,
    parts: &[(String, &Measurement)],
    shards: usize,
) -> Result<Measurement, MergeError> {
    let mut notes: Vec<String> = Vec::new();
    for (_, m) in parts {
        for n in &m.notes {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
    }
    if parts.len() < shards {
        notes.push(format!(
            "only {} of the {shards} shards measured this workload: its figures cover part of the load",
            parts.len()
        ));
    }
    let sum = |f: &dyn Fn(&Measurement) -> u64| parts.iter().map(|(_, m)| f(m)).sum::<u64>();
    let sumf = |f: &dyn Fn(&Measurement) -> f64| parts.iter().map(|(_, m)| f(m)).sum::<f64>();
    let total = sum(&|m| m.throughput.total_requests);
    let ok = sum(&|m| m.throughput.successful_requests);
    let throughput = Throughput {
        requests_per_sec: round_to(sumf(&|m| m.throughput.requests_per_sec), 2),
        bytes_per_sec: round_to(sumf(&|m| m.throughput.bytes_per_sec), 1),
        total_requests: total,
        successful_requests: ok,
        failed_requests: sum(&|m| m.throughput.failed_requests),
        success_rate: if total == 0 { 0.0 } else { round_to(ok as f64 / total as f64, 6) },
    };
    let mut errors = ErrorCounts::default();
    for (_, m) in parts {
        errors.add(&m.errors);
    }
    let latency = merged_latency(
        workload,
        parts,
        |m| (m.latency.as_ref(), m.latency_histogram.as_ref()),
        "latency",
        &mut notes,
    )?;
    let uncorrected = merged_latency(
        workload,
        parts,
        |m| (m.load.latency_uncorrected.as_ref(), m.load.latency_uncorrected_histogram.as_ref()),
        "load.latency_uncorrected",
        &mut notes,
    )?;
    let cpu: Vec<String> = parts
        .iter()
        .map(|(f, m)| match m.load.generator_cpu_percent {
            Some(p) => format!("{f} {p} %"),
            None => format!("{f} null"),
        })
        .collect();
    notes.push(format!(
        "load.generator_cpu_percent: null in a merged result (each shard's generator ran on its own); per shard: {}",
        cpu.join(", ")
    ));
    notes.push(
        "timeline: requests and errors summed by second of each shard's own measured window (aligned when the shards used --start-at); p50_ms and p99_ms are null because per-second histograms are not kept"
            .into(),
    );
    let target_rate = parts.iter().map(|(_, m)| m.load.target_rate).sum::<Option<f64>>();
    let same = |f: &dyn Fn(&Measurement) -> Option<String>| {
        let first = f(parts.first()?.1);
        parts.iter().all(|(_, m)| f(m) == first).then_some(first).flatten()
    };
    let protocol = same(&|m| m.load.protocol.clone());
    let streams =
        same(&|m| m.load.streams_per_connection.map(|s| s.to_string())).and_then(|s| s.parse().ok());
    if parts.iter().any(|(_, m)| m.load.ttfb_p50_ms.is_some() || m.load.header_bytes_per_response.is_some()) {
        notes.push(
            "load.ttfb_p50_ms, load.ttfb_p99_ms and load.header_bytes_per_response: null in a merged result (the shards keep no time-to-first-byte histogram to merge)"
                .into(),
        );
    }
    let load = LoadInfo {
        target_rate: target_rate.map(|r| round_to(r, 3)),
        achieved_rate: round_to(sumf(&|m| m.load.achieved_rate), 2),
        generator_cpu_percent: None,
        generator_bound: parts.iter().any(|(_, m)| m.load.generator_bound),
        threads: sum(&|m| u64::from(m.load.threads)) as u32,
        connections: sum(&|m| u64::from(m.load.connections)) as u32,
        latency_uncorrected: uncorrected.as_ref().map(|(l, _)| l.clone()),
        censored_timeouts: sum(&|m| m.load.censored_timeouts),
        censored_in_flight: sum(&|m| m.load.censored_in_flight),
        censored_unsent: sum(&|m| m.load.censored_unsent),
        latency_uncorrected_histogram: uncorrected.map(|(_, h)| h),
        protocol,
        streams_per_connection: streams,
        ttfb_p50_ms: None,
        ttfb_p99_ms: None,
        header_bytes_per_response: None,
    };
    if parts.iter().any(|(_, m)| m.resources.is_some()) {
        notes.push("resources: null in a merged result: the shards sampled different processes".into());
    }
    if parts.iter().any(|(_, m)| m.streaming.is_some()) {
        notes.push(
            "streaming: absent in a merged result (the shards keep no connect, first-event or gap histograms to merge); see each shard's file"
                .into(),
        );
    }
    Ok(Measurement {
        throughput,
        latency: latency.as_ref().map(|(l, _)| l.clone()),
        errors,
        timeline: timeline(parts),
        resources: None,
        load,
        notes,
        profiling: None,
        latency_histogram: latency.map(|(_, h)| h),
        streaming: None,
    })
}

/// The shards' timelines summed second by second.
fn timeline(parts: &[(String, &Measurement)]) -> Vec<TimelinePoint> {
    let mut by_t: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for (_, m) in parts {
        for p in &m.timeline {
            let e = by_t.entry(p.t).or_default();
            e.0 += p.requests;
            e.1 += p.errors;
        }
    }
    by_t.into_iter()
        .map(|(t, (requests, errors))| TimelinePoint { t, requests, errors, p50_ms: None, p99_ms: None })
        .collect()
}
