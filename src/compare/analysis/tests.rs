use super::*;
use crate::schema::{Endpoint, FrameworkResult};

fn result(framework: &str, samples: &[f64], status: WorkloadStatus) -> FrameworkResult {
    FrameworkResult {
        framework: framework.into(),
        status,
        reason: (status != WorkloadStatus::Ok).then(|| format!("{framework} answered wrongly")),
        throughput: None,
        latency: None,
        resources: None,
        samples: samples.to_vec(),
        requests_per_sec_ci: None,
        rounds: vec![],
    }
}

fn workload(name: &str, category: &str, results: Vec<FrameworkResult>) -> CompareWorkload {
    CompareWorkload {
        name: name.into(),
        category: category.into(),
        payload_size_bytes: 0,
        endpoint: Endpoint { method: "GET".into(), path: "/".into() },
        results,
        comparison: None,
        unranked_because: BTreeMap::new(),
    }
}

const S: Settings = Settings { alpha: 0.05, noise_floor: 2.0, confidence: 0.95, stage: None, paired: false };
const OK: WorkloadStatus = WorkloadStatus::Ok;

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_clearly_faster_framework_wins() {
    let mut w = workload(
        "w1",
        "c",
        vec![
            result("a", &[1000.0, 1010.0, 990.0, 1005.0, 995.0], OK),
            result("b", &[800.0, 810.0, 790.0, 805.0, 795.0], OK),
            result("c", &[500.0, 505.0, 495.0, 502.0, 498.0], OK),
        ],
    );
    let summary = analyze(&mut [&mut w], &names(&["a", "b", "c"]), S);
    let c = w.comparison.as_ref().unwrap();
    assert_eq!(c.winner.as_deref(), Some("a"));
    assert_eq!(c.fastest, "a");
    assert_eq!(c.performance_ratios["a_vs_b"], 1.25);
    assert_eq!(c.performance_ratios["b_vs_a"], 0.8);
    assert_eq!(c.statistical_significance.len(), 3, "one test per unordered pair");
    let ab = &c.statistical_significance["a_vs_b"];
    assert!(ab.significant && ab.meaningful, "{ab:?}");
    assert!(ab.adjusted_p_value.unwrap() >= ab.p_value.unwrap());
    assert!(ab.verdict.starts_with("a is 25.0 % faster than b"), "{}", ab.verdict);
    assert_eq!(summary.overall_winner.as_deref(), Some("a"));
    assert_eq!(summary.workloads_won["a"], 1);
    assert_eq!(summary.workloads_won["c"], 0);
    assert_eq!(summary.ties, 0);
    assert_eq!(summary.avg_performance_gain, Some(25.0));
}

#[test]
fn the_same_app_under_two_names_is_a_tie() {
    let mut w = workload(
        "w1",
        "c",
        vec![
            result("a", &[1000.0, 1030.0, 980.0, 1010.0], OK),
            result("a2", &[1010.0, 990.0, 1020.0, 995.0], OK),
        ],
    );
    let summary = analyze(&mut [&mut w], &names(&["a", "a2"]), S);
    let c = w.comparison.as_ref().unwrap();
    assert_eq!(c.winner, None);
    let sig = c.statistical_significance.values().next().unwrap();
    assert!(!sig.significant);
    assert!(sig.verdict.starts_with("no significant difference"), "{}", sig.verdict);
    assert_eq!(summary.ties, 1);
}

#[test]
fn a_significant_difference_below_the_noise_floor_is_not_a_win() {
    let mut w = workload(
        "w1",
        "c",
        vec![
            result("a", &[1010.0, 1010.5, 1009.5, 1010.2], OK),
            result("b", &[1000.0, 1000.5, 999.5, 1000.2], OK),
        ],
    );
    analyze(&mut [&mut w], &names(&["a", "b"]), S);
    let c = w.comparison.as_ref().unwrap();
    let sig = &c.statistical_significance["a_vs_b"];
    assert!(sig.significant && !sig.meaningful, "{sig:?}");
    assert!(sig.verdict.contains("noise floor"), "{}", sig.verdict);
    assert_eq!(c.winner, None);
}

#[test]
fn one_round_gives_ratios_but_no_test() {
    let mut w = workload("w1", "c", vec![result("a", &[1000.0], OK), result("b", &[500.0], OK)]);
    analyze(&mut [&mut w], &names(&["a", "b"]), S);
    let c = w.comparison.as_ref().unwrap();
    assert_eq!(c.performance_ratios["a_vs_b"], 2.0);
    let sig = &c.statistical_significance["a_vs_b"];
    assert_eq!(sig.p_value, None);
    assert!(sig.verdict.contains("at least 2 rounds"));
    assert_eq!(c.winner, None, "no winner without a test");
}

