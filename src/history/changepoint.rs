//! Change points in a series of measurements: E-divisive means on sliding windows with a
//! Student's t-test significance check, then a merge step that drops the weak ones — the
//! method of Hunter / Apache Otava (Fleming et al., "Hunter: Using Change Point Detection
//! to Hunt for Performance Regressions", ICPE 2023, arXiv 2301.03034).
//!
//! Pure functions over `&[f64]`; calls only `stats` for moments and the t distribution.
//! A series is split at host/config fingerprint changes first ([`segments`]): points with
//! different fingerprints are never compared or chained.

use serde::Serialize;

use crate::stats::{moments, t_quantile, t_two_sided_p};

/// How change points are searched and which are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePointOptions {
    /// Points per sliding window of the split step (Otava's `window_len`); at least 2.
    pub window: usize,
    /// A change point is kept when its two-sided t-test p-value is below this.
    pub max_p_value: f64,
    /// A change point is kept only when its magnitude (the larger of `after/before − 1` and
    /// `before/after − 1`, in absolute value) is above this; `0.05` keeps changes over 5 %.
    pub min_magnitude: f64,
    /// Fewest points on each side of a kept change point (between it and its neighbours or
    /// the ends). 1 is Otava's behaviour; 2 or more keeps a lone outlier (a spike, or the
    /// latest point alone) from being reported as a pair of changes or as a new level.
    pub min_segment: usize,
    /// Multiplies each t-test p-value of the merge step by the number of split positions
    /// the two parts offer (`len_before + len_after − 1`, Bonferroni), because the split was
    /// chosen as the one that separates them most. Otava does not; without it, pure noise
    /// of 200 points yields a change point in about 16 % of series at p < 0.001.
    pub scan_correction: bool,
}

impl Default for ChangePointOptions {
    /// Otava's defaults (window 50, p < 0.001, any magnitude) with the two safeguards on:
    /// 3 points on each side and the scan correction.
    fn default() -> Self {
        ChangePointOptions { min_segment: 3, scan_correction: true, ..Self::otava() }
    }
}

impl ChangePointOptions {
    /// Exactly Apache Otava's `compute_change_points` defaults, safeguards off (for
    /// comparisons with Otava's output).
    pub fn otava() -> Self {
        ChangePointOptions {
            window: 50,
            max_p_value: 0.001,
            min_magnitude: 0.0,
            min_segment: 1,
            scan_correction: false,
        }
    }
}

/// A persistent shift in the level of a series, between two neighbouring change points
/// (or the ends of the series).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangePoint {
    /// Index of the first point of the new level (so `series[index - 1]` is the last
    /// point before the change). Never 0.
    pub index: usize,
    /// Mean of the points from the previous change point (or the start) up to `index`.
    pub mean_before: f64,
    /// Mean of the points from `index` up to the next change point (or the end).
    pub mean_after: f64,
    /// Sample standard deviation (divisor `n − 1`; 0 for one point) before the change.
    pub stddev_before: f64,
    /// Sample standard deviation (divisor `n − 1`; 0 for one point) after the change.
    pub stddev_after: f64,
    /// Points in the "before" part.
    pub len_before: usize,
    /// Points in the "after" part: a change found with 1–2 points after it may still be a
    /// one-off outlier at the end of the series (callers may ask for more before alerting).
    pub len_after: usize,
    /// `mean_after / mean_before − 1` (0 when `mean_before` is 0): +0.1 is 10 % up.
    pub rel_change: f64,
    /// Two-sided p-value of Student's t-test between the two parts (see the module docs
    /// for the variance Otava uses).
    pub p_value: f64,
}

impl ChangePoint {
    /// Otava's `change_magnitude`: `max(|after/before − 1|, |before/after − 1|)`, a term
    /// counting as 0 when its denominator is 0. Symmetric in up and down moves.
    pub fn magnitude(&self) -> f64 {
        let fwd = if self.mean_before == 0.0 { 0.0 } else { self.mean_after / self.mean_before - 1.0 };
        let bwd = if self.mean_after == 0.0 { 0.0 } else { self.mean_before / self.mean_after - 1.0 };
        fwd.abs().max(bwd.abs())
    }

    /// The t-based `confidence` interval of `mean_before`; `None` for fewer than 2 points
    /// or a confidence outside (0, 1).
    pub fn mean_ci_before(&self, confidence: f64) -> Option<(f64, f64)> {
        ci_from(self.mean_before, self.stddev_before, self.len_before, confidence)
    }

    /// The t-based `confidence` interval of `mean_after`; `None` for fewer than 2 points
    /// or a confidence outside (0, 1).
    pub fn mean_ci_after(&self, confidence: f64) -> Option<(f64, f64)> {
        ci_from(self.mean_after, self.stddev_after, self.len_after, confidence)
    }
}

