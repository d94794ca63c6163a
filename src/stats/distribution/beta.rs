//! The regularized incomplete beta function `I_x(a, 1/2)` behind Student's t, in log
//! space, for the two-sided tail and the central mass alike, with `a = df/2` anywhere
//! in `[5e-301, 5e99]` and `w = t²/df` anywhere in `[0, ∞]`.
//!
//! With `x = 1/(1+w)` and `y = w/(1+w)`, the two-sided p-value is
//! `P = I_x(a, 1/2)` and the central mass `P(|T| < |t|)` is `Q = I_y(1/2, a) = 1 - P`.
//! Whichever of the two is small is computed directly and the other as its
//! complement, so neither loses digits to `1 - (number near 1)`:
//! - `Q` by the continued fraction of `I_y(1/2, a)` (Numerical Recipes §6.4, modified
//!   Lentz) when `y <= 1.5/(a + 2.5)`, where it converges fast;
//! - otherwise `P` by the continued fraction of `I_x(a, 1/2)`, except for `a >= 25`
//!   with `-ln x <= 1`, where that fraction cancels badly (`x` near 1) and the
//!   asymptotic expansion for large `a` (Didonato & Morris 1992, §9, the one behind
//!   TOMS 708's BGRAT) takes over;
//! - for `a < 0.05` (df < 0.1), where `P` near 1 leaves a central mass `Q` of order `a`,
//!   `Q` by its own power series rather than as `1 - P`.
//!
//! Everything is carried as logarithms, so tails far below `f64::MIN_POSITIVE` keep
//! their value until the final `exp`. `ln B(a, 1/2)` comes from a Stirling series of
//! `ln Γ(a + 1/2) - ln Γ(a)` that does not cancel for large `a`. Every loop has a fixed
//! bound. Calls nothing else.

use std::f64::consts::{LN_2, PI};

/// Terms of the continued fraction at most. It converges in tens of terms over the
/// whole domain (the worst case seen, near the switch between the fractions, is
/// about 60); the bound only guarantees that a call returns.
const MAX_FRACTION_TERMS: usize = 2000;

/// Terms of the large-`a` expansion at most; with `-ln x <= 1` each term is at least
/// about 40 times smaller than the one before.
const EXPANSION_TERMS: usize = 30;

/// Below this `a` (df < 0.1), `Q = 1 - P` would lose digits when `P` is near 1 (the
/// central mass is then of order `a`), so it comes from its own series instead.
const SERIES_MAX_A: f64 = 0.05;

/// From this `a` on (df >= 50), the large-`a` expansion replaces the continued
/// fraction for the tail when `-ln x <= 1`.
const EXPANSION_MIN_A: f64 = 25.0;

/// `w = t²/df` and what the incomplete beta needs from it: `x = 1/(1+w)`,
/// `y = w/(1+w)` and their logarithms, none of them computed by a subtraction that
/// cancels, for any `w` in `[0, ∞]` (given directly or through `ln w`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Split {
    x: f64,
    y: f64,
    ln_x: f64,
    ln_y: f64,
}

impl Split {
    /// The split for `|t|` (finite, non-zero) and `df` (finite, positive): `t²/df`
    /// directly when it is a normal number, otherwise through its logarithm.
    pub(super) fn from_t(t: f64, df: f64) -> Self {
        let w = t * t / df;
        if w.is_normal() {
            Self::from_w(w, w.ln())
        } else {
            Self::from_ln_w(2.0 * t.abs().ln() - df.ln())
        }
    }

    /// The split for `w = exp(ln_w)`, also where `w` itself over- or underflows.
    pub(super) fn from_ln_w(ln_w: f64) -> Self {
        let w = ln_w.exp();
        if w.is_normal() {
            Self::from_w(w, ln_w)
        } else if ln_w > 0.0 {
            // w > f64::MAX: ln y = -ln(1 + 1/w) ≈ -1/w, below every ulp that matters.
            Self { x: (-ln_w).exp(), y: 1.0, ln_x: -ln_w, ln_y: -(-ln_w).exp() }
        } else {
            Self { x: 1.0, y: w, ln_x: -w, ln_y: ln_w }
        }
    }

