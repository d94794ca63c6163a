//! Verdicts from per-round samples: per workload, a t-test on the log scale for each pair
//! (paired on per-round log-ratios from 6 complete rounds, else Welch; Stein's staged form
//! with adaptive rounds), the Benjamini–Bogomolov procedure across workloads (Holm inside
//! each), winners; then the gated overall and category verdicts (`groups`).
//!
//! Pure: reads and fills the result types only, so it can run again on saved results.

use std::collections::{BTreeMap, BTreeSet};

use crate::schema::{
    CompareSummary, CompareWorkload, Comparison, Interval, LatencyRatio, Significance, WorkloadStatus,
};
use crate::stats::{self, round_to};

use super::groups;

/// Options of the analysis.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub alpha: f64,
    /// Percent.
    pub noise_floor: f64,
    /// e.g. 0.95.
    pub confidence: f64,
    /// Adaptive rounds: the rounds of the first stage (the floor), whose spread alone gives
    /// the tests' standard errors (Stein's two-stage test), so that stopping when the
    /// interval is narrow enough cannot make noise look significant. `None`: fixed rounds.
    pub stage: Option<usize>,
    /// `--paired`: test each pair on its per-round log-ratios (rounds as blocks) instead of
    /// Welch's test on the two samples of logs.
    pub paired: bool,
}

/// The test of one pair on the logs of `a` and `b`, and its name for `Significance.test`.
///
/// Welch's test by default; with `paired` (`--paired`) and the same number of rounds on
/// both sides, the paired test on per-round log-ratios (a round is a block: every framework
/// measured once in it). Staged (Stein: standard error from the first `stage` rounds only)
/// when `stage` is set and some rounds came after it. Which test is a matter of design
/// (flags, rounds run, the floor), never of the data.
///
/// Why Welch by default: on a quiet machine a round shares little between frameworks — each
/// turn is its own fresh process, minutes apart from the others' — and the paired test's
/// n − 1 degrees of freedom then cost more than the pairing removes. Re-analysing the
/// quickstart's 6 rounds here (6 apps, 10 workloads, quiet machine), Welch found 81 of the
/// 95 pairs that differ by ≥ 1.5× significant, the paired test 74. On a machine whose state
/// drifts between rounds (a shared CI runner) the pairing helps: there, pass `--paired`.
pub(crate) fn log_test(
    a: &[f64],
    b: &[f64],
    stage: Option<usize>,
    paired: bool,
    confidence: f64,
) -> (Result<stats::LogRatio, stats::LogRatioError>, &'static str) {
    let staged = stage.filter(|k| a.len() > *k || b.len() > *k);
    let paired = paired && a.len() == b.len();
    let name = match (paired, staged.is_some()) {
        (true, false) => TEST_PAIRED,
        (true, true) => TEST_PAIRED_STAGED,
        (false, false) => TEST,
        (false, true) => TEST_STAGED,
    };
    let ln = |x: &[f64]| -> Option<Vec<f64>> {
        x.iter().map(|&v| (v > 0.0 && v.is_finite()).then(|| v.ln())).collect()
    };
    if a.len() < 2 || b.len() < 2 {
        return (Err(stats::LogRatioError::TooFew), name);
    }
    let (Some(la), Some(lb)) = (ln(a), ln(b)) else {
        return (Err(stats::LogRatioError::NotPositive), name);
    };
    let test = match (paired, staged) {
        (true, None) => stats::log_paired(&la, &lb, confidence),
        (true, Some(k)) => stats::log_paired_staged(&la, &lb, k, confidence),
        (false, None) => stats::log_welch(&la, &lb, confidence),
        (false, Some(k)) => stats::log_welch_staged(&la, &lb, k, confidence),
    };
    (test, name)
}

pub(crate) fn key(a: &str, b: &str) -> String {
    format!("{a}_vs_{b}")
}

