//! Statistics for comparing frameworks: moments, Welch's t-test (raw and on the log
//! scale, with the ratio of geometric means), the paired t-test on per-round log-ratios,
//! Fieller's ratio interval, Hedges' g, the Holm–Bonferroni and Benjamini–Hochberg
//! adjustments and the Benjamini–Bogomolov procedure over several families, and the
//! geometric mean.
//!
//! Pure functions over per-round throughputs (req/s, typically n = 2..30), written to
//! `shared/design/STATISTICS.md`. They never panic and never return NaN for finite
//! input: a case with no answer is `None`. The t distribution has its own log-space
//! incomplete beta (`distribution`); `statrs` is used only by `effect`.

mod distribution;
mod effect;
mod holm;
mod logratio;
mod paired;
mod ratio;
mod selective;
mod summary;
mod welch;

pub use distribution::{t_quantile, t_two_sided_p};
pub use effect::hedges_g;
pub use holm::holm;
pub use logratio::{log_ratio, log_welch, log_welch_staged, LogRatio, LogRatioError};
pub use paired::{log_paired, log_paired_staged};
pub use ratio::fieller_ratio_ci;
pub use selective::{benjamini_hochberg, bogomolov};
pub use summary::{geometric_mean, mean_ci, mean_or_zero, moments, round_to, Moments};
pub use welch::{welch, Welch};

/// Shared test support: the reference data sets, a relative comparison and proptest
/// strategies for throughput samples.
#[cfg(test)]
pub(crate) mod testing {
    use proptest::prelude::*;

    /// Unequal n and unequal variances, a clear difference.
    pub const UNEQUAL_A: [f64; 5] = [1000.0, 1020.0, 990.0, 1010.0, 1005.0];
    pub const UNEQUAL_B: [f64; 4] = [950.0, 960.0, 940.0, 955.0];
    /// A near-tie (p ≈ 0.95) with unequal n.
    pub const NEAR_TIE_A: [f64; 6] = [50210.0, 49880.0, 50105.0, 50320.0, 49950.0, 50040.0];
    pub const NEAR_TIE_B: [f64; 7] = [50150.0, 50010.0, 49920.0, 50280.0, 50090.0, 49980.0, 50200.0];
    /// A large difference (about 2×), the slower side twice as noisy.
    pub const LARGE_A: [f64; 8] =
        [120500.0, 118900.0, 121800.0, 119700.0, 122300.0, 120100.0, 121000.0, 119400.0];
    pub const LARGE_B: [f64; 6] = [60200.0, 61800.0, 59100.0, 63900.0, 57400.0, 62500.0];
    /// The smallest allowed samples: two rounds each, df ≈ 1.1.
    pub const TINY_A: [f64; 2] = [10.0, 12.0];
    pub const TINY_B: [f64; 2] = [7.0, 7.5];

    /// Asserts `|got - want| <= tol * |want|` (or `<= tol` when `want` is 0).
    #[track_caller]
    pub fn assert_rel(got: f64, want: f64, tol: f64) {
        let scale = if want == 0.0 { 1.0 } else { want.abs() };
        assert!((got - want).abs() <= tol * scale, "got {got:e}, want {want:e} (relative tolerance {tol:e})");
    }

    /// `|got - want| <= tol * max(1, |want|)`, for properties on values that may be 0.
    pub fn close(got: f64, want: f64, tol: f64) -> bool {
        (got - want).abs() <= tol * want.abs().max(1.0)
    }

    /// A throughput sample: 2..30 rounds of 1,000..100,000 req/s.
    pub fn sample() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(1_000.0f64..100_000.0, 2..30)
    }

    /// A positive scale factor spanning six orders of magnitude.
    pub fn scale() -> impl Strategy<Value = f64> {
        1e-3f64..1e3
    }
}
