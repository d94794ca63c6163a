//! Regression detection: a current result against a baseline result, per workload. With
//! several rounds a side, an interval rule on the throughput ratio (Welch on the logs of
//! the rounds) and on the p99 ratio (bootstrap over rounds of the merged latency
//! histograms); with one round a side, thresholds on the point estimates. Results measured
//! differently (configuration, host) are refused unless allowed.
//!
//! Pure: reads result types only (`report::AnyResult`), talks to `stats`.

mod config;
mod entries;
mod evaluate;
mod fingerprint;
mod rule;
mod tail;

pub use config::{find_config, CheckConfig, CiConfig, ConfigError, Override};
pub use entries::{entries, merged_entries, Entry};
pub use fingerprint::{mismatches, refuses};
pub use rule::{judge, Clause, Judgement, Limits};

use std::collections::BTreeMap;

use crate::report::AnyResult;
use crate::schema::{CheckResult, CheckSide, Decision, Severity, Thresholds, WorkloadCheck, SCHEMA_VERSION};

/// Which figure decides the severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Rps,
    P99,
    Both,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Rps => "rps",
            Metric::P99 => "p99",
            Metric::Both => "both",
        }
    }
}

/// Validated check options.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub warn: f64,
    pub fail: f64,
    pub metric: Metric,
    /// The intervals are (1 − alpha) confidence intervals.
    pub alpha: f64,
    /// A change whose whole interval lies within ± this many percent passes.
    pub noise_floor: f64,
    /// Go on (and flag each difference) when the sides were measured differently.
    pub allow_mismatch: bool,
    /// Per-workload thresholds (by workload name).
    pub overrides: BTreeMap<String, Override>,
}

/// Default noise floor of `check`, percent (the same as `compare`'s).
pub const NOISE_FLOOR_PERCENT: f64 = 2.0;

/// `check`'s defaults: warn at 5 %, fail at 10 %, both metrics, 95 % intervals, the noise
/// floor, fingerprints must match, no per-workload thresholds.
impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            warn: 5.0,
            fail: 10.0,
            metric: Metric::Both,
            alpha: 0.05,
            noise_floor: NOISE_FLOOR_PERCENT,
            allow_mismatch: false,
            overrides: BTreeMap::new(),
        }
    }
}

/// Why `check` cannot give a verdict (bad input: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(
        "{file}: {framework} / {workload}: {what} is {value}; expected a finite number ≥ 0 \
         (the file is damaged: measure again or restore it)"
    )]
    BadFigure { file: String, framework: String, workload: String, what: String, value: f64 },
    #[error("{file}: {framework} / {workload}: round {round}: {message}")]
    BadHistogram { file: String, framework: String, workload: String, round: usize, message: String },
    #[error(
        "the two sides were not measured alike, so their numbers are not comparable:\n{}\nmeasure both \
         sides with the same settings on the same machine, or pass --allow-mismatch to check anyway \
         (each difference is then flagged in the report)",
        .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
    )]
    Mismatch(Vec<String>),
    #[error("no result file on the {0} side")]
    Empty(&'static str),
    #[error(
        "{file} is a check result; check compares measurements: pass the run, profile or compare \
         results the check was made from"
    )]
    NotMeasured { file: String },
}

fn side(results: &[(AnyResult, String)]) -> CheckSide {
    let (any, _) = &results[0];
    let (mode, git_commit, timestamp) = match any {
        AnyResult::Run(r) => {
            (format!("{:?}", r.mode).to_lowercase(), &r.metadata.git_commit, &r.metadata.timestamp)
        }
        AnyResult::Compare(c) => ("compare".to_string(), &c.metadata.git_commit, &c.metadata.timestamp),
        // Refused by `check_rounds` before this is reached.
        AnyResult::Check(c) => ("check".to_string(), &c.current.git_commit, &c.current.timestamp),
    };
    CheckSide {
        file: results.iter().map(|(_, f)| f.as_str()).collect::<Vec<_>>().join(","),
        mode,
        git_commit: git_commit.clone(),
        timestamp: timestamp.clone(),
    }
}

/// Check `current` against `baseline`, one result each.
pub fn check(
    baseline: (&AnyResult, &str),
    current: (&AnyResult, &str),
    o: &CheckOptions,
) -> Result<CheckResult, CheckError> {
    check_rounds(
        &[(baseline.0.clone(), baseline.1.to_string())],
        &[(current.0.clone(), current.1.to_string())],
        o,
    )
}

/// Check `current` against `baseline` where each side may be several results (with their
/// file names) of the same setup: their rounds together feed the intervals.
pub fn check_rounds(
    baseline: &[(AnyResult, String)],
    current: &[(AnyResult, String)],
    o: &CheckOptions,
) -> Result<CheckResult, CheckError> {
    if baseline.is_empty() {
        return Err(CheckError::Empty("baseline"));
    }
    if current.is_empty() {
        return Err(CheckError::Empty("current"));
    }
    if let Some((_, file)) = baseline.iter().chain(current).find(|(r, _)| matches!(r, AnyResult::Check(_))) {
        return Err(CheckError::NotMeasured { file: file.clone() });
    }
    let mismatches = fingerprint::mismatches(baseline, current);
    let refused: Vec<String> =
        mismatches.iter().filter(|m| fingerprint::refuses(m)).map(|m| m.message.clone()).collect();
    if !refused.is_empty() && !o.allow_mismatch {
        return Err(CheckError::Mismatch(refused));
    }
    let (mut base, mut cur) = (merged_entries(baseline)?, merged_entries(current)?);
    let mut notes = Vec::new();
    if !refused.is_empty() {
        notes.push(format!(
            "compared despite {} difference{} in how the sides were measured (--allow-mismatch): see mismatches",
            refused.len(),
            if refused.len() == 1 { "" } else { "s" }
        ));
    }
    if entries::frameworks(&base) == 1 && entries::frameworks(&cur) == 1 {
        let (bf, cf) = (
            base.values().next().map(|e| e.framework.clone()),
            cur.values().next().map(|e| e.framework.clone()),
        );
        if bf != cf {
            notes.push(format!(
                "baseline is {} and current is {}: compared workload by workload",
                bf.unwrap_or_default(),
                cf.unwrap_or_default()
            ));
        }
        base = entries::rekey(base);
        cur = entries::rekey(cur);
    }
    let mut workloads: Vec<WorkloadCheck> =
        cur.iter().filter_map(|(k, c)| base.get(k).map(|b| evaluate::evaluate(b, c, o))).collect();
    workloads.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(a.rps_change_percent.total_cmp(&b.rps_change_percent))
    });
    let verdict = workloads.iter().map(|w| w.severity).max().unwrap_or(Severity::Pass);
    if workloads.is_empty() {
        notes.push("no workload was measured on both sides".into());
    }
    let inconclusive = workloads.iter().filter(|w| w.decision == Some(Decision::Inconclusive)).count();
    Ok(CheckResult {
        mode: "check".into(),
        schema_version: SCHEMA_VERSION,
        verdict,
        inconclusive_workloads: inconclusive as u32,
        baseline: side(baseline),
        current: side(current),
        thresholds: Thresholds {
            warn_percent: o.warn,
            fail_percent: o.fail,
            metric: o.metric.as_str().into(),
            alpha: o.alpha,
            noise_floor_percent: o.noise_floor,
        },
        workloads,
        only_in_baseline: base.keys().filter(|k| !cur.contains_key(*k)).cloned().collect(),
        only_in_current: cur.keys().filter(|k| !base.contains_key(*k)).cloned().collect(),
        mismatches,
        notes,
    })
}

#[cfg(test)]
mod tests;