#[test]
fn an_invalid_framework_leaves_the_workload_unranked_with_the_reason() {
    let mut ranked =
        workload("w1", "json", vec![result("a", &[10.0, 11.0], OK), result("b", &[5.0, 6.0], OK)]);
    let mut bad = workload(
        "w2",
        "json",
        vec![result("a", &[10.0, 11.0], OK), result("b", &[], WorkloadStatus::Invalid)],
    );
    let summary = analyze(&mut [&mut ranked, &mut bad], &names(&["a", "b"]), S);
    assert!(bad.comparison.is_none());
    assert_eq!(bad.unranked_because["b"], "invalid: b answered wrongly");
    assert_eq!(summary.ranked_workloads, 1);
    assert_eq!(summary.unranked_workloads, 1);
}

/// Benjamini–Bogomolov across workloads: when no workload is selected, a workload's
/// p-value is multiplied by the number of workloads (N / R with R taken as 1); when all
/// are selected (R = N), each keeps its own within-workload Holm value.
#[test]
fn the_adjustment_spans_the_workloads_of_the_run() {
    let run = |a: &[f64], b: &[f64]| {
        let mk = |n: &str| workload(n, "c", vec![result("a", a, OK), result("b", b, OK)]);
        let (mut w1, mut w2, mut w3) = (mk("1"), mk("2"), mk("3"));
        analyze(&mut [&mut w1, &mut w2, &mut w3], &names(&["a", "b"]), S);
        let sig = w1.comparison.unwrap().statistical_significance["a_vs_b"].clone();
        (sig.p_value.unwrap(), sig.adjusted_p_value.unwrap(), sig.significant)
    };
    let (p, adj, significant) = run(&[100.0, 104.0, 98.0], &[95.0, 99.0, 93.0]);
    assert!(p > 0.05 && (adj - (3.0 * p).min(1.0)).abs() < 1e-12 && !significant, "{p} → {adj}");
    let (p, adj, significant) = run(&[100.0, 101.0, 99.5], &[80.0, 80.5, 79.0]);
    assert!(p < 0.05 && (adj - p).abs() < 1e-12 && significant, "{p} → {adj}");
}

#[test]
fn category_winners_and_geometric_means() {
    let mut w1 = workload(
        "j",
        "json",
        vec![result("a", &[200.0, 202.0, 198.0], OK), result("b", &[100.0, 101.0, 99.0], OK)],
    );
    let mut w2 = workload(
        "p",
        "path",
        vec![result("a", &[100.0, 101.0, 99.0], OK), result("b", &[200.0, 202.0, 198.0], OK)],
    );
    let summary = analyze(&mut [&mut w1, &mut w2], &names(&["a", "b"]), S);
    assert_eq!(summary.category_winners["json"], "a");
    assert_eq!(summary.category_winners["path"], "b");
    assert!((summary.geometric_mean_ratios["a_vs_b"] - 1.0).abs() < 1e-9);
    assert_eq!(summary.workloads_won["a"], 1);
    assert_eq!(summary.workloads_won["b"], 1);
}

#[test]
fn precision_is_the_widest_ratio_interval() {
    let mut w = workload(
        "w",
        "c",
        vec![result("a", &[1000.0, 1100.0, 900.0], OK), result("b", &[1000.0, 1010.0, 990.0], OK)],
    );
    analyze(&mut [&mut w], &names(&["a", "b"]), S);
    let p = precision(std::slice::from_ref(&w)).unwrap();
    assert!(p > 5.0, "noisy samples give a wide interval: {p}");
}

/// The overall verdict's interval: Welch on the logs of each framework's per-round
/// geometric mean over the workloads. Reference from SciPy 1.17.1:
/// ```python
/// ga = np.exp(np.mean([np.log(a[w]) for w in a], axis=0))   # per-round GM of a
/// gb = np.exp(np.mean([np.log(b[w]) for w in b], axis=0))
/// r = stats.ttest_ind(np.log(gb), np.log(ga), equal_var=False)
/// lo, hi = r.confidence_interval(0.95)   # ratio: exp(mean diff), CI exp(lo), exp(hi)
/// ```
/// → p 9.276089864834554e-05, ratio 0.8395099320622619, CI 0.8015066409312017–0.8793151423079463.
#[test]
fn the_overall_interval_matches_scipy() {
    let data = [
        ("w1", [1000.0, 1040.0, 980.0, 1010.0], [820.0, 850.0, 800.0, 830.0]),
        ("w2", [500.0, 520.0, 490.0, 515.0], [430.0, 445.0, 420.0, 440.0]),
        ("w3", [2000.0, 2100.0, 1950.0, 2050.0], [1700.0, 1760.0, 1650.0, 1720.0]),
    ];
    let mut ws: Vec<CompareWorkload> =
        data.iter().map(|(n, a, b)| workload(n, "c", vec![result("a", a, OK), result("b", b, OK)])).collect();
    let mut refs: Vec<&mut CompareWorkload> = ws.iter_mut().collect();
    let summary = analyze(&mut refs, &names(&["a", "b"]), S);
    let o = summary.overall.unwrap();
    assert_eq!(o.fastest, "a");
    assert_eq!(o.winner.as_deref(), Some("a"));
    assert_eq!(o.rounds, 4);
    let b = &o.relative["b"];
    crate::stats::testing::assert_rel(b.p_value.unwrap(), 9.276089864834554e-05, 1e-6);
    crate::stats::testing::assert_rel(b.ratio, 0.8395, 1e-4);
    let ci = b.ratio_confidence_interval.unwrap();
    crate::stats::testing::assert_rel(ci.low, 0.8015, 1e-4);
    crate::stats::testing::assert_rel(ci.high, 0.8793, 1e-4);
    assert_eq!(summary.overall_winner.as_deref(), Some("a"));
    assert!(o.verdict.starts_with("a is the overall winner: 19.1 % faster"), "{}", o.verdict);
}

