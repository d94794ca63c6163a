//! What the store keeps of a result file: a run row, one measurement row per framework,
//! workload and round (with its latency histogram), and a check's verdicts. Pure: built
//! from the result types (`schema`) only; the content hash is of the file's canonical JSON.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::HistoryError;
use crate::schema::{CheckResult, CompareResult, Host, Measurement, RunResult, WorkloadStatus};

/// The encoding of the stored histograms (as in result files: `Measurement.latency_histogram`).
pub const HISTOGRAM_ENCODING: &str = "hdr-v2-deflate-base64";

/// Which command wrote the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Run,
    Profile,
    Compare,
    Check,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Run => "run",
            RunKind::Profile => "profile",
            RunKind::Compare => "compare",
            RunKind::Check => "check",
        }
    }
}

/// One result file, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub kind: RunKind,
    pub git_commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: Option<bool>,
    pub time: DateTime<Utc>,
    /// Of the host's os, arch, cpu model, core count and memory (GiB, rounded); not the kernel.
    pub host_fingerprint: String,
    pub host_json: String,
    /// Of the load options that shape the figures (see [`config_fingerprint`]).
    pub config_fingerprint: String,
    pub config_json: String,
    pub harness_version: String,
    /// SHA-256 of the file's canonical JSON (keys sorted, no spaces).
    pub content_hash: String,
    /// The file it came from, when known.
    pub source: Option<String>,
    pub measurements: Vec<MeasurementRecord>,
    pub verdicts: Vec<VerdictRecord>,
}

/// One framework on one workload in one round.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementRecord {
    pub framework: String,
    pub suite: String,
    pub workload: String,
    pub round: u32,
    /// `ok`, `invalid`, `failed` or `skipped`.
    pub status: String,
    pub requests_per_sec: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub total_requests: Option<u64>,
    pub errors: u64,
    pub cpu_percent: Option<f64>,
    pub memory_mb: Option<f64>,
    /// HDR V2 + DEFLATE, base64, as in the result file.
    pub histogram: Option<String>,
}

/// One workload's verdict in a check result.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictRecord {
    pub framework: String,
    pub workload: String,
    /// `pass`, `warning` or `regression`.
    pub severity: String,
    pub baseline_rps: f64,
    pub current_rps: f64,
    pub rps_change_percent: f64,
    pub baseline_p99_ms: Option<f64>,
    pub current_p99_ms: Option<f64>,
    pub p99_change_percent: Option<f64>,
    pub p_value: Option<f64>,
    pub significant: Option<bool>,
    pub reason: String,
    pub baseline_commit: Option<String>,
}

/// The JSON text with object keys sorted at every level and no whitespace.
pub fn canonical_json(value: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Fingerprint of the host: what makes figures comparable (the kernel is kept, not fingerprinted).
pub fn host_fingerprint(host: &Host) -> String {
    let key = serde_json::json!({
        "os": host.os, "arch": host.arch, "cpu_model": host.cpu_model, "cpu_cores": host.cpu_cores,
        "memory_gib": host.memory_gb.map(|g| g.round() as i64),
    });
    sha256_hex(&canonical_json(&key))[..16].to_string()
}

/// Fingerprint of a configuration's JSON (the load options, without compare's round bookkeeping).
pub fn config_fingerprint(config: &Value) -> String {
    sha256_hex(&canonical_json(config))[..16].to_string()
}

fn time_of(text: &str, source: &str) -> Result<DateTime<Utc>, HistoryError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| HistoryError::BadFile {
        file: source.to_string(),
        reason: format!("timestamp '{text}' is not RFC 3339: {e}"),
    })
}

fn status_str(s: WorkloadStatus) -> &'static str {
    match s {
        WorkloadStatus::Ok => "ok",
        WorkloadStatus::Invalid => "invalid",
        WorkloadStatus::Failed => "failed",
        WorkloadStatus::Skipped => "skipped",
    }
}

