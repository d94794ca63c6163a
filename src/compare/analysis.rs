//! Verdicts from per-round samples: Welch per pair, Holm across the run, winners, summary.
//!
//! Pure: reads and fills the result types only, so it can run again on saved results.

use crate::stats::round_to;
use std::collections::BTreeMap;

use crate::schema::{
    CompareSummary, CompareWorkload, Comparison, Interval, LatencyRatio, Significance, WorkloadStatus,
};
use crate::stats;

/// Options of the analysis.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub alpha: f64,
    /// Percent.
    pub noise_floor: f64,
    /// e.g. 0.95.
    pub confidence: f64,
}

fn key(a: &str, b: &str) -> String {
    format!("{a}_vs_{b}")
}

/// True when every framework in `active` has an ok result with samples on this workload.
fn rankable(w: &CompareWorkload, active: &[String]) -> bool {
    active.len() >= 2
        && active.iter().all(|f| {
            w.results
                .iter()
                .any(|r| &r.framework == f && r.status == WorkloadStatus::Ok && !r.samples.is_empty())
        })
}

/// Fill `comparison` (or `unranked_because`) of every workload and return the run summary.
/// `active` are the frameworks that set up and started.
pub fn analyze(workloads: &mut [&mut CompareWorkload], active: &[String], s: Settings) -> CompareSummary {
    // First pass: raw tests per ranked workload; remember where each p-value goes.
    let mut raw: Vec<(usize, String, f64)> = Vec::new();
    for (i, w) in workloads.iter_mut().enumerate() {
        w.unranked_because.clear();
        if !rankable(w, active) {
            w.comparison = None;
            for f in active {
                match w.results.iter().find(|r| &r.framework == f) {
                    Some(r) if r.status == WorkloadStatus::Ok && !r.samples.is_empty() => {}
                    Some(r) => {
                        let why =
                            r.reason.clone().unwrap_or_else(|| format!("{:?}", r.status).to_lowercase());
                        w.unranked_because.insert(f.clone(), why);
                    }
                    None => {
                        w.unranked_because.insert(f.clone(), "not measured".into());
                    }
                }
            }
            if active.len() < 2 && w.unranked_because.is_empty() {
                w.unranked_because.insert("-".into(), "fewer than two frameworks to compare".into());
            }
            continue;
        }
        let comparison = compare_one(w, active, s);
        for (k, sig) in &comparison.statistical_significance {
            if let Some(p) = sig.p_value {
                raw.push((i, k.clone(), p));
            }
        }
        w.comparison = Some(comparison);
    }
    // Holm across every test of the run, then verdicts and winners.
    let adjusted = stats::holm(&raw.iter().map(|r| r.2).collect::<Vec<_>>());
    for ((i, k, _), adj) in raw.iter().zip(adjusted) {
        if let Some(c) = workloads[*i].comparison.as_mut() {
            if let Some(sig) = c.statistical_significance.get_mut(k) {
                sig.adjusted_p_value = Some(adj);
            }
        }
    }
    for w in workloads.iter_mut() {
        if let Some(c) = w.comparison.as_mut() {
            settle(c, s);
        }
    }
    summarize(workloads, active)
}

/// Ratios, tests and latency ratios of one ranked workload (verdicts come after Holm).
fn compare_one(w: &CompareWorkload, active: &[String], s: Settings) -> Comparison {
    let samples: BTreeMap<&str, &[f64]> = w
        .results
        .iter()
        .filter(|r| active.contains(&r.framework))
        .map(|r| (r.framework.as_str(), r.samples.as_slice()))
        .collect();
    let means: BTreeMap<&str, f64> = samples.iter().map(|(f, x)| (*f, stats::mean_or_zero(x))).collect();
    let fastest =
        means.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(f, _)| f.to_string()).unwrap_or_default();
    let mut performance_ratios = BTreeMap::new();
    let mut statistical_significance = BTreeMap::new();
    let mut latency_ratios = BTreeMap::new();
    let lat = |f: &str| w.results.iter().find(|r| r.framework == f).and_then(|r| r.latency.as_ref());
    for a in active {
        for b in active {
            if a == b {
                continue;
            }
            performance_ratios.insert(key(a, b), round_to(means[a.as_str()] / means[b.as_str()], 4));
            let (la, lb) = (lat(a), lat(b));
            let r = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) if y > 0.0 => Some(round_to(x / y, 4)),
                _ => None,
            };
            latency_ratios.insert(
                key(a, b),
                LatencyRatio {
                    p50_ratio: r(la.map(|l| l.median_ms), lb.map(|l| l.median_ms)),
                    p99_ratio: r(la.map(|l| l.p99_ms), lb.map(|l| l.p99_ms)),
                },
            );
            // One test per unordered pair, named faster-first.
            if means[a.as_str()] > means[b.as_str()] || (means[a.as_str()] == means[b.as_str()] && a < b) {
                let (xa, xb) = (samples[a.as_str()], samples[b.as_str()]);
                statistical_significance.insert(key(a, b), test(xa, xb, s));
            }
        }
    }
    Comparison { winner: None, fastest, performance_ratios, statistical_significance, latency_ratios }
}

fn test(a: &[f64], b: &[f64], s: Settings) -> Significance {
    let welch = stats::welch(a, b, s.confidence);
    Significance {
        p_value: welch.as_ref().map(|w| w.p_value),
        adjusted_p_value: None,
        significant: false,
        meaningful: false,
        test: "welch_t".into(),
        degrees_of_freedom: welch.as_ref().map(|w| round_to(w.df, 3)),
        confidence_interval: welch
            .as_ref()
            .map(|w| Interval { low: round_to(w.ci.0, 2), high: round_to(w.ci.1, 2) }),
        ratio_confidence_interval: stats::fieller_ratio_ci(a, b, s.confidence)
            .map(|(low, high)| Interval { low: round_to(low, 4), high: round_to(high, 4) }),
        effect_size: stats::hedges_g(a, b).map(|g| round_to(g, 3)),
        verdict: String::new(),
    }
}