    fn from_w(w: f64, ln_w: f64) -> Self {
        if w < 1.0 {
            let ln_x = -w.ln_1p();
            Self { x: 1.0 / (1.0 + w), y: w / (1.0 + w), ln_x, ln_y: ln_w + ln_x }
        } else {
            let v = 1.0 / w;
            let ln_y = -v.ln_1p();
            Self { x: v / (1.0 + v), y: 1.0 / (1.0 + v), ln_x: ln_y - ln_w, ln_y }
        }
    }
}

/// `I_x(a, 1/2)` and its complement for one `a = df/2`, with `ln B(a, 1/2)` computed once.
#[derive(Debug, Clone, Copy)]
pub(super) struct HalfBeta {
    a: f64,
    ln_beta: f64,
}

impl HalfBeta {
    /// For `df` in `[1e-300, 1e100]` (the callers clamp it).
    pub(super) fn new(df: f64) -> Self {
        let a = 0.5 * df;
        Self { a, ln_beta: 0.5 * PI.ln() - ln_gamma_half_ratio(a) }
    }

    /// `ln B(a, 1/2)`.
    pub(super) fn ln_beta(&self) -> f64 {
        self.ln_beta
    }

    /// `(ln P, ln Q)`: the logarithms of the two-sided tail `P = I_x(a, 1/2)` and of
    /// the central mass `Q = 1 - P`. Both are `<= 0`; either may be `-inf` when its
    /// value rounds to 0 against the other.
    pub(super) fn ln_tails(&self, s: &Split) -> (f64, f64) {
        let a = self.a;
        if s.y > 1.5 / (a + 2.5) {
            let ln_p = if a >= EXPANSION_MIN_A && s.ln_x >= -1.0 {
                self.ln_tail_large_a(s)
            } else {
                a * s.ln_x + 0.5 * s.ln_y - a.ln() - self.ln_beta + continued_fraction(a, 0.5, s.x, s.y).ln()
            };
            let ln_p = ln_p.min(0.0);
            let ln_q = if a < SERIES_MAX_A && ln_p > -LN_2 {
                self.ln_central_small_a(s)
            } else {
                ln_one_minus_exp(ln_p)
            };
            (ln_p, ln_q)
        } else {
            let ln_q = (a * s.ln_x + 0.5 * s.ln_y + LN_2 - self.ln_beta
                + continued_fraction(0.5, a, s.y, s.x).ln())
            .min(0.0);
            (ln_one_minus_exp(ln_q), ln_q)
        }
    }

    /// `ln(|t| f(|t|))` where `f` is the t density: `a ln x + ln y / 2 - ln B(a, 1/2)`.
    /// `d ln P / d ln w = -|t| f(|t|) / P` and `d ln Q / d ln w = |t| f(|t|) / Q`.
    pub(super) fn ln_t_density(&self, s: &Split) -> f64 {
        self.a * s.ln_x + 0.5 * s.ln_y - self.ln_beta
    }

    /// `ln Q = ln(1 - I_x(a, 1/2))` for `a < SERIES_MAX_A` and `x < 0.42`, without the
    /// subtraction from 1. From the power series `I_x(a, 1/2) = x^a / (aB) + x^a S / B`,
    /// `S = Σ_{n>=1} c_n x^n / (a+n)`, `c_n = (1/2)_n / n!`:
    /// `Q = (expm1(ln(aB)) - expm1(a ln x) - a x^a S) / (aB)`, where the first two terms
    /// are both positive and `ln(aB)` comes from its own Taylor series in `a`.
    fn ln_central_small_a(&self, s: &Split) -> f64 {
        let a = self.a;
        let ln_ab = ln_a_beta_small(a);
        let (mut sum, mut c, mut power) = (0.0, 1.0, 1.0);
        for n in 1..=MAX_FRACTION_TERMS {
            let n = n as f64;
            c *= (n - 0.5) / n;
            power *= s.x;
            let term = c * power / (a + n);
            sum += term;
            if term <= 1e-17 * sum {
                break;
            }
        }
        let a_ln_x = a * s.ln_x;
        (ln_ab.exp_m1() - a_ln_x.exp_m1() - a * a_ln_x.exp() * sum).max(0.0).ln() - ln_ab
    }

