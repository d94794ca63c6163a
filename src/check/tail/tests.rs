//! The p99 comparison: the grid's quantiles against the merged histogram's, the bootstrap's
//! determinism, and verdicts on synthetic histograms (a 3× heavier tail is flagged,
//! identical histograms pass), drawn from a seeded generator: no timing involved.

use super::*;
use crate::check::tests::{first_ok, options, run_fixture};
use crate::check::{check_rounds, CheckOptions, Metric};
use crate::report::AnyResult;
use crate::schema::{hdr, Decision, RunResult, Severity};

impl Rng {
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// One round's latencies (µs): 98 % around 2 ms, 2 % in a tail around `tail_ms`, both
/// log-normal (σ 0.3); so p99 lies in the tail, near `tail_ms`.
fn round(seed: u64, n: usize, tail_ms: f64) -> Histogram<u64> {
    let mut rng = Rng(seed);
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for _ in 0..n {
        let centre = if rng.uniform() < 0.02 { tail_ms * 1000.0 } else { 2000.0 };
        h.record((centre * (0.3 * rng.normal()).exp()).max(1.0) as u64).unwrap();
    }
    h
}

/// Run files, one per histogram, carrying it (and its p99) on the fixture's first workload.
fn files(hists: &[Histogram<u64>], prefix: &str) -> Vec<(AnyResult, String)> {
    let base = run_fixture();
    let name = first_ok(&base);
    hists
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut r: RunResult = base.clone();
            let w = r.suites[0].workloads.iter_mut().find(|w| w.name == name).unwrap();
            let m = w.results.as_mut().unwrap();
            m.latency_histogram = hdr::encode(h);
            m.latency.as_mut().unwrap().p99_ms = h.value_at_quantile(0.99) as f64 / 1000.0;
            (AnyResult::Run(r), format!("{prefix}{}.json", i + 1))
        })
        .collect()
}

/// The workload that carries the histograms.
fn first(c: &crate::schema::CheckResult) -> &crate::schema::WorkloadCheck {
    let name = first_ok(&run_fixture());
    c.workloads.iter().find(|w| w.workload == name).unwrap()
}

fn p99_only() -> CheckOptions {
    CheckOptions { metric: Metric::P99, ..options() }
}

#[test]
fn grid_quantiles_equal_the_merged_histograms() {
    let hists: Vec<_> = (1..=3).map(|s| round(s, 5_000, 20.0)).collect();
    let grid = Grid::new(&hists);
    for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
        let merged = hdr::merge(&hists).unwrap();
        assert_eq!(grid.quantile(&[1, 1, 1], q), Some(merged.value_at_quantile(q)), "q = {q}");
        // Weights are repeated rounds: round 1 twice and round 3 once.
        let twice = hdr::merge([&hists[0], &hists[0], &hists[2]]).unwrap();
        assert_eq!(grid.quantile(&[2, 0, 1], q), Some(twice.value_at_quantile(q)), "q = {q}");
    }
    assert_eq!(grid.quantile(&[0, 0, 0], 0.99), None);
}

#[test]
fn the_bootstrap_is_deterministic_and_brackets_its_point() {
    let (b, c) = ([10.0, 12.0, 11.0, 9.5], [20.0, 25.0, 22.0]);
    fn mean(x: &[f64]) -> impl Fn(&[u32]) -> Option<f64> + '_ {
        move |w| weighted_mean(x, w)
    }
    let run = |seed| bootstrap_ratio_ci((4, 3), mean(&b), mean(&c), 0.05, seed).unwrap();
    assert_eq!(run(7), run(7));
    let (lo, hi) = run(7);
    let point = (67.0 / 3.0) / 10.625;
    assert!(lo < point && point < hi, "({lo}, {hi}) around {point}");
    // The extremes of the resampled ratios bound the interval: min(c)/max(b), max(c)/min(b).
    assert!(lo >= 20.0 / 12.0 && hi <= 25.0 / 9.5, "({lo}, {hi})");
    assert_eq!(bootstrap_ratio_ci((1, 3), mean(&b), mean(&c), 0.05, 7), None);
    assert_ne!(seed_for("fastapi/small-json"), seed_for("fastapi/large-json"));
}

