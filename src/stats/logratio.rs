//! Throughput comparisons on the log scale: Welch's t-test on `ln` of the per-round
//! values, the ratio of geometric means and its confidence interval.
//!
//! Throughput noise is multiplicative (a busy core slows every request by a factor), so
//! a ratio is the natural effect and `ln` makes the two samples' spreads comparable: a
//! framework at 6,000 req/s ± 10 % and one at 85,000 req/s ± 10 % have the same spread of
//! `ln`, where on the raw scale the fast one's spread would swamp the test. Calls
//! `summary` and `distribution`.

use super::distribution::{critical_value, t_two_sided_p};
use super::summary::moments;

/// The comparison of `a` against `b` on the log scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRatio {
    /// Ratio of geometric means `gm(a) / gm(b)`.
    pub ratio: f64,
    /// `mean(ln a) - mean(ln b)`.
    pub log_diff: f64,
    /// Standard error of `log_diff`: `sqrt(var(ln a)/n_a + var(ln b)/n_b)`.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom of the log samples.
    pub df: f64,
    /// `log_diff / se`.
    pub t: f64,
    /// Two-sided p-value of `gm(a) = gm(b)`.
    pub p_value: f64,
    /// Confidence interval of `ratio`: `exp(log_diff ± t_{(1+c)/2, df} · se)`.
    pub ci: (f64, f64),
}

/// Why two samples could not be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRatioError {
    /// Fewer than two values on a side.
    TooFew,
    /// A value that is not a finite number above 0 (no logarithm).
    NotPositive,
    /// Both sides have no spread at all: every round gave the same figure. Real
    /// measurements never do that, so the data are refused rather than called certain
    /// (R's `t.test` refuses them too: "data are essentially constant").
    NoVariance,
    /// Paired rounds whose ratio is the same in every round (to the last bits of the
    /// logarithms): nothing to test against either (R: "data are essentially constant").
    ConstantRatio,
    /// The confidence level is not in (0, 1).
    BadConfidence,
}

impl LogRatioError {
    /// The reason in words, for verdict texts.
    pub fn reason(self) -> &'static str {
        match self {
            LogRatioError::TooFew => "needs at least 2 rounds of each",
            LogRatioError::NotPositive => "a round's figure is zero, negative or not a number",
            LogRatioError::NoVariance => {
                "every round of both gave exactly the same figure (no spread to test against)"
            }
            LogRatioError::ConstantRatio => {
                "every round gave exactly the same ratio of the two (no spread to test against)"
            }
            LogRatioError::BadConfidence => "the confidence level must be between 0 and 1",
        }
    }
}

/// Welch's test of `mean(la) = mean(lb)` on values that are already logarithms, with the
/// interval of `exp(mean(la) - mean(lb))`. See [`log_ratio`].
pub fn log_welch(la: &[f64], lb: &[f64], confidence: f64) -> Result<LogRatio, LogRatioError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(LogRatioError::BadConfidence);
    }
    if la.len() < 2 || lb.len() < 2 {
        return Err(LogRatioError::TooFew);
    }
    let (ma, mb) =
        (moments(la).ok_or(LogRatioError::NotPositive)?, moments(lb).ok_or(LogRatioError::NotPositive)?);
    let (va, vb) = (ma.var_of_mean(), mb.var_of_mean());
    let se2 = va + vb;
    if se2 <= 0.0 {
        return Err(LogRatioError::NoVariance);
    }
    let (wa, wb) = (va / se2, vb / se2);
    let df = 1.0 / (wa * wa / (ma.n - 1) as f64 + wb * wb / (mb.n - 1) as f64);
    let se = se2.sqrt();
    let log_diff = ma.mean - mb.mean;
    let t = log_diff / se;
    let half = critical_value(confidence, df).ok_or(LogRatioError::BadConfidence)? * se;
    Ok(LogRatio {
        ratio: log_diff.exp(),
        log_diff,
        se,
        df,
        t,
        p_value: t_two_sided_p(t, df),
        ci: ((log_diff - half).exp(), (log_diff + half).exp()),
    })
}

