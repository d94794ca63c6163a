//! The order in which a stream sends the requests of a run: the plan's request and its rotation,
//! and in a mixed load the other workloads' requests interleaved by weight.
//!
//! Parts (workloads) are interleaved by smooth weighted round robin (as nginx balances
//! upstreams): over every `W = Σ weights` consecutive requests, part `k` gets exactly `w_k` of
//! them, spread as evenly as the weights allow (weights 3 and 1 give `A A B A`, not
//! `A A A B`). Within its turns a part sends its own requests (its request, then its variants)
//! in turn. The whole cycle repeats until every part's variants line up again, so each stream
//! sends every request in the same proportion; each stream starts the cycle at its own offset.
//! [`PartStats`] counts one part on its own, besides the totals.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::stats::{latency_histogram, micros, Censored, ErrorKind};
use super::ErrorCounts;

/// Longest cycle accepted: weights whose cycle would be longer are refused (reduce them).
const MAX_CYCLE: usize = 100_000;

/// The cycle of request indices for parts of `weights[k]` and `lens[k]` requests each, the
/// requests of part `k` being numbered after those of the parts before it.
pub(crate) fn order(weights: &[u32], lens: &[usize]) -> Result<Vec<u32>, String> {
    assert_eq!(weights.len(), lens.len(), "one weight per part");
    if weights.is_empty() || lens.contains(&0) {
        return Err("a mixed load needs at least one part, each with a request".into());
    }
    if let Some(k) = weights.iter().position(|&w| w == 0) {
        return Err(format!("part {k} has weight 0; weights are integers from 1"));
    }
    let g = weights.iter().fold(0u64, |g, &w| gcd(g, u64::from(w)));
    let w: Vec<u64> = weights.iter().map(|&x| u64::from(x) / g).collect();
    let total: u64 = w.iter().sum();
    // Repeats of the weighted round until every part has sent each of its requests equally often.
    let repeats = w
        .iter()
        .zip(lens)
        .map(|(&wk, &len)| len as u64 / gcd(len as u64, wk))
        .try_fold(1u64, |acc, r| acc.checked_mul(r / gcd(acc, r)));
    let length = repeats.and_then(|r| r.checked_mul(total)).filter(|&l| l <= MAX_CYCLE as u64);
    let Some(length) = length else {
        return Err(format!(
            "the weights {weights:?} (with {lens:?} requests per workload) make a cycle of more than \
             {MAX_CYCLE} requests; use smaller weights"
        ));
    };
    let bases: Vec<usize> =
        lens.iter().scan(0, |acc, &len| Some(std::mem::replace(acc, *acc + len))).collect();
    let mut current = vec![0i64; w.len()];
    let mut sent = vec![0usize; w.len()];
    let mut out = Vec::with_capacity(length as usize);
    for _ in 0..length {
        for (c, &wk) in current.iter_mut().zip(&w) {
            *c += wk as i64;
        }
        let pick =
            (0..w.len()).max_by_key(|&k| (current[k], std::cmp::Reverse(k))).expect("at least one part");
        current[pick] -= total as i64;
        out.push((bases[pick] + sent[pick] % lens[pick]) as u32);
        sent[pick] += 1;
    }
    Ok(out)
}

/// One workload's share of a mixed load (see [`super::PartReport`]).
#[derive(Debug, Clone)]
pub(crate) struct PartStats {
    pub(crate) successful: u64,
    pub(crate) errors: ErrorCounts,
    pub(crate) bytes: u64,
    pub(crate) latency: Histogram<u64>,
    pub(crate) censored: Censored,
}

impl PartStats {
    pub(crate) fn new() -> Self {
        PartStats {
            successful: 0,
            errors: ErrorCounts::default(),
            bytes: 0,
            latency: latency_histogram(),
            censored: Censored::default(),
        }
    }

    /// A successful response of `bytes` bytes with this latency.
    pub(crate) fn success(&mut self, latency: Duration, bytes: u64) {
        self.successful += 1;
        self.bytes += bytes;
        self.latency.saturating_record(micros(latency));
    }

    /// A request of this part ended with an error (a complete response of `bytes`, or none).
    pub(crate) fn error(&mut self, kind: ErrorKind, bytes: u64) {
        self.bytes += bytes;
        self.errors.count(kind);
    }

    /// A timeout, recorded at the timeout plus the sending delay as in the total.
    pub(crate) fn timeout(&mut self, intended: Instant, sent: Instant, timeout: Duration) {
        self.errors.count(ErrorKind::Timeout);
        self.latency.saturating_record(micros(sent.saturating_duration_since(intended) + timeout));
        self.censored.timeouts += 1;
    }

    pub(crate) fn merge(&mut self, other: &PartStats) {
        self.successful += other.successful;
        self.errors.add(&other.errors);
        self.bytes += other.bytes;
        let _ = self.latency.add(&other.latency);
        self.censored.timeouts += other.censored.timeouts;
        self.censored.in_flight += other.censored.in_flight;
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(order: &[u32], n: usize) -> Vec<usize> {
        (0..n as u32).map(|i| order.iter().filter(|&&x| x == i).count()).collect()
    }

    #[test]
    fn one_part_is_its_rotation() {
        assert_eq!(order(&[1], &[1]).unwrap(), [0]);
        assert_eq!(order(&[5], &[3]).unwrap(), [0, 1, 2]);
    }

    #[test]
    fn weights_are_spread_not_bunched() {
        assert_eq!(order(&[3, 1], &[1, 1]).unwrap(), [0, 0, 1, 0]);
        assert_eq!(order(&[1, 1, 1], &[1, 1, 1]).unwrap(), [0, 1, 2]);
        // Common factors are taken out: 6:2 is 3:1.
        assert_eq!(order(&[6, 2], &[1, 1]).unwrap(), [0, 0, 1, 0]);
    }

    #[test]
    fn every_request_gets_its_parts_share_over_a_cycle() {
        // Parts of 2, 1 and 3 requests with weights 4, 3 and 2.
        let o = order(&[4, 3, 2], &[2, 1, 3]).unwrap();
        let per_part = |range: std::ops::Range<usize>| count(&o, 6)[range].iter().sum::<usize>();
        let (a, b, c) = (per_part(0..2), per_part(2..3), per_part(3..6));
        assert_eq!((a * 3, a * 2), (b * 4, c * 4), "shares 4:3:2 in {o:?}");
        let counts = count(&o, 6);
        assert_eq!(counts[0], counts[1]);
        assert!(counts[3] == counts[4] && counts[4] == counts[5], "{counts:?}");
        // Part 2's 3 requests line up with its weight 2 after 3 rounds of 9: 27 in all.
        assert_eq!(o.len(), 27);
        assert_eq!(counts, [6, 6, 9, 2, 2, 2]);
    }

    #[test]
    fn bad_weights_are_refused_with_the_reason() {
        assert!(order(&[1, 0], &[1, 1]).unwrap_err().contains("weight 0"));
        let err = order(&[99_991, 99_989], &[1, 1]).unwrap_err();
        assert!(err.contains("smaller weights"), "{err}");
    }
}
