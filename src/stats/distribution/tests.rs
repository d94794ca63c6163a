//! Tests of the t quantile and two-sided p-value against SciPy 1.17.1 and 50-digit mpmath
//! 1.4.1 (`mpmath.mp.dps = 50`), including the cases of issue 15 that used to panic,
//! hang, or return 0, NaN or ∞.

use proptest::prelude::*;

use super::*;
use crate::stats::testing::assert_rel;

const INF: f64 = f64::INFINITY;
/// `p = 1 - 1e-10` as an f64; its upper tail `1 - p` is `1.000000082740371e-10`.
const ONE_MINUS: f64 = 1.0 - 1e-10;

#[test]
fn quantiles_match_scipy() {
    // (p, df, scipy.stats.t.ppf(p, df)) on SciPy 1.17.1
    let cases = [
        (0.975, 4.0, 2.7764451051977934),
        (0.975, 1.5, 6.016663104427929),
        (0.995, 2.0, 9.924843200918287),
        (0.025, 10.0, -2.2281388519862753),
        (0.9, 100.0, 1.290074761346516),
        (0.999999, 3.0, 103.29946777942898),
        (0.975, 1e6, 1.959966356814107),
        (1e-10, 5.0, -156.82559270889433),
        (1e-6, 58.0, -5.282776657800743),
        (0.001, 1.0001, -318.13161171168804),
        (0.9999999, 2.5, 553.0599831647646),
        (0.8, 1e7, 0.8416212695170074),
        // df = 1e9 (statrs' inverse incomplete beta did not return there)
        (0.95, 1e9, 1.6448536284752415),
    ];
    for (p, df, want) in cases {
        assert_rel(t_quantile(p, df), want, 1e-9);
    }
    // scipy.stats.t.ppf(0.5, 7) -> 0.0
    assert_eq!(t_quantile(0.5, 7.0), 0.0);
    // scipy.stats.norm.ppf(0.975)
    assert_rel(t_quantile(0.975, f64::INFINITY), 1.959963984540054, 1e-12);
}

#[test]
fn quantile_edges_are_documented_values() {
    assert_eq!(t_quantile(0.0, 3.0), f64::NEG_INFINITY);
    assert_eq!(t_quantile(1.0, 3.0), f64::INFINITY);
    assert!(t_quantile(1.5, 3.0).is_nan());
    assert!(t_quantile(-0.1, 3.0).is_nan());
    assert!(t_quantile(0.5, 0.0).is_nan());
    assert!(t_quantile(f64::NAN, 3.0).is_nan());
}

#[test]
fn two_sided_p_matches_scipy() {
    // (t, df, p): p from scipy.stats.ttest_ind(a, b, equal_var=False) on the data
    // sets in `testing` (see there); t and df are that call's .statistic and .df.
    let cases = [
        (8.175042831765765, 6.9986454453098546, 7.944776536804367e-05),
        (-0.07067411423800765, 9.488191760883522, 0.9451244495429646),
        (56.4225839309275, 6.846705598804974, 2.157888342836336e-10),
        (3.6380343755449944, 1.1245136186770428, 0.14866303522830673),
        // 2 * scipy.stats.t.sf(t, df) for t = scipy.stats.t.ppf(p, df) at
        // (p, df) = (1e-6, 58), (0.8, 1e7), (0.9999999, 2.5):
        (5.282776657800743, 58.0, 1.999999999999989e-06),
        (0.8416212695170074, 1e7, 0.39999999999999997),
        (553.0599831647646, 2.5, 1.9999999989472883e-07),
    ];
    for (t, df, want) in cases {
        assert_rel(t_two_sided_p(t, df), want, 1e-9);
    }
}

#[test]
fn two_sided_p_edges() {
    assert_eq!(t_two_sided_p(0.0, 3.0), 1.0);
    assert_eq!(t_two_sided_p(f64::INFINITY, 3.0), 0.0);
    assert_eq!(t_two_sided_p(-1e200, 3.0), 0.0);
    assert!(t_two_sided_p(1.0, -1.0).is_nan());
    // 2 * scipy.stats.norm.sf(1.959963984540054) = 0.05
    assert_rel(t_two_sided_p(1.959963984540054, f64::INFINITY), 0.05, 1e-9);
}