/// Stein's two-stage version of [`log_welch`]: the difference of the means of every value,
/// its standard error from the spread of the first `stage` values of each side only (with
/// their degrees of freedom). When the number of values was chosen from the first stage's
/// spread (adaptive rounds), the usual test's variance is the one that decided to stop, and
/// a run that stopped because its spread looked small also looks more significant; the
/// first stage's variance is independent of everything measured after it, so this keeps
/// the test's level (C. Stein, "A two-sample test for a linear hypothesis whose power is
/// independent of the variance", Ann. Math. Statist. 16 (1945) 243–258). With `stage` ≥
/// both lengths it is [`log_welch`].
pub fn log_welch_staged(
    la: &[f64],
    lb: &[f64],
    stage: usize,
    confidence: f64,
) -> Result<LogRatio, LogRatioError> {
    if stage >= la.len() && stage >= lb.len() {
        return log_welch(la, lb, confidence);
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(LogRatioError::BadConfidence);
    }
    let k = stage.min(la.len()).min(lb.len());
    if k < 2 {
        return Err(LogRatioError::TooFew);
    }
    let all = |x: &[f64]| moments(x).ok_or(LogRatioError::NotPositive);
    let (ma, mb) = (all(la)?, all(lb)?);
    let (sa, sb) = (all(&la[..k])?, all(&lb[..k])?);
    let (va, vb) = (sa.sd * sa.sd / ma.n as f64, sb.sd * sb.sd / mb.n as f64);
    let se2 = va + vb;
    if se2 <= 0.0 {
        return Err(LogRatioError::NoVariance);
    }
    let df = se2 * se2 / (va * va / (k - 1) as f64 + vb * vb / (k - 1) as f64);
    let se = se2.sqrt();
    let log_diff = ma.mean - mb.mean;
    let t = log_diff / se;
    let half = critical_value(confidence, df).ok_or(LogRatioError::BadConfidence)? * se;
    Ok(LogRatio {
        ratio: log_diff.exp(),
        log_diff,
        se,
        df,
        t,
        p_value: t_two_sided_p(t, df),
        ci: ((log_diff - half).exp(), (log_diff + half).exp()),
    })
}