/// `Significance.generator_bound`: the slower-measured framework's figures are the load
/// generator's limit, so the pair has no verdict.
pub const WITHHELD: &str = "withheld";
/// `Significance.generator_bound`: only the faster-measured framework's figures are the
/// generator's limit, so it is at least as much faster as measured.
pub const AT_LEAST: &str = "at_least";

/// The tests named in `Significance.test`: Welch's t-test on the logs (too few or unequal
/// rounds) ...
pub const TEST: &str = "welch_t_log";
/// ... and with adaptive rounds, standard error from the first stage (Stein);
pub const TEST_STAGED: &str = "welch_t_log_stein";
/// the paired t-test on per-round log-ratios ...
pub const TEST_PAIRED: &str = "paired_t_log";
/// ... and its staged form with adaptive rounds.
pub const TEST_PAIRED_STAGED: &str = "paired_t_log_stein";

/// Why `f` cannot be ranked on `w`, or `None` when it can: it must have an ok result with
/// samples that are measurements. (A saturated load generator does not unrank: see
/// [`bound_frameworks`].)
fn unrankable(w: &CompareWorkload, f: &str) -> Option<String> {
    let Some(r) = w.results.iter().find(|r| r.framework == f) else {
        return Some("not measured".into());
    };
    if r.status != WorkloadStatus::Ok || r.samples.is_empty() {
        let status = format!("{:?}", r.status).to_lowercase();
        return Some(match &r.reason {
            Some(why) => format!("{status}: {why}"),
            None => status,
        });
    }
    if let Some((i, v)) = r.samples.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
        return Some(format!("round {} has a throughput of {v} req/s, which is not a measurement", i + 1));
    }
    None
}

/// The frameworks whose load generator was saturated in some round of `w`. Their figures
/// are lower bounds (the server may be faster than measured): a verdict that such a
/// framework is *faster* than another stands (it is at least that much faster); a verdict
/// that it is *slower* is withheld, since its true figure may be higher.
pub(crate) fn bound_frameworks(w: &CompareWorkload) -> BTreeSet<String> {
    w.results
        .iter()
        .filter(|r| r.rounds.iter().any(|m| m.load.generator_bound))
        .map(|r| r.framework.clone())
        .collect()
}

/// Fill `comparison` (or `unranked_because`) of every workload and return the run summary.
/// `active` are the frameworks that set up and started.
pub fn analyze(workloads: &mut [&mut CompareWorkload], active: &[String], s: Settings) -> CompareSummary {
    let mut families: Vec<Vec<f64>> = Vec::with_capacity(workloads.len());
    let mut family_keys: Vec<Vec<String>> = Vec::with_capacity(workloads.len());
    for w in workloads.iter_mut() {
        w.unranked_because.clear();
        let mut ranked: Vec<String> = Vec::new();
        for f in active {
            match unrankable(w, f) {
                Some(why) => {
                    w.unranked_because.insert(f.clone(), why);
                }
                None => ranked.push(f.clone()),
            }
        }
        // A workload is ranked only when every framework can be: a verdict among the rest
        // would rank the others on a different set of workloads than the overall verdict.
        if ranked.len() < 2 || ranked.len() < active.len() {
            w.comparison = None;
            if w.unranked_because.is_empty() {
                w.unranked_because.insert("-".into(), "fewer than two frameworks to compare".into());
            }
            families.push(Vec::new());
            family_keys.push(Vec::new());
            continue;
        }
        let comparison = compare_one(w, &ranked, s);
        let (keys, ps): (Vec<String>, Vec<f64>) = comparison
            .statistical_significance
            .iter()
            .filter_map(|(k, sig)| sig.p_value.map(|p| (k.clone(), p)))
            .unzip();
        families.push(ps);
        family_keys.push(keys);
        w.comparison = Some(comparison);
    }
    let adjusted = stats::bogomolov(&families, s.alpha);
    for (i, w) in workloads.iter_mut().enumerate() {
        let bound = bound_frameworks(w);
        if let Some(c) = w.comparison.as_mut() {
            for (k, adj) in family_keys[i].iter().zip(&adjusted[i]) {
                if let Some(sig) = c.statistical_significance.get_mut(k) {
                    sig.adjusted_p_value = Some(*adj);
                }
            }
            settle(c, s, &bound);
        }
    }
    groups::summarize(workloads, active, s)
}

