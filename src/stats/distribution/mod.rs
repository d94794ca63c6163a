//! Student's t distribution: quantiles, two-sided p-values and critical values.
//!
//! Both directions go through the regularized incomplete beta function in
//! [`beta`], computed in log space so that neither cancels nor underflows early; the
//! quantile inverts it by a safeguarded Newton iteration on `ln |t|` that always
//! returns. `df = +inf` (and any `df` above 1e100, where the t distribution differs
//! from the normal by a relative `t⁴/(4 df)`, far below f64 precision) is the normal
//! distribution. Calls nothing outside this module.

mod beta;
mod quantile;
#[cfg(test)]
mod tests;

use beta::{HalfBeta, Split};
pub use quantile::t_quantile;

/// Degrees of freedom are clamped into this range before any computation. Below 1e-300
/// every finite quantile but the median overflows and every p-value rounds to 1, as
/// they do at 1e-300; above 1e100 the distribution is the normal one to f64 precision.
const MIN_DF: f64 = 1e-300;
const MAX_DF: f64 = 1e100;

/// Two-sided p-value `P(|T| >= |t|)` for Student's t with `df` degrees of freedom.
///
/// Computed as `I_{df/(df+t²)}(df/2, 1/2)` directly, never as `1 - cdf`, so tiny
/// p-values keep their digits (t = 10 at df = 1000 gives 1.667e-22). Agrees with 50-digit
/// mpmath to about 1e-13 relative (worst 2e-13 over 260 random `t` from 1e-4 to 1e5 and
/// `df` from 1e-3 to 1e13, p-values down to `f64::MIN_POSITIVE`; a p-value of 1e-300 moves
/// by `t²` times any relative change in `t`). Subnormal results keep fewer digits, and
/// the result is 0 only when the true p-value is below the smallest subnormal f64
/// (about 4.9e-324).
///
/// `t = 0` gives exactly 1, `t = ±inf` gives exactly 0; the result is always in
/// `[0, 1]`. A NaN `t`, a NaN `df` or `df <= 0` gives NaN. It never panics.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t == 0.0 {
        return 1.0;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let df = df.clamp(MIN_DF, MAX_DF);
    let (ln_p, _) = HalfBeta::new(df).ln_tails(&Split::from_t(t, df));
    ln_p.exp().clamp(0.0, 1.0)
}

/// The two-sided critical value `t_{(1+c)/2, df}` for a `confidence` level `c`,
/// or `None` unless `0 < c < 1` and the quantile is finite.
pub(crate) fn critical_value(confidence: f64, df: f64) -> Option<f64> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let q = t_quantile((1.0 + confidence) / 2.0, df);
    q.is_finite().then_some(q)
}
