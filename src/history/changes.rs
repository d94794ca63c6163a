//! Change points on the trend: [`changepoint::change_points`] run on each segment of each
//! series (one host/config fingerprint, so points of different fingerprints are never
//! compared), on the per-commit mean req/s and on the p99, marked on the series and turned
//! into rows for the store's `change_points` table. Pure.

use chrono::{DateTime, Utc};

use super::changepoint::{change_points, ChangePoint, ChangePointError, ChangePointOptions};
use super::trend::{ChangeMark, Segment, Series, TrendPoint};

/// The metrics searched.
pub const METRICS: [&str; 2] = ["requests_per_sec", "p99_ms"];

/// One change point found on a series, as stored and listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangeRecord {
    pub framework: String,
    pub suite: String,
    pub workload: String,
    /// `requests_per_sec` or `p99_ms`.
    pub metric: String,
    pub host_fingerprint: String,
    pub config_fingerprint: String,
    /// The commit of the first point after the change (`run N` when it had none).
    pub git_commit: String,
    /// The commit of the last point before the change.
    pub previous_commit: String,
    pub run_time: DateTime<Utc>,
    pub mean_before: f64,
    pub mean_after: f64,
    /// 95 % t-intervals of the two means (`None` below 2 points).
    pub ci_before: Option<(f64, f64)>,
    pub ci_after: Option<(f64, f64)>,
    pub points_before: usize,
    pub points_after: usize,
    /// `(after / before − 1) × 100`.
    pub change_percent: f64,
    pub p_value: f64,
    /// True when the change makes the framework slower (fewer req/s or a higher p99).
    pub regression: bool,
}

fn values(points: &[TrendPoint], metric: &str) -> Option<Vec<f64>> {
    match metric {
        "requests_per_sec" => Some(points.iter().map(|p| p.rps).collect()),
        _ => points.iter().map(|p| p.p99_ms).collect(),
    }
}

fn record(s: &Series, seg: &Segment, metric: &str, c: &ChangePoint) -> ChangeRecord {
    let at = &seg.points[c.index];
    let commit = |p: &TrendPoint| p.git_commit.clone().unwrap_or_else(|| p.label.clone());
    ChangeRecord {
        framework: s.framework.clone(),
        suite: s.suite.clone(),
        workload: s.workload.clone(),
        metric: metric.to_string(),
        host_fingerprint: seg.host_fingerprint.clone(),
        config_fingerprint: seg.config_fingerprint.clone(),
        git_commit: commit(at),
        previous_commit: commit(&seg.points[c.index - 1]),
        run_time: at.time,
        mean_before: c.mean_before,
        mean_after: c.mean_after,
        ci_before: c.mean_ci_before(0.95),
        ci_after: c.mean_ci_after(0.95),
        points_before: c.len_before,
        points_after: c.len_after,
        change_percent: c.rel_change * 100.0,
        p_value: c.p_value,
        regression: if metric == "requests_per_sec" { c.rel_change < 0.0 } else { c.rel_change > 0.0 },
    }
}

/// Find the change points of every segment, mark them on `series`, and return them (in
/// series order; within a segment by metric, then index). A segment whose p99 is missing
/// at some point is searched on req/s only.
pub fn detect(
    series: &mut [Series],
    opts: &ChangePointOptions,
) -> Result<Vec<ChangeRecord>, ChangePointError> {
    opts.validate()?;
    let mut out = Vec::new();
    for s in series.iter_mut() {
        let mut marks: Vec<Vec<ChangeMark>> = Vec::new();
        for seg in &s.segments {
            let mut seg_marks = Vec::new();
            for metric in METRICS {
                let Some(v) = values(&seg.points, metric) else { continue };
                for c in change_points(&v, opts)? {
                    let r = record(s, seg, metric, &c);
                    let name = if metric == "requests_per_sec" { "req/s" } else { "p99" };
                    let text = format!(
                        "{name} {:+.1} % at {} ({} → {}, p = {:.2e})",
                        r.change_percent,
                        seg.points[c.index].label,
                        super::trend::figure(c.mean_before, 2),
                        super::trend::figure(c.mean_after, 2),
                        c.p_value
                    );
                    seg_marks.push(ChangeMark { index: c.index, metric: metric.into(), text });
                    out.push(r);
                }
            }
            marks.push(seg_marks);
        }
        for (seg, m) in s.segments.iter_mut().zip(marks) {
            seg.changes = m;
        }
    }
    Ok(out)
}