fn measured(framework: &str, suite: &str, workload: &str, round: u32, status: &str) -> MeasurementRecord {
    MeasurementRecord {
        framework: framework.into(),
        suite: suite.into(),
        workload: workload.into(),
        round,
        status: status.into(),
        requests_per_sec: None,
        p50_ms: None,
        p90_ms: None,
        p99_ms: None,
        p999_ms: None,
        total_requests: None,
        errors: 0,
        cpu_percent: None,
        memory_mb: None,
        histogram: None,
    }
}

fn with_measurement(mut rec: MeasurementRecord, m: &Measurement) -> MeasurementRecord {
    let e = &m.errors;
    rec.requests_per_sec = Some(m.throughput.requests_per_sec);
    rec.total_requests = Some(m.throughput.total_requests);
    rec.errors = e.connect + e.timeout + e.read + e.status_4xx + e.status_5xx + e.mismatch;
    if let Some(l) = &m.latency {
        (rec.p50_ms, rec.p90_ms, rec.p99_ms, rec.p999_ms) =
            (Some(l.median_ms), Some(l.p90_ms), Some(l.p99_ms), Some(l.p999_ms));
    }
    if let Some(r) = &m.resources {
        (rec.cpu_percent, rec.memory_mb) = (Some(r.cpu.avg_percent), Some(r.memory.avg_mb));
    }
    rec.histogram = m.latency_histogram.clone();
    rec
}

/// A parsed result file of any kind the store takes.
#[derive(Debug, Clone)]
pub enum AnyResult {
    Run(Box<RunResult>),
    Compare(Box<CompareResult>),
    Check(Box<CheckResult>),
}

/// Parse a result file's JSON (already checked for `schema_version`) by its `mode`.
pub fn parse(value: &Value, source: &str) -> Result<AnyResult, HistoryError> {
    let bad = |e: serde_json::Error| HistoryError::BadFile { file: source.into(), reason: e.to_string() };
    match value.get("mode").and_then(Value::as_str) {
        Some("run" | "profile") => {
            Ok(AnyResult::Run(Box::new(serde_json::from_value(value.clone()).map_err(bad)?)))
        }
        Some("compare") => {
            Ok(AnyResult::Compare(Box::new(serde_json::from_value(value.clone()).map_err(bad)?)))
        }
        Some("check") => Ok(AnyResult::Check(Box::new(serde_json::from_value(value.clone()).map_err(bad)?))),
        other => Err(HistoryError::BadFile {
            file: source.into(),
            reason: format!(
                "mode {} is not one the store takes; expected run, profile, compare or check",
                other.map_or("(missing)".to_string(), |m| format!("'{m}'"))
            ),
        }),
    }
}

/// The record of a result whose JSON is `value` (its hash is of this value's canonical text).
pub fn record(value: &Value, source: Option<&str>) -> Result<RunRecord, HistoryError> {
    let src = source.unwrap_or("(result)");
    let content_hash = sha256_hex(&canonical_json(value));
    let mut rec = match parse(value, src)? {
        AnyResult::Run(r) => from_run(&r, value, src)?,
        AnyResult::Compare(c) => from_compare(&c, value, src)?,
        AnyResult::Check(c) => from_check(&c, value, src)?,
    };
    rec.content_hash = content_hash;
    rec.source = source.map(String::from);
    Ok(rec)
}

fn base(
    kind: RunKind,
    meta: &crate::schema::Metadata,
    config: Value,
    src: &str,
) -> Result<RunRecord, HistoryError> {
    Ok(RunRecord {
        kind,
        git_commit: meta.git_commit.clone(),
        branch: meta.git_branch.clone(),
        dirty: meta.git_dirty,
        time: time_of(&meta.timestamp, src)?,
        host_fingerprint: host_fingerprint(&meta.host),
        host_json: serde_json::to_string(&meta.host).unwrap_or_default(),
        config_fingerprint: config_fingerprint(&config),
        config_json: config.to_string(),
        harness_version: meta.harness_version.clone(),
        content_hash: String::new(),
        source: None,
        measurements: Vec::new(),
        verdicts: Vec::new(),
    })
}

