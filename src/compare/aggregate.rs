//! Folding the rounds of one framework on one workload into one `FrameworkResult`.

use crate::stats::round_to;
use hdrhistogram::Histogram;

use crate::run::latency_of;
use crate::schema::{
    CpuStats, FrameworkResult, Interval, Measurement, MemoryStats, Resources, Throughput, WorkloadStatus,
};

/// What a framework collected on a workload so far.
#[derive(Debug, Clone)]
pub struct Collected {
    pub status: WorkloadStatus,
    pub reason: Option<String>,
    pub rounds: Vec<Measurement>,
    pub latency: Option<Histogram<u64>>,
}

impl Collected {
    pub fn new() -> Collected {
        Collected { status: WorkloadStatus::Ok, reason: None, rounds: Vec::new(), latency: None }
    }

    /// Record one round's measurement and latency histogram. A throughput that is not a
    /// finite number ≥ 0 is not a measurement: the framework fails the workload with the
    /// reason (JSON cannot hold NaN or ∞, and no verdict may rest on one).
    pub fn push(&mut self, m: Measurement, h: Option<Histogram<u64>>) {
        let rps = m.throughput.requests_per_sec;
        if !(rps.is_finite() && rps >= 0.0) {
            let round = self.rounds.len() + 1;
            self.fail(
                WorkloadStatus::Failed,
                format!("round {round} measured a throughput of {rps} req/s, which is not a measurement"),
            );
            return;
        }
        self.rounds.push(m);
        if let Some(h) = h {
            match &mut self.latency {
                Some(all) => {
                    let _ = all.add(&h);
                }
                None => self.latency = Some(h),
            }
        }
    }

    /// Mark as not comparable (invalid answer, failed measurement), keeping the first reason.
    pub fn fail(&mut self, status: WorkloadStatus, reason: String) {
        if self.status == WorkloadStatus::Ok {
            self.status = status;
            self.reason = Some(reason);
        }
    }

    /// Per-round requests per second.
    pub fn samples(&self) -> Vec<f64> {
        self.rounds.iter().map(|m| m.throughput.requests_per_sec).collect()
    }
}

impl Default for Collected {
    fn default() -> Self {
        Collected::new()
    }
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    crate::stats::mean_or_zero(&v.collect::<Vec<_>>())
}

/// The rounds' memory method when they agree, else `mixed` (the figures then mix PSS and RSS).
fn one_method(res: &[&Resources]) -> Option<String> {
    let first = res.first()?.memory.method.clone();
    if res.iter().all(|r| r.memory.method == first) {
        first
    } else {
        Some("mixed".into())
    }
}

/// The framework's result over all its rounds.
pub fn framework_result(framework: &str, c: &Collected, confidence: f64) -> FrameworkResult {
    let samples = c.samples();
    let throughput = (!c.rounds.is_empty()).then(|| {
        let t = c.rounds.iter().map(|m| &m.throughput);
        let total: u64 = t.clone().map(|t| t.total_requests).sum();
        let ok: u64 = t.clone().map(|t| t.successful_requests).sum();
        Throughput {
            requests_per_sec: round_to(mean(t.clone().map(|t| t.requests_per_sec)), 2),
            bytes_per_sec: round_to(mean(t.clone().map(|t| t.bytes_per_sec)), 1),
            total_requests: total,
            successful_requests: ok,
            failed_requests: t.map(|t| t.failed_requests).sum(),
            success_rate: if total == 0 { 0.0 } else { round_to(ok as f64 / total as f64, 6) },
        }
    });
    let res: Vec<&Resources> = c.rounds.iter().filter_map(|m| m.resources.as_ref()).collect();
    let resources = (!res.is_empty()).then(|| Resources {
        cpu: CpuStats {
            avg_percent: round_to(mean(res.iter().map(|r| r.cpu.avg_percent)), 2),
            peak_percent: res.iter().map(|r| r.cpu.peak_percent).fold(0.0, f64::max),
            p95_percent: round_to(mean(res.iter().map(|r| r.cpu.p95_percent)), 2),
        },
        memory: MemoryStats {
            avg_mb: round_to(mean(res.iter().map(|r| r.memory.avg_mb)), 2),
            peak_mb: res.iter().map(|r| r.memory.peak_mb).fold(0.0, f64::max),
            p95_mb: round_to(mean(res.iter().map(|r| r.memory.p95_mb)), 2),
            method: one_method(&res),
        },
        samples: res.iter().map(|r| r.samples).sum(),
    });
    FrameworkResult {
        framework: framework.to_string(),
        status: c.status,
        reason: c.reason.clone(),
        throughput,
        latency: c.latency.as_ref().and_then(latency_of),
        resources,
        requests_per_sec_ci: crate::stats::mean_ci(&samples, confidence)
            .map(|(low, high)| Interval { low: round_to(low, 2), high: round_to(high, 2) }),
        samples,
        rounds: c.rounds.clone(),
    }
}