/// The centre of a framework's rounds: the geometric mean, or the arithmetic mean when a
/// round is zero (a framework that served nothing in a round still ranks last).
fn centre(x: &[f64]) -> f64 {
    stats::geometric_mean(x).unwrap_or_else(|| stats::mean_or_zero(x))
}

/// Ratios, tests and latency ratios of one ranked workload (verdicts come after the adjustment).
fn compare_one(w: &CompareWorkload, ranked: &[String], s: Settings) -> Comparison {
    let samples: BTreeMap<&str, &[f64]> = w
        .results
        .iter()
        .filter(|r| ranked.contains(&r.framework))
        .map(|r| (r.framework.as_str(), r.samples.as_slice()))
        .collect();
    let centres: BTreeMap<&str, f64> = samples.iter().map(|(f, x)| (*f, centre(x))).collect();
    let fastest =
        centres.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(f, _)| f.to_string()).unwrap_or_default();
    let mut performance_ratios = BTreeMap::new();
    let mut statistical_significance = BTreeMap::new();
    let mut latency_ratios = BTreeMap::new();
    let lat = |f: &str| w.results.iter().find(|r| r.framework == f).and_then(|r| r.latency.as_ref());
    for a in ranked {
        for b in ranked {
            if a == b {
                continue;
            }
            let (ca, cb) = (centres[a.as_str()], centres[b.as_str()]);
            if cb > 0.0 {
                performance_ratios.insert(key(a, b), round_to(ca / cb, 4));
            }
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
            if ca > cb || (ca == cb && a < b) {
                statistical_significance.insert(key(a, b), test(samples[a.as_str()], samples[b.as_str()], s));
            }
        }
    }
    Comparison { winner: None, fastest, performance_ratios, statistical_significance, latency_ratios }
}

fn interval((low, high): (f64, f64), places: i32) -> Interval {
    Interval { low: round_to(low, places), high: round_to(high, places) }
}

/// Welch's t-test on the logs of `a` and `b`, with the raw-scale estimates beside it.
fn test(a: &[f64], b: &[f64], s: Settings) -> Significance {
    let (log, name) = log_test(a, b, s.stage, s.paired, s.confidence);
    let raw = stats::welch(a, b, s.confidence);
    let ok = log.as_ref().ok();
    Significance {
        p_value: ok.map(|l| l.p_value),
        adjusted_p_value: None,
        significant: false,
        meaningful: false,
        test: name.into(),
        degrees_of_freedom: ok.map(|l| round_to(l.df, 3)),
        confidence_interval: raw.as_ref().map(|w| interval(w.ci, 2)),
        ratio_confidence_interval: ok.map(|l| interval(l.ci, 4)),
        effect_size: stats::hedges_g(a, b).map(|g| round_to(g, 3)),
        ratio: ok.map(|l| round_to(l.ratio, 4)),
        reason: log.err().map(|e| e.reason().to_string()),
        verdict: String::new(),
        generator_bound: None,
    }
}

pub(crate) fn pct(ratio: f64) -> f64 {
    (ratio - 1.0) * 100.0
}

pub(crate) fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("= {p:.4}")
    }
}