    /// `ln I_x(a, 1/2)` for large `a` and `x` near 1. With `τ = -ln x` and
    /// `T = a - 1/4`, `I_x(a, 1/2) = Γ(a+1/2) / (Γ(a) Γ(1/2)) ∫_τ^∞ e^{-Ts} s^{-1/2}
    /// (sinh(s/2) / (s/2))^{-1/2} ds`; expanding the last factor as `Σ e_n (s/2)^{2n}`
    /// gives a sum of upper incomplete gamma functions `Γ(1/2 + 2n, Tτ)`, kept here
    /// scaled by `z^{1/2} e^{-z} (4T²)^n` (`z = Tτ`) so that nothing under- or overflows.
    fn ln_tail_large_a(&self, s: &Split) -> f64 {
        let tau = -s.ln_x;
        let big_t = self.a - 0.25;
        let z = big_t * tau;
        let v = (0.5 / big_t) * (0.5 / big_t);
        let quarter_tau2 = 0.25 * tau * tau;
        let coef = sinhc_power_coefficients();
        // J_0 = Γ(1/2, z) / (z^{1/2} e^{-z}); z >= 1.35 since y > 1.5/(a + 2.5) and a >= 25.
        let mut j = scaled_upper_gamma_half(z);
        let mut sum = j;
        let mut power = 1.0; // (τ²/4)^n
        for n in 0..EXPANSION_TERMS - 1 {
            // Γ(s+2, z) = s(s+1) Γ(s, z) + z^s e^{-z} (s + 1 + z), s = 1/2 + 2n
            let s_n = 0.5 + 2.0 * n as f64;
            j = v * (s_n * (s_n + 1.0) * j + power * (s_n + 1.0 + z));
            power *= quarter_tau2;
            let term = coef[n + 1] * j;
            sum += term;
            if term.abs() <= 1e-17 * sum {
                break;
            }
        }
        ln_gamma_half_ratio(self.a) - 0.5 * PI.ln() - 0.5 * big_t.ln() + 0.5 * z.ln() - z + sum.ln()
    }
}

