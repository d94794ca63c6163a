//! One-sample summaries: mean and sample standard deviation, the t-based confidence
//! interval of the mean, and the geometric mean.
//!
//! Calls `distribution` for the t quantile.

use super::distribution::critical_value;

/// Size, mean and sample standard deviation (divisor `n - 1`) of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation with divisor `n - 1`; `0.0` when `n == 1`.
    pub sd: f64,
}

/// Size, mean and sample standard deviation of `x`.
///
/// `None` if `x` is empty, holds a non-finite value, or its sums overflow. For `n == 1`
/// the standard deviation is undefined and reported as `0.0`; the functions that need
/// a spread ask for `n >= 2` themselves.
///
/// The mean is refined by a second pass and the variance uses the corrected two-pass
/// formula, so a constant sample has exactly its value as mean and exactly 0 as sd.
pub fn moments(x: &[f64]) -> Option<Moments> {
    if x.is_empty() || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let n = x.len();
    let nf = n as f64;
    let first = x.iter().sum::<f64>() / nf;
    let mean = first + x.iter().map(|v| v - first).sum::<f64>() / nf;
    let (sum_d, sum_d2) = x.iter().fold((0.0, 0.0), |(s, s2), v| {
        let d = v - mean;
        (s + d, s2 + d * d)
    });
    let sd = if n < 2 { 0.0 } else { ((sum_d2 - sum_d * sum_d / nf).max(0.0) / (nf - 1.0)).sqrt() };
    (mean.is_finite() && sd.is_finite()).then_some(Moments { n, mean, sd })
}

impl Moments {
    /// Squared standard error of the mean, `sd² / n`.
    pub(crate) fn var_of_mean(&self) -> f64 {
        self.sd * self.sd / self.n as f64
    }
}

/// The t-based `confidence` interval of the mean: `mean ± t_{(1+c)/2, n-1} · sd / √n`.
///
/// `None` if `n < 2`, the input has a non-finite value, or `confidence` is not in
/// `(0, 1)`. A constant sample gives the zero-width interval `(mean, mean)`.
pub fn mean_ci(x: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let m = moments(x)?;
    if m.n < 2 {
        return None;
    }
    let half = critical_value(confidence, (m.n - 1) as f64)? * m.var_of_mean().sqrt();
    Some((m.mean - half, m.mean + half))
}

