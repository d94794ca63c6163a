//! Welch's two-sample t-test (unequal variances) with the confidence interval of the
//! difference of means.
//!
//! Calls `summary` for the moments and `distribution` for the t distribution.

use super::distribution::{critical_value, t_two_sided_p};
use super::summary::{moments, Moments};

/// Result of a two-sided Welch t-test of `mean(a) = mean(b)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// `diff / sqrt(sd_a²/n_a + sd_b²/n_b)`; `±inf` when both variances are 0 and the
    /// means differ.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom; `n_a + n_b - 2` when both variances are 0.
    pub df: f64,
    /// Two-sided p-value, in `[0, 1]`.
    pub p_value: f64,
    /// `mean(a) - mean(b)`.
    pub diff: f64,
    /// Confidence interval of `diff` at the requested level.
    pub ci: (f64, f64),
}

/// Welch's two-sided t-test of `mean(a) = mean(b)` and the `confidence` interval of
/// `mean(a) - mean(b)`, matching `scipy.stats.ttest_ind(a, b, equal_var=False)` and R's
/// `t.test(a, b)`.
///
/// `None` if either sample has fewer than 2 values or a non-finite value, or if
/// `confidence` is not in `(0, 1)`.
///
/// Zero variance on both sides (every round of each framework gave the same number):
/// - equal means: `t = 0`, `p = 1`, `ci = (0, 0)`;
/// - different means: `t = ±inf`, `p = 0`, `ci = (diff, diff)`: with no spread at all,
///   any difference is taken as certain. The result is never NaN.
///
/// In both, `df = n_a + n_b - 2` (the Satterthwaite formula is 0/0 there). With zero
/// variance on one side only, the ordinary formulas hold (df = n - 1 of the other side).
pub fn welch(a: &[f64], b: &[f64], confidence: f64) -> Option<Welch> {
    let (ma, mb) = (moments(a)?, moments(b)?);
    if ma.n < 2 || mb.n < 2 {
        return None;
    }
    let (va, vb) = (ma.var_of_mean(), mb.var_of_mean());
    let se2 = va + vb;
    let df = welch_df(&ma, &mb);
    let crit = critical_value(confidence, df)?;
    let diff = ma.mean - mb.mean;
    let t = if se2 > 0.0 {
        diff / se2.sqrt()
    } else if diff == 0.0 {
        0.0
    } else {
        f64::INFINITY.copysign(diff)
    };
    let half = crit * se2.sqrt();
    Some(Welch { t, df, p_value: t_two_sided_p(t, df), diff, ci: (diff - half, diff + half) })
}

