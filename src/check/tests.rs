//! Verdict tests of `check` on saved and synthetic results (no timing): the interval rule on
//! throughput with SciPy reference values, fingerprints, refused figures, and the old
//! behaviour kept where it was right.

use super::*;
use crate::schema::{CompareResult, Interval, MismatchKind, RunResult, WorkloadStatus};

pub(crate) fn run_fixture() -> RunResult {
    serde_json::from_str(include_str!("../../tests/fixtures/run.json")).unwrap()
}

fn compare_fixture() -> CompareResult {
    serde_json::from_str(include_str!("../../tests/fixtures/compare-3.json")).unwrap()
}

pub(crate) fn options() -> CheckOptions {
    CheckOptions::default()
}

/// A copy of the run with one workload's throughput scaled.
pub(crate) fn scaled(r: &RunResult, workload: &str, factor: f64) -> RunResult {
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

pub(crate) fn first_ok(r: &RunResult) -> String {
    r.workloads().find(|w| w.status == WorkloadStatus::Ok).unwrap().name.clone()
}

/// One run file per factor: rounds of one side, the workload's throughput scaled.
pub(crate) fn side(
    base: &RunResult,
    workload: &str,
    factors: &[f64],
    prefix: &str,
) -> Vec<(AnyResult, String)> {
    factors
        .iter()
        .enumerate()
        .map(|(i, f)| (AnyResult::Run(scaled(base, workload, *f)), format!("{prefix}{}.json", i + 1)))
        .collect()
}

fn one(r: RunResult, name: &str) -> Vec<(AnyResult, String)> {
    vec![(AnyResult::Run(r), name.to_string())]
}

fn rps_only() -> CheckOptions {
    CheckOptions { metric: Metric::Rps, ..options() }
}

fn workload<'a>(c: &'a CheckResult, name: &str) -> &'a WorkloadCheck {
    c.workloads.iter().find(|w| w.workload == name).unwrap()
}

#[track_caller]
fn assert_close(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-9 * want.abs(), "got {got}, want {want}");
}

#[test]
fn identical_results_pass() {
    let r = AnyResult::Run(run_fixture());
    let c = check((&r, "a.json"), (&r, "b.json"), &options()).unwrap();
    assert_eq!(c.verdict, Severity::Pass);
    assert!(!c.workloads.is_empty());
    assert!(c.workloads.iter().all(|w| w.severity == Severity::Pass && w.rps_change_percent == 0.0));
    assert!(c.workloads.iter().all(|w| w.decision == Some(Decision::NoInterval)));
    assert!(c.workloads[0].reason.contains("one round per side: no interval"), "{}", c.workloads[0].reason);
    assert!(c.mismatches.is_empty());
}

#[test]
fn a_20_percent_drop_is_a_regression_that_names_the_workload() {
    let base = run_fixture();
    let name = first_ok(&base);
    let cur = scaled(&base, &name, 0.8);
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &options()).unwrap();
    assert_eq!(c.verdict, Severity::Regression);
    let w = &c.workloads[0];
    assert_eq!(w.workload, name);
    assert_eq!(w.severity, Severity::Regression);
    assert_eq!(w.rps_change_percent, -20.0);
    assert!(w.reason.contains("throughput -20.0 %"), "{}", w.reason);
    assert_eq!(w.decision, Some(Decision::NoInterval));
}

#[test]
fn a_3_percent_change_is_at_most_a_warning() {
    let base = run_fixture();
    let name = first_ok(&base);
    let cur = scaled(&base, &name, 0.97);
    let c = check((&AnyResult::Run(base.clone()), "a"), (&AnyResult::Run(cur), "b"), &options()).unwrap();
    assert!(c.verdict <= Severity::Warning);
    let strict = CheckOptions { warn: 2.0, ..options() };
    let cur = scaled(&base, &name, 0.97);
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &strict).unwrap();
    assert_eq!(c.verdict, Severity::Warning);
}

#[test]
fn per_workload_overrides_apply() {
    let base = run_fixture();
    let name = first_ok(&base);
    let cur = scaled(&base, &name, 0.8);
    let mut o = options();
    o.overrides.insert(name.clone(), Override { warn: Some(25.0), fail: Some(30.0) });
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &o).unwrap();
    assert_eq!(c.verdict, Severity::Pass);
    assert_eq!(c.workloads[0].fail_percent, 30.0);
}