/// The change points as text: series, metric, change, commit, means with CIs, p-value.
pub fn table(found: &[ChangeRecord], new: &[bool]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let ci = |c: Option<(f64, f64)>| {
        c.map_or(String::new(), |(lo, hi)| {
            format!(" [{} – {}]", super::trend::figure(lo, 2), super::trend::figure(hi, 2))
        })
    };
    for (c, n) in found.iter().zip(new) {
        let name = if c.metric == "requests_per_sec" { "req/s" } else { "p99 ms" };
        let short = |s: &str| s.chars().take(8).collect::<String>();
        let _ = writeln!(
            out,
            "{} · {} · {}  {name} {:+.1} % ({}) at {} (after {}){}\n    before {}{} ({} points) → after {}{} ({} points), p = {:.2e}, host {} · config {}",
            c.framework,
            c.suite,
            c.workload,
            c.change_percent,
            if c.regression { "slower" } else { "faster" },
            short(&c.git_commit),
            short(&c.previous_commit),
            if *n { "  [new]" } else { "" },
            super::trend::figure(c.mean_before, 2),
            ci(c.ci_before),
            c.points_before,
            super::trend::figure(c.mean_after, 2),
            ci(c.ci_after),
            c.points_after,
            c.p_value,
            c.host_fingerprint,
            c.config_fingerprint
        );
    }
    if found.is_empty() {
        out.push_str("no change points\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::trend::TrendPoint;

    fn point(i: usize, rps: f64) -> TrendPoint {
        TrendPoint {
            label: format!("c{i:02}"),
            git_commit: Some(format!("c{i:02}")),
            branch: None,
            time: DateTime::from_timestamp(1_700_000_000 + i as i64 * 86_400, 0).unwrap(),
            run_ids: vec![i as i64],
            samples: vec![rps],
            rps,
            rps_ci: None,
            p99_ms: Some(2.0 + (i % 3) as f64 * 0.01),
            p99_exact: true,
            p99_range: None,
        }
    }

    fn series(values: &[f64], host: impl Fn(usize) -> &'static str) -> Series {
        let mut segments: Vec<Segment> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match segments.last_mut() {
                Some(s) if s.host_fingerprint == host(i) => s.points.push(point(i, *v)),
                _ => segments.push(Segment {
                    host_fingerprint: host(i).into(),
                    config_fingerprint: "c".into(),
                    points: vec![point(i, *v)],
                    changes: Vec::new(),
                }),
            }
        }
        Series { framework: "axum".into(), suite: "s".into(), workload: "w".into(), segments }
    }

    /// 1 % deterministic wobble around `level`.
    fn noisy(level: f64, i: usize) -> f64 {
        level * (1.0 + 0.01 * ((i * 7 % 5) as f64 - 2.0) / 2.0)
    }

    #[test]
    fn a_ten_percent_drop_is_found_at_its_commit_and_marked() {
        let v: Vec<f64> = (0..30).map(|i| noisy(if i < 18 { 1000.0 } else { 900.0 }, i)).collect();
        let mut all = vec![series(&v, |_| "h1")];
        let found = detect(&mut all, &ChangePointOptions::default()).unwrap();
        let rps: Vec<&ChangeRecord> = found.iter().filter(|c| c.metric == "requests_per_sec").collect();
        assert_eq!(rps.len(), 1, "{found:?}");
        assert_eq!((rps[0].git_commit.as_str(), rps[0].previous_commit.as_str()), ("c18", "c17"));
        assert!(rps[0].regression && (rps[0].change_percent + 10.0).abs() < 0.5, "{:?}", rps[0]);
        assert_eq!(all[0].segments[0].changes.iter().filter(|m| m.index == 18).count(), 1);
    }

    #[test]
    fn a_new_host_is_not_a_change_point() {
        // The same drop, but exactly where the host changes: two segments, each flat.
        let v: Vec<f64> = (0..30).map(|i| noisy(if i < 18 { 1000.0 } else { 900.0 }, i)).collect();
        let mut all = vec![series(&v, |i| if i < 18 { "h1" } else { "h2" })];
        let found = detect(&mut all, &ChangePointOptions::default()).unwrap();
        assert!(found.iter().all(|c| c.metric != "requests_per_sec"), "{found:?}");
        assert_eq!(all[0].segments.len(), 2);
    }
}
