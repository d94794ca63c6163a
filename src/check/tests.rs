use super::*;
use crate::schema::{CompareResult, RunResult};

fn run_fixture() -> RunResult {
    serde_json::from_str(include_str!("../../tests/fixtures/run.json")).unwrap()
}

fn compare_fixture() -> CompareResult {
    serde_json::from_str(include_str!("../../tests/fixtures/compare-3.json")).unwrap()
}

fn options() -> CheckOptions {
    CheckOptions { warn: 5.0, fail: 10.0, metric: Metric::Both, alpha: 0.05, overrides: BTreeMap::new() }
}

/// A copy of the run with one workload's throughput scaled.
fn scaled(r: &RunResult, workload: &str, factor: f64) -> RunResult {
    let mut r = r.clone();
    for s in r.suites.iter_mut() {
        for w in s.workloads.iter_mut().filter(|w| w.name == workload) {
            if let Some(m) = w.results.as_mut() {
                m.throughput.requests_per_sec *= factor;
            }
        }
    }
    r
}

fn first_ok(r: &RunResult) -> String {
    r.workloads().find(|w| w.status == WorkloadStatus::Ok).unwrap().name.clone()
}

#[test]
fn identical_results_pass() {
    let r = AnyResult::Run(run_fixture());
    let c = check((&r, "a.json"), (&r, "b.json"), &options());
    assert_eq!(c.verdict, Severity::Pass);
    assert!(!c.workloads.is_empty());
    assert!(c.workloads.iter().all(|w| w.severity == Severity::Pass && w.rps_change_percent == 0.0));
}

#[test]
fn a_20_percent_drop_is_a_regression_that_names_the_workload() {
    let base = run_fixture();
    let name = first_ok(&base);
    let cur = scaled(&base, &name, 0.8);
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &options());
    assert_eq!(c.verdict, Severity::Regression);
    let w = &c.workloads[0];
    assert_eq!(w.workload, name);
    assert_eq!(w.severity, Severity::Regression);
    assert_eq!(w.rps_change_percent, -20.0);
    assert!(w.reason.contains("throughput -20.0 %"), "{}", w.reason);
}

#[test]
fn a_3_percent_change_is_at_most_a_warning() {
    let base = run_fixture();
    let name = first_ok(&base);
    let cur = scaled(&base, &name, 0.97);
    let c = check((&AnyResult::Run(base.clone()), "a"), (&AnyResult::Run(cur), "b"), &options());
    assert!(c.verdict <= Severity::Warning);
    let strict = CheckOptions { warn: 2.0, ..options() };
    let cur = scaled(&base, &name, 0.97);
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &strict);
    assert_eq!(c.verdict, Severity::Warning);
}

#[test]
fn per_workload_overrides_apply() {
    let base = run_fixture();
    let name = first_ok(&base);
    let cur = scaled(&base, &name, 0.8);
    let mut o = options();
    o.overrides.insert(name.clone(), Override { warn: Some(25.0), fail: Some(30.0) });
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &o);
    assert_eq!(c.verdict, Severity::Pass);
    assert_eq!(c.workloads[0].fail_percent, 30.0);
}

/// Rounds that vary ±10 % around the same mean on both sides: a 6 % lower mean is noise.
#[test]
fn a_noisy_but_unchanged_pair_with_several_rounds_does_not_fail() {
    let base = compare_fixture();
    let mut cur = base.clone();
    for s in cur.suites.iter_mut() {
        for w in s.workloads.iter_mut() {
            for r in w.results.iter_mut() {
                let m = r.samples.iter().sum::<f64>() / r.samples.len().max(1) as f64;
                r.samples = vec![m * 1.04, m * 0.84, m * 0.94];
                if let Some(t) = r.throughput.as_mut() {
                    t.requests_per_sec = m * 0.94;
                }
            }
        }
    }
    let mut noisy_base = base.clone();
    for s in noisy_base.suites.iter_mut() {
        for w in s.workloads.iter_mut() {
            for r in w.results.iter_mut() {
                let m = r.samples.iter().sum::<f64>() / r.samples.len().max(1) as f64;
                r.samples = vec![m * 1.1, m * 0.9, m];
            }
        }
    }
    let o = CheckOptions { metric: Metric::Rps, ..options() };
    let c = check((&AnyResult::Compare(noisy_base), "a"), (&AnyResult::Compare(cur), "b"), &o);
    assert!(!c.workloads.is_empty());
    assert_eq!(c.verdict, Severity::Pass, "{:#?}", c.workloads);
    assert!(c.workloads.iter().all(|w| w.significant == Some(false)), "{:#?}", c.workloads);
    assert!(c.workloads[0].reason.contains("not significant"), "{}", c.workloads[0].reason);
}

/// Several run files per side are rounds: the gate applies to their samples together.
#[test]
fn several_run_files_per_side_are_rounds_for_the_gate() {
    let base = run_fixture();
    let name = first_ok(&base);
    let side = |factors: &[f64]| -> Vec<AnyResult> {
        factors.iter().map(|f| AnyResult::Run(scaled(&base, &name, *f))).collect()
    };
    let o = CheckOptions { metric: Metric::Rps, ..options() };
    // Noisy rounds, 6 % lower mean: not significant, so it passes.
    let c = check_rounds((&side(&[1.1, 0.9, 1.0]), "a"), (&side(&[1.04, 0.84, 0.94]), "b"), &o);
    let w = c.workloads.iter().find(|w| w.workload == name).unwrap();
    assert_eq!((w.severity, w.significant), (Severity::Pass, Some(false)), "{w:?}");
    // Tight rounds, 20 % lower: significant, a regression.
    let c = check_rounds((&side(&[1.0, 1.01, 0.99]), "a"), (&side(&[0.8, 0.81, 0.79]), "b"), &o);
    let w = c.workloads.iter().find(|w| w.workload == name).unwrap();
    assert_eq!((w.severity, w.significant), (Severity::Regression, Some(true)), "{w:?}");
    assert_eq!(c.verdict, Severity::Regression);
}

#[test]
fn workloads_on_one_side_only_are_listed() {
    let base = run_fixture();
    let mut cur = base.clone();
    let name = first_ok(&base);
    for s in cur.suites.iter_mut() {
        s.workloads.retain(|w| w.name != name);
    }
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &options());
    assert_eq!(c.only_in_baseline, vec![name]);
    assert!(c.only_in_current.is_empty());
}