#[test]
fn critical_value_rejects_bad_confidence() {
    assert_eq!(critical_value(0.0, 5.0), None);
    assert_eq!(critical_value(1.0, 5.0), None);
    assert_eq!(critical_value(f64::NAN, 5.0), None);
    assert_rel(critical_value(0.95, 4.0).unwrap(), 2.7764451051977934, 1e-9);
}

/// `(p, df, quantile)`. References from mpmath at 50 digits: the `r > 0` solving
/// `log(betainc(df/2, 0.5, 0, df/(df + r*r), regularized=True)) == log(2*q)`, with
/// `q = min(p, 1 - p)` taken exactly from the f64 `p`, by `mpmath.findroot` on `log(r)`
/// (the negative root for `p < 0.5`); at df = ∞ from `erfc(r/sqrt(2)) == 2*q`. `±INF`
/// where `r = f64::MAX` still leaves a tail above `2*q` (the true quantile overflows).
/// The betainc values were cross-checked by quadrature of
/// `x^a/(a B(a, 1/2)) ∫_0^∞ e^-s (1 - x e^(-s/a))^(-1/2) ds` to 1e-40.
const QUANTILE_GRID: [(f64, f64, f64); 49] = [
    (0.025, 0.001, -INF),
    (0.5, 0.001, 0.0),
    (0.975, 0.001, INF),
    (1e-200, 0.5, -INF),
    (1e-100, 0.5, -1.02849115631634e199),
    (1e-05, 0.5, -1028491156.3163399),
    (0.975, 0.5, 164.55767348048823),
    (ONE_MINUS, 0.5, 1.0284909861208814e19),
    (1e-300, 1.0, -3.1830988618379066e299),
    (1e-20, 1.0, -3.1830988618379067e19),
    (0.025, 1.0, -12.706204736174705),
    (ONE_MINUS, 1.0, 3183098598.467148),
    (1e-200, 2.0, -7.071067811865475e99),
    (1e-05, 2.0, -223.60344363403718),
    (0.975, 2.0, 4.302652729749462),
    (1e-300, 3.0, -1.033110836044653e100),
    (1e-200, 3.0, -4.795275720469223e66),
    (1e-100, 3.0, -2.225769823822442e33),
    (0.025, 3.0, -3.1824463052837095),
    (ONE_MINUS, 3.0, 2225.769223296075),
    (1e-300, 10.0, -2.564525718948198e30),
    (1e-20, 10.0, -256.4346993185262),
    (1e-05, 10.0, -7.526954019339651),
    (0.975, 10.0, 2.2281388519862744),
    (1e-300, 433.0, -99.5049698563393),
    (1e-100, 433.0, -28.28008914131598),
    (0.025, 433.0, -1.965457756721234),
    (ONE_MINUS, 433.0, 6.5168121164430906),
    (1e-200, 1000.0, -38.61719445322675),
    (1e-100, 1000.0, -23.930617087826445),
    (1e-20, 1000.0, -9.467044815255925),
    (0.975, 1000.0, 1.962339080826408),
    (1e-300, 10000.0, -38.35638432100424),
    (1e-05, 10000.0, -4.266937665766662),
    (ONE_MINUS, 10000.0, 6.3679413387372295),
    (1e-300, 99999.0, -37.17467194488096),
    (1e-200, 99999.0, -30.2746992780537),
    (0.025, 99999.0, -1.9599877077718448),
    (1e-300, 100000.0, -37.174670665466216),
    (1e-100, 100000.0, -21.29759838971532),
    (0.975, 100000.0, 1.9599877075346093),
    (1e-300, 10000000.0, -37.048368428741476),
    (1e-20, 10000000.0, -9.262360187016228),
    (ONE_MINUS, 10000000.0, 6.361347484291942),
    (1e-300, INF, -37.0470962993612),
    (1e-100, INF, -21.273453560965326),
    (1e-05, INF, -4.264890793922825),
    (0.975, INF, 1.9599639845400538),
    (ONE_MINUS, INF, 6.361340889697422),
];