fn from_run(r: &RunResult, value: &Value, src: &str) -> Result<RunRecord, HistoryError> {
    let kind = if value["mode"] == "profile" { RunKind::Profile } else { RunKind::Run };
    let config = serde_json::to_value(&r.configuration).unwrap_or_default();
    let mut rec = base(kind, &r.metadata, config, src)?;
    let framework = r
        .metadata
        .framework
        .clone()
        .or_else(|| r.configuration.target_url.clone())
        .unwrap_or_else(|| "unknown".into());
    for suite in &r.suites {
        for w in &suite.workloads {
            let m = measured(&framework, &suite.name, &w.name, 0, status_str(w.status));
            rec.measurements.push(match &w.results {
                Some(res) => with_measurement(m, res),
                None => m,
            });
        }
    }
    Ok(rec)
}

fn from_compare(c: &CompareResult, _value: &Value, src: &str) -> Result<RunRecord, HistoryError> {
    let config = serde_json::to_value(&c.configuration.load).unwrap_or_default();
    let mut rec = base(RunKind::Compare, &c.metadata, config, src)?;
    for suite in &c.suites {
        for w in &suite.workloads {
            for f in &w.results {
                let status = status_str(f.status);
                if f.rounds.is_empty() {
                    // Older files keep only the per-round req/s (`samples`) and the aggregates.
                    let mut base = measured(&f.framework, &suite.name, &w.name, 0, status);
                    if let Some(l) = &f.latency {
                        (base.p50_ms, base.p90_ms, base.p99_ms, base.p999_ms) =
                            (Some(l.median_ms), Some(l.p90_ms), Some(l.p99_ms), Some(l.p999_ms));
                    }
                    for (i, rps) in f.samples.iter().enumerate() {
                        let m = MeasurementRecord {
                            round: i as u32,
                            requests_per_sec: Some(*rps),
                            ..base.clone()
                        };
                        rec.measurements.push(m);
                    }
                    if f.samples.is_empty() {
                        rec.measurements.push(base);
                    }
                }
                for (i, round) in f.rounds.iter().enumerate() {
                    let m = measured(&f.framework, &suite.name, &w.name, i as u32, status);
                    rec.measurements.push(with_measurement(m, round));
                }
            }
        }
    }
    Ok(rec)
}

fn from_check(c: &CheckResult, value: &Value, src: &str) -> Result<RunRecord, HistoryError> {
    let config = serde_json::to_value(&c.thresholds).unwrap_or_default();
    let fingerprint = config_fingerprint(&config);
    let mut rec = RunRecord {
        kind: RunKind::Check,
        git_commit: c.current.git_commit.clone(),
        branch: None,
        dirty: None,
        time: time_of(&c.current.timestamp, src)?,
        host_fingerprint: "unknown".into(),
        host_json: "null".into(),
        config_fingerprint: fingerprint,
        config_json: config.to_string(),
        harness_version: value.get("harness_version").and_then(Value::as_str).unwrap_or("").into(),
        content_hash: String::new(),
        source: None,
        measurements: Vec::new(),
        verdicts: Vec::new(),
    };
    rec.verdicts = c
        .workloads
        .iter()
        .map(|w| VerdictRecord {
            framework: w.framework.clone(),
            workload: w.workload.clone(),
            severity: serde_json::to_value(w.severity)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            baseline_rps: w.baseline_rps,
            current_rps: w.current_rps,
            rps_change_percent: w.rps_change_percent,
            baseline_p99_ms: w.baseline_p99_ms,
            current_p99_ms: w.current_p99_ms,
            p99_change_percent: w.p99_change_percent,
            p_value: w.p_value,
            significant: w.significant,
            reason: w.reason.clone(),
            baseline_commit: c.baseline.git_commit.clone(),
        })
        .collect();
    Ok(rec)
}