/// A framework that served nothing (mean 0) is ranked last, untested, and the result writes
/// valid JSON that `report` and `check` read back; a NaN/∞ round is never a sample: the framework
/// fails the workload with the reason, in memory and in the file.
#[test]
fn degenerate_samples_round_trip_through_json() {
    use crate::report::{read_any, AnyResult};
    let window = crate::report::fixtures::run().suites[0].workloads[0].results.clone().unwrap();
    for bad in [vec![0.0, 0.0, 0.0], vec![f64::NAN, 1000.0, 1010.0], vec![f64::INFINITY, 1000.0, 990.0]] {
        let mut r = crate::report::fixtures::compare3();
        let mut collected = crate::compare::Collected::new();
        for v in &bad {
            let mut m = window.clone();
            m.throughput.requests_per_sec = *v;
            collected.push(m, None);
        }
        let who = r.suites[0].workloads[0].results[0].framework.clone();
        r.suites[0].workloads[0].results[0] = crate::compare::framework_result(&who, &collected, 0.95);
        let active: Vec<String> = r.frameworks.iter().map(|f| f.name.clone()).collect();
        let mut refs: Vec<&mut CompareWorkload> =
            r.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).collect();
        r.summary = analyze(&mut refs, &active, S);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        crate::schema::write_atomic(&path, &r, true).unwrap();
        let AnyResult::Compare(back) = read_any(&path).unwrap_or_else(|e| panic!("{bad:?}: {e}")) else {
            panic!("not a compare result")
        };
        // `check` reads it too: the file against itself is no regression (it may be
        // inconclusive where the rounds are few and noisy).
        let any = AnyResult::Compare(back.clone());
        let options = crate::check::CheckOptions::default();
        let checked = crate::check::check((&any, "c.json"), (&any, "c.json"), &options)
            .unwrap_or_else(|e| panic!("{bad:?}: check refused the file: {e}"));
        assert!(checked.verdict < crate::schema::Severity::Regression, "{bad:?}: {checked:?}");
        let named = checked
            .workloads
            .iter()
            .any(|c| c.framework == who && c.workload == r.suites[0].workloads[0].name);
        assert_eq!(named, bad[0] == 0.0, "{bad:?}: a failed framework is not checked, a slow one is");
        let w = &back.suites[0].workloads[0];
        if bad[0] == 0.0 {
            let c = w.comparison.as_ref().expect("a framework that served nothing is still ranked");
            assert_ne!(c.winner.as_deref(), Some(who.as_str()));
            let sig = c.statistical_significance.iter().find(|(k, _)| k.contains(&who)).unwrap().1;
            assert!(sig.verdict.starts_with("not tested: a round's figure is zero"), "{}", sig.verdict);
        } else {
            assert!(w.comparison.is_none(), "{bad:?}: a NaN/∞ round leaves the workload unranked");
            let why = &w.unranked_because[&who];
            assert!(
                why.contains("round 1 measured a throughput of") && why.contains("not a measurement"),
                "{why}"
            );
        }
    }
}

/// Samples that are not numbers, met in memory (a result built by hand): unranked with the reason.
#[test]
fn a_nan_sample_in_memory_is_named_not_ranked() {
    let mut w = workload(
        "w",
        "c",
        vec![
            result("a", &[1000.0, f64::NAN, 1010.0], WorkloadStatus::Ok),
            result("b", &[900.0, 910.0, 905.0], WorkloadStatus::Ok),
        ],
    );
    let _ = analyze(&mut [&mut w], &names(&["a", "b"]), S);
    assert!(w.comparison.is_none());
    assert_eq!(w.unranked_because["a"], "round 2 has a throughput of NaN req/s, which is not a measurement");
}