#[test]
fn quantile_grid_matches_mpmath() {
    for (p, df, want) in QUANTILE_GRID {
        let got = t_quantile(p, df);
        if want.is_infinite() || want == 0.0 {
            assert_eq!(got, want, "t_quantile({p:e}, {df:e})");
        } else {
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "t_quantile({p:e}, {df:e}) = {got:e}, want {want:e}"
            );
        }
    }
}

#[test]
fn issue_15_quantile_cases() {
    // Used to panic in statrs' inverse incomplete beta (p <= 1e-200, df < 1e5).
    // mpmath (see QUANTILE_GRID): findroot of log(betainc(1.5, 0.5, 0, 3/(3+r*r), regularized=True)) = log(2e-200)
    assert_rel(t_quantile(1e-200, 3.0), -4.795275720469223e66, 1e-12);
    assert_rel(t_quantile(1e-300, 3.0), -1.033110836044653e100, 1e-12);
    // Used to loop forever; same mpmath root-solve with df = 1000, 1e4, 99999.
    assert_rel(t_quantile(1e-100, 1000.0), -23.930617087826445, 1e-12);
    assert_rel(t_quantile(1e-150, 1e4), -26.575709535430405, 1e-12);
    assert_rel(t_quantile(1e-150, 99999.0), -26.16765703383148, 1e-12);
    // SciPy's t.ppf(0.975, 0.001) = 2.119960574434296e152 is wrong: mpmath gives
    // 0.5*betainc(0.0005, 0.5, 0, 0.001/(0.001 + 2.12e152**2), regularized=True) = 0.3506
    // there, and the true quantile is exp(2991.5856596671789...) > f64::MAX, so +inf.
    assert_eq!(t_quantile(0.975, 0.001), INF);
    assert_eq!(t_quantile(0.025, 0.001), -INF);
    // Finite quantiles at tiny df, near the median, where the central mass is of order
    // df (same root-solve):
    assert_rel(t_quantile(0.6, 0.001), 1.285764641292127e95, 1e-12);
    assert_rel(t_quantile(0.505, 0.001), 366.39865605692125, 1e-12);
    assert_rel(t_quantile(0.5 + 1e-10, 0.001), 6.328938610589443e-9, 1e-12);
    assert_rel(t_quantile(0.500005, 1e-6), 11.013788083743577, 1e-12);
    assert_rel(t_quantile(0.6, 0.05), 9.890410499368251, 1e-12);
    // One ulp from the median (same root-solve, p = 0.5 + 2**-53 and 0.5 - 2**-54):
    assert_rel(t_quantile(0.5 + f64::EPSILON / 2.0, 1.0), 3.487868498008632e-16, 1e-12);
    assert_rel(t_quantile(0.5 - f64::EPSILON / 4.0, 5.0), -1.4623333233988858e-16, 1e-12);
    assert_rel(t_quantile(0.5 + f64::EPSILON / 2.0, 1e7), 2.782916494244678e-16, 1e-12);
}

#[test]
fn issue_15_p_value_cases() {
    // (t, df, p): p = mpmath.betainc(df/2, 0.5, 0, df/(df + t*t), regularized=True)
    // with mpf arguments at dps = 50; 0.0 where that is below the smallest subnormal
    // (its log is given).
    let cases = [
        // Used to return 0 (1 - beta_reg cancelled).
        (10.0, 1000.0, 1.6670702958600066e-22),
        (14.59, 433.0, 1.68245541556013e-39),
        // Used to return NaN at df >= 1e5; the true values are exp(-119900.7) and
        // exp(-804725.98), far below 4.9e-324.
        (1e3, 1e5, 0.0),
        (2e3, 1e6, 0.0),
        (37.5, 1e7, 9.678148672060027e-308),
        (38.0, 10.0, 3.797753962466695e-12),
        (5.0, 3.0, 0.015392438073302301),
        (1e4, 0.5, 0.006414019503473943),
        (1e10, 0.001, 0.9731933854312346),
        (1e100, 0.001, 0.7910412818075576),
        (0.5, 0.001, 0.9965514940938403),
        // scipy.stats.t.sf gives 0 here.
        (1e200, 1.0, 6.366197723675814e-201),
        (1e-8, 1e7, 0.9999999920211546),
    ];
    for (t, df, want) in cases {
        let got = t_two_sided_p(t, df);
        if want == 0.0 {
            assert_eq!(got, 0.0, "t_two_sided_p({t:e}, {df:e})");
        } else {
            assert_rel(got, want, 1e-12);
        }
        assert_eq!(t_two_sided_p(-t, df), got);
    }
    // df = ∞: p = mpmath.erfc(t/sqrt(2)). Used to be NaN for |t| >= 1e100.
    assert_rel(t_two_sided_p(37.5, INF), 9.21070601916391e-308, 1e-12);
    assert_rel(t_two_sided_p(8.0, INF), 1.2441921148543568e-15, 1e-12);
    // mpmath: 1.3203199708653536e-322, subnormal: only two digits survive in f64.
    assert_rel(t_two_sided_p(38.4, INF), 1.32e-322, 0.05);
    for t in [1e100, 1e200, f64::MAX] {
        assert_eq!(t_two_sided_p(t, INF), 0.0);
        assert_eq!(t_two_sided_p(t, 1e5), 0.0);
    }
    // p = 1 - O(1e-200) rounds to 1.
    assert_eq!(t_two_sided_p(1e-200, 3.0), 1.0);
}

