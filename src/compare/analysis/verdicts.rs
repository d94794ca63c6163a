//! Verdict tests on a seeded mock target: per-round throughputs drawn from log-normal
//! distributions (multiplicative noise, as on a real machine), no timing involved. Each
//! test asserts the verdict (who wins, tie or not), at every level: workload, category,
//! overall.

use super::*;
use crate::schema::{Endpoint, FrameworkResult};

/// splitmix64: a small, seeded, portable generator (no dependency, same numbers everywhere).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub(super) fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    /// Log-normal around `median` with coefficient of variation `cv`.
    pub(super) fn throughput(&mut self, median: f64, cv: f64) -> f64 {
        let sigma = (1.0 + cv * cv).ln().sqrt();
        median * (sigma * self.normal()).exp()
    }
}

/// A mock compare run: `speeds[f]` is framework f's median req/s relative factor,
/// `workloads` workloads in `categories` categories, `rounds` rounds, noise `cv`.
struct Mock {
    speeds: Vec<f64>,
    workloads: usize,
    categories: usize,
    rounds: usize,
    cv: f64,
}

const S: Settings = Settings { alpha: 0.05, noise_floor: 2.0, confidence: 0.95, stage: None, paired: false };

fn fw(i: usize) -> String {
    format!("f{i}")
}

impl Mock {
    fn run(&self, seed: u64) -> (Vec<CompareWorkload>, CompareSummary) {
        let mut rng = Rng(seed);
        let mut ws: Vec<CompareWorkload> = (0..self.workloads)
            .map(|w| {
                let base = 5_000.0 * (1.0 + w as f64);
                CompareWorkload {
                    name: format!("w{w}"),
                    category: format!("c{}", w % self.categories),
                    payload_size_bytes: 0,
                    endpoint: Endpoint { method: "GET".into(), path: "/".into() },
                    results: self
                        .speeds
                        .iter()
                        .enumerate()
                        .map(|(i, s)| FrameworkResult {
                            framework: fw(i),
                            status: WorkloadStatus::Ok,
                            reason: None,
                            throughput: None,
                            latency: None,
                            resources: None,
                            samples: (0..self.rounds).map(|_| rng.throughput(base * s, self.cv)).collect(),
                            requests_per_sec_ci: None,
                            rounds: vec![],
                        })
                        .collect(),
                    comparison: None,
                    unranked_because: BTreeMap::new(),
                }
            })
            .collect();
        let active: Vec<String> = (0..self.speeds.len()).map(fw).collect();
        let mut refs: Vec<&mut CompareWorkload> = ws.iter_mut().collect();
        let summary = analyze(&mut refs, &active, S);
        (ws, summary)
    }
}

/// The first symptom: 14× called a tie. Six frameworks (one 14× slower than the
/// fastest, the others spread between), ten workloads, five noisy rounds (CV 30 %).
#[test]
fn a_fourteenfold_difference_is_significant_with_noisy_rounds() {
    let mock = Mock {
        speeds: vec![14.0, 12.0, 4.0, 3.0, 2.0, 1.0],
        workloads: 10,
        categories: 4,
        rounds: 5,
        cv: 0.30,
    };
    for seed in 0..20 {
        let (ws, summary) = mock.run(seed);
        for w in &ws {
            let c = w.comparison.as_ref().unwrap();
            let sig = &c.statistical_significance[&key(&c.fastest, "f5")];
            assert!(sig.significant && sig.meaningful, "seed {seed} {}: {sig:?}", w.name);
        }
        // f0 and f1 are only 1.17× apart with CV 30 %: not every seed settles that, and
        // the overall verdict must never name f1 (the slower one).
        assert_ne!(summary.overall_winner.as_deref(), Some("f1"), "seed {seed}");
        let o = summary.overall.as_ref().unwrap();
        assert!(o.relative["f5"].ratio_confidence_interval.unwrap().high < 0.2, "seed {seed}: {o:?}");
    }
}

/// Three rounds are enough for 14× (the quickstart's old setting).
#[test]
fn a_fourteenfold_difference_wins_with_three_rounds() {
    let mock = Mock { speeds: vec![14.0, 1.0], workloads: 10, categories: 2, rounds: 3, cv: 0.30 };
    for seed in 0..20 {
        let (ws, summary) = mock.run(seed);
        assert!(
            ws.iter().all(|w| w.comparison.as_ref().unwrap().winner.as_deref() == Some("f0")),
            "seed {seed}"
        );
        assert_eq!(summary.overall_winner.as_deref(), Some("f0"), "seed {seed}");
        assert_eq!(summary.category_winners.len(), 2, "seed {seed}: {:?}", summary.categories);
    }
}

