//! `merge`: the shards of one run (one file per execution segment) folded into one result.
//!
//! Refuses shards of different runs or configurations, and segments that overlap or leave a
//! gap in 0..1 (a partial merge would under-report the load, so it is refused rather than
//! warned about). Counters and rates are summed; latency comes from the summed histograms
//! ([`super::fold`]). Talks to `schema` only.

use std::path::PathBuf;

use super::fold::fold_measurements;
use super::{Segment, Sequence};
use crate::schema::{MergedShard, ReadError, RunResult, Sharding, WorkloadResult, WorkloadStatus};

/// One shard's result file.
#[derive(Debug, Clone)]
pub struct ShardFile {
    pub path: PathBuf,
    pub result: RunResult,
}

impl ShardFile {
    fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Why shards cannot be merged (all bad input: exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge; give the result file of every shard")]
    NoFiles,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file} is a {mode} result; merge takes the results of `run --segment`")]
    NotRun { file: String, mode: String },
    #[error("{file} is not a shard (its configuration has no sharding); merge takes the results of `run --segment`")]
    NotShard { file: String },
    #[error("{file} has an unreadable {field} '{value}': {reason}")]
    BadShard { file: String, field: &'static str, value: String, reason: String },
    #[error("{file} is from a different run or configuration: {field} is {value} there but {expected} in {first}; merge only the shards of one run")]
    Differs { file: String, field: &'static str, value: String, expected: String, first: String },
    #[error("{file} and {other} both cover segment {segment}; give each shard's file once")]
    Overlap { file: String, other: String, segment: String },
    #[error("the shards do not cover 0..1: segment(s) {missing} of sequence {sequence} are missing; give every shard's file")]
    Missing { missing: String, sequence: String },
    #[error("{file}: workload '{workload}' has an unreadable latency histogram: {reason}")]
    BadHistogram { file: String, workload: String, reason: String },
}

fn sharding(f: &ShardFile) -> Result<&Sharding, MergeError> {
    f.result.configuration.sharding.as_ref().ok_or_else(|| MergeError::NotShard { file: f.name() })
}

/// The facts every shard of one run shares, by field name, as text.
fn identity(f: &ShardFile) -> Result<Vec<(&'static str, String)>, MergeError> {
    let s = sharding(f)?;
    let c = &f.result.configuration;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    let workloads: Vec<String> = f
        .result
        .suites
        .iter()
        .flat_map(|s| {
            s.workloads
                .iter()
                .map(move |w| format!("{}/{} ({} {})", s.name, w.name, w.endpoint.method, w.endpoint.path))
        })
        .collect();
    Ok(vec![
        ("configuration.sharding.segment_sequence", s.segment_sequence.clone()),
        ("configuration.target_url", show(&c.target_url)),
        ("configuration.sharding.start_at", show(&s.start_at)),
        ("the workloads", format!("[{}]", workloads.join(", "))),
        ("configuration.duration_secs", c.duration_secs.to_string()),
        ("configuration.warmup_secs", c.warmup_secs.to_string()),
        ("configuration.timeout_secs", c.timeout_secs.to_string()),
        ("configuration.sharding.total_concurrency", s.total_concurrency.to_string()),
        ("configuration.sharding.total_rate", s.total_rate.map_or("null".into(), |r| r.to_string())),
        ("configuration.verified", c.verified.to_string()),
        // Names the harness version and the protocol (HTTP/1.1, or HTTP/2 with its streams).
        ("configuration.load_generator", c.load_generator.clone()),
    ])
}

/// The key of the run `result` is a shard of: a hash of the facts every shard of one run shares
/// (see [`identity`]), so that a store can hold shards until their run is complete.
pub fn group_key(result: &RunResult) -> Result<String, MergeError> {
    use sha2::{Digest, Sha256};
    let file = ShardFile { path: PathBuf::from("(shard)"), result: result.clone() };
    let facts: Vec<String> =
        identity(&file)?.into_iter().map(|(field, value)| format!("{field}={value}")).collect();
    let digest = Sha256::digest(facts.join("\n").as_bytes());
    Ok(digest.iter().take(12).map(|b| format!("{b:02x}")).collect())
}

/// Check that `files` are the shards of one run covering 0..1 once each; returns them in
/// segment order.
fn check(files: &[ShardFile]) -> Result<Vec<&ShardFile>, MergeError> {
    let first = files.first().ok_or(MergeError::NoFiles)?;
    for f in files {
        if f.result.mode != crate::schema::Mode::Run {
            let mode = serde_json::to_value(f.result.mode).ok().and_then(|v| v.as_str().map(String::from));
            return Err(MergeError::NotRun { file: f.name(), mode: mode.unwrap_or_default() });
        }
    }
    let want = identity(first)?;
    for f in &files[1..] {
        for ((field, value), (_, expected)) in identity(f)?.into_iter().zip(&want) {
            if &value != expected {
                let (file, first, expected) = (f.name(), first.name(), expected.clone());
                return Err(MergeError::Differs { file, field, value, expected, first });
            }
        }
    }
    let text = &sharding(first)?.segment_sequence;
    let sequence = Sequence::parse(text).map_err(|e| MergeError::BadShard {
        file: first.name(),
        field: "configuration.sharding.segment_sequence",
        value: text.clone(),
        reason: e.to_string(),
    })?;
    let mut slots: Vec<Option<&ShardFile>> = vec![None; sequence.len()];
    for f in files {
        let text = &sharding(f)?.segment;
        let bad = |reason: String| MergeError::BadShard {
            file: f.name(),
            field: "configuration.sharding.segment",
            value: text.clone(),
            reason,
        };
        let segment = Segment::parse(text).map_err(|e| bad(e.to_string()))?;
        let index = sequence.position(segment).ok_or_else(|| bad(format!("not a segment of {sequence}")))?;
        if let Some(other) = slots[index] {
            return Err(MergeError::Overlap {
                file: f.name(),
                other: other.name(),
                segment: segment.to_string(),
            });
        }
        slots[index] = Some(f);
    }
    let missing: Vec<String> =
        sequence.segments().zip(&slots).filter(|(_, f)| f.is_none()).map(|(s, _)| s.to_string()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing: missing.join(", "), sequence: sequence.to_string() });
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Merge the shards of one run into one result (see the module docs for what is refused).
pub fn merge(files: &[ShardFile]) -> Result<RunResult, MergeError> {
    let shards = check(files)?;
    let first = shards[0];
    let mut out = first.result.clone();
    let s = sharding(first)?.clone();
    out.configuration.concurrency = s.total_concurrency;
    out.configuration.rate = s.total_rate;
    if shards.iter().any(|f| f.result.configuration.loadgen_cpus != first.result.configuration.loadgen_cpus) {
        out.configuration.loadgen_cpus = None;
    }
    out.configuration.sharding = Some(Sharding {
        segment: Segment::WHOLE.to_string(),
        shards: shards.iter().map(|f| shard_entry(f)).collect::<Result<_, _>>()?,
        ..s
    });
    out.metadata.timestamp =
        shards.iter().map(|f| f.result.metadata.timestamp.clone()).min().unwrap_or_default();
    out.metadata.machine = None;
    out.complete = shards.iter().all(|f| f.result.complete);
    out.comparison = None;
    out.notes = merged_notes(&shards);
    for (index, slot) in out.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).enumerate() {
        let parts: Vec<(&ShardFile, &WorkloadResult)> =
            shards.iter().filter_map(|f| f.result.workloads().nth(index).map(|w| (*f, w))).collect();
        merge_workload(slot, &parts)?;
    }
    let duration = shards.iter().map(|f| f.result.summary.total_duration_secs).fold(0.0, f64::max);
    out.summarize(duration);
    Ok(out)
}

fn shard_entry(f: &ShardFile) -> Result<MergedShard, MergeError> {
    let h = &f.result.metadata.host;
    Ok(MergedShard {
        file: f.name(),
        segment: sharding(f)?.segment.clone(),
        concurrency: f.result.configuration.concurrency,
        rate: f.result.configuration.rate,
        timestamp: f.result.metadata.timestamp.clone(),
        host: format!("{} {} {}", h.os, h.arch, h.cpu_model.as_deref().unwrap_or("unknown cpu")),
        busy: f.result.metadata.machine.as_ref().is_some_and(|m| m.busy),
    })
}

/// The shards' run notes (each once), the merge's own, and each busy machine by shard.
fn merged_notes(shards: &[&ShardFile]) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for f in shards {
        for n in &f.result.notes {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
    }
    notes.push(format!(
        "merged from {} shards (configuration.sharding.shards); metadata.host and git fields are the first shard's, metadata.timestamp the earliest",
        shards.len()
    ));
    notes.push(
        "metadata.machine: null in a merged result: every shard's generator ran on its own machine; busy shards are named below"
            .into(),
    );
    for f in shards {
        if let Some(m) = f.result.metadata.machine.as_ref().filter(|m| m.busy) {
            let seg = f.result.configuration.sharding.as_ref().map_or("?", |s| s.segment.as_str());
            notes.push(format!("shard {seg} ({}): the machine was busy: {}", f.name(), m.notes.join("; ")));
        }
    }
    notes
}

/// Fold one workload of every shard into `slot` (the first shard's copy).
fn merge_workload(
    slot: &mut WorkloadResult,
    parts: &[(&ShardFile, &WorkloadResult)],
) -> Result<(), MergeError> {
    slot.verified = parts.iter().all(|(_, w)| w.verified);
    let worst =
        parts.iter().filter(|(_, w)| w.status != WorkloadStatus::Ok).max_by_key(|(_, w)| match w.status {
            WorkloadStatus::Failed => 3,
            WorkloadStatus::Invalid => 2,
            WorkloadStatus::Skipped => 1,
            WorkloadStatus::Ok => 0,
        });
    match worst {
        None => {
            slot.status = WorkloadStatus::Ok;
            slot.reason = None;
        }
        Some((f, w)) => {
            slot.status = w.status;
            let seg = f.result.configuration.sharding.as_ref().map_or("?", |s| s.segment.as_str());
            slot.reason =
                Some(format!("shard {seg} ({}): {}", f.name(), w.reason.as_deref().unwrap_or("not ok")));
        }
    }
    let measured: Vec<(String, &crate::schema::Measurement)> =
        parts.iter().filter_map(|(f, w)| w.results.as_ref().map(|m| (f.name(), m))).collect();
    slot.results =
        if measured.is_empty() { None } else { Some(fold_measurements(&slot.name, &measured, parts.len())?) };
    Ok(())
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