/// Probabilities in (0, 1) spread over the whole exponent range and both ends.
fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0f64..1.0,
        (-300.0f64..-1.0).prop_map(|e| 10f64.powf(e)),
        (-16.0f64..-1.0).prop_map(|e| 1.0 - 10f64.powf(e)),
    ]
    .prop_filter("in (0, 1)", |p| *p > 0.0 && *p < 1.0)
}

/// Degrees of freedom from 1e-6 to 1e15, and ∞.
fn degrees_of_freedom() -> impl Strategy<Value = f64> {
    prop_oneof![9 => (-6.0f64..15.0).prop_map(|e| 10f64.powf(e)), 1 => Just(INF)]
}

/// Finite t of any magnitude and sign.
fn statistic() -> impl Strategy<Value = f64> {
    prop_oneof![
        -50.0f64..50.0,
        (-300.0f64..300.0, any::<bool>()).prop_map(|(e, neg)| {
            let t = 10f64.powf(e);
            if neg {
                -t
            } else {
                t
            }
        })
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn quantile_is_total_and_on_the_right_side(p in probability(), df in degrees_of_freedom()) {
        let q = t_quantile(p, df);
        prop_assert!(!q.is_nan(), "t_quantile({p:e}, {df:e}) is NaN");
        prop_assert!(if p < 0.5 { q < 0.0 } else { q > 0.0 }, "t_quantile({p:e}, {df:e}) = {q:e}");
        // Symmetric wherever 1 - p is exact in f64.
        if 1.0 - (1.0 - p) == p {
            prop_assert_eq!(t_quantile(1.0 - p, df), -q, "symmetry at p = {:e}", p);
        }
    }

    #[test]
    fn p_value_is_a_probability(t in statistic(), df in degrees_of_freedom()) {
        let p = t_two_sided_p(t, df);
        prop_assert!((0.0..=1.0).contains(&p), "t_two_sided_p({t:e}, {df:e}) = {p:e}");
    }

    #[test]
    fn quantile_and_p_value_round_trip(p in probability(), df in degrees_of_freedom()) {
        // Upper form from the brief: the p that `1 - p/2` represents is 2 (1 - (1 - p/2)).
        let upper = 1.0 - p / 2.0;
        let represented = 2.0 * (1.0 - upper);
        let t = t_quantile(upper, df);
        if t.is_finite() && represented > 0.0 {
            let back = t_two_sided_p(t, df);
            prop_assert!((back - represented).abs() <= 1e-11 * represented, "df {df:e}: p {represented:e} -> t {t:e} -> p {back:e}");
        }
        // Lower form, exact for every p: t_quantile(p/2) is the lower tail.
        let t = t_quantile(p / 2.0, df);
        if t.is_finite() {
            let back = t_two_sided_p(t, df);
            prop_assert!((back - p).abs() <= 1e-11 * p, "df {df:e}: p {p:e} -> t {t:e} -> p {back:e}");
        }
    }
}
