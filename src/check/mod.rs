//! Regression detection: a current result against a baseline result, per workload, with
//! thresholds and, when both sides carry several rounds, a significance gate (Welch).
//!
//! Pure: reads result types only (`report::AnyResult`), talks to `stats`.

mod config;

pub use config::{find_config, CheckConfig, CiConfig, ConfigError, Override};

use crate::stats::round_to;
use std::collections::BTreeMap;

use crate::report::AnyResult;
use crate::schema::{
    CheckResult, CheckSide, Severity, Thresholds, WorkloadCheck, WorkloadStatus, SCHEMA_VERSION,
};

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
    pub alpha: f64,
    /// Per-workload thresholds (by workload name).
    pub overrides: BTreeMap<String, Override>,
}

/// One framework on one workload, as a side of the check sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub framework: String,
    pub workload: String,
    pub rps: f64,
    pub p99_ms: Option<f64>,
    /// Per-round throughput (one value for a plain run).
    pub rps_samples: Vec<f64>,
    /// Per-round p99 (one value for a plain run).
    pub p99_samples: Vec<f64>,
}

/// Everything measured `ok` in a result, keyed `framework/workload`.
pub fn entries(any: &AnyResult) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    match any {
        AnyResult::Run(r) => {
            let framework = r.metadata.framework.clone().unwrap_or_else(|| "app".into());
            for w in r.workloads().filter(|w| w.status == WorkloadStatus::Ok) {
                let Some(m) = &w.results else { continue };
                let p99 = m.latency.as_ref().map(|l| l.p99_ms);
                out.entry(format!("{framework}/{}", w.name)).or_insert(Entry {
                    framework: framework.clone(),
                    workload: w.name.clone(),
                    rps: m.throughput.requests_per_sec,
                    p99_ms: p99,
                    rps_samples: vec![m.throughput.requests_per_sec],
                    p99_samples: p99.into_iter().collect(),
                });
            }
        }
        AnyResult::Compare(c) => {
            for w in c.suites.iter().flat_map(|s| &s.workloads) {
                for r in w.results.iter().filter(|r| r.status == WorkloadStatus::Ok && !r.samples.is_empty())
                {
                    let Some(t) = &r.throughput else { continue };
                    out.entry(format!("{}/{}", r.framework, w.name)).or_insert(Entry {
                        framework: r.framework.clone(),
                        workload: w.name.clone(),
                        rps: t.requests_per_sec,
                        p99_ms: r.latency.as_ref().map(|l| l.p99_ms),
                        rps_samples: r.samples.clone(),
                        p99_samples: r
                            .rounds
                            .iter()
                            .filter_map(|m| m.latency.as_ref().map(|l| l.p99_ms))
                            .collect(),
                    });
                }
            }
        }
    }
    out
}

fn side(any: &AnyResult, file: &str) -> CheckSide {
    let (mode, meta) = match any {
        AnyResult::Run(r) => (format!("{:?}", r.mode).to_lowercase(), &r.metadata),
        AnyResult::Compare(c) => ("compare".to_string(), &c.metadata),
    };
    CheckSide {
        file: file.into(),
        mode,
        git_commit: meta.git_commit.clone(),
        timestamp: meta.timestamp.clone(),
    }
}

/// Re-key single-framework sides by workload, so a run of `app` checks against a run of `app2`.
fn rekey(m: BTreeMap<String, Entry>) -> BTreeMap<String, Entry> {
    m.into_values().map(|e| (e.workload.clone(), e)).collect()
}

fn frameworks(m: &BTreeMap<String, Entry>) -> usize {
    let mut f: Vec<&str> = m.values().map(|e| e.framework.as_str()).collect();
    f.sort_unstable();
    f.dedup();
    f.len()
}

/// The entries of several results of the same setup taken as rounds: per key, the samples
/// of every file together, the means of their throughput and p99.
pub fn merged_entries(results: &[AnyResult]) -> BTreeMap<String, Entry> {
    let mut out: BTreeMap<String, Entry> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        for (k, e) in entries(r) {
            *counts.entry(k.clone()).or_default() += 1;
            match out.get_mut(&k) {
                None => {
                    out.insert(k, e);
                }
                Some(m) => {
                    m.rps += e.rps;
                    m.p99_ms = match (m.p99_ms, e.p99_ms) {
                        (Some(a), Some(b)) => Some(a + b),
                        _ => None,
                    };
                    m.rps_samples.extend(e.rps_samples);
                    m.p99_samples.extend(e.p99_samples);
                }
            }
        }
    }
    for (k, m) in out.iter_mut() {
        let n = counts[k] as f64;
        m.rps /= n;
        m.p99_ms = m.p99_ms.map(|p| p / n);
    }
    out
}

/// Check `current` against `baseline`.
pub fn check(baseline: (&AnyResult, &str), current: (&AnyResult, &str), o: &CheckOptions) -> CheckResult {
    check_rounds(
        (std::slice::from_ref(baseline.0), baseline.1),
        (std::slice::from_ref(current.0), current.1),
        o,
    )
}

