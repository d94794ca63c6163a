//! Multiplicity across several families of tests: Benjamini–Hochberg FDR adjustment, and
//! the Benjamini–Bogomolov procedure that uses it to pick families and Holm inside them.
//!
//! A compare run tests every pair of frameworks (a family) on every workload. Holm over
//! all pairs × workloads at once (150 tests for 6 apps × 10 workloads) makes the bar so
//! high that nothing short of a tenfold difference clears it with a few rounds; no
//! adjustment at all would call noise a win somewhere in almost every run. The
//! Benjamini–Bogomolov procedure (J. R. Statist. Soc. B 76, 2014, 297–318) sits between:
//! 1. each workload gets a p-value for "no pair differs": Bonferroni over its pairs
//!    (`min(1, m_i · min_j p_ij)`, the first step of Holm);
//! 2. Benjamini–Hochberg across workloads at `alpha` selects the `R` of `N` workloads
//!    where something differs (false discovery rate across workloads ≤ alpha);
//! 3. inside each selected workload, Holm at level `alpha · R / N`.
//!
//! It controls the expected average family-wise error over the selected workloads at
//! `alpha`: a verdict on a pair is wrong no more often than that. Calls `holm`.

use super::holm::holm;

/// Benjamini–Hochberg step-up adjusted p-values, in input order: with `p` sorted ascending,
/// `min_{j >= i} min(1, m · p_(j) / j)`. Rejecting where it is `<= q` controls the false
/// discovery rate at `q` (independent or positively dependent tests). Matches
/// `statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]` and R's
/// `p.adjust(p, "BH")`. NaN counts as 1; values are clamped to `[0, 1]`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let clean = |v: f64| if v.is_nan() { 1.0 } else { v.clamp(0.0, 1.0) };
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| clean(p[i]).total_cmp(&clean(p[j])));
    let mut adjusted = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min((m as f64 * clean(p[i]) / (rank + 1) as f64).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// The adjusted p-values of the Benjamini–Bogomolov procedure (module docs), one vector per
/// family in input order: `max(bh_i, min(1, holm_ij · N / R))`, where `bh_i` is the
/// family's BH-adjusted Bonferroni p-value and `R` the number of families selected at
/// `alpha` (taken as 1 when none is). A test is significant exactly when its value is
/// `<= alpha`, so the value depends on `alpha` through `R`: it is "the adjusted p-value at
/// this run's alpha". One family gives plain Holm. Empty families stay empty and count
/// for nothing.
pub fn bogomolov(families: &[Vec<f64>], alpha: f64) -> Vec<Vec<f64>> {
    let tested: Vec<usize> = (0..families.len()).filter(|&i| !families[i].is_empty()).collect();
    let family_p: Vec<f64> = tested
        .iter()
        .map(|&i| {
            let f = &families[i];
            let min = f.iter().map(|&v| if v.is_nan() { 1.0 } else { v.clamp(0.0, 1.0) }).fold(1.0, f64::min);
            (f.len() as f64 * min).min(1.0)
        })
        .collect();
    let bh = benjamini_hochberg(&family_p);
    let n = tested.len() as f64;
    let selected = bh.iter().filter(|&&q| q <= alpha).count().max(1) as f64;
    let mut out: Vec<Vec<f64>> = families.iter().map(|_| Vec::new()).collect();
    for (k, &i) in tested.iter().enumerate() {
        out[i] = holm(&families[i]).into_iter().map(|h| bh[k].max((h * n / selected).min(1.0))).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::assert_rel;
    use proptest::prelude::*;

    #[track_caller]
    fn assert_all(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_rel(*g, *w, 1e-12);
        }
    }

    #[test]
    fn bh_matches_statsmodels() {
        // statsmodels 0.15.0: multipletests(p, method="fdr_bh")[1]
        let p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2];
        assert_all(&benjamini_hochberg(&p), &BH_REF);
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[f64::NAN, 2.0]), vec![1.0, 1.0]);
    }

    const BH_REF: [f64; 6] = [0.03, 0.06, 0.06, 0.03, 0.5, 0.24];

    #[test]
    fn bogomolov_by_its_definition() {
        // Three workloads; in Python with statsmodels 0.15.0:
        //   fam = [[0.001, 0.02, 0.3], [0.04, 0.5], [0.0001]]
        //   fp = [min(1, len(f) * min(f)) for f in fam]            -> [0.003, 0.08, 0.0001]
        //   bh = multipletests(fp, method="fdr_bh")[1]             -> [0.0045, 0.08, 0.0003]
        //   R = sum(bh <= 0.05) = 2; N = 3
        //   [[max(bh[i], min(1, h * N / R)) for h in multipletests(f, method="holm")[1]] ...]
        let fam = vec![vec![0.001, 0.02, 0.3], vec![0.04, 0.5], vec![0.0001]];
        let got = bogomolov(&fam, 0.05);
        assert_all(&got[0], &[0.0045, 0.06, 0.45]);
        assert_all(&got[1], &[0.12, 0.75]);
        assert_all(&got[2], &[0.0003]);
    }

    #[test]
    fn one_family_is_plain_holm_and_empty_families_do_not_count() {
        let f = vec![0.01, 0.02, 0.2];
        let got = bogomolov(&[f.clone(), vec![]], 0.05);
        assert_all(&got[0], &holm(&f));
        assert!(got[1].is_empty());
    }

    proptest! {
        #[test]
        fn never_below_raw_never_above_one(fam in prop::collection::vec(prop::collection::vec(0.0f64..1.0, 0..6), 1..8), alpha in 0.001f64..0.2) {
            let got = bogomolov(&fam, alpha);
            for (f, g) in fam.iter().zip(&got) {
                prop_assert_eq!(f.len(), g.len());
                for (p, a) in f.iter().zip(g) {
                    prop_assert!(*a >= *p - 1e-15 && *a <= 1.0);
                }
            }
            // Every selected family (some value <= alpha) has its smallest value <= alpha.
            let bh = benjamini_hochberg(&fam.iter().filter(|f| !f.is_empty()).map(|f| (f.len() as f64 * f.iter().cloned().fold(1.0, f64::min)).min(1.0)).collect::<Vec<_>>());
            prop_assert_eq!(bh.iter().filter(|&&q| q <= alpha).count(), got.iter().filter(|g| g.iter().any(|&v| v <= alpha)).count());
        }
    }
}