fn pct(ratio: f64) -> f64 {
    (ratio - 1.0) * 100.0
}

fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("= {p:.4}")
    }
}

/// Significance, meaning and verdict text of each test; the workload's winner.
fn settle(c: &mut Comparison, s: Settings) {
    for (k, sig) in c.statistical_significance.iter_mut() {
        let ratio = c.performance_ratios.get(k).copied().unwrap_or(1.0);
        let (a, b) = k.split_once("_vs_").unwrap_or((k, ""));
        let diff = pct(ratio);
        sig.significant = sig.adjusted_p_value.is_some_and(|p| p < s.alpha);
        sig.meaningful = sig.significant && diff.abs() >= s.noise_floor;
        sig.verdict = match (sig.p_value, sig.adjusted_p_value) {
            (Some(p), Some(adj)) if sig.meaningful => {
                format!("{a} is {diff:.1} % faster than {b} (p {}, adjusted p {})", fmt_p(p), fmt_p(adj))
            }
            (Some(_), Some(_)) if sig.significant => format!(
                "no meaningful difference: {a} is {diff:.1} % faster, below the {:.0} % noise floor",
                s.noise_floor
            ),
            (Some(p), Some(adj)) => {
                format!("no significant difference ({diff:.1} %, p {}, adjusted p {})", fmt_p(p), fmt_p(adj))
            }
            _ => "not tested: needs at least 2 rounds of each framework".into(),
        };
    }
    let fastest = c.fastest.clone();
    let beats_all = c
        .statistical_significance
        .iter()
        .filter(|(k, _)| k.split_once("_vs_").is_some_and(|(a, b)| a == fastest || b == fastest))
        .all(|(k, sig)| k.starts_with(&format!("{fastest}_vs_")) && sig.meaningful);
    c.winner = beats_all.then_some(fastest);
}

/// Geometric means, workloads won, category winners.
fn summarize(workloads: &[&mut CompareWorkload], active: &[String]) -> CompareSummary {
    let ranked: Vec<&Comparison> = workloads.iter().filter_map(|w| w.comparison.as_ref()).collect();
    let mut out = CompareSummary {
        ranked_workloads: ranked.len() as u32,
        unranked_workloads: (workloads.len() - ranked.len()) as u32,
        ties: ranked.iter().filter(|c| c.winner.is_none()).count() as u32,
        ..CompareSummary::default()
    };
    for f in active {
        out.workloads_won.insert(f.clone(), 0);
    }
    for c in &ranked {
        if let Some(w) = &c.winner {
            *out.workloads_won.entry(w.clone()).or_default() += 1;
        }
    }
    for a in active {
        for b in active {
            if a != b {
                let ratios: Vec<f64> =
                    ranked.iter().filter_map(|c| c.performance_ratios.get(&key(a, b)).copied()).collect();
                if let Some(g) = stats::geometric_mean(&ratios) {
                    out.geometric_mean_ratios.insert(key(a, b), round_to(g, 4));
                }
            }
        }
    }
    // Score: geometric mean of each framework's throughput relative to the best, per workload.
    let score = |f: &str, pick: &dyn Fn(&CompareWorkload) -> bool| -> Option<f64> {
        let rel: Vec<f64> = workloads
            .iter()
            .filter(|w| w.comparison.is_some() && pick(w))
            .filter_map(|w| {
                let c = w.comparison.as_ref()?;
                c.performance_ratios.get(&key(f, &c.fastest)).copied().or((f == c.fastest).then_some(1.0))
            })
            .collect();
        stats::geometric_mean(&rel)
    };
    let mut scores: Vec<(String, f64)> =
        active.iter().filter_map(|f| score(f, &|_| true).map(|s| (f.clone(), s))).collect();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    if let Some((best, s1)) = scores.first() {
        out.overall_winner = Some(best.clone());
        out.avg_performance_gain = scores.get(1).map(|(_, s2)| round_to((s1 / s2 - 1.0) * 100.0, 2));
    }
    let mut categories: Vec<&str> =
        workloads.iter().filter(|w| w.comparison.is_some()).map(|w| w.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    for cat in categories {
        let best = active
            .iter()
            .filter_map(|f| score(f, &|w: &CompareWorkload| w.category == cat).map(|s| (f, s)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((f, _)) = best {
            out.category_winners.insert(cat.to_string(), f.clone());
        }
    }
    out
}

/// Widest half-width (percent of the ratio) of the ranked workloads' ratio CIs; `None`
/// when any CI is missing. With `settled_ok`, pairs already significant do not count.
pub fn precision(workloads: &[CompareWorkload], settled_ok: bool) -> Option<f64> {
    let mut widest: f64 = 0.0;
    for c in workloads.iter().filter_map(|w| w.comparison.as_ref()) {
        for (k, sig) in &c.statistical_significance {
            if settled_ok && sig.significant {
                continue;
            }
            let ci = sig.ratio_confidence_interval?;
            let ratio = c.performance_ratios.get(k).copied().unwrap_or(1.0);
            widest = widest.max((ci.high - ci.low) / 2.0 / ratio * 100.0);
        }
    }
    Some(round_to(widest, 2))
}

#[cfg(test)]
mod tests;
