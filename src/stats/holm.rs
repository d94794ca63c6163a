//! The Holm–Bonferroni step-down adjustment of p-values for multiple comparisons.
//!
//! Calls nothing else.

/// Holm–Bonferroni adjusted p-values, in the order of the input.
///
/// With the `m` p-values sorted ascending, `p_(1) <= … <= p_(m)`, the adjusted value is
/// `max_{j <= i} min(1, (m - j + 1) · p_(j))`: monotone in the order of the raw
/// p-values, never below the raw value, never above 1. Rejecting where the adjusted
/// value is `<= alpha` controls the family-wise error rate at `alpha`. Matches
/// `statsmodels.stats.multitest.multipletests(p, method="holm")[1]` and R's
/// `p.adjust(p, "holm")`.
///
/// Ties keep their input order (stable sort) and get equal adjusted values. A value
/// outside `[0, 1]` is clamped to it; a NaN counts as 1.0 (no evidence), so the output
/// is never NaN. An empty input gives an empty output.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let clean = |v: f64| if v.is_nan() { 1.0 } else { v.clamp(0.0, 1.0) };
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| clean(p[i]).total_cmp(&clean(p[j])));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * clean(p[i])).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::assert_rel;
    use proptest::prelude::*;

    #[track_caller]
    fn assert_all(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_rel(*g, *w, 1e-12);
        }
    }

    #[test]
    fn matches_statsmodels() {
        // statsmodels 0.15.0: multipletests([0.01, 0.04, 0.03, 0.005, 0.5, 0.04], method='holm')[1]
        assert_all(&holm(&[0.01, 0.04, 0.03, 0.005, 0.5, 0.04]), &[0.05, 0.12, 0.12, 0.03, 0.5, 0.12]);
        // multipletests([0.2, 0.9, 0.6, 0.45], method='holm')[1]
        assert_all(&holm(&[0.2, 0.9, 0.6, 0.45]), &[0.8, 1.0, 1.0, 1.0]);
        // multipletests([0.001, 0.0001, 0.02, 0.049, 0.3, 0.8, 0.012], method='holm')[1]
        assert_all(
            &holm(&[0.001, 0.0001, 0.02, 0.049, 0.3, 0.8, 0.012]),
            &[0.006, 0.0007, 0.08, 0.14700000000000002, 0.6, 0.8, 0.06],
        );
    }

    #[test]
    fn edges() {
        assert!(holm(&[]).is_empty());
        assert_eq!(holm(&[0.03]), vec![0.03]);
        assert_eq!(holm(&[f64::NAN, 0.01]), vec![1.0, 0.02]);
        assert_eq!(holm(&[-0.5, 2.0]), vec![0.0, 1.0]);
    }

    proptest! {
        #[test]
        fn bounded_and_monotone(p in prop::collection::vec(0.0f64..=1.0, 0..40)) {
            let adj = holm(&p);
            prop_assert_eq!(adj.len(), p.len());
            for (a, raw) in adj.iter().zip(&p) {
                prop_assert!(a >= raw && *a <= 1.0);
            }
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
            for w in order.windows(2) {
                prop_assert!(adj[w[0]] <= adj[w[1]]);
            }
            // Holm is never more conservative than Bonferroni.
            for (a, raw) in adj.iter().zip(&p) {
                prop_assert!(*a <= (raw * p.len() as f64).min(1.0));
            }
        }

        #[test]
        fn independent_of_input_order(p in prop::collection::vec(0.0f64..=1.0, 1..20), k in 0usize..20) {
            let adj = holm(&p);
            let mut rotated = p.clone();
            let k = k % p.len();
            rotated.rotate_left(k);
            let mut adj_rotated = holm(&rotated);
            adj_rotated.rotate_right(k);
            prop_assert_eq!(adj, adj_rotated);
        }
    }
}
