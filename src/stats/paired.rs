//! The paired t-test on per-round log-ratios: when every round measured both frameworks
//! once, a round is a block, and `ln a_r - ln b_r` removes whatever the round did to both
//! (a busy neighbour, a warmer machine). Also its Stein two-stage form for adaptive rounds.
//!
//! Calls `summary` and `distribution`; returns the same [`LogRatio`] as the Welch tests.

use super::distribution::{critical_value, t_two_sided_p};
use super::logratio::{LogRatio, LogRatioError};
use super::summary::moments;

/// The paired t-test of `mean(la - lb) = 0` on logs of per-round values (round `r` of `la`
/// and of `lb` measured in the same round), with the interval of `exp(mean(la - lb))`, the
/// ratio of geometric means: `scipy.stats.ttest_rel(np.log(a), np.log(b))` with the interval
/// exponentiated. Errors: lengths differ or below 2 ([`LogRatioError::TooFew`]), a value
/// not finite, every round the same ratio ([`LogRatioError::ConstantRatio`]).
pub fn log_paired(la: &[f64], lb: &[f64], confidence: f64) -> Result<LogRatio, LogRatioError> {
    log_paired_staged(la, lb, la.len(), confidence)
}

/// Stein's two-stage form of [`log_paired`]: the mean of every round's log-ratio, its
/// standard error from the spread of the first `stage` rounds only, with `stage - 1`
/// degrees of freedom. When the number of rounds was chosen from that first stage's
/// spread (adaptive rounds), the level holds exactly for normal log-ratios (C. Stein, Ann.
/// Math. Statist. 16 (1945) 243–258). With `stage` ≥ the rounds it is [`log_paired`].
pub fn log_paired_staged(
    la: &[f64],
    lb: &[f64],
    stage: usize,
    confidence: f64,
) -> Result<LogRatio, LogRatioError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(LogRatioError::BadConfidence);
    }
    if la.len() != lb.len() || la.len() < 2 {
        return Err(LogRatioError::TooFew);
    }
    let k = stage.min(la.len());
    if k < 2 {
        return Err(LogRatioError::TooFew);
    }
    let d: Vec<f64> = la.iter().zip(lb).map(|(x, y)| x - y).collect();
    let all = moments(&d).ok_or(LogRatioError::NotPositive)?;
    let first = moments(&d[..k]).ok_or(LogRatioError::NotPositive)?;
    // R's rule for "essentially constant" data: a spread within rounding of the logs
    // (a = 2b in every round gives log-ratios that differ in the last bits only).
    let scale = moments(la).map_or(0.0, |m| m.mean.abs()).max(moments(lb).map_or(0.0, |m| m.mean.abs()));
    if first.sd <= 10.0 * f64::EPSILON * scale.max(all.mean.abs()) {
        return Err(LogRatioError::ConstantRatio);
    }
    let se = first.sd / (all.n as f64).sqrt();
    let df = (k - 1) as f64;
    let t = all.mean / se;
    let half = critical_value(confidence, df).ok_or(LogRatioError::BadConfidence)? * se;
    Ok(LogRatio {
        ratio: all.mean.exp(),
        log_diff: all.mean,
        se,
        df,
        t,
        p_value: t_two_sided_p(t, df),
        ci: ((all.mean - half).exp(), (all.mean + half).exp()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::*;
    use proptest::prelude::*;

    /// Eight rounds of two frameworks sharing each round's slowdown (correlation of the
    /// logs 0.96).
    const A: [f64; 8] = [61200.0, 58900.0, 63400.0, 55100.0, 60800.0, 62300.0, 57700.0, 59900.0];
    const B: [f64; 8] = [57100.0, 55800.0, 58200.0, 52900.0, 56400.0, 58800.0, 54000.0, 55300.0];

    fn ln(x: &[f64]) -> Vec<f64> {
        x.iter().map(|v| v.ln()).collect()
    }

    /// SciPy 1.17.1: `r = scipy.stats.ttest_rel(np.log(A), np.log(B))`,
    /// `ci = r.confidence_interval(0.95)`; ratio `np.exp((np.log(A) - np.log(B)).mean())`,
    /// interval `np.exp(ci.low), np.exp(ci.high)`. (Welch on the same logs: p 0.0061,
    /// interval 1.0226–1.1162: the pairing removes the rounds' common part.)
    #[test]
    fn matches_scipy_ttest_rel_on_logs() {
        let r = log_paired(&ln(&A), &ln(&B), 0.95).unwrap();
        assert_rel(r.ratio, 1.0683405031280997, 1e-12);
        assert_rel(r.t, 12.696911758485873, 1e-10);
        assert_eq!(r.df, 7.0);
        assert_rel(r.p_value, 4.34944343119687e-06, 1e-9);
        assert_rel(r.ci.0, 1.05526834382961, 1e-10);
        assert_rel(r.ci.1, 1.0815745940809638, 1e-10);
    }

    /// The staged form with a first stage of 6 of the 8 rounds, in NumPy/SciPy 1.17.1:
    /// `d = np.log(A) - np.log(B)`; `se = d[:6].std(ddof=1)/np.sqrt(8)`; `t = d.mean()/se`;
    /// `p = 2*scipy.stats.t.sf(abs(t), 5)`; `h = scipy.stats.t.ppf(0.975, 5)*se`;
    /// interval `np.exp(d.mean() - h), np.exp(d.mean() + h)`.
    #[test]
    fn the_staged_form_matches_its_formula() {
        let r = log_paired_staged(&ln(&A), &ln(&B), 6, 0.95).unwrap();
        assert_rel(r.t, 11.617562720378023, 1e-10);
        assert_eq!(r.df, 5.0);
        assert_rel(r.p_value, 8.29576313995264e-05, 1e-9);
        assert_rel(r.ci.0, 1.0528274253286967, 1e-10);
        assert_rel(r.ci.1, 1.0840821612028837, 1e-10);
        assert_eq!(log_paired_staged(&ln(&A), &ln(&B), 8, 0.95), log_paired(&ln(&A), &ln(&B), 0.95));
    }

    #[test]
    fn refuses_what_cannot_be_paired_or_tested() {
        let (a, b) = (ln(&A), ln(&B));
        assert_eq!(log_paired(&a, &b[..7], 0.95), Err(LogRatioError::TooFew));
        assert_eq!(log_paired(&a[..1], &b[..1], 0.95), Err(LogRatioError::TooFew));
        assert_eq!(log_paired(&a, &b, 1.0), Err(LogRatioError::BadConfidence));
        assert_eq!(log_paired_staged(&a, &b, 1, 0.95), Err(LogRatioError::TooFew));
        // Twice as fast in every round: the log-ratios agree to the last bits only.
        let double: Vec<f64> = B.iter().map(|v| (2.0 * v).ln()).collect();
        assert_eq!(log_paired(&double, &b, 0.95), Err(LogRatioError::ConstantRatio));
        assert_eq!(log_paired(&b, &b, 0.95), Err(LogRatioError::ConstantRatio));
    }

    proptest! {
        #[test]
        fn scale_free_and_antisymmetric(
            pairs in prop::collection::vec((1_000.0f64..100_000.0, 1_000.0f64..100_000.0), 2..30),
            c in scale(),
        ) {
            let (a, b): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
            let r = log_paired(&ln(&a), &ln(&b), 0.95).unwrap();
            let sa: Vec<f64> = a.iter().map(|v| v * c).collect();
            let sb: Vec<f64> = b.iter().map(|v| v * c).collect();
            let s = log_paired(&ln(&sa), &ln(&sb), 0.95).unwrap();
            prop_assert!(close(s.ratio, r.ratio, 1e-9) && close(s.p_value, r.p_value, 1e-6));
            let back = log_paired(&ln(&b), &ln(&a), 0.95).unwrap();
            prop_assert!(close(back.ratio * r.ratio, 1.0, 1e-12));
            prop_assert!(r.ci.0 <= r.ratio && r.ratio <= r.ci.1);
            prop_assert!((0.0..=1.0).contains(&r.p_value));
        }
    }
}
