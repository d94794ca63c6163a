//! Confidence interval of the ratio of two means, `mean(a) / mean(b)`, by Fieller's
//! theorem for independent samples.
//!
//! Calls `summary` for the moments and `distribution` for the t quantile.

use super::distribution::critical_value;
use super::summary::{moments, Moments};

/// Fieller's `confidence` interval of `ρ = mean(a) / mean(b)` for independent samples.
///
/// It is the set of ρ for which `(mean(a) - ρ·mean(b))² <= t² (v_a + ρ² v_b)`, with
/// `v = sd²/n`; in closed form, with `ρ̂ = mean(a)/mean(b)` and
/// `g = t² v_b / mean(b)²`,
///
/// ```text
/// ρ̂/(1-g) ± t / ((1-g)·|mean(b)|) · sqrt(v_a (1-g) + ρ̂² v_b)
/// ```
///
/// The interval always contains ρ̂.
///
/// Degrees of freedom for `t = t_{(1+c)/2, df}`: the Satterthwaite approximation for
/// the pivot `mean(a) - ρ mean(b)` at `ρ = ρ̂` (Tamhane & Logan 2004),
/// `df = (v_a + ρ̂² v_b)² / (v_a²/(n_a-1) + ρ̂⁴ v_b²/(n_b-1))`. This is the Welch df of
/// the test of `mean(a) = ρ̂·mean(b)`; it equals the Welch df of `a - b` when ρ̂ = 1 and,
/// unlike that df, it does not change when one sample alone is rescaled, so the interval
/// for `(c·a, b)` is exactly `c` times the interval for `(a, b)`. With both variances 0,
/// `df = n_a + n_b - 2` and the interval is the point ρ̂.
///
/// `None` if either sample has fewer than 2 values or a non-finite value, `confidence`
/// is not in `(0, 1)`, or the interval is unbounded: `g >= 1`, i.e. `mean(b)` is not
/// significantly different from 0 at this level (and always when `mean(b) = 0`).
pub fn fieller_ratio_ci(a: &[f64], b: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let (ma, mb) = (moments(a)?, moments(b)?);
    if ma.n < 2 || mb.n < 2 || mb.mean == 0.0 {
        return None;
    }
    let rho = ma.mean / mb.mean;
    let (va, vb) = (ma.var_of_mean(), mb.var_of_mean());
    let t = critical_value(confidence, ratio_df(&ma, &mb, rho))?;
    // Written as a square so that a tiny mean(b) with zero variance gives 0, not 0/0.
    let g = (t * vb.sqrt() / mb.mean).powi(2);
    if g >= 1.0 {
        return None;
    }
    let centre = rho / (1.0 - g);
    let half = t / ((1.0 - g) * mb.mean.abs()) * (va * (1.0 - g) + rho * rho * vb).sqrt();
    let (lo, hi) = (centre - half, centre + half);
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// Satterthwaite df of `mean(a) - ρ mean(b)`, in shares of its variance so that it
/// neither under- nor overflows; `n_a + n_b - 2` when that variance is 0.
fn ratio_df(a: &Moments, b: &Moments, rho: f64) -> f64 {
    let (va, vb) = (a.var_of_mean(), rho * rho * b.var_of_mean());
    let total = va + vb;
    if total <= 0.0 {
        return (a.n + b.n - 2) as f64;
    }
    let (wa, wb) = (va / total, vb / total);
    1.0 / (wa * wa / (a.n - 1) as f64 + wb * wb / (b.n - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::*;
    use proptest::prelude::*;

    /// (a, b, ci95, ci90) computed in NumPy 2.4.6 / SciPy 1.17.1 with the closed form:
    ///   va, vb = a.var(ddof=1)/na, b.var(ddof=1)/nb; rho = a.mean()/b.mean()
    ///   df = (va + rho**2*vb)**2 / (va**2/(na-1) + rho**4*vb**2/(nb-1))
    ///   t = scipy.stats.t.ppf((1+conf)/2, df); g = t**2*vb/b.mean()**2
    ///   half = t/((1-g)*abs(b.mean()))*np.sqrt(va*(1-g) + rho**2*vb)
    ///   (rho/(1-g) - half, rho/(1-g) + half)
    #[allow(clippy::type_complexity)]
    const NUMPY: [(&[f64], &[f64], (f64, f64), (f64, f64)); 4] = [
        (
            &UNEQUAL_A,
            &UNEQUAL_B,
            (1.0398771646790954, 1.0733702346800276),
            (1.043164973476061, 1.0699971053351827),
        ),
        (
            &NEAR_TIE_A,
            &NEAR_TIE_B,
            (0.9961898260367444, 1.0035867441679192),
            (0.9968837498395718, 1.0028895885320228),
        ),
        (
            &LARGE_A,
            &LARGE_B,
            (1.9026964840058105, 2.0651533597036105),
            (1.9186548538840174, 2.0467966829740134),
        ),
        (
            &TINY_A,
            &TINY_B,
            (0.45097633956861216, 2.812489731655195),
            (0.8942943219006952, 2.2119403358771987),
        ),
    ];

    #[test]
    fn matches_numpy_closed_form() {
        for (a, b, ci95, ci90) in NUMPY {
            let (lo, hi) = fieller_ratio_ci(a, b, 0.95).unwrap();
            assert_rel(lo, ci95.0, 1e-9);
            assert_rel(hi, ci95.1, 1e-9);
            let (lo, hi) = fieller_ratio_ci(a, b, 0.90).unwrap();
            assert_rel(lo, ci90.0, 1e-9);
            assert_rel(hi, ci90.1, 1e-9);
        }
    }

    #[test]
    fn df_matches_numpy() {
        // df = (va + rho**2*vb)**2 / (va**2/(na-1) + rho**4*vb**2/(nb-1)), as above
        let (a, b) = (moments(&LARGE_A).unwrap(), moments(&LARGE_B).unwrap());
        assert_rel(ratio_df(&a, &b, a.mean / b.mean), 5.47215470190695, 1e-12);
        let (a, b) = (moments(&UNEQUAL_A).unwrap(), moments(&UNEQUAL_B).unwrap());
        assert_rel(ratio_df(&a, &b, a.mean / b.mean), 6.988437332854759, 1e-12);
    }

    #[test]
    fn unbounded_interval_is_none() {
        // a = [5, 6, 7], b = [1, -1, 2]: g = t**2*vb/b.mean()**2 = 31.754813649242376 >= 1
        assert_eq!(fieller_ratio_ci(&[5.0, 6.0, 7.0], &[1.0, -1.0, 2.0], 0.95), None);
        assert_eq!(fieller_ratio_ci(&[5.0, 6.0], &[1.0, -1.0], 0.95), None);
        assert_eq!(fieller_ratio_ci(&[5.0], &[1.0, 2.0], 0.95), None);
        assert_eq!(fieller_ratio_ci(&[5.0, 6.0], &[1.0, 2.0], 1.0), None);
    }

    #[test]
    fn constant_samples_give_the_point_ratio() {
        assert_eq!(fieller_ratio_ci(&[300.0, 300.0], &[200.0, 200.0, 200.0], 0.95), Some((1.5, 1.5)));
    }

    proptest! {
        #[test]
        fn contains_the_ratio_of_means(a in sample(), b in sample(), conf in 0.5f64..0.999) {
            let rho = moments(&a).unwrap().mean / moments(&b).unwrap().mean;
            let ci = fieller_ratio_ci(&a, &b, conf);
            prop_assume!(ci.is_some(), "unbounded: mean(b) not significantly above 0");
            let (lo, hi) = ci.unwrap();
            prop_assert!(lo <= rho * (1.0 + 1e-12) && rho <= hi * (1.0 + 1e-12));
        }

        #[test]
        fn contains_the_ratio_whenever_it_exists(
            a in prop::collection::vec(-10.0f64..10.0, 2..8),
            b in prop::collection::vec(-10.0f64..10.0, 2..8),
        ) {
            let rho = moments(&a).unwrap().mean / moments(&b).unwrap().mean;
            if let Some((lo, hi)) = fieller_ratio_ci(&a, &b, 0.95) {
                let tol = 1e-9 * rho.abs().max(1.0);
                prop_assert!(lo - tol <= rho && rho <= hi + tol, "{lo} {rho} {hi}");
            }
        }

        #[test]
        fn scaling_both_leaves_it_and_scaling_one_scales_it(a in sample(), b in sample(), c in scale()) {
            let ci = fieller_ratio_ci(&a, &b, 0.95);
            prop_assume!(ci.is_some(), "unbounded: mean(b) not significantly above 0");
            let (lo, hi) = ci.unwrap();
            let sa: Vec<f64> = a.iter().map(|v| v * c).collect();
            let sb: Vec<f64> = b.iter().map(|v| v * c).collect();
            let (slo, shi) = fieller_ratio_ci(&sa, &sb, 0.95).unwrap();
            prop_assert!(close(slo, lo, 1e-9) && close(shi, hi, 1e-9));
            let (alo, ahi) = fieller_ratio_ci(&sa, &b, 0.95).unwrap();
            prop_assert!(close(alo, lo * c, 1e-9) && close(ahi, hi * c, 1e-9));
        }

        #[test]
        fn narrower_at_lower_confidence(a in sample(), b in sample()) {
            let ci = fieller_ratio_ci(&a, &b, 0.95);
            prop_assume!(ci.is_some(), "unbounded: mean(b) not significantly above 0");
            let (lo95, hi95) = ci.unwrap();
            let (lo90, hi90) = fieller_ratio_ci(&a, &b, 0.90).unwrap();
            prop_assert!(lo95 <= lo90 && hi90 <= hi95);
        }
    }
}