/// The continued fraction of `I_x(a, b) = x^a y^b / (a B(a, b)) · cf` (Numerical
/// Recipes' `betacf`, modified Lentz), with each coefficient formed as a product of
/// ratios (no overflow for huge `a` or `b`) and the first one as
/// `y + (1-b) x / (a+1)` rather than `1 - (a+b) x / (a+1)`.
fn continued_fraction(a: f64, b: f64, x: f64, y: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(y + (1.0 - b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..=MAX_FRACTION_TERMS {
        let m = m as f64;
        let even = (m / (a - 1.0 + 2.0 * m)) * ((b - m) * x / (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -((a + m) / (a + 2.0 * m)) * ((a + b + m) * x / (a + 1.0 + 2.0 * m));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() <= 1e-16 {
            break;
        }
    }
    h
}

/// The coefficients `e_n` of `(sinh(s)/s)^{-1/2} = Σ e_n s^{2n}`, by the recurrence for
/// a power of a series: with `sinh(s)/s = Σ c_k s^{2k}`, `c_k = 1/(2k+1)!`,
/// `n e_n = Σ_{k=1..n} (k/2 - n) c_k e_{n-k}`.
fn sinhc_power_coefficients() -> [f64; EXPANSION_TERMS] {
    let mut c = [0.0; EXPANSION_TERMS];
    let mut e = [0.0; EXPANSION_TERMS];
    c[0] = 1.0;
    e[0] = 1.0;
    for k in 1..EXPANSION_TERMS {
        c[k] = c[k - 1] / ((2 * k) as f64 * (2 * k + 1) as f64);
        let n = k as f64;
        e[k] = (1..=k).map(|i| (0.5 * i as f64 - n) * c[i] * e[k - i]).sum::<f64>() / n;
    }
    e
}

/// `Γ(1/2, z) / (z^{1/2} e^{-z})` (that is `√π e^z erfc(√z) / √z`) for `z >= 1`, by
/// Legendre's continued fraction for the upper incomplete gamma function (Numerical
/// Recipes' `gcf`, modified Lentz): about 75 terms at `z = 1`, 5 at `z = 100`.
/// (`statrs`' `erfc` is good to only about 1e-10 relative beyond 0.5.)
fn scaled_upper_gamma_half(z: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut b = z + 0.5;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..=MAX_FRACTION_TERMS {
        let i = i as f64;
        let an = -i * (i - 0.5);
        b += 2.0;
        d = 1.0 / guard(an * d + b);
        c = guard(b + an / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() <= 1e-16 {
            break;
        }
    }
    h
}

/// `ln Γ(a + 1/2) - ln Γ(a)` for `a > 0`: shifted up to `a >= 10` by
/// `Γ(a+1) = a Γ(a)`, then Stirling's series written so that its leading terms
/// (each about `a ln a`) cancel analytically rather than numerically.
fn ln_gamma_half_ratio(a: f64) -> f64 {
    let (mut a, mut shift) = (a, 0.0);
    for _ in 0..10 {
        if a >= 10.0 {
            break;
        }
        shift += (0.5 / a).ln_1p();
        a += 1.0;
    }
    0.5 * a.ln() + (a * (0.5 / a).ln_1p() - 0.5) + stirling_tail(a + 0.5) - stirling_tail(a) - shift
}

/// `ln Γ(z) - ((z - 1/2) ln z - z + ln(2π)/2)` for `z >= 10`, to terms in `z^-13`
/// (the next is below 4e-17 there).
fn stirling_tail(z: f64) -> f64 {
    let r = 1.0 / (z * z);
    let series = 1.0 / 12.0
        + r * (-1.0 / 360.0
            + r * (1.0 / 1260.0
                + r * (-1.0 / 1680.0 + r * (1.0 / 1188.0 + r * (-691.0 / 360360.0 + r / 156.0)))));
    series / z
}

/// `ln(a B(a, 1/2)) = ln Γ(a+1) - ln Γ(a+1/2) + ln Γ(1/2)` for `a < SERIES_MAX_A`, from
/// the Taylor series of both log-gammas: `2 ln 2 a + Σ_{k>=2} (-1)^k ζ(k) (2 - 2^k) / k a^k`
/// (the coefficients from mpmath, `(-1)**k * zeta(k) * (2 - 2**k) / k`). Terms to `a^16`
/// leave a relative error below 1e-17 for `a < 0.05` (checked against mpmath).
fn ln_a_beta_small(a: f64) -> f64 {
    const COEFFICIENTS: [f64; 16] = [
        1.3862943611198906,
        -1.6449340668482264,
        2.4041138063191885,
        -3.7881313179889835,
        6.22156653086022,
        -10.512544973839308,
        18.150286992874612,
        -31.87945605928473,
        56.780475593477995,
        -102.301645578063,
        186.0919190803662,
        -341.2506231957703,
        630.0773094089744,
        -1170.2145262106094,
        2184.466816943389,
        -4095.9375942242555,
    ];
    a * COEFFICIENTS.iter().rev().fold(0.0, |acc, c| acc * a + c)
}

/// `ln(1 - e^l)` for `l <= 0`, accurate at both ends.
fn ln_one_minus_exp(l: f64) -> f64 {
    if l > -LN_2 {
        (-l.exp_m1()).ln()
    } else {
        (-l.exp()).ln_1p()
    }
}
