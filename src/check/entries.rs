//! What `check` reads from a result: per framework × workload, every round's throughput,
//! p99 and latency histogram; several files of one side taken together as rounds; every
//! figure validated (a NaN, infinite or negative figure is refused, naming where it is).
//!
//! Calls `schema::hdr` to decode the histograms.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use super::CheckError;
use crate::report::AnyResult;
use crate::schema::{hdr, Measurement, WorkloadStatus};

/// One framework on one workload, as a side of the check sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub framework: String,
    pub workload: String,
    /// Mean of the per-round throughputs (the file's figure for a plain run).
    pub rps: f64,
    /// The file's p99 (the mean over files when a side has several); `null` when not measured.
    pub p99_ms: Option<f64>,
    /// Per-round throughput (one value for a plain run).
    pub rps_samples: Vec<f64>,
    /// Per-round p99, for the rounds whose full measurement the file carries.
    pub p99_samples: Vec<f64>,
    /// Per-round latency histograms, for the rounds that carry one.
    pub histograms: Vec<Histogram<u64>>,
    /// Rounds whose full measurement the file carries (a compare file may carry only samples).
    pub measured_rounds: usize,
}

impl Entry {
    /// Rounds of throughput.
    pub fn rounds(&self) -> usize {
        self.rps_samples.len()
    }

    /// True when every round carries its latency histogram.
    pub fn has_all_histograms(&self) -> bool {
        !self.histograms.is_empty() && self.histograms.len() == self.rounds()
    }

    /// True when every round carries its own p99.
    pub fn has_all_p99s(&self) -> bool {
        !self.p99_samples.is_empty() && self.p99_samples.len() == self.rounds()
    }
}

/// A figure read from a file: finite and not negative, or an error naming where it is.
fn figure(v: f64, what: &str, at: &Where) -> Result<f64, CheckError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(CheckError::BadFigure {
            file: at.file.to_string(),
            framework: at.framework.to_string(),
            workload: at.workload.to_string(),
            what: what.to_string(),
            value: v,
        })
    }
}

struct Where<'a> {
    file: &'a str,
    framework: &'a str,
    workload: &'a str,
}

/// One round's p99 and decoded histogram.
fn round_latency(m: &Measurement, round: usize, at: &Where, e: &mut Entry) -> Result<(), CheckError> {
    if let Some(l) = &m.latency {
        e.p99_samples.push(figure(l.p99_ms, &format!("round {round} p99 latency"), at)?);
    }
    if let Some(text) = &m.latency_histogram {
        let h = hdr::decode(text).map_err(|err| CheckError::BadHistogram {
            file: at.file.to_string(),
            framework: at.framework.to_string(),
            workload: at.workload.to_string(),
            round,
            message: err.to_string(),
        })?;
        e.histograms.push(h);
    }
    e.measured_rounds += 1;
    Ok(())
}

/// Everything measured `ok` in a result, keyed `framework/workload`; `file` names the file
/// in errors.
pub fn entries(any: &AnyResult, file: &str) -> Result<BTreeMap<String, Entry>, CheckError> {
    let mut out = BTreeMap::new();
    match any {
        AnyResult::Run(r) => {
            let framework = r.metadata.framework.clone().unwrap_or_else(|| "app".into());
            for w in r.workloads().filter(|w| w.status == WorkloadStatus::Ok) {
                let Some(m) = &w.results else { continue };
                let key = format!("{framework}/{}", w.name);
                if out.contains_key(&key) {
                    continue;
                }
                let at = Where { file, framework: &framework, workload: &w.name };
                let rps = figure(m.throughput.requests_per_sec, "throughput", &at)?;
                let p99 = m.latency.as_ref().map(|l| figure(l.p99_ms, "p99 latency", &at)).transpose()?;
                let mut e = Entry {
                    framework: framework.clone(),
                    workload: w.name.clone(),
                    rps,
                    p99_ms: p99,
                    rps_samples: vec![rps],
                    p99_samples: Vec::new(),
                    histograms: Vec::new(),
                    measured_rounds: 0,
                };
                round_latency(m, 1, &at, &mut e)?;
                out.insert(key, e);
            }
        }
        AnyResult::Compare(c) => {
            for w in c.suites.iter().flat_map(|s| &s.workloads) {
                let ok = w.results.iter().filter(|r| r.status == WorkloadStatus::Ok && !r.samples.is_empty());
                for r in ok {
                    let Some(t) = &r.throughput else { continue };
                    let key = format!("{}/{}", r.framework, w.name);
                    if out.contains_key(&key) {
                        continue;
                    }
                    let at = Where { file, framework: &r.framework, workload: &w.name };
                    let samples = r
                        .samples
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| figure(v, &format!("round {} throughput", i + 1), &at))
                        .collect::<Result<Vec<f64>, _>>()?;
                    let p99 = r.latency.as_ref().map(|l| figure(l.p99_ms, "p99 latency", &at)).transpose()?;
                    let mut e = Entry {
                        framework: r.framework.clone(),
                        workload: w.name.clone(),
                        rps: figure(t.requests_per_sec, "throughput", &at)?,
                        p99_ms: p99,
                        rps_samples: samples,
                        p99_samples: Vec::new(),
                        histograms: Vec::new(),
                        measured_rounds: 0,
                    };
                    for (i, m) in r.rounds.iter().enumerate() {
                        round_latency(m, i + 1, &at, &mut e)?;
                    }
                    out.insert(key, e);
                }
            }
        }
        AnyResult::Check(_) => return Err(CheckError::NotMeasured { file: file.to_string() }),
    }
    Ok(out)
}

/// The entries of several results of the same setup taken as rounds: per key, the rounds of
/// every file together, the means of their throughput and p99.
pub fn merged_entries(results: &[(AnyResult, String)]) -> Result<BTreeMap<String, Entry>, CheckError> {
    let mut out: BTreeMap<String, Entry> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (r, file) in results {
        for (k, e) in entries(r, file)? {
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
                    m.histograms.extend(e.histograms);
                    m.measured_rounds += e.measured_rounds;
                }
            }
        }
    }
    for (k, m) in out.iter_mut() {
        let n = counts[k] as f64;
        m.rps /= n;
        m.p99_ms = m.p99_ms.map(|p| p / n);
    }
    Ok(out)
}

/// Re-key single-framework sides by workload, so a run of `app` checks against a run of `app2`.
pub fn rekey(m: BTreeMap<String, Entry>) -> BTreeMap<String, Entry> {
    m.into_values().map(|e| (e.workload.clone(), e)).collect()
}

/// How many frameworks a side holds.
pub fn frameworks(m: &BTreeMap<String, Entry>) -> usize {
    let mut f: Vec<&str> = m.values().map(|e| e.framework.as_str()).collect();
    f.sort_unstable();
    f.dedup();
    f.len()
}
