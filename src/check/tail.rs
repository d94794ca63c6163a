//! Tail latency of two sides: p99 of each side's rounds' latency histograms merged, and the
//! interval of the ratio current ÷ baseline from a seeded bootstrap over rounds (resample
//! each side's rounds with replacement, merge, take p99). Older files without histograms
//! fall back to the per-round p99 figures (bootstrap of their mean), or to the files' p99
//! figures alone (no interval).
//!
//! A quantile has no standard error that a t-test could use, and averaging per-round p99s
//! is not the p99 of the requests; merging counts is exact, and resampling whole rounds
//! keeps what varies between rounds (the server's state, the machine) in the interval.
//! Pure; calls only `hdrhistogram`.

use hdrhistogram::Histogram;

use super::entries::Entry;

/// Resamples of the bootstrap: the interval's ends move by well under 1 % between seeds.
pub const RESAMPLES: usize = 2000;

/// How p99 was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    MergedHistograms,
    PerRoundP99,
    SummaryP99,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::MergedHistograms => "merged_histograms",
            Method::PerRoundP99 => "per_round_p99",
            Method::SummaryP99 => "summary_p99",
        }
    }
}

/// The p99 of both sides and their ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct Tail {
    pub method: Method,
    pub baseline_ms: f64,
    pub current_ms: f64,
    /// current ÷ baseline; `None` when the baseline's p99 is 0.
    pub ratio: Option<f64>,
    /// (1 − alpha) bootstrap interval of `ratio`; `None` below 2 rounds a side.
    pub ci: Option<(f64, f64)>,
    /// Why the comparison is weaker than merged histograms with an interval, if it is.
    pub note: Option<String>,
}

/// splitmix64: small, seeded, portable (the same numbers on every machine and version).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// How often each of `n` rounds is drawn in `n` draws with replacement.
    fn resample(&mut self, n: usize, out: &mut [u32]) {
        out.fill(0);
        for _ in 0..n {
            out[(self.next_u64() % n as u64) as usize] += 1;
        }
    }
}

/// The seed of a workload's bootstrap: fixed, and different per workload (FNV-1a of its key).
pub fn seed_for(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Several rounds' histograms on one grid of bucket values, so that any weighted sum of the
/// rounds (a resample) gives its quantiles without building a histogram.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Distinct bucket values (µs, each bucket's highest equivalent value), ascending.
    values: Vec<u64>,
    /// `counts[round][bucket]`.
    counts: Vec<Vec<u64>>,
    totals: Vec<u64>,
}

impl Grid {
    pub fn new(rounds: &[Histogram<u64>]) -> Grid {
        let mut values: Vec<u64> =
            rounds.iter().flat_map(|h| h.iter_recorded().map(|v| v.value_iterated_to())).collect();
        values.sort_unstable();
        values.dedup();
        let counts: Vec<Vec<u64>> = rounds
            .iter()
            .map(|h| {
                let mut c = vec![0u64; values.len()];
                for v in h.iter_recorded() {
                    if let Ok(i) = values.binary_search(&v.value_iterated_to()) {
                        c[i] += v.count_at_value();
                    }
                }
                c
            })
            .collect();
        let totals = counts.iter().map(|c| c.iter().sum()).collect();
        Grid { values, counts, totals }
    }

    /// The `q` quantile (µs) of the rounds taken `weights[i]` times each, as
    /// `Histogram::value_at_quantile` computes it on their merge; `None` when empty.
    pub fn quantile(&self, weights: &[u32], q: f64) -> Option<u64> {
        let total: u64 = weights.iter().zip(&self.totals).map(|(w, t)| *w as u64 * t).sum();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let allowed_above = total - rank;
        let mut above = 0u64;
        // From the top: only the tail's buckets are visited.
        for k in (0..self.values.len()).rev() {
            let here: u64 = weights.iter().zip(&self.counts).map(|(w, c)| *w as u64 * c[k]).sum();
            if above + here > allowed_above {
                return Some(self.values[k]);
            }
            above += here;
        }
        self.values.first().copied()
    }
}

