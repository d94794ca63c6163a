//! Verdicts over groups of workloads: the overall winner (every ranked workload) and the
//! category winners, each gated by a test and carrying an interval.
//!
//! For a group, each framework gets one value per round: the geometric mean of its
//! throughputs on the group's workloads in that round. Rounds are independent (fresh
//! servers, balanced order), so these values are a sample like any workload's rounds,
//! and Welch's t-test on their logs gives the ratio of the framework's geometric mean to
//! the fastest's, with its interval. The fastest is named the winner only when it beats
//! every other framework, each at the group's level: an intersection–union test, which
//! needs no adjustment across the pairs. Categories are several groups at once, so each
//! is tested at `alpha / categories` (Bonferroni). Pure; called by `analysis`.

use std::collections::BTreeMap;

use crate::schema::{CompareSummary, CompareWorkload, GroupRatio, GroupVerdict, Interval};
use crate::stats::{self, round_to};

use super::analysis::{bound_frameworks, fmt_p, key, pct, Settings};

/// Per-round geometric means over `group` of every framework ranked on all of them.
fn per_round(group: &[&CompareWorkload], active: &[String]) -> BTreeMap<String, Vec<f64>> {
    let ranked_everywhere: Vec<&String> = active
        .iter()
        .filter(|f| {
            group.iter().all(|w| {
                w.comparison
                    .as_ref()
                    .is_some_and(|c| c.performance_ratios.keys().any(|k| k.starts_with(&format!("{f}_vs_"))))
            })
        })
        .collect();
    let samples = |w: &CompareWorkload, f: &str| -> Vec<f64> {
        w.results.iter().find(|r| r.framework == f).map(|r| r.samples.clone()).unwrap_or_default()
    };
    let rounds =
        ranked_everywhere.iter().flat_map(|f| group.iter().map(|w| samples(w, f).len())).min().unwrap_or(0);
    let mut out = BTreeMap::new();
    for f in ranked_everywhere {
        let mut values = Vec::with_capacity(rounds);
        for r in 0..rounds {
            let logs: Option<Vec<f64>> = group
                .iter()
                .map(|w| samples(w, f).get(r).copied().filter(|v| *v > 0.0 && v.is_finite()).map(f64::ln))
                .collect();
            match logs {
                Some(l) => values.push((l.iter().sum::<f64>() / l.len() as f64).exp()),
                None => values.push(0.0),
            }
        }
        out.insert(f.clone(), values);
    }
    out
}