/// Check `current` against `baseline` where each side may be several results of the same
/// setup (rounds): their samples together feed the significance gate.
pub fn check_rounds(
    baseline: (&[AnyResult], &str),
    current: (&[AnyResult], &str),
    o: &CheckOptions,
) -> CheckResult {
    let (mut base, mut cur) = (merged_entries(baseline.0), merged_entries(current.0));
    let mut notes = Vec::new();
    if frameworks(&base) == 1 && frameworks(&cur) == 1 {
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
        base = rekey(base);
        cur = rekey(cur);
    }
    let mut workloads: Vec<WorkloadCheck> =
        cur.iter().filter_map(|(k, c)| base.get(k).map(|b| evaluate(b, c, o))).collect();
    workloads.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(a.rps_change_percent.total_cmp(&b.rps_change_percent))
    });
    let verdict = workloads.iter().map(|w| w.severity).max().unwrap_or(Severity::Pass);
    if workloads.is_empty() {
        notes.push("no workload was measured on both sides".into());
    }
    CheckResult {
        mode: "check".into(),
        schema_version: SCHEMA_VERSION,
        verdict,
        baseline: side(&baseline.0[0], baseline.1),
        current: side(&current.0[0], current.1),
        thresholds: Thresholds {
            warn_percent: o.warn,
            fail_percent: o.fail,
            metric: o.metric.as_str().into(),
            alpha: o.alpha,
        },
        workloads,
        only_in_baseline: base.keys().filter(|k| !cur.contains_key(*k)).cloned().collect(),
        only_in_current: cur.keys().filter(|k| !base.contains_key(*k)).cloned().collect(),
        notes,
    }
}

/// A gate's outcome: the p-value and whether it is below alpha.
type Gate = Option<(f64, bool)>;

/// Significance of a change when both sides have at least 2 samples (`None` otherwise).
fn gate(base: &[f64], cur: &[f64], alpha: f64) -> Gate {
    if base.len() < 2 || cur.len() < 2 {
        return None;
    }
    crate::stats::welch(cur, base, 0.95).map(|w| (w.p_value, w.p_value < alpha))
}

fn evaluate(b: &Entry, c: &Entry, o: &CheckOptions) -> WorkloadCheck {
    let ov = o.overrides.get(&c.workload);
    let warn = ov.and_then(|v| v.warn).unwrap_or(o.warn);
    let fail = ov.and_then(|v| v.fail).unwrap_or(o.fail);
    let rps_change = if b.rps > 0.0 { (c.rps - b.rps) / b.rps * 100.0 } else { 0.0 };
    let p99_change = match (b.p99_ms, c.p99_ms) {
        (Some(x), Some(y)) if x > 0.0 => Some((y - x) / x * 100.0),
        _ => None,
    };
    let rps_gate = gate(&b.rps_samples, &c.rps_samples, o.alpha);
    let p99_gate = gate(&b.p99_samples, &c.p99_samples, o.alpha);
    // Each figure's badness in percent (positive = worse) and whether it passes its gate.
    let mut candidates: Vec<(f64, String, Gate)> = Vec::new();
    if o.metric != Metric::P99 {
        candidates.push((-rps_change, format!("throughput {rps_change:+.1} %"), rps_gate));
    }
    if o.metric != Metric::Rps {
        if let Some(p) = p99_change {
            candidates.push((p, format!("p99 latency {p:+.1} %"), p99_gate));
        }
    }
    let level = |bad: f64| {
        if bad >= fail {
            Severity::Regression
        } else if bad >= warn {
            Severity::Warning
        } else {
            Severity::Pass
        }
    };
    let mut severity = Severity::Pass;
    let mut reasons = Vec::new();
    for (bad, what, g) in &candidates {
        let s = level(*bad);
        match (s, g) {
            (Severity::Pass, _) => {}
            (_, Some((p, false))) => reasons.push(format!("{what}, not significant (p = {p:.3}): noise")),
            (s, g) => {
                let limit = if s == Severity::Regression { fail } else { warn };
                let sig = g.map(|(p, _)| format!(", p = {p:.4}")).unwrap_or_default();
                reasons.push(format!("{what} (threshold {limit} %{sig})"));
                severity = severity.max(s);
            }
        }
    }
    if reasons.is_empty() {
        reasons.push(
            candidates.iter().map(|c| c.1.clone()).collect::<Vec<_>>().join(", ") + ": within thresholds",
        );
    }
    WorkloadCheck {
        framework: c.framework.clone(),
        workload: c.workload.clone(),
        baseline_rps: b.rps,
        current_rps: c.rps,
        rps_change_percent: round_to(rps_change, 2),
        baseline_p99_ms: b.p99_ms,
        current_p99_ms: c.p99_ms,
        p99_change_percent: p99_change.map(|v| round_to(v, 2)),
        p_value: rps_gate.map(|(p, _)| p),
        significant: rps_gate.map(|(_, s)| s),
        severity,
        warn_percent: warn,
        fail_percent: fail,
        reason: reasons.join("; "),
    }
}

#[cfg(test)]
mod tests;
