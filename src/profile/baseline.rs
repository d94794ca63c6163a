//! `--baseline`: ratios of a result against another run/profile result (e.g. the Rust one),
//! the seed's question of what each binding costs against pure Rust. Pure.

use crate::stats::round_to;
use std::collections::BTreeMap;

use crate::schema::{BaselineComparison, BaselineRef, RunResult, WorkloadRatio, WorkloadStatus};

/// Compare every workload measured on both sides; list the ones on one side only.
pub fn compare_with_baseline(current: &RunResult, baseline: &RunResult, file: &str) -> BaselineComparison {
    let ok = |r: &RunResult| -> BTreeMap<String, (String, f64, Option<f64>)> {
        r.workloads()
            .filter(|w| w.status == WorkloadStatus::Ok)
            .filter_map(|w| {
                let m = w.results.as_ref()?;
                Some((
                    w.name.clone(),
                    (w.category.clone(), m.throughput.requests_per_sec, m.latency.as_ref().map(|l| l.p99_ms)),
                ))
            })
            .collect()
    };
    let (cur, base) = (ok(current), ok(baseline));
    let mut workloads = Vec::new();
    for (name, (category, rps, p99)) in &cur {
        let Some((_, brps, bp99)) = base.get(name) else { continue };
        if *brps <= 0.0 {
            continue;
        }
        workloads.push(WorkloadRatio {
            name: name.clone(),
            category: category.clone(),
            ratio: round_to(rps / brps, 4),
            p99_ratio: match (p99, bp99) {
                (Some(a), Some(b)) if *b > 0.0 => Some(round_to(a / b, 4)),
                _ => None,
            },
        });
    }
    let only_in_current = cur.keys().filter(|k| !base.contains_key(*k)).cloned().collect();
    let only_in_baseline = base.keys().filter(|k| !cur.contains_key(*k)).cloned().collect();
    let overall_ratio = crate::stats::geometric_mean(&workloads.iter().map(|w| w.ratio).collect::<Vec<_>>())
        .map(|g| round_to(g, 4));
    let who = current.metadata.framework.clone().unwrap_or_else(|| "this result".into());
    let against = baseline.metadata.framework.clone().unwrap_or_else(|| file.to_string());
    let analysis = analysis(&who, &against, &workloads, overall_ratio);
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
    lines.push(format!(
        "{who} reaches {:.1} % of {against}'s throughput overall (geometric mean over {} workloads)",
        overall * 100.0,
        workloads.len()
    ));
    let mut sorted: Vec<&WorkloadRatio> = workloads.iter().collect();
    sorted.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
    for w in sorted.iter().take(3) {
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
    if let Some((cat, g)) = cats.first() {
        lines.push(format!(
            "the binding costs most in {cat}: {:.1} % of the baseline's throughput",
            g * 100.0
        ));
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
}