/// Rounds that vary ±10 % around the same mean on both sides, 6 % lower: not significant,
/// but the interval reaches past the fail threshold, so it is no longer a pass (the old
/// gate passed it as noise: the bug of issue 10 item 7) and not a regression either.
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
    let c =
        check((&AnyResult::Compare(noisy_base), "a"), (&AnyResult::Compare(cur), "b"), &rps_only()).unwrap();
    assert!(!c.workloads.is_empty());
    assert_eq!(c.verdict, Severity::Warning, "{:#?}", c.workloads);
    assert!(c.workloads.iter().all(|w| w.significant == Some(false)), "{:#?}", c.workloads);
    assert!(c.workloads.iter().all(|w| w.decision == Some(Decision::Inconclusive)), "{:#?}", c.workloads);
    assert_eq!(c.inconclusive_workloads as usize, c.workloads.len());
    assert!(c.workloads[0].reason.contains("inconclusive: need more rounds"), "{}", c.workloads[0].reason);
}

/// Several run files per side are rounds: the interval comes from their samples together.
#[test]
fn several_run_files_per_side_are_rounds_for_the_gate() {
    let base = run_fixture();
    let name = first_ok(&base);
    // Noisy rounds, 6 % lower mean: not significant, and not settled either (the old gate
    // passed it; now it is an inconclusive warning).
    let c = check_rounds(
        &side(&base, &name, &[1.1, 0.9, 1.0], "b"),
        &side(&base, &name, &[1.04, 0.84, 0.94], "c"),
        &rps_only(),
    )
    .unwrap();
    let w = workload(&c, &name);
    assert_eq!(
        (w.severity, w.significant, w.decision),
        (Severity::Warning, Some(false), Some(Decision::Inconclusive))
    );
    // Tight rounds, 20 % lower: significant, a regression.
    let c = check_rounds(
        &side(&base, &name, &[1.0, 1.01, 0.99], "b"),
        &side(&base, &name, &[0.8, 0.81, 0.79], "c"),
        &rps_only(),
    )
    .unwrap();
    let w = workload(&c, &name);
    assert_eq!((w.severity, w.significant), (Severity::Regression, Some(true)), "{w:?}");
    assert_eq!(w.decision, Some(Decision::Settled));
    assert_eq!(c.verdict, Severity::Regression);
    assert_eq!(c.baseline.file, "b1.json,b2.json,b3.json");
}

/// Issue 10's case: a 25 % drop with 3 rounds per side is never a pass. Reference values
/// from SciPy 1.17.1: `r = scipy.stats.ttest_ind(np.log(cur), np.log(base), equal_var=False)`,
/// `np.exp(r.confidence_interval(0.95))`, ratio `np.exp(np.log(cur).mean() - np.log(base).mean())`.
#[test]
fn a_25_percent_drop_with_3_rounds_is_never_a_pass() {
    let base = run_fixture();
    let name = first_ok(&base);
    // Quiet: base [1.0, 1.01, 0.99], current [0.755, 0.748, 0.752] (×100,000 in SciPy):
    // ratio 0.7516862519394932, CI (0.7360863268953404, 0.7676167872021643), p 3.974261834930507e-05.
    let c = check_rounds(
        &side(&base, &name, &[1.0, 1.01, 0.99], "b"),
        &side(&base, &name, &[0.755, 0.748, 0.752], "c"),
        &rps_only(),
    )
    .unwrap();
    let w = workload(&c, &name);
    assert_eq!((w.severity, w.decision), (Severity::Regression, Some(Decision::Settled)), "{w:?}");
    let ci = w.rps_ratio_ci.unwrap();
    assert_close(w.rps_ratio.unwrap(), 0.7516862519394932);
    assert_close(ci.low, 0.7360863268953404);
    assert_close(ci.high, 0.7676167872021643);
    assert!((w.p_value.unwrap() - 3.974261834930507e-05).abs() < 1e-12);
    assert!(w.reason.contains("the whole interval is past the fail threshold"), "{}", w.reason);

    // Noisy (CV about 22 %): base [1.25, 0.8, 1.0], current 0.75 × [0.8, 1.25, 1.0]:
    // ratio 0.75, CI (0.4522414244450832, 1.2438046795253337), p 0.18948735592894578.
    let c = check_rounds(
        &side(&base, &name, &[1.25, 0.8, 1.0], "b"),
        &side(&base, &name, &[0.6, 0.9375, 0.75], "c"),
        &rps_only(),
    )
    .unwrap();
    let w = workload(&c, &name);
    assert_eq!((w.severity, w.decision), (Severity::Warning, Some(Decision::Inconclusive)), "{w:?}");
    let ci = w.rps_ratio_ci.unwrap();
    assert_close(w.rps_ratio.unwrap(), 0.75);
    assert_close(ci.low, 0.4522414244450832);
    assert_close(ci.high, 1.2438046795253337);
    assert!(w.reason.contains("inconclusive: need more rounds (CI 0.452–1.244"), "{}", w.reason);
    assert_eq!(c.inconclusive_workloads, 1);
}