/// The t-based interval `mean ± t_{(1+c)/2, n−1} · sd / √n` from summary figures.
fn ci_from(mean: f64, sd: f64, n: usize, confidence: f64) -> Option<(f64, f64)> {
    if n < 2 || !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let crit = t_quantile(0.5 + confidence / 2.0, (n - 1) as f64);
    let half = crit * sd / (n as f64).sqrt();
    half.is_finite().then_some((mean - half, mean + half))
}

/// Bad input to the change-point search.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangePointError {
    #[error("value {value} at index {index} is not a finite number; change points need finite measurements (drop or repair the point)")]
    NotFinite { index: usize, value: f64 },
    #[error("change-point window {0} is too small; use 2 points or more (default 50)")]
    Window(usize),
    #[error("change-point p-value threshold {0} is not in (0, 1]; use e.g. 0.001 (the default)")]
    MaxPValue(f64),
    #[error(
        "change-point minimum magnitude {0} is not a number >= 0; use e.g. 0.05 for 5 %, or 0 (the default)"
    )]
    MinMagnitude(f64),
    #[error("change-point minimum segment {0} is too small; use 1 point or more (default 3)")]
    MinSegment(usize),
}

impl ChangePointOptions {
    /// `Ok` when every option is in range; the error names the bad one.
    pub fn validate(&self) -> Result<(), ChangePointError> {
        if self.window < 2 {
            return Err(ChangePointError::Window(self.window));
        }
        if !(self.max_p_value > 0.0 && self.max_p_value <= 1.0) {
            return Err(ChangePointError::MaxPValue(self.max_p_value));
        }
        if !(self.min_magnitude >= 0.0 && self.min_magnitude.is_finite()) {
            return Err(ChangePointError::MinMagnitude(self.min_magnitude));
        }
        if self.min_segment < 1 {
            return Err(ChangePointError::MinSegment(self.min_segment));
        }
        Ok(())
    }
}

/// The change points of `series`, in index order.
///
/// Split step: E-divisive on windows of `opts.window` points that advance by half a
/// window (or to the last change point found), each window split recursively while the
/// t-test p-value is at most a relaxed threshold (10 × `max_p_value` below 0.05, as Otava
/// does); the union of these "weak" change points is then tested against their
/// neighbours in the whole series. Merge step: the weakest point is dropped and its
/// neighbours tested again, until every remaining point has at least `min_segment` points
/// on each side, `p < max_p_value` (after the scan correction, when on) and
/// `magnitude > min_magnitude`. The weakest is the one with the largest p-value among
/// those with a too-short side, else the one with the largest p-value, else (all passing)
/// the one with the smallest magnitude.
///
/// Series of fewer than 3 points have none. A NaN or infinite value is an error.
pub fn change_points(
    series: &[f64],
    opts: &ChangePointOptions,
) -> Result<Vec<ChangePoint>, ChangePointError> {
    opts.validate()?;
    if let Some((index, &value)) = series.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ChangePointError::NotFinite { index, value });
    }
    let weak = split(series, opts.window, first_pass_p(opts.max_p_value));
    Ok(merge(weak, series, opts))
}

/// Otava's relaxed threshold for the split step.
fn first_pass_p(max_p: f64) -> f64 {
    if max_p < 0.05 {
        max_p * 10.0
    } else if max_p < 0.5 {
        max_p * 2.0
    } else {
        max_p
    }
}

/// The weak change points (sorted indexes): E-divisive on sliding windows.
fn split(series: &[f64], window: usize, max_p: f64) -> Vec<usize> {
    let step = window / 2;
    let mut indexes: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < series.len() {
        let end = (start + window).min(series.len());
        let found = e_divisive(&series[start..end], max_p);
        let last = found.last().map_or(0, |i| i + start);
        for i in found.into_iter().map(|i| i + start) {
            if !indexes.contains(&i) {
                indexes.push(i);
            }
        }
        start = last.max(start + step);
    }
    indexes.sort_unstable();
    indexes
}