/// Welch–Satterthwaite df `(va + vb)² / (va²/(na-1) + vb²/(nb-1))` with `v = sd²/n`,
/// written in shares of `va + vb` so that it neither under- nor overflows; always in
/// `[min(na, nb) - 1, na + nb - 2]`. Both variances 0 gives `na + nb - 2`.
fn welch_df(a: &Moments, b: &Moments) -> f64 {
    let (va, vb) = (a.var_of_mean(), b.var_of_mean());
    let se2 = va + vb;
    if se2 == 0.0 {
        return (a.n + b.n - 2) as f64;
    }
    let (wa, wb) = (va / se2, vb / se2);
    1.0 / (wa * wa / (a.n - 1) as f64 + wb * wb / (b.n - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::*;
    use proptest::prelude::*;

    /// (a, b, t, df, p, ci95, ci90) from SciPy 1.17.1:
    /// `res = scipy.stats.ttest_ind(a, b, equal_var=False)`; `res.statistic`, `res.df`,
    /// `res.pvalue`, `res.confidence_interval(0.95)`, `res.confidence_interval(0.90)`.
    /// `res.df` agrees with `(va+vb)**2/(va**2/(na-1)+vb**2/(nb-1))` in NumPy.
    #[allow(clippy::type_complexity)]
    const SCIPY: [(&[f64], &[f64], f64, f64, f64, (f64, f64), (f64, f64)); 4] = [
        (
            &UNEQUAL_A,
            &UNEQUAL_B,
            8.175042831765765,
            6.9986454453098546,
            7.944776536804367e-05,
            (38.20224776993379, 69.29775223006621),
            (41.292993051126764, 66.20700694887323),
        ),
        (
            &NEAR_TIE_A,
            &NEAR_TIE_B,
            -0.07067411423800765,
            9.488191760883522,
            0.9451244495429646,
            (-191.09409348703244, 179.42742682036092),
            (-156.25414039473333, 144.58747372806172),
        ),
        (
            &LARGE_A,
            &LARGE_B,
            56.4225839309275,
            6.846705598804974,
            2.157888342836336e-10,
            (57134.73489898071, 62156.931767685965),
            (57636.25622211529, 61655.41044455138),
        ),
        (
            &TINY_A,
            &TINY_B,
            3.6380343755449944,
            1.1245136186770428,
            0.14866303522830673,
            (-6.371689453494378, 13.871689453494378),
            (-1.6619027337577101, 9.161902733757707),
        ),
    ];

    #[test]
    fn matches_scipy() {
        for (a, b, t, df, p, ci95, ci90) in SCIPY {
            let w = welch(a, b, 0.95).unwrap();
            assert_rel(w.t, t, 1e-9);
            assert_rel(w.df, df, 1e-9);
            assert_rel(w.p_value, p, 1e-9);
            assert_rel(w.ci.0, ci95.0, 1e-9);
            assert_rel(w.ci.1, ci95.1, 1e-9);
            let w90 = welch(a, b, 0.90).unwrap();
            assert_rel(w90.ci.0, ci90.0, 1e-9);
            assert_rel(w90.ci.1, ci90.1, 1e-9);
        }
    }

    #[test]
    fn too_small_or_bad_input_is_none() {
        assert_eq!(welch(&[1.0], &UNEQUAL_B, 0.95), None);
        assert_eq!(welch(&UNEQUAL_A, &[], 0.95), None);
        assert_eq!(welch(&UNEQUAL_A, &[1.0, f64::NAN], 0.95), None);
        assert_eq!(welch(&UNEQUAL_A, &UNEQUAL_B, 1.0), None);
    }

    #[test]
    fn zero_variance_equal_means_is_p_one() {
        let w = welch(&[100.0, 100.0, 100.0], &[100.0, 100.0], 0.95).unwrap();
        assert_eq!((w.t, w.p_value, w.diff, w.ci, w.df), (0.0, 1.0, 0.0, (0.0, 0.0), 3.0));
    }

    #[test]
    fn zero_variance_different_means_is_p_zero() {
        let w = welch(&[100.0, 100.0, 100.0], &[90.0, 90.0], 0.95).unwrap();
        assert_eq!((w.t, w.p_value, w.diff, w.ci), (f64::INFINITY, 0.0, 10.0, (10.0, 10.0)));
        let w = welch(&[90.0, 90.0], &[100.0, 100.0, 100.0], 0.95).unwrap();
        assert_eq!((w.t, w.p_value), (f64::NEG_INFINITY, 0.0));
    }

    #[test]
    fn zero_variance_on_one_side_uses_the_other() {
        // scipy.stats.ttest_ind([10, 10, 10], [8, 9, 10, 11], equal_var=False)
        // -> statistic 0.7745966692414834, pvalue 0.4950253460597111, df 3.0
        let w = welch(&[10.0, 10.0, 10.0], &[8.0, 9.0, 10.0, 11.0], 0.95).unwrap();
        assert_rel(w.t, 0.7745966692414834, 1e-12);
        assert_rel(w.p_value, 0.4950253460597111, 1e-9);
        assert_eq!(w.df, 3.0);
    }

    proptest! {
        #[test]
        fn same_sample_is_p_one(a in sample()) {
            let w = welch(&a, &a, 0.95).unwrap();
            prop_assert_eq!(w.diff, 0.0);
            prop_assert_eq!(w.t, 0.0);
            prop_assert!((w.p_value - 1.0).abs() <= 1e-12);
        }

        #[test]
        fn swapping_flips_t_and_diff(a in sample(), b in sample()) {
            let ab = welch(&a, &b, 0.95).unwrap();
            let ba = welch(&b, &a, 0.95).unwrap();
            prop_assert_eq!(ab.t, -ba.t);
            prop_assert_eq!(ab.diff, -ba.diff);
            prop_assert_eq!(ab.df, ba.df);
            prop_assert!((ab.p_value - ba.p_value).abs() <= 1e-15);
            prop_assert!(close(ab.ci.0, -ba.ci.1, 1e-12) && close(ab.ci.1, -ba.ci.0, 1e-12));
        }

        #[test]
        fn p_in_unit_interval_and_ci_contains_diff(a in sample(), b in sample(), conf in 0.5f64..0.999) {
            let w = welch(&a, &b, conf).unwrap();
            prop_assert!((0.0..=1.0).contains(&w.p_value));
            prop_assert!(w.ci.0 <= w.diff && w.diff <= w.ci.1);
            let lo = (a.len().min(b.len()) - 1) as f64;
            let hi = (a.len() + b.len() - 2) as f64;
            prop_assert!(w.df >= lo * (1.0 - 1e-12) && w.df <= hi * (1.0 + 1e-12));
            // The CI excludes 0 exactly when p < 1 - conf (test and interval agree).
            let excludes_zero = w.ci.0 > 0.0 || w.ci.1 < 0.0;
            let margin = (w.p_value - (1.0 - conf)).abs();
            prop_assume!(margin > 1e-9);
            prop_assert_eq!(excludes_zero, w.p_value < 1.0 - conf);
        }

        #[test]
        fn scaling_both_samples_keeps_p(a in sample(), b in sample(), c in scale()) {
            let w = welch(&a, &b, 0.95).unwrap();
            let sa: Vec<f64> = a.iter().map(|v| v * c).collect();
            let sb: Vec<f64> = b.iter().map(|v| v * c).collect();
            let ws = welch(&sa, &sb, 0.95).unwrap();
            prop_assert!(close(ws.t, w.t, 1e-9));
            prop_assert!(close(ws.df, w.df, 1e-9));
            prop_assert!((ws.p_value - w.p_value).abs() <= 1e-9 * w.p_value.max(1e-12));
            prop_assert!(close(ws.diff, w.diff * c, 1e-9));
        }
    }
}