/// Identical rounds pass, with an interval (SciPy: CI (0.9775846137224493, 1.022929356664276))
/// or, when every round is the same figure, on the point estimate.
#[test]
fn identical_rounds_pass() {
    let base = run_fixture();
    let name = first_ok(&base);
    let rounds = side(&base, &name, &[1.0, 1.01, 0.99], "b");
    let c = check_rounds(&rounds, &rounds, &options()).unwrap();
    assert_eq!(c.verdict, Severity::Pass, "{:#?}", c.workloads);
    let w = workload(&c, &name);
    assert_eq!(w.decision, Some(Decision::Settled));
    let ci = w.rps_ratio_ci.unwrap();
    assert_close(ci.low, 0.9775846137224493);
    assert_close(ci.high, 1.022929356664276);
    // The same file three times: no spread at all, so no interval; the point decides.
    let same = side(&base, &name, &[1.0, 1.0, 1.0], "b");
    let c = check_rounds(&same, &same, &options()).unwrap();
    assert_eq!(c.verdict, Severity::Pass);
    let w = workload(&c, &name);
    assert_eq!((w.decision, w.rps_ratio_ci), (Some(Decision::NoInterval), None));
    assert!(
        w.reason.contains("no interval: every round of both gave exactly the same figure"),
        "{}",
        w.reason
    );
}

/// A 3 % drop with tight rounds (SciPy: ratio 0.97, CI (0.9656120498382968, 0.9744078899570147)):
/// a pass at warn 5 %, a settled warning at warn 2 %, never a regression.
#[test]
fn a_3_percent_drop_with_tight_intervals_is_at_most_a_warning() {
    let base = run_fixture();
    let name = first_ok(&base);
    let (b, c) =
        (side(&base, &name, &[1.0, 1.002, 0.998], "b"), side(&base, &name, &[0.97, 0.97194, 0.96806], "c"));
    let r = check_rounds(&b, &c, &options()).unwrap();
    let w = workload(&r, &name);
    assert_close(w.rps_ratio_ci.unwrap().low, 0.9656120498382968);
    assert_close(w.rps_ratio_ci.unwrap().high, 0.9744078899570147);
    assert_eq!((w.severity, w.decision), (Severity::Pass, Some(Decision::Settled)));
    let r = check_rounds(&b, &c, &CheckOptions { warn: 2.0, ..options() }).unwrap();
    let w = workload(&r, &name);
    assert_eq!((w.severity, w.decision), (Severity::Warning, Some(Decision::Settled)), "{w:?}");
    assert!(r.verdict <= Severity::Warning);
}

#[test]
fn workloads_on_one_side_only_are_listed() {
    let base = run_fixture();
    let mut cur = base.clone();
    let name = first_ok(&base);
    for s in cur.suites.iter_mut() {
        s.workloads.retain(|w| w.name != name);
    }
    let c = check((&AnyResult::Run(base), "a"), (&AnyResult::Run(cur), "b"), &options()).unwrap();
    assert_eq!(c.only_in_baseline, vec![name]);
    assert!(c.only_in_current.is_empty());
}

#[test]
fn a_different_host_or_concurrency_is_refused_unless_allowed() {
    let base = run_fixture();
    let mut cur = base.clone();
    cur.configuration.concurrency = 100;
    cur.metadata.host.cpu_cores = 4;
    let err =
        check_rounds(&one(base.clone(), "a.json"), &one(cur.clone(), "b.json"), &options()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CheckError::Mismatch(_)));
    assert!(text.contains("  - baseline concurrency 64, current 100\n"), "{text}");
    assert!(text.contains("  - baseline cores 2, current 4\n"), "{text}");
    assert!(text.contains("--allow-mismatch"), "{text}");

    let allowed = CheckOptions { allow_mismatch: true, ..options() };
    let c = check_rounds(&one(base, "a.json"), &one(cur, "b.json"), &allowed).unwrap();
    assert_eq!(c.verdict, Severity::Pass);
    let fields: Vec<(&str, MismatchKind)> = c.mismatches.iter().map(|m| (m.field.as_str(), m.kind)).collect();
    assert_eq!(fields, [("concurrency", MismatchKind::Configuration), ("cpu_cores", MismatchKind::Host)]);
    assert!(c.notes.iter().any(|n| n.contains("compared despite 2 differences")), "{:?}", c.notes);
}