/// The merge step: each weak change point is tested between its neighbours in the whole
/// series, and the weakest dropped (its neighbours tested again) until all pass.
fn merge(weak: Vec<usize>, series: &[f64], opts: &ChangePointOptions) -> Vec<ChangePoint> {
    let test = |idx: &[usize], k: usize| test_at(series, idx, k, opts.scan_correction);
    let mut cps: Vec<ChangePoint> = (0..weak.len()).map(|k| test(&weak, k)).collect();
    while !cps.is_empty() {
        let short = |c: &ChangePoint| c.len_before.min(c.len_after) < opts.min_segment;
        let shortest =
            cps.iter().enumerate().filter(|(_, c)| short(c)).fold(None, |w: Option<usize>, (k, c)| match w {
                Some(b) if c.p_value <= cps[b].p_value => Some(b),
                _ => Some(k),
            });
        let weakest = if let Some(k) = shortest {
            // A part too short to show a persistent level goes first, the weakest first.
            k
        } else {
            // Otava's rule: the first of the largest p-values (Python's `max` keeps the
            // first); once all pass, the first of the smallest magnitudes.
            let mut weakest = first_best(&cps, |a, b| a.p_value > b.p_value);
            if cps[weakest].p_value < opts.max_p_value {
                weakest = first_best(&cps, |a, b| a.magnitude() < b.magnitude());
                if cps[weakest].magnitude() > opts.min_magnitude {
                    break;
                }
            }
            weakest
        };
        cps.remove(weakest);
        // The two neighbours now span the removed point's parts: test them again. (Otava
        // re-tests `weakest` and `weakest + 1`, i.e. the right neighbour and the one after
        // it; the left neighbour's "after" part changed too, so it is the one re-tested here.)
        let indexes: Vec<usize> = cps.iter().map(|c| c.index).collect();
        for k in [weakest.wrapping_sub(1), weakest] {
            if k < cps.len() {
                cps[k] = test(&indexes, k);
            }
        }
    }
    cps
}

/// Index of the first element that no later one beats.
fn first_best(cps: &[ChangePoint], beats: impl Fn(&ChangePoint, &ChangePoint) -> bool) -> usize {
    let mut best = 0;
    for (k, c) in cps.iter().enumerate().skip(1) {
        if beats(c, &cps[best]) {
            best = k;
        }
    }
    best
}

/// The `k`-th of the sorted `indexes` tested between its two neighbours.
fn test_at(series: &[f64], indexes: &[usize], k: usize, scan_correction: bool) -> ChangePoint {
    let lo = if k == 0 { 0 } else { indexes[k - 1] };
    let hi = indexes.get(k + 1).copied().unwrap_or(series.len());
    let mut cp = compare(&series[lo..indexes[k]], &series[indexes[k]..hi], indexes[k]);
    if scan_correction {
        cp.p_value = (cp.p_value * (hi - lo - 1) as f64).min(1.0);
    }
    cp
}

