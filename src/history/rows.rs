//! Rows the store answers with, and their decoding from query cells (the column order of
//! `query::RUN_COLUMNS`, `MEASUREMENT_COLUMNS`, `VERDICT_COLUMNS`). Pure data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::query::Cell;
use super::StoreError;

/// A stored run (one imported result file).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub kind: String,
    pub git_commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: Option<bool>,
    pub time: DateTime<Utc>,
    pub host_fingerprint: String,
    pub config_fingerprint: String,
    pub harness_version: String,
    pub content_hash: String,
    pub source: Option<String>,
}

/// A run with how much it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    #[serde(flatten)]
    pub run: RunRow,
    pub measurements: i64,
    pub verdicts: i64,
}

/// A stored measurement with its run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementRow {
    #[serde(flatten)]
    pub run: RunRow,
    pub framework: String,
    pub suite: String,
    pub workload: String,
    pub round: i64,
    pub status: String,
    pub requests_per_sec: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub total_requests: Option<i64>,
    pub errors: i64,
    pub cpu_percent: Option<f64>,
    pub memory_mb: Option<f64>,
    /// HDR V2 + DEFLATE, base64; `None` when the result file had none.
    #[serde(skip)]
    pub histogram: Option<String>,
}

/// A stored check verdict with its run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictRow {
    #[serde(flatten)]
    pub run: RunRow,
    pub framework: String,
    pub workload: String,
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
    /// The check's thresholds as stored (JSON).
    #[serde(skip)]
    pub thresholds: String,
}

const RUN_WIDTH: usize = 11;

fn need(cells: &[Cell], n: usize) -> Result<(), StoreError> {
    if cells.len() < n {
        return Err(StoreError::Decode(format!("expected {n} columns, found {}", cells.len())));
    }
    Ok(())
}

/// A run from the first 11 cells.
pub fn run_row(c: &[Cell]) -> Result<RunRow, StoreError> {
    need(c, RUN_WIDTH)?;
    Ok(RunRow {
        id: c[0].int()?,
        kind: c[1].text()?,
        git_commit: c[2].opt_text()?,
        branch: c[3].opt_text()?,
        dirty: c[4].opt_bool()?,
        time: c[5].time()?,
        host_fingerprint: c[6].text()?,
        config_fingerprint: c[7].text()?,
        harness_version: c[8].text()?,
        content_hash: c[9].text()?,
        source: c[10].opt_text()?,
    })
}

/// A run and its two counts.
pub fn run_summary(c: &[Cell]) -> Result<RunSummary, StoreError> {
    need(c, RUN_WIDTH + 2)?;
    Ok(RunSummary { run: run_row(c)?, measurements: c[RUN_WIDTH].int()?, verdicts: c[RUN_WIDTH + 1].int()? })
}

/// A measurement row (run columns, then measurement columns).
pub fn measurement_row(c: &[Cell]) -> Result<MeasurementRow, StoreError> {
    need(c, RUN_WIDTH + 15)?;
    let m = &c[RUN_WIDTH..];
    Ok(MeasurementRow {
        run: run_row(c)?,
        framework: m[0].text()?,
        suite: m[1].text()?,
        workload: m[2].text()?,
        round: m[3].int()?,
        status: m[4].text()?,
        requests_per_sec: m[5].opt_float()?,
        p50_ms: m[6].opt_float()?,
        p90_ms: m[7].opt_float()?,
        p99_ms: m[8].opt_float()?,
        p999_ms: m[9].opt_float()?,
        total_requests: m[10].opt_int()?,
        errors: m[11].int()?,
        cpu_percent: m[12].opt_float()?,
        memory_mb: m[13].opt_float()?,
        histogram: m[14].opt_text()?,
    })
}

/// A verdict row (run columns, then verdict columns).
pub fn verdict_row(c: &[Cell]) -> Result<VerdictRow, StoreError> {
    need(c, RUN_WIDTH + 14)?;
    let v = &c[RUN_WIDTH..];
    let float = |i: usize| v[i].opt_float()?.ok_or_else(|| StoreError::Decode(format!("null in column {i}")));
    Ok(VerdictRow {
        run: run_row(c)?,
        framework: v[0].text()?,
        workload: v[1].text()?,
        severity: v[2].text()?,
        baseline_rps: float(3)?,
        current_rps: float(4)?,
        rps_change_percent: float(5)?,
        baseline_p99_ms: v[6].opt_float()?,
        current_p99_ms: v[7].opt_float()?,
        p99_change_percent: v[8].opt_float()?,
        p_value: v[9].opt_float()?,
        significant: v[10].opt_bool()?,
        reason: v[11].text()?,
        baseline_commit: v[12].opt_text()?,
        thresholds: v[13].text()?,
    })
}