/// The `p` quantile of sorted values, interpolated linearly (NumPy's default).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = p * (sorted.len() - 1) as f64;
    let (i, frac) = (at.floor() as usize, at - at.floor());
    if i + 1 < sorted.len() {
        sorted[i] + frac * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}

/// Bootstrap interval of `stat(current) ÷ stat(baseline)` over rounds: each resample draws
/// each side's rounds with replacement; percentile interval on the log scale. `None` below
/// 2 rounds a side, or when most resamples have no ratio.
pub fn bootstrap_ratio_ci(
    rounds: (usize, usize),
    stat_b: impl Fn(&[u32]) -> Option<f64>,
    stat_c: impl Fn(&[u32]) -> Option<f64>,
    alpha: f64,
    seed: u64,
) -> Option<(f64, f64)> {
    let (nb, nc) = rounds;
    if nb < 2 || nc < 2 {
        return None;
    }
    let mut rng = Rng(seed);
    let (mut wb, mut wc) = (vec![0u32; nb], vec![0u32; nc]);
    let mut logs = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        rng.resample(nb, &mut wb);
        rng.resample(nc, &mut wc);
        if let (Some(b), Some(c)) = (stat_b(&wb), stat_c(&wc)) {
            if b > 0.0 && c > 0.0 {
                logs.push((c / b).ln());
            }
        }
    }
    if logs.len() < RESAMPLES / 2 {
        return None;
    }
    logs.sort_by(f64::total_cmp);
    Some((percentile(&logs, alpha / 2.0).exp(), percentile(&logs, 1.0 - alpha / 2.0).exp()))
}

fn weighted_mean(values: &[f64], weights: &[u32]) -> Option<f64> {
    let n: u32 = weights.iter().sum();
    (n > 0).then(|| values.iter().zip(weights).map(|(v, w)| v * *w as f64).sum::<f64>() / n as f64)
}

/// Compare the p99 of two sides; `None` when a side has no latency at all.
pub fn compare_p99(b: &Entry, c: &Entry, alpha: f64, seed: u64) -> Option<Tail> {
    let ms = |us: u64| us as f64 / 1000.0;
    let (method, baseline_ms, current_ms, ci, note) = if b.has_all_histograms() && c.has_all_histograms() {
        let (gb, gc) = (Grid::new(&b.histograms), Grid::new(&c.histograms));
        let ones = |n: usize| vec![1u32; n];
        let pb = gb.quantile(&ones(b.histograms.len()), 0.99)?;
        let pc = gc.quantile(&ones(c.histograms.len()), 0.99)?;
        let ci = bootstrap_ratio_ci(
            (b.histograms.len(), c.histograms.len()),
            |w| gb.quantile(w, 0.99).map(|v| v as f64),
            |w| gc.quantile(w, 0.99).map(|v| v as f64),
            alpha,
            seed,
        );
        (Method::MergedHistograms, ms(pb), ms(pc), ci, None)
    } else if b.has_all_p99s() && c.has_all_p99s() {
        let ones = |n: usize| vec![1u32; n];
        let mb = weighted_mean(&b.p99_samples, &ones(b.p99_samples.len()))?;
        let mc = weighted_mean(&c.p99_samples, &ones(c.p99_samples.len()))?;
        let ci = bootstrap_ratio_ci(
            (b.p99_samples.len(), c.p99_samples.len()),
            |w| weighted_mean(&b.p99_samples, w),
            |w| weighted_mean(&c.p99_samples, w),
            alpha,
            seed,
        );
        let note = "latency histograms absent (older files): p99 from the mean of the per-round p99s";
        (Method::PerRoundP99, mb, mc, ci, Some(note.to_string()))
    } else {
        let (pb, pc) = (b.p99_ms?, c.p99_ms?);
        let note = "the files carry no per-round latency: the files' p99 figures, no interval";
        (Method::SummaryP99, pb, pc, None, Some(note.to_string()))
    };
    let ratio = (baseline_ms > 0.0).then(|| current_ms / baseline_ms);
    Some(Tail { method, baseline_ms, current_ms, ratio, ci: ratio.and(ci), note })
}

#[cfg(test)]
mod tests;
