//! `--baseline`: ratios of a result against another run/profile result (e.g. the Rust one),
//! the seed's question of what each binding costs against pure Rust. Pure.

use crate::stats::round_to;
use std::collections::BTreeMap;

use crate::report::AnyResult;
use crate::schema::{BaselineComparison, BaselineRef, RunResult, WorkloadRatio, WorkloadStatus};

/// Compare every workload measured on both sides; list the ones on one side only.
/// One window per side has no interval: a ratio within ± this share of 1 is not told apart
/// from run-to-run noise (single fresh-server windows on a shared 2-core machine differ by
/// several percent, up to ~10 %; `compare` measures the spread instead of assuming it).
pub const SINGLE_WINDOW_NOISE: f64 = 0.10;

/// One side's figures of one workload.
struct Side {
    category: String,
    rps: f64,
    p99: Option<f64>,
    generator_bound: bool,
}

fn sides(r: &RunResult) -> BTreeMap<String, Side> {
    r.workloads()
        .filter(|w| w.status == WorkloadStatus::Ok)
        .filter_map(|w| {
            let m = w.results.as_ref()?;
            Some((
                w.name.clone(),
                Side {
                    category: w.category.clone(),
                    rps: m.throughput.requests_per_sec,
                    p99: m.latency.as_ref().map(|l| l.p99_ms),
                    generator_bound: m.load.generator_bound,
                },
            ))
        })
        .collect()
}

pub fn compare_with_baseline(current: &RunResult, baseline: &RunResult, file: &str) -> BaselineComparison {
    let (cur, base) = (sides(current), sides(baseline));
    let mut workloads = Vec::new();
    for (name, c) in &cur {
        let Some(b) = base.get(name) else { continue };
        if b.rps <= 0.0 {
            continue;
        }
        let ratio = round_to(c.rps / b.rps, 4);
        workloads.push(WorkloadRatio {
            name: name.clone(),
            category: c.category.clone(),
            ratio,
            p99_ratio: match (c.p99, b.p99) {
                (Some(a), Some(b)) if b > 0.0 => Some(round_to(a / b, 4)),
                _ => None,
            },
            bound: match (c.generator_bound, b.generator_bound) {
                (false, false) => None,
                (false, true) => Some("upper".into()),
                (true, false) => Some("lower".into()),
                (true, true) => Some("unknown".into()),
            },
            within_noise: (ratio - 1.0).abs() < SINGLE_WINDOW_NOISE,
        });
    }
    let only_in_current = cur.keys().filter(|k| !base.contains_key(*k)).cloned().collect();
    let only_in_baseline = base.keys().filter(|k| !cur.contains_key(*k)).cloned().collect();
    let overall_ratio = crate::stats::geometric_mean(&workloads.iter().map(|w| w.ratio).collect::<Vec<_>>())
        .map(|g| round_to(g, 4));
    let who = current.metadata.framework.clone().unwrap_or_else(|| "this result".into());
    let against = baseline.metadata.framework.clone().unwrap_or_else(|| file.to_string());
    let mut analysis = analysis(&who, &against, &workloads, overall_ratio);
    // Measured differently: say so first, loudly (the ratios then mix setup and framework).
    let differ = crate::check::mismatches(
        &[(AnyResult::Run(baseline.clone()), file.to_string())],
        &[(AnyResult::Run(current.clone()), "this run".to_string())],
    );
    for m in differ.iter().rev() {
        let weight = if crate::check::refuses(m) { "measured differently" } else { "note" };
        analysis.insert(0, format!("{weight}: {}", m.message));
    }
    BaselineComparison {
        baseline: BaselineRef { framework: baseline.metadata.framework.clone(), file: file.to_string() },
        workloads,
        only_in_current,
        only_in_baseline,
        overall_ratio,
        analysis,
    }
}