#[test]
#[allow(clippy::print_stderr)] // the ratio and interval, printed on purpose
fn a_3x_heavier_tail_is_a_regression() {
    let base: Vec<_> = (1..=3).map(|s| round(s, 20_000, 20.0)).collect();
    let cur: Vec<_> = (11..=13).map(|s| round(s, 20_000, 60.0)).collect();
    let c = check_rounds(&files(&base, "b"), &files(&cur, "c"), &p99_only()).unwrap();
    let w = first(&c);
    eprintln!("3x tail: p99 ratio {:?} CI {:?}: {}", w.p99_ratio, w.p99_ratio_ci, w.reason);
    assert_eq!((w.severity, w.decision), (Severity::Regression, Some(Decision::Settled)), "{w:#?}");
    assert_eq!(w.p99_method.as_deref(), Some("merged_histograms"));
    let (r, ci) = (w.p99_ratio.unwrap(), w.p99_ratio_ci.unwrap());
    assert!((2.5..3.5).contains(&r) && ci.low > 1.1 && ci.low <= r && r <= ci.high, "{r} {ci:?}");
    assert_eq!(c.verdict, Severity::Regression);
    // With metric rps the same files pass: throughput did not change.
    let rps = CheckOptions { metric: Metric::Rps, ..options() };
    assert_eq!(check_rounds(&files(&base, "b"), &files(&cur, "c"), &rps).unwrap().verdict, Severity::Pass);
}

#[test]
#[allow(clippy::print_stderr)] // the A/A ratio and interval, printed on purpose
fn identical_histograms_pass_and_so_does_the_same_distribution() {
    // 100,000 requests a round (5 s at 20,000 req/s): the rounds' p99s differ by about 1 %.
    let base: Vec<_> = (1..=3).map(|s| round(s, 100_000, 20.0)).collect();
    let c = check_rounds(&files(&base, "b"), &files(&base, "c"), &p99_only()).unwrap();
    let w = first(&c);
    assert_eq!((w.severity, w.decision), (Severity::Pass, Some(Decision::Settled)), "{w:#?}");
    assert_eq!(w.p99_ratio, Some(1.0));
    // The interval is not (1, 1): each side's rounds are resampled on their own.
    let ci = w.p99_ratio_ci.unwrap();
    assert!(ci.low < 1.0 && ci.high > 1.0 && ci.high < 1.05, "{ci:?}");
    // Other draws from the same distributions (an A/A run): a pass too.
    let other: Vec<_> = (21..=23).map(|s| round(s, 100_000, 20.0)).collect();
    let c = check_rounds(&files(&base, "b"), &files(&other, "c"), &p99_only()).unwrap();
    let w = first(&c);
    eprintln!("A/A tail: p99 ratio {:?} CI {:?}: {}", w.p99_ratio, w.p99_ratio_ci, w.reason);
    assert_eq!(w.severity, Severity::Pass, "{w:#?}");
}

#[test]
fn without_histograms_the_per_round_p99s_are_bootstrapped_with_a_note() {
    let strip = |mut v: Vec<(AnyResult, String)>, factor: f64| {
        for (i, (r, _)) in v.iter_mut().enumerate() {
            let AnyResult::Run(r) = r else { unreachable!() };
            for w in r.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()) {
                if let Some(m) = w.results.as_mut() {
                    m.latency_histogram = None;
                    let l = m.latency.as_mut().unwrap();
                    l.p99_ms = 20.0 * factor * [1.0, 1.01, 0.99][i];
                }
            }
        }
        v
    };
    let hists: Vec<_> = (1..=3).map(|s| round(s, 2_000, 20.0)).collect();
    let (b, c) = (strip(files(&hists, "b"), 1.0), strip(files(&hists, "c"), 3.0));
    let r = check_rounds(&b, &c, &p99_only()).unwrap();
    let w = first(&r);
    assert_eq!(w.p99_method.as_deref(), Some("per_round_p99"));
    assert_eq!(w.severity, Severity::Regression, "{w:#?}");
    assert!(w.reason.contains("latency histograms absent (older files)"), "{}", w.reason);
    let same = check_rounds(&b, &strip(files(&hists, "c"), 1.0), &p99_only()).unwrap();
    assert_eq!(first(&same).severity, Severity::Pass, "{:#?}", first(&same));
}