/// Mean and spread of both sides and the t-test between them, as a change at `index`.
///
/// Like Otava (`TTestSignificanceTester.compare`), the pooled Student's t-test is fed the
/// population standard deviations (divisor `n`), so p-values match Otava's; the reported
/// standard deviations are the usual sample ones (divisor `n − 1`).
fn compare(left: &[f64], right: &[f64], index: usize) -> ChangePoint {
    let (n1, n2) = (left.len(), right.len());
    let summary = |x: &[f64]| moments(x).map_or((f64::NAN, f64::NAN), |m| (m.mean, m.sd));
    let ((m1, sd1), (m2, sd2)) = (summary(left), summary(right));
    let df = (n1 + n2).saturating_sub(2);
    let p = if df == 0 {
        1.0
    } else {
        // Population variances: sd² · (n − 1) / n.
        let pop = |sd: f64, n: usize| sd * sd * (n as f64 - 1.0) / n as f64;
        let pooled = ((n1 as f64 - 1.0) * pop(sd1, n1) + (n2 as f64 - 1.0) * pop(sd2, n2)) / df as f64;
        let se = (pooled * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
        let diff = m1 - m2;
        if se == 0.0 {
            // Both sides constant: a different level is certain, the same one is no change.
            if diff == 0.0 {
                1.0
            } else {
                0.0
            }
        } else {
            t_two_sided_p(diff / se, df as f64)
        }
    };
    ChangePoint {
        index,
        mean_before: m1,
        mean_after: m2,
        stddev_before: sd1,
        stddev_after: sd2,
        len_before: n1,
        len_after: n2,
        rel_change: if m1 == 0.0 { 0.0 } else { m2 / m1 - 1.0 },
        // NaN (a degenerate case) counts as no evidence at all.
        p_value: if p.is_nan() { 1.0 } else { p },
    }
}

/// E-divisive on one window: split recursively at the point that maximises the
/// energy-distance statistic Q̂, while the t-test between the two sides of the split
/// (within the part being split) gives `p <= max_p`. Returns sorted indexes local to `w`.
fn e_divisive(w: &[f64], max_p: f64) -> Vec<usize> {
    let within = WithinSums::new(w);
    let mut cps: Vec<usize> = Vec::new();
    loop {
        // The parts between the change points found so far.
        let bounds: Vec<usize> = std::iter::once(0).chain(cps.iter().copied()).chain([w.len()]).collect();
        let best = bounds
            .windows(2)
            .filter(|b| b[1] - b[0] > 1)
            .filter_map(|b| within.candidate(b[0], b[1]).map(|(tau, q)| (tau, q, b[0], b[1])))
            .fold(None, |best: Option<(usize, f64, usize, usize)>, c| match best {
                Some(b) if c.1 <= b.1 => Some(b),
                _ => Some(c),
            });
        let Some((tau, _, lo, hi)) = best else { break };
        if compare(&w[lo..tau], &w[tau..hi], tau).p_value <= max_p {
            let at = cps.partition_point(|&c| c < tau);
            cps.insert(at, tau);
        } else {
            break;
        }
    }
    cps
}

/// `sum[a][b]` = Σ_{a ≤ i < k < b} |w_i − w_k| for all `0 ≤ a ≤ b ≤ len`, so that every
/// Q̂(τ, κ) of a window costs O(1).
struct WithinSums {
    n: usize,
    sum: Vec<f64>,
}

impl WithinSums {
    fn new(w: &[f64]) -> Self {
        let n = w.len();
        let mut sum = vec![0.0; (n + 1) * (n + 1)];
        for j in 0..n {
            // col = Σ_{a ≤ i < j} |w_i − w_j|, grown as `a` walks down from `j`.
            let mut col = 0.0;
            for a in (0..=j).rev() {
                if a < j {
                    col += (w[a] - w[j]).abs();
                }
                sum[a * (n + 1) + j + 1] = sum[a * (n + 1) + j] + col;
            }
        }
        WithinSums { n, sum }
    }

    fn get(&self, a: usize, b: usize) -> f64 {
        self.sum[a * (self.n + 1) + b]
    }

    /// The best split `τ` of the part `[s, e)` and its Q̂: the maximum over `s < τ < κ ≤ e`
    /// of Q̂(w[s..τ], w[τ..κ]) = 2/(m+n) Σ|X−Y| − 2m/((m+n)(n−1)) Σ_{i<k}|X_i−X_k|
    /// − 2n/((m+n)(m−1)) Σ_{j<k}|Y_j−Y_k| (Matteson & James 2014, with Otava's convention
    /// that a term with a zero denominator is 0). Ties go to the smallest τ, then κ.
    fn candidate(&self, s: usize, e: usize) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for tau in s + 1..e {
            let n = (tau - s) as f64;
            let xx = self.get(s, tau);
            for kappa in tau + 1..=e {
                let m = (kappa - tau) as f64;
                let yy = self.get(tau, kappa);
                let xy = self.get(s, kappa) - xx - yy;
                let total = (kappa - s) as f64;
                let mut q = 2.0 * xy / total;
                if n > 1.0 {
                    q -= 2.0 * m / (total * (n - 1.0)) * xx;
                }
                if m > 1.0 {
                    q -= 2.0 * n / (total * (m - 1.0)) * yy;
                }
                match best {
                    Some((_, b)) if q <= b => {}
                    _ => best = Some((tau, q)),
                }
            }
        }
        best
    }
}

/// A run of consecutive points that share one host/config fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment<F> {
    pub fingerprint: F,
    /// Index of the segment's first point in the input.
    pub start: usize,
    /// One past the segment's last point in the input.
    pub end: usize,
}

/// Splits `(fingerprint, value)` points, in series order, into runs of equal fingerprint.
/// A fingerprint that comes back after another one starts a new segment: segments are
/// never joined or compared.
pub fn segments<F: PartialEq + Clone>(points: &[(F, f64)]) -> Vec<Segment<F>> {
    let mut out: Vec<Segment<F>> = Vec::new();
    for (i, (fp, _)) in points.iter().enumerate() {
        match out.last_mut() {
            Some(seg) if seg.fingerprint == *fp => seg.end = i + 1,
            _ => out.push(Segment { fingerprint: fp.clone(), start: i, end: i + 1 }),
        }
    }
    out
}

/// One segment and the change points found inside it alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentChanges<F> {
    pub segment: Segment<F>,
    /// Indexes are into the whole input (not the segment); `index > segment.start`.
    pub change_points: Vec<ChangePoint>,
}

/// [`change_points`] of each fingerprint segment on its own. A NaN anywhere is an error
/// whose index is into the whole input.
pub fn segmented_change_points<F: PartialEq + Clone>(
    points: &[(F, f64)],
    opts: &ChangePointOptions,
) -> Result<Vec<SegmentChanges<F>>, ChangePointError> {
    opts.validate()?;
    segments(points)
        .into_iter()
        .map(|segment| {
            let values: Vec<f64> = points[segment.start..segment.end].iter().map(|p| p.1).collect();
            let mut cps = change_points(&values, opts).map_err(|e| match e {
                ChangePointError::NotFinite { index, value } => {
                    ChangePointError::NotFinite { index: index + segment.start, value }
                }
                other => other,
            })?;
            for c in &mut cps {
                c.index += segment.start;
            }
            Ok(SegmentChanges { segment, change_points: cps })
        })
        .collect()
}

#[cfg(test)]
mod tests;