fn analysis(who: &str, against: &str, workloads: &[WorkloadRatio], overall: Option<f64>) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(overall) = overall else {
        lines.push(format!("no workload was measured on both {who} and {against}"));
        return lines;
    };
    let noise = SINGLE_WINDOW_NOISE * 100.0;
    let level = if (overall - 1.0).abs() < SINGLE_WINDOW_NOISE {
        format!(" — within the ± {noise:.0} % single-window noise: no difference shown")
    } else {
        String::new()
    };
    lines.push(format!(
        "{who} reaches {:.1} % of {against}'s throughput overall (geometric mean over {} workloads){level}",
        overall * 100.0,
        workloads.len()
    ));
    lines.push(format!(
        "one measurement window per side: no confidence interval, so ratios within ± {noise:.0} % are not \
         told apart from run-to-run noise; `compare` of the two apps gives verdicts with intervals"
    ));
    for w in workloads.iter().filter(|w| w.bound.is_some()) {
        lines.push(match w.bound.as_deref() {
            Some("upper") => format!(
                "{}: the baseline's load generator was saturated, so the baseline is faster than measured: \
                 the true ratio is at most {:.1} %",
                w.name,
                w.ratio * 100.0
            ),
            Some("lower") => format!(
                "{}: this run's load generator was saturated, so the true ratio is at least {:.1} %",
                w.name,
                w.ratio * 100.0
            ),
            _ => format!(
                "{}: both load generators were saturated: the ratio says nothing about the servers",
                w.name
            ),
        });
    }
    let mut sorted: Vec<&WorkloadRatio> = workloads.iter().filter(|w| !w.within_noise).collect();
    sorted.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
    for w in sorted.iter().take(3).filter(|w| w.ratio < 1.0) {
        let p99 = w.p99_ratio.map(|r| format!(", p99 latency ×{r:.2}")).unwrap_or_default();
        lines.push(format!(
            "largest gap: {} at {:.1} % of the baseline's throughput{p99}",
            w.name,
            w.ratio * 100.0
        ));
    }
    let mut by_cat: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for w in workloads {
        by_cat.entry(w.category.as_str()).or_default().push(w.ratio);
    }
    let mut cats: Vec<(&str, f64)> =
        by_cat.into_iter().filter_map(|(c, v)| crate::stats::geometric_mean(&v).map(|g| (c, g))).collect();
    cats.sort_by(|a, b| a.1.total_cmp(&b.1));
    // Name a category only when it stands out from the next one beyond the noise band.
    match (cats.first(), cats.get(1)) {
        (Some((cat, g)), next) if *g < 1.0 - SINGLE_WINDOW_NOISE => {
            if next.map_or(true, |(_, n)| g / n < 1.0 - SINGLE_WINDOW_NOISE) {
                lines.push(format!(
                    "the binding costs most in {cat}: {:.1} % of the baseline's throughput",
                    g * 100.0
                ));
            } else {
                lines.push(format!(
                    "no category stands out: {cat} ({:.1} %) is within the ± {noise:.0} % noise of the next",
                    g * 100.0
                ));
            }
        }
        _ => {}
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(framework: &str, rps: &[(&str, &str, f64, f64)]) -> RunResult {
        let mut r: RunResult = serde_json::from_str(include_str!("../../tests/fixtures/run.json")).unwrap();
        r.metadata.framework = Some(framework.into());
        let template = r.suites[0].workloads[0].clone();
        r.suites.truncate(1);
        r.suites[0].workloads = rps
            .iter()
            .map(|(name, cat, v, p99)| {
                let mut w = template.clone();
                w.name = name.to_string();
                w.category = cat.to_string();
                w.status = WorkloadStatus::Ok;
                let m = w.results.as_mut().unwrap();
                m.throughput.requests_per_sec = *v;
                m.latency.as_mut().unwrap().p99_ms = *p99;
                w
            })
            .collect();
        r
    }

    #[test]
    fn ratios_geometric_mean_and_one_sided_workloads() {
        let cur =
            result("py", &[("a", "json", 50.0, 4.0), ("b", "path", 80.0, 2.0), ("only-here", "x", 1.0, 1.0)]);
        let base = result(
            "rs",
            &[("a", "json", 100.0, 1.0), ("b", "path", 100.0, 1.0), ("only-there", "y", 1.0, 1.0)],
        );
        let c = compare_with_baseline(&cur, &base, "rs.json");
        assert_eq!(c.workloads.len(), 2);
        assert_eq!(c.workloads[0].ratio, 0.5);
        assert_eq!(c.workloads[0].p99_ratio, Some(4.0));
        assert_eq!(c.overall_ratio, Some(0.6325)); // sqrt(0.5 × 0.8)
        assert_eq!(c.only_in_current, vec!["only-here".to_string()]);
        assert_eq!(c.only_in_baseline, vec!["only-there".to_string()]);
        assert_eq!(c.baseline.framework.as_deref(), Some("rs"));
        assert!(c.analysis[0].contains("63.2 %"), "{:?}", c.analysis);
        assert!(c.analysis.iter().any(|l| l.contains("largest gap: a at 50.0 %")), "{:?}", c.analysis);
        assert!(c.analysis.iter().any(|l| l.contains("costs most in json")), "{:?}", c.analysis);
    }

    #[test]
    fn a_saturated_generator_bounds_the_ratio_and_noise_is_not_a_gap() {
        let cur =
            result("py", &[("a", "json", 50.0, 4.0), ("b", "path", 95.0, 1.0), ("c", "path", 104.0, 1.0)]);
        let mut base =
            result("rs", &[("a", "json", 100.0, 1.0), ("b", "path", 100.0, 1.0), ("c", "path", 100.0, 1.0)]);
        base.suites[0].workloads[0].results.as_mut().unwrap().load.generator_bound = true;
        let c = compare_with_baseline(&cur, &base, "rs.json");
        let by = |n: &str| c.workloads.iter().find(|w| w.name == n).unwrap().clone();
        assert_eq!(by("a").bound.as_deref(), Some("upper"));
        assert!(!by("a").within_noise);
        assert!(by("b").within_noise && by("c").within_noise, "5 % and 4 % are within one window's noise");
        assert!(
            c.analysis.iter().any(|l| l.contains("a: the baseline's load generator was saturated")
                && l.contains("at most 50.0 %")),
            "{:?}",
            c.analysis
        );
        // Only `a` is a gap; b and c (within noise) are never called gaps.
        let gaps: Vec<&String> = c.analysis.iter().filter(|l| l.starts_with("largest gap")).collect();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert!(c.analysis.iter().any(|l| l.contains("no confidence interval")), "{:?}", c.analysis);
    }

    #[test]
    fn equal_results_show_no_difference_and_no_costly_category() {
        let cur = result("py", &[("a", "json", 97.0, 1.0), ("b", "path", 102.0, 1.0)]);
        let base = result("rs", &[("a", "json", 100.0, 1.0), ("b", "path", 100.0, 1.0)]);
        let c = compare_with_baseline(&cur, &base, "rs.json");
        assert!(c.analysis[0].contains("no difference shown"), "{:?}", c.analysis);
        assert!(
            !c.analysis.iter().any(|l| l.contains("costs most") || l.starts_with("largest gap")),
            "{:?}",
            c.analysis
        );
    }

    #[test]
    fn two_categories_within_noise_of_each_other_are_not_ranked() {
        let cur = result("py", &[("a", "json", 50.0, 1.0), ("b", "path", 52.0, 1.0)]);
        let base = result("rs", &[("a", "json", 100.0, 1.0), ("b", "path", 100.0, 1.0)]);
        let c = compare_with_baseline(&cur, &base, "rs.json");
        assert!(c.analysis.iter().any(|l| l.starts_with("no category stands out")), "{:?}", c.analysis);
    }

    #[test]
    fn a_baseline_measured_differently_is_flagged_first() {
        let cur = result("py", &[("a", "json", 50.0, 1.0)]);
        let mut base = result("rs", &[("a", "json", 100.0, 1.0)]);
        base.configuration.concurrency = 256;
        let c = compare_with_baseline(&cur, &base, "rs.json");
        assert!(
            c.analysis[0].starts_with("measured differently: baseline concurrency 256, current"),
            "{:?}",
            c.analysis
        );
    }
}