/// A 20 % difference with CV 2 % and ten rounds: significant everywhere, and the overall
/// and category winners are named.
#[test]
fn a_twenty_percent_difference_with_low_noise_is_significant() {
    let mock = Mock { speeds: vec![1.2, 1.0], workloads: 10, categories: 3, rounds: 10, cv: 0.02 };
    for seed in 0..20 {
        let (ws, summary) = mock.run(seed);
        for w in &ws {
            assert_eq!(w.comparison.as_ref().unwrap().winner.as_deref(), Some("f0"), "seed {seed}");
        }
        assert_eq!(summary.overall_winner.as_deref(), Some("f0"));
        assert!(summary.avg_performance_gain.is_some_and(|g| (15.0..25.0).contains(&g)), "{summary:?}");
        assert_eq!(summary.category_winners.values().filter(|w| *w == "f0").count(), 3);
    }
}

/// A/A: six identical frameworks. Over many seeded runs, a false winner (at any level)
/// is rare: the procedures hold their error rates.
#[test]
#[allow(clippy::print_stderr)] // the rates, for the record
fn identical_frameworks_name_no_winner() {
    let mock = Mock { speeds: vec![1.0; 6], workloads: 10, categories: 4, rounds: 5, cv: 0.05 };
    let runs = 200;
    let (mut any_workload, mut overall, mut category) = (0, 0, 0);
    for seed in 0..runs {
        let (ws, summary) = mock.run(1000 + seed);
        any_workload += ws.iter().any(|w| w.comparison.as_ref().unwrap().winner.is_some()) as u32;
        overall += summary.overall_winner.is_some() as u32;
        category += !summary.category_winners.is_empty() as u32;
        if let Some(o) = &summary.overall {
            assert_eq!(o.winner.is_some(), summary.overall_winner.is_some());
            assert!(o.winner.is_some() || o.verdict.starts_with("no overall winner"), "{}", o.verdict);
        }
    }
    eprintln!(
        "A/A, 6 identical frameworks x 10 workloads x 5 rounds, {runs} seeds: runs with a workload winner {any_workload}, \
         an overall winner {overall}, a category winner {category}"
    );
    // Each level at alpha = 0.05 (the IUT overall is tested pairwise at alpha; with six
    // exchangeable frameworks the chance that the fastest beats all five is far lower).
    assert!(overall as f64 / runs as f64 <= 0.05, "overall false winners {overall} of {runs}");
    assert!(category as f64 / runs as f64 <= 0.05, "category false winners {category} of {runs}");
    assert!(
        any_workload as f64 / runs as f64 <= 0.08,
        "runs with a false workload winner {any_workload} of {runs}"
    );
}

/// Two frameworks that are the same, with the default settings: no winner at any level
/// on most seeds, and never a "meaningful" difference below the noise floor.
#[test]
#[allow(clippy::print_stderr)]
fn an_aa_pair_names_no_winner() {
    let mock = Mock { speeds: vec![1.0, 1.0], workloads: 10, categories: 4, rounds: 5, cv: 0.03 };
    let mut false_overall = 0;
    for seed in 0..200 {
        let (_, summary) = mock.run(seed);
        false_overall += summary.overall_winner.is_some() as u32;
    }
    eprintln!("A/A pair, 10 workloads x 5 rounds, 200 seeds: false overall winners {false_overall}");
    assert!(false_overall <= 10, "false overall winners {false_overall} of 200");
}

/// Every round of both sides equal: refused as untestable, never certain.
#[test]
fn zero_spread_is_not_tested_and_names_no_winner() {
    let mock = Mock { speeds: vec![2.0, 1.0], workloads: 2, categories: 1, rounds: 5, cv: 0.0 };
    let (ws, summary) = mock.run(1);
    for w in &ws {
        let c = w.comparison.as_ref().unwrap();
        let sig = &c.statistical_significance["f0_vs_f1"];
        assert_eq!(sig.p_value, None);
        assert!(
            sig.verdict.starts_with("not tested: every round of both gave exactly the same figure"),
            "{}",
            sig.verdict
        );
        assert!(sig.verdict.ends_with("f0 is 100.0 % faster, above the 2 % noise floor"), "{}", sig.verdict);
        assert_eq!(c.winner, None);
    }
    assert_eq!(summary.overall_winner, None);
    assert!(summary.overall.as_ref().unwrap().verdict.contains("cannot be tested"));
}

/// Zero spread and a difference below the noise floor: "no meaningful difference" (the
/// noise floor applies even where no test can), and no winner at any level.
#[test]
fn zero_spread_below_the_noise_floor_is_no_meaningful_difference() {
    let mock = Mock { speeds: vec![1.01, 1.0], workloads: 2, categories: 1, rounds: 5, cv: 0.0 };
    let (ws, summary) = mock.run(1);
    for w in &ws {
        let c = w.comparison.as_ref().unwrap();
        let sig = &c.statistical_significance["f0_vs_f1"];
        assert_eq!((sig.p_value, sig.significant, sig.meaningful), (None, false, false));
        assert!(
            sig.verdict
                .starts_with("no meaningful difference: f0 is 1.0 % faster, below the 2 % noise floor"),
            "{}",
            sig.verdict
        );
        assert_eq!(c.winner, None);
    }
    assert_eq!(summary.overall_winner, None);
    assert!(summary.category_winners.is_empty());
}