/// Significance, meaning and verdict text of each test; the workload's winner. `bound`:
/// the frameworks whose figures are the load generator's limit (lower bounds).
fn settle(c: &mut Comparison, s: Settings, bound: &BTreeSet<String>) {
    for (k, sig) in c.statistical_significance.iter_mut() {
        let ratio = sig.ratio.or_else(|| c.performance_ratios.get(k).copied()).unwrap_or(1.0);
        let (a, b) = k.split_once("_vs_").unwrap_or((k, ""));
        let diff = pct(ratio);
        sig.significant = sig.adjusted_p_value.is_some_and(|p| p <= s.alpha);
        sig.meaningful = sig.significant && diff.abs() >= s.noise_floor;
        // `a` measured faster. If `b`'s figure is only a lower bound, `b` may really be as
        // fast or faster: no verdict. If only `a`'s is, `a` is at least that much faster.
        sig.generator_bound = match (bound.contains(a), bound.contains(b)) {
            (_, true) => Some(WITHHELD.into()),
            (true, false) => Some(AT_LEAST.into()),
            (false, false) => None,
        };
        if sig.generator_bound.as_deref() == Some(WITHHELD) {
            sig.significant = false;
            sig.meaningful = false;
            sig.verdict = format!(
                "no verdict: {b}'s load generator was saturated, so {b} may be faster than measured \
                 ({a} measured {diff:.1} % faster)"
            );
            continue;
        }
        let ci = sig
            .ratio_confidence_interval
            .map(|i| format!(", {:.0} % CI {:.2}×–{:.2}×", s.confidence * 100.0, i.low, i.high))
            .unwrap_or_default();
        sig.verdict = match (sig.p_value, sig.adjusted_p_value) {
            (Some(p), Some(adj)) if sig.meaningful => format!(
                "{a} is {}{diff:.1} % faster than {b} ({ratio:.2}×{ci}; p {}, adjusted p {}){}",
                if sig.generator_bound.is_some() { "at least " } else { "" },
                fmt_p(p),
                fmt_p(adj),
                if sig.generator_bound.is_some() {
                    format!("; {a}'s figures are the load generator's limit")
                } else {
                    String::new()
                }
            ),
            (Some(_), Some(_)) if sig.significant => format!(
                "no meaningful difference: {a} is {diff:.1} % faster, below the {:.0} % noise floor",
                s.noise_floor
            ),
            (Some(p), Some(adj)) => format!(
                "no significant difference ({diff:.1} %{ci}; p {}, adjusted p {})",
                fmt_p(p),
                fmt_p(adj)
            ),
            _ => {
                let why = sig.reason.as_deref().unwrap_or("needs at least 2 rounds of each");
                let constant = [stats::LogRatioError::NoVariance, stats::LogRatioError::ConstantRatio];
                if constant.iter().any(|e| e.reason() == why) {
                    // Zero spread: nothing to test against, and the noise floor still applies
                    // to the difference itself. Either way no winner.
                    let side = if diff.abs() < s.noise_floor { "below" } else { "above" };
                    let gap =
                        format!("{a} is {diff:.1} % faster, {side} the {:.0} % noise floor", s.noise_floor);
                    if side == "below" {
                        format!("no meaningful difference: {gap} (not tested: {why})")
                    } else {
                        format!("not tested: {why}; {gap}")
                    }
                } else {
                    format!("not tested: {why}")
                }
            }
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

/// Widest half-width (percent of the ratio) of the ranked workloads' ratio CIs; `None`
/// when any CI is missing. Every pair counts, significant or not: dropping the pairs that
/// came out significant would make the stopping rule depend on the tests' outcomes.
pub fn precision(workloads: &[CompareWorkload]) -> Option<f64> {
    let mut widest: f64 = 0.0;
    for c in workloads.iter().filter_map(|w| w.comparison.as_ref()) {
        for sig in c.statistical_significance.values() {
            let ci = sig.ratio_confidence_interval?;
            let ratio = sig.ratio.unwrap_or(1.0);
            widest = widest.max((ci.high - ci.low) / 2.0 / ratio * 100.0);
        }
    }
    Some(round_to(widest, 2))
}

#[cfg(test)]
mod bound;
#[cfg(test)]
mod sequential;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod verdicts;