/// Geometric mean `exp(mean(ln x))`; `None` if `x` is empty or any value is `<= 0` or
/// not finite.
/// `v` rounded to `places` decimal places, for figures written to result files.
pub fn round_to(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// The arithmetic mean, 0 for no values (for summaries that must always hold a number).
pub fn mean_or_zero(x: &[f64]) -> f64 {
    moments(x).map_or(0.0, |m| m.mean)
}

pub fn geometric_mean(x: &[f64]) -> Option<f64> {
    if x.is_empty() || x.iter().any(|&v| !(v > 0.0 && v.is_finite())) {
        return None;
    }
    Some((x.iter().map(|v| v.ln()).sum::<f64>() / x.len() as f64).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::*;
    use proptest::prelude::*;

    #[test]
    fn moments_match_numpy() {
        // np.mean(a), np.std(a, ddof=1) on NumPy 2.4.6
        let cases: [(&[f64], f64, f64); 4] = [
            (&UNEQUAL_A, 1005.0, 11.180339887498949),
            (&UNEQUAL_B, 951.25, 8.539125638299666),
            (&NEAR_TIE_A, 50084.166666666664, 163.41409567924876),
            (&LARGE_B, 60816.666666666664, 2379.42570101835),
        ];
        for (x, mean, sd) in cases {
            let m = moments(x).unwrap();
            assert_eq!(m.n, x.len());
            assert_rel(m.mean, mean, 1e-12);
            assert_rel(m.sd, sd, 1e-12);
        }
    }

    #[test]
    fn moments_edges() {
        assert_eq!(moments(&[]), None);
        assert_eq!(moments(&[1.0, f64::NAN]), None);
        assert_eq!(moments(&[f64::MAX, f64::MAX]), None);
        assert_eq!(moments(&[7.0]), Some(Moments { n: 1, mean: 7.0, sd: 0.0 }));
        let c = moments(&[0.1, 0.1, 0.1]).unwrap();
        assert_eq!((c.mean, c.sd), (0.1, 0.0));
    }

    #[test]
    fn mean_ci_matches_scipy() {
        // scipy.stats.t.interval(0.95, len(a) - 1, loc=np.mean(a), scale=scipy.stats.sem(a))
        let cases: [(&[f64], f64, f64); 4] = [
            (&UNEQUAL_A, 991.1177744740111, 1018.8822255259889),
            (&NEAR_TIE_A, 49912.67409059949, 50255.65924273384),
            (&LARGE_A, 119476.40277970357, 121448.59722029643),
            (&TINY_A, -1.7062047361746941, 23.706204736174694),
        ];
        for (x, lo, hi) in cases {
            let (l, h) = mean_ci(x, 0.95).unwrap();
            assert_rel(l, lo, 1e-9);
            assert_rel(h, hi, 1e-9);
        }
    }

    #[test]
    fn mean_ci_edges() {
        assert_eq!(mean_ci(&[5.0], 0.95), None);
        assert_eq!(mean_ci(&UNEQUAL_A, 1.0), None);
        assert_eq!(mean_ci(&UNEQUAL_A, 0.0), None);
        assert_eq!(mean_ci(&[3.0, 3.0, 3.0], 0.95), Some((3.0, 3.0)));
    }

    #[test]
    fn geometric_mean_matches_scipy() {
        // scipy.stats.gmean(a)
        assert_rel(geometric_mean(&UNEQUAL_A).unwrap(), 1004.9502449382558, 1e-12);
        assert_rel(geometric_mean(&LARGE_A).unwrap(), 120457.45624106984, 1e-12);
        // scipy.stats.gmean([1.0, 2, 4, 8, 1000.5])
        assert_rel(geometric_mean(&[1.0, 2.0, 4.0, 8.0, 1000.5]).unwrap(), 9.14701546578322, 1e-12);
    }

    #[test]
    fn geometric_mean_edges() {
        assert_eq!(geometric_mean(&[]), None);
        assert_eq!(geometric_mean(&[1.0, 0.0]), None);
        assert_eq!(geometric_mean(&[1.0, -2.0]), None);
        assert_eq!(geometric_mean(&[1.0, f64::INFINITY]), None);
        assert_eq!(geometric_mean(&[1.0, f64::NAN]), None);
    }

    proptest! {
        #[test]
        fn mean_ci_contains_mean_and_widens_with_confidence(x in sample()) {
            let m = moments(&x).unwrap();
            let (l95, h95) = mean_ci(&x, 0.95).unwrap();
            let (l99, h99) = mean_ci(&x, 0.99).unwrap();
            prop_assert!(l95 <= m.mean && m.mean <= h95);
            prop_assert!(l99 <= l95 && h95 <= h99);
        }

        #[test]
        fn moments_scale_and_shift(x in sample(), c in scale(), s in -1e4f64..1e4) {
            let m = moments(&x).unwrap();
            let scaled: Vec<f64> = x.iter().map(|v| v * c + s).collect();
            let ms = moments(&scaled).unwrap();
            prop_assert!(close(ms.mean, m.mean * c + s, 1e-9));
            prop_assert!(close(ms.sd, m.sd * c, 1e-6));
        }

        #[test]
        fn geometric_mean_between_min_and_arithmetic_mean(x in sample()) {
            let g = geometric_mean(&x).unwrap();
            let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
            let m = moments(&x).unwrap().mean;
            prop_assert!(g >= min * (1.0 - 1e-12) && g <= m * (1.0 + 1e-12));
        }
    }
}