/// The gated verdict over one group, tested at `level`.
fn verdict(
    group: &[&CompareWorkload],
    active: &[String],
    level: f64,
    s: Settings,
    what: &str,
) -> Option<GroupVerdict> {
    let values = per_round(group, active);
    if values.len() < 2 {
        return None;
    }
    let centre = |x: &[f64]| stats::geometric_mean(x).unwrap_or_else(|| stats::mean_or_zero(x));
    let (fastest, _) =
        values.iter().map(|(f, x)| (f.clone(), centre(x))).max_by(|a, b| a.1.total_cmp(&b.1))?;
    let confidence = 1.0 - level;
    let mut relative = BTreeMap::new();
    let mut blockers: Vec<String> = Vec::new();
    let mut runner_up: Option<(String, f64)> = None;
    for (f, x) in &values {
        if *f == fastest {
            relative
                .insert(f.clone(), GroupRatio { ratio: 1.0, ratio_confidence_interval: None, p_value: None });
            continue;
        }
        let (test, _) = super::analysis::log_test(x, &values[&fastest], s.stage, false, confidence);
        let ratio = match &test {
            Ok(t) => t.ratio,
            Err(_) => centre(x) / centre(&values[&fastest]).max(f64::MIN_POSITIVE),
        };
        if !runner_up.as_ref().is_some_and(|(_, r)| ratio <= *r) {
            runner_up = Some((f.clone(), ratio));
        }
        let capped: Vec<&str> =
            group.iter().filter(|w| bound_frameworks(w).contains(f)).map(|w| w.name.as_str()).collect();
        match &test {
            _ if !capped.is_empty() => blockers.push(format!(
                "{f}'s figures on {} are the load generator's limit, so it may be faster than measured",
                capped.join(", ")
            )),
            Ok(t) if t.p_value <= level && pct(1.0 / t.ratio) >= s.noise_floor => {}
            Ok(t) if t.p_value <= level => blockers.push(format!(
                "{f} is within the {:.0} % noise floor ({:.1} % slower)",
                s.noise_floor,
                pct(1.0 / t.ratio)
            )),
            Ok(t) => blockers.push(format!(
                "{fastest} is not significantly faster than {f} ({:.1} %, p {})",
                pct(1.0 / t.ratio),
                fmt_p(t.p_value)
            )),
            Err(e) => blockers.push(format!("{fastest} against {f} cannot be tested: {}", e.reason())),
        }
        relative.insert(
            f.clone(),
            GroupRatio {
                ratio: round_to(ratio, 4),
                ratio_confidence_interval: test
                    .as_ref()
                    .ok()
                    .map(|t| Interval { low: round_to(t.ci.0, 4), high: round_to(t.ci.1, 4) }),
                p_value: test.as_ref().ok().map(|t| t.p_value),
            },
        );
    }
    let rounds = values[&fastest].len() as u32;
    let winner = blockers.is_empty().then(|| fastest.clone());
    let verdict = match (&winner, &runner_up) {
        (Some(w), Some((r, ratio))) => format!(
            "{w} is the {what} winner: {:.1} % faster than the runner-up {r} (geometric mean over {} workloads, {rounds} rounds; \
             significant against every other framework at level {level:.3})",
            pct(1.0 / ratio),
            group.len()
        ),
        _ => format!("no {what} winner: {}", blockers.join("; ")),
    };
    Some(GroupVerdict {
        fastest,
        winner,
        workloads: group.len() as u32,
        rounds,
        level: round_to(level, 6),
        relative,
        verdict,
    })
}

/// Workloads won, ties, geometric means of per-workload ratios, and the gated overall and
/// category verdicts.
pub fn summarize(workloads: &[&mut CompareWorkload], active: &[String], s: Settings) -> CompareSummary {
    let ranked: Vec<&CompareWorkload> =
        workloads.iter().filter(|w| w.comparison.is_some()).map(|w| &**w).collect();
    let mut out = CompareSummary {
        ranked_workloads: ranked.len() as u32,
        unranked_workloads: (workloads.len() - ranked.len()) as u32,
        ties: ranked.iter().filter(|w| w.comparison.as_ref().is_some_and(|c| c.winner.is_none())).count()
            as u32,
        ..CompareSummary::default()
    };
    for f in active {
        out.workloads_won.insert(f.clone(), 0);
    }
    for w in &ranked {
        if let Some(win) = w.comparison.as_ref().and_then(|c| c.winner.clone()) {
            *out.workloads_won.entry(win).or_default() += 1;
        }
    }
    for a in active {
        for b in active {
            if a != b {
                let ratios: Vec<f64> = ranked
                    .iter()
                    .filter_map(|w| w.comparison.as_ref()?.performance_ratios.get(&key(a, b)).copied())
                    .collect();
                if let Some(g) = stats::geometric_mean(&ratios) {
                    out.geometric_mean_ratios.insert(key(a, b), round_to(g, 4));
                }
            }
        }
    }
    out.overall = verdict(&ranked, active, s.alpha, s, "overall");
    if let Some(v) = &out.overall {
        out.overall_winner = v.winner.clone();
        if v.winner.is_some() {
            let best_other =
                v.relative.iter().filter(|(f, _)| **f != v.fastest).map(|(_, r)| r.ratio).fold(0.0, f64::max);
            if best_other > 0.0 {
                out.avg_performance_gain = Some(round_to(pct(1.0 / best_other), 2));
            }
        }
    }
    let mut categories: Vec<&str> = ranked.iter().map(|w| w.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    let level = s.alpha / categories.len().max(1) as f64;
    for cat in &categories {
        let group: Vec<&CompareWorkload> = ranked.iter().copied().filter(|w| w.category == *cat).collect();
        if let Some(v) = verdict(&group, active, level, s, "category") {
            if let Some(win) = &v.winner {
                out.category_winners.insert(cat.to_string(), win.clone());
            }
            out.categories.insert(cat.to_string(), v);
        }
    }
    out
}