/// Welch's two-sided t-test on `ln a` against `ln b` and the `confidence` interval of the
/// ratio of geometric means `gm(a) / gm(b)`: the same as
/// `scipy.stats.ttest_ind(np.log(a), np.log(b), equal_var=False)` with the interval
/// exponentiated. Errors instead of a made-up number: too few values, a value `<= 0`,
/// both sides constant.
pub fn log_ratio(a: &[f64], b: &[f64], confidence: f64) -> Result<LogRatio, LogRatioError> {
    let ln = |x: &[f64]| -> Result<Vec<f64>, LogRatioError> {
        x.iter()
            .map(|&v| if v > 0.0 && v.is_finite() { Ok(v.ln()) } else { Err(LogRatioError::NotPositive) })
            .collect()
    };
    if a.len() < 2 || b.len() < 2 {
        return Err(LogRatioError::TooFew);
    }
    log_welch(&ln(a)?, &ln(b)?, confidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::*;
    use proptest::prelude::*;

    /// Reference values from SciPy 1.17.1:
    /// `r = scipy.stats.ttest_ind(np.log(a), np.log(b), equal_var=False)`,
    /// `lo, hi = r.confidence_interval(0.95)`; ratio `np.exp(np.log(a).mean() - np.log(b).mean())`,
    /// CI `np.exp(lo), np.exp(hi)`.
    #[test]
    fn matches_scipy_on_logs() {
        // (a, b, ratio, t, df, p, ci_low, ci_high)
        #[allow(clippy::type_complexity)]
        let cases: [(&[f64], &[f64], f64, f64, f64, f64, f64, f64); 3] = [
            (&UNEQUAL_A, &UNEQUAL_B, REF[0][0], REF[0][1], REF[0][2], REF[0][3], REF[0][4], REF[0][5]),
            (&LARGE_A, &LARGE_B, REF[1][0], REF[1][1], REF[1][2], REF[1][3], REF[1][4], REF[1][5]),
            (&FOURTEEN_A, &FOURTEEN_B, REF[2][0], REF[2][1], REF[2][2], REF[2][3], REF[2][4], REF[2][5]),
        ];
        for (a, b, ratio, t, df, p, lo, hi) in cases {
            let r = log_ratio(a, b, 0.95).unwrap();
            assert_rel(r.ratio, ratio, 1e-12);
            assert_rel(r.t, t, 1e-10);
            assert_rel(r.df, df, 1e-10);
            assert_rel(r.p_value, p, 1e-8);
            assert_rel(r.ci.0, lo, 1e-9);
            assert_rel(r.ci.1, hi, 1e-9);
        }
    }

    /// The case: 14× apart, three noisy rounds each (CV about 30 %).
    const FOURTEEN_A: [f64; 3] = [84_999.0, 62_000.0, 118_000.0];
    const FOURTEEN_B: [f64; 3] = [6_084.0, 4_300.0, 8_100.0];

    /// Filled from SciPy (see `matches_scipy_on_logs`).
    const REF: [[f64; 6]; 3] = [
        [
            1.056484292570505,
            8.193594415889047,
            6.987482245618673,
            7.89934619069225e-05,
            1.0398574442610324,
            1.0733769966337945,
        ],
        [
            1.981935356146348,
            41.70490850347762,
            5.467272121843611,
            4.6651736709888786e-08,
            1.9021227231053794,
            2.06509690895761,
        ],
        [
            14.316876470194853,
            10.203353817775348,
            3.9991402647182333,
            0.0005204077411776778,
            6.939090406460888,
            29.53887899658601,
        ],
    ];

    #[test]
    fn refuses_what_cannot_be_tested() {
        assert_eq!(log_ratio(&[1.0], &UNEQUAL_B, 0.95), Err(LogRatioError::TooFew));
        assert_eq!(log_ratio(&[1.0, 0.0], &UNEQUAL_B, 0.95), Err(LogRatioError::NotPositive));
        assert_eq!(log_ratio(&[1.0, f64::NAN], &UNEQUAL_B, 0.95), Err(LogRatioError::NotPositive));
        assert_eq!(log_ratio(&[5.0, 5.0, 5.0], &[4.0, 4.0], 0.95), Err(LogRatioError::NoVariance));
        assert_eq!(log_ratio(&UNEQUAL_A, &UNEQUAL_B, 1.0), Err(LogRatioError::BadConfidence));
    }

    #[test]
    fn one_constant_side_is_still_tested() {
        // scipy.stats.ttest_ind(np.log([10, 10, 10]), np.log([8, 9, 10, 11]), equal_var=False)
        // -> statistic 0.8504983000655686, pvalue 0.45754229988539136, df 3.0
        let r = log_ratio(&[10.0, 10.0, 10.0], &[8.0, 9.0, 10.0, 11.0], 0.95).unwrap();
        assert_rel(r.t, 0.8504983000655686, 1e-10);
        assert_rel(r.p_value, 0.45754229988539136, 1e-8);
        assert_rel(r.df, 3.0, 1e-12);
    }

    proptest! {
        #[test]
        fn scale_free_and_antisymmetric(a in sample(), b in sample(), c in scale()) {
            let r = log_ratio(&a, &b, 0.95).unwrap();
            let sa: Vec<f64> = a.iter().map(|v| v * c).collect();
            let sb: Vec<f64> = b.iter().map(|v| v * c).collect();
            let s = log_ratio(&sa, &sb, 0.95).unwrap();
            prop_assert!(close(s.ratio, r.ratio, 1e-9) && close(s.p_value, r.p_value, 1e-7));
            let back = log_ratio(&b, &a, 0.95).unwrap();
            prop_assert!(close(back.ratio * r.ratio, 1.0, 1e-12));
            prop_assert!(close(back.ci.0 * r.ci.1, 1.0, 1e-9) && close(back.ci.1 * r.ci.0, 1.0, 1e-9));
            prop_assert!(r.ci.0 <= r.ratio && r.ratio <= r.ci.1);
            prop_assert!((0.0..=1.0).contains(&r.p_value));
        }
    }
}
