//! Verdicts when the load generator was saturated: a saturated framework's figures are
//! lower bounds. It may still be called faster than another (at least by that much), never
//! slower; a group winner needs every other framework's figures to be real.

use super::*;
use crate::schema::{Endpoint, FrameworkResult};

const S: Settings = Settings { alpha: 0.05, noise_floor: 2.0, confidence: 0.95, stage: None, paired: false };

/// A framework's rounds; `bound` marks every round as generator-bound.
fn fr(framework: &str, samples: &[f64], bound: bool) -> FrameworkResult {
    let mut window = crate::report::fixtures::run().suites[0].workloads[0].results.clone().unwrap();
    window.load.generator_bound = bound;
    FrameworkResult {
        framework: framework.into(),
        status: WorkloadStatus::Ok,
        reason: None,
        throughput: None,
        latency: None,
        resources: None,
        samples: samples.to_vec(),
        requests_per_sec_ci: None,
        rounds: vec![window; samples.len()],
    }
}

fn workload(name: &str, results: Vec<FrameworkResult>) -> CompareWorkload {
    CompareWorkload {
        name: name.into(),
        category: "c".into(),
        payload_size_bytes: 0,
        endpoint: Endpoint { method: "GET".into(), path: "/".into() },
        results,
        comparison: None,
        unranked_because: BTreeMap::new(),
    }
}

const FAST: [f64; 6] = [80_100.0, 84_500.0, 78_900.0, 82_300.0, 81_000.0, 83_700.0];
const FAST2: [f64; 6] = [79_000.0, 82_800.0, 80_200.0, 81_900.0, 83_100.0, 80_600.0];
const SLOW: [f64; 6] = [6_050.0, 6_210.0, 5_980.0, 6_120.0, 6_300.0, 5_900.0];

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_saturated_fast_framework_still_beats_a_slow_one_by_at_least_its_figure() {
    let mut w = workload("w", vec![fr("axum", &FAST, true), fr("fastapi", &SLOW, false)]);
    let summary = analyze(&mut [&mut w], &names(&["axum", "fastapi"]), S);
    let c = w.comparison.as_ref().expect("ranked, not dropped");
    assert_eq!(c.winner.as_deref(), Some("axum"));
    let sig = &c.statistical_significance["axum_vs_fastapi"];
    assert!(sig.significant && sig.meaningful);
    assert_eq!(sig.generator_bound.as_deref(), Some(AT_LEAST));
    assert!(
        sig.verdict.starts_with("axum is at least 1") && sig.verdict.contains("generator's limit"),
        "{}",
        sig.verdict
    );
    assert_eq!(summary.unranked_workloads, 0);
}

#[test]
fn a_saturated_framework_is_never_called_slower() {
    // actix measured 2 % below axum, but its figures are the generator's limit.
    let actix: Vec<f64> = FAST2.iter().map(|v| v * 0.98).collect();
    let mut w =
        workload("w", vec![fr("axum", &FAST, false), fr("actix", &actix, true), fr("fastapi", &SLOW, false)]);
    let summary = analyze(&mut [&mut w], &names(&["axum", "actix", "fastapi"]), S);
    let c = w.comparison.as_ref().unwrap();
    assert_eq!(c.fastest, "axum");
    assert_eq!(c.winner, None, "axum cannot be named: actix may be faster than measured");
    let sig = &c.statistical_significance["axum_vs_actix"];
    assert!(!sig.significant && !sig.meaningful);
    assert_eq!(sig.generator_bound.as_deref(), Some(WITHHELD));
    assert!(sig.verdict.starts_with("no verdict: actix's load generator was saturated"), "{}", sig.verdict);
    // actix against fastapi: actix faster, at least.
    assert_eq!(c.statistical_significance["actix_vs_fastapi"].generator_bound.as_deref(), Some(AT_LEAST));
    assert!(c.statistical_significance["actix_vs_fastapi"].meaningful);
    let o = summary.overall.unwrap();
    assert_eq!(o.winner, None);
    assert!(o.verdict.contains("actix's figures on w are the load generator's limit"), "{}", o.verdict);
}

#[test]
fn both_saturated_is_no_verdict_either_way() {
    let mut w = workload("w", vec![fr("axum", &FAST, true), fr("actix", &SLOW, true)]);
    let _ = analyze(&mut [&mut w], &names(&["axum", "actix"]), S);
    let c = w.comparison.as_ref().unwrap();
    assert_eq!(c.winner, None);
    assert_eq!(c.statistical_significance["axum_vs_actix"].generator_bound.as_deref(), Some(WITHHELD));
}