#[test]
fn a_different_harness_version_is_a_note_not_a_refusal() {
    let base = run_fixture();
    let mut cur = base.clone();
    cur.metadata.harness_version = "0.2.0".into();
    let c = check_rounds(&one(base, "a.json"), &one(cur, "b.json"), &options()).unwrap();
    assert_eq!(c.mismatches.len(), 1);
    assert_eq!(c.mismatches[0].kind, MismatchKind::Harness);
    assert_eq!(c.mismatches[0].message, "baseline harness version 0.1.0, current 0.2.0");
}

#[test]
fn a_side_whose_files_disagree_is_refused() {
    let base = run_fixture();
    let mut odd = base.clone();
    odd.configuration.warmup_secs = 0.0;
    let b = vec![(AnyResult::Run(base.clone()), "b1.json".into()), (AnyResult::Run(odd), "b2.json".into())];
    let err = check_rounds(&b, &one(base, "c.json"), &options()).unwrap_err().to_string();
    assert!(err.contains("baseline files differ in warmup: b1.json 2 s, b2.json 0 s"), "{err}");
}

/// Issue 15 item 6: a NaN, infinite or negative figure is refused, naming file, framework
/// and workload (the gate used to switch off silently and the threshold alone decided).
#[test]
fn a_nan_infinite_or_negative_sample_is_refused_with_where_it_is() {
    let base = run_fixture();
    let name = first_ok(&base);
    for bad in [f64::NAN, f64::INFINITY, -5.0] {
        let mut cur = base.clone();
        let w = cur.suites[0].workloads.iter_mut().find(|w| w.name == name).unwrap();
        w.results.as_mut().unwrap().throughput.requests_per_sec = bad;
        let err = check_rounds(&one(base.clone(), "a.json"), &one(cur, "cur.json"), &options()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&format!("cur.json: fastapi / {name}: throughput is {bad}")), "{text}");
    }
    // In a compare file: the round is named.
    let mut cmp = compare_fixture();
    let r = &mut cmp.suites[0].workloads[0].results[1];
    r.samples[2] = f64::NAN;
    let (fw, wl) = (r.framework.clone(), cmp.suites[0].workloads[0].name.clone());
    let good = AnyResult::Compare(compare_fixture());
    let err = check((&good, "base.json"), (&AnyResult::Compare(cmp), "cur.json"), &options()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cur.json: {fw} / {wl}: round 3 throughput is NaN; expected a finite number ≥ 0 (the file is damaged: \
             measure again or restore it)"
        )
    );
    // The baseline side is checked too, and so is p99.
    let mut b = base.clone();
    let w = b.suites[0].workloads.iter_mut().find(|w| w.name == name).unwrap();
    w.results.as_mut().unwrap().latency.as_mut().unwrap().p99_ms = f64::NAN;
    let err = check_rounds(&one(b, "base.json"), &one(base, "c.json"), &options()).unwrap_err().to_string();
    assert!(err.starts_with(&format!("base.json: fastapi / {name}: p99 latency is NaN")), "{err}");
}

#[test]
fn the_ratio_interval_is_written_as_an_interval() {
    let base = run_fixture();
    let name = first_ok(&base);
    let c = check_rounds(
        &side(&base, &name, &[1.0, 1.01, 0.99], "b"),
        &side(&base, &name, &[0.755, 0.748, 0.752], "c"),
        &rps_only(),
    )
    .unwrap();
    let json = serde_json::to_value(&c).unwrap();
    let w = json["workloads"].as_array().unwrap().iter().find(|w| w["workload"] == name.as_str()).unwrap();
    assert_eq!(w["decision"], "settled");
    assert!(w["rps_ratio_ci"]["low"].is_number() && w["rps_ratio_ci"]["high"].is_number(), "{w}");
    assert_eq!((w["baseline_rounds"].as_u64(), w["current_rounds"].as_u64()), (Some(3), Some(3)));
    let back: CheckResult = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
    let _ = Interval { low: 0.0, high: 1.0 };
}

#[test]
fn a_check_result_is_refused_as_input_naming_its_file() {
    let r = AnyResult::Run(run_fixture());
    let earlier = check((&r, "a.json"), (&r, "b.json"), &options()).unwrap();
    let base = vec![(r.clone(), "a.json".to_string())];
    let cur = vec![(r, "b1.json".to_string()), (AnyResult::Check(earlier), "check.json".to_string())];
    let err = check_rounds(&base, &cur, &options()).unwrap_err();
    assert!(matches!(&err, CheckError::NotMeasured { file } if file == "check.json"), "{err}");
    assert!(err.to_string().starts_with("check.json is a check result; "), "{err}");
}
