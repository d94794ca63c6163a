//! The order of the frameworks in each round: a balanced design, so that no framework
//! profits from going first (a cooler machine, an idle page cache) or from following a
//! particular other one.
//!
//! A block of rounds is a Williams design (E. J. Williams, "Experimental designs balanced
//! for the estimation of residual effects of treatments", Australian Journal of Scientific
//! Research 2 (1949) 149–168): with `n` frameworks, `n` rounds in which every framework
//! takes every position once and, for even `n`, directly follows every other framework
//! once. For odd `n` the first-order carryover balance needs `2n` rounds (the block and its
//! mirror); the first `n` are a Latin square (every position once), the mirror follows in
//! the next block, so two blocks together are fully balanced. With two frameworks the
//! design is AB, BA (ABBA). `compare` rounds its rounds up to whole blocks.
//!
//! Pure.

/// The first row of the Williams square for `n`: 0, 1, n−1, 2, n−2, 3, …
fn first_row(n: usize) -> Vec<usize> {
    let mut row = Vec::with_capacity(n);
    let (mut low, mut high) = (0usize, n);
    for i in 0..n {
        if i % 2 == 0 {
            row.push(low);
            low += 1;
        } else {
            high -= 1;
            row.push(high);
        }
    }
    row
}

/// The positions of the `n` frameworks in round `round` (0-based): indexes into the list of
/// frameworks, first to last.
pub fn round_order(n: usize, round: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let row = first_row(n);
    let shift = round % n;
    let mut order: Vec<usize> = row.iter().map(|i| (i + shift) % n).collect();
    // Odd n: every other block is the mirror image, which completes the carryover balance.
    if n % 2 == 1 && (round / n) % 2 == 1 {
        order.reverse();
    }
    order
}

/// Rounds in one balanced block: every framework in every position once.
pub fn block(n: usize) -> usize {
    n.max(1)
}

/// `rounds` rounded up to whole blocks of `n` frameworks.
pub fn whole_blocks(rounds: u32, n: usize) -> u32 {
    let b = block(n) as u32;
    rounds.div_ceil(b) * b
}

/// The frameworks in the order of round `round`.
pub fn ordered<T: Clone>(items: &[T], round: usize) -> Vec<T> {
    round_order(items.len(), round).into_iter().map(|i| items[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every framework in every position exactly `times` times over `rounds` rounds.
    fn position_counts(n: usize, rounds: usize) -> Vec<Vec<usize>> {
        let mut counts = vec![vec![0; n]; n];
        for r in 0..rounds {
            for (pos, f) in round_order(n, r).into_iter().enumerate() {
                counts[f][pos] += 1;
            }
        }
        counts
    }

    /// How often framework a is directly followed by b over `rounds` rounds.
    fn follows(n: usize, rounds: usize) -> Vec<Vec<usize>> {
        let mut counts = vec![vec![0; n]; n];
        for r in 0..rounds {
            let o = round_order(n, r);
            for w in o.windows(2) {
                counts[w[0]][w[1]] += 1;
            }
        }
        counts
    }

    #[test]
    fn two_frameworks_alternate_abba() {
        let orders: Vec<Vec<&str>> = (0..4).map(|r| ordered(&["a", "b"], r)).collect();
        assert_eq!(orders, [["a", "b"], ["b", "a"], ["a", "b"], ["b", "a"]]);
    }

    #[test]
    fn each_round_is_a_permutation_and_a_block_balances_positions() {
        for n in 1..=9 {
            for r in 0..4 * n {
                let mut o = round_order(n, r);
                o.sort_unstable();
                assert_eq!(o, (0..n).collect::<Vec<_>>(), "n {n} round {r}");
            }
            for c in position_counts(n, block(n)) {
                assert!(c.iter().all(|&k| k == 1), "n {n}: {c:?}");
            }
        }
    }

    #[test]
    fn carryover_is_balanced_over_one_block_for_even_and_two_for_odd() {
        for n in [2usize, 4, 6, 8] {
            let f = follows(n, block(n));
            for (a, row) in f.iter().enumerate() {
                for (b, &k) in row.iter().enumerate() {
                    assert_eq!(k, usize::from(a != b), "n {n}: {a} before {b}");
                }
            }
        }
        for n in [3usize, 5, 7] {
            let f = follows(n, 2 * block(n));
            for (a, row) in f.iter().enumerate() {
                for (b, &k) in row.iter().enumerate() {
                    assert_eq!(k, if a == b { 0 } else { 2 }, "n {n}: {a} before {b}");
                }
            }
        }
    }

    #[test]
    fn six_frameworks_in_five_rounds_would_leave_one_never_first() {
        // Why rounds are rounded up: 5 rounds of 6 frameworks cannot balance position.
        let firsts: std::collections::BTreeSet<usize> = (0..5).map(|r| round_order(6, r)[0]).collect();
        assert_eq!(firsts.len(), 5);
        assert_eq!(whole_blocks(5, 6), 6);
        assert_eq!(whole_blocks(5, 2), 6);
        assert_eq!(whole_blocks(6, 3), 6);
        assert_eq!(whole_blocks(7, 3), 9);
        assert_eq!(whole_blocks(1, 1), 1);
    }
}
