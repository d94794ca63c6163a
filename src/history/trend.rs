//! Trends: stored measurements grouped into one series per framework, suite and workload,
//! one point per commit, and one segment per host/config fingerprint (points of different
//! fingerprints are never chained or compared). Pure: rows in, series and a text table out.
//!
//! A point's throughput is the mean over its samples (every round of every run at that
//! commit) with a 95 % t-interval when there are 2 or more; its p99 is the 99th percentile
//! of all its samples' latency histograms merged (exact), never an average of p99s.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;

use super::rows::MeasurementRow;
use crate::schema::hdr;

/// One commit (or one run without a commit) of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// The short commit, or `run N` when the result had no commit.
    pub label: String,
    pub git_commit: Option<String>,
    pub branch: Option<String>,
    /// The earliest run time at this point.
    pub time: DateTime<Utc>,
    pub run_ids: Vec<i64>,
    /// Per-sample requests per second (rounds of every run at this point).
    pub samples: Vec<f64>,
    pub rps: f64,
    /// 95 % t-interval of the mean; `None` below 2 samples.
    pub rps_ci: Option<(f64, f64)>,
    pub p99_ms: Option<f64>,
    /// True when `p99_ms` comes from every sample's histogram merged; false when some
    /// sample had no histogram (then `p99_ms` is the highest stored p99, and says so).
    pub p99_exact: bool,
    /// Lowest and highest p99 of the samples; `None` below 2 samples.
    pub p99_range: Option<(f64, f64)>,
}

/// Consecutive-in-time points sharing one host and configuration fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub host_fingerprint: String,
    pub config_fingerprint: String,
    pub points: Vec<TrendPoint>,
    /// Change points found in this segment (empty until detection runs on it).
    pub changes: Vec<ChangeMark>,
}

/// A change point to mark: the first point after the change, in a segment.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeMark {
    /// Index into the segment's points.
    pub index: usize,
    /// `requests_per_sec` or `p99_ms`.
    pub metric: String,
    /// Plain words, e.g. "req/s −10.2 % (p = 0.0001)".
    pub text: String,
}

/// One framework on one workload over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub framework: String,
    pub suite: String,
    pub workload: String,
    /// In order of their first point.
    pub segments: Vec<Segment>,
}

/// The `q` quantile (0..=1) of the histograms merged, in ms; `None` without histograms.
pub fn merged_quantile(histograms: &[&str], q: f64) -> Result<Option<f64>, hdr::HdrError> {
    let parts: Vec<Histogram<u64>> = histograms.iter().map(|h| hdr::decode(h)).collect::<Result<_, _>>()?;
    Ok(hdr::merge(parts.iter()).filter(|m| !m.is_empty()).map(|m| m.value_at_quantile(q) as f64 / 1000.0))
}

fn point(rows: &[&MeasurementRow]) -> TrendPoint {
    let first = rows[0];
    let samples: Vec<f64> = rows.iter().filter_map(|r| r.requests_per_sec).collect();
    let hist: Vec<&str> = rows.iter().filter_map(|r| r.histogram.as_deref()).collect();
    let stored_p99: Vec<f64> = rows.iter().filter_map(|r| r.p99_ms).collect();
    let merged = if hist.len() == rows.len() { merged_quantile(&hist, 0.99).ok().flatten() } else { None };
    let (p99_ms, p99_exact) = match merged {
        Some(v) => (Some(v), true),
        None if stored_p99.len() == 1 && rows.len() == 1 => (Some(stored_p99[0]), true),
        None => (stored_p99.iter().copied().reduce(f64::max), false),
    };
    let lo = stored_p99.iter().copied().reduce(f64::min);
    let hi = stored_p99.iter().copied().reduce(f64::max);
    let mut run_ids: Vec<i64> = rows.iter().map(|r| r.run.id).collect();
    run_ids.dedup();
    TrendPoint {
        label: match &first.run.git_commit {
            Some(c) => c.chars().take(8).collect(),
            None => format!("run {}", first.run.id),
        },
        git_commit: first.run.git_commit.clone(),
        branch: first.run.branch.clone(),
        time: rows.iter().map(|r| r.run.time).min().unwrap_or(first.run.time),
        run_ids,
        rps: crate::stats::mean_or_zero(&samples),
        rps_ci: crate::stats::mean_ci(&samples, 0.95),
        samples,
        p99_ms,
        p99_exact,
        p99_range: lo.zip(hi).filter(|_| stored_p99.len() >= 2),
    }
}

/// Group measured rows (status `ok` with a throughput) into series, segments and points.
pub fn series(rows: &[MeasurementRow]) -> Vec<Series> {
    type Key = (String, String, String);
    type Seg = (String, String);
    let mut by_series: BTreeMap<Key, BTreeMap<Seg, BTreeMap<String, Vec<&MeasurementRow>>>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status == "ok" && r.requests_per_sec.is_some()) {
        let at = match &r.run.git_commit {
            Some(c) => format!("commit {c}"),
            None => format!("run {}", r.run.id),
        };
        by_series
            .entry((r.framework.clone(), r.suite.clone(), r.workload.clone()))
            .or_default()
            .entry((r.run.host_fingerprint.clone(), r.run.config_fingerprint.clone()))
            .or_default()
            .entry(at)
            .or_default()
            .push(r);
    }
    by_series
        .into_iter()
        .map(|((framework, suite, workload), segs)| {
            let mut segments: Vec<Segment> = segs
                .into_iter()
                .map(|((host_fingerprint, config_fingerprint), points)| {
                    let mut points: Vec<TrendPoint> = points.values().map(|rows| point(rows)).collect();
                    points.sort_by(|a, b| a.time.cmp(&b.time).then(a.label.cmp(&b.label)));
                    Segment { host_fingerprint, config_fingerprint, points, changes: Vec::new() }
                })
                .collect();
            segments.sort_by_key(|s| s.points.first().map(|p| p.time));
            Series { framework, suite, workload, segments }
        })
        .collect()
}

/// What changed where segment `k` starts, against the segment of the point just before its
/// first point in time: `new host`, `new config` or `new host + config`; `None` for the first.
pub fn segment_change(s: &Series, k: usize) -> Option<&'static str> {
    let first = s.segments.get(k)?.points.first()?;
    let before = s
        .segments
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != k)
        .flat_map(|(_, g)| g.points.iter().filter(|p| p.time < first.time).map(move |p| (p.time, g)))
        .max_by_key(|(t, _)| *t)
        .map(|(_, g)| g)?;
    let seg = &s.segments[k];
    Some(
        match (
            before.host_fingerprint != seg.host_fingerprint,
            before.config_fingerprint != seg.config_fingerprint,
        ) {
            (true, true) => "new host + config",
            (true, false) => "new host",
            _ => "new config",
        },
    )
}

/// A figure with thin spaces between thousands and `places` decimals.
pub fn figure(v: f64, places: usize) -> String {
    let text = format!("{:.*}", places, v.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    let sign = if v < 0.0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out}.{frac}")
    }
}

/// The trend as a plain-text table, one block per series and segment.
pub fn table(all: &[Series]) -> String {
    let mut out = String::new();
    for s in all {
        let _ = writeln!(out, "{} · {} · {}", s.framework, s.suite, s.workload);
        for (k, seg) in s.segments.iter().enumerate() {
            let what = match segment_change(s, k) {
                Some(change) => format!("segment {} ({change})", k + 1),
                None => format!("segment {}", k + 1),
            };
            let _ = writeln!(
                out,
                "  {what}: host {} · config {}",
                &seg.host_fingerprint, &seg.config_fingerprint
            );
            let _ = writeln!(
                out,
                "    {:<10} {:<12} {:<16} {:>3} {:>12} {:>27} {:>10}",
                "commit", "branch", "time (UTC)", "n", "req/s", "95 % CI", "p99 ms"
            );
            for (i, p) in seg.points.iter().enumerate() {
                for c in seg.changes.iter().filter(|c| c.index == i) {
                    let _ = writeln!(out, "    ── change point: {}", c.text);
                }
                let ci = p
                    .rps_ci
                    .map_or("–".to_string(), |(lo, hi)| format!("{} – {}", figure(lo, 1), figure(hi, 1)));
                let p99 = match (p.p99_ms, p.p99_exact) {
                    (Some(v), true) => format!("{v:.3}"),
                    (Some(v), false) => format!("≤{v:.3}"),
                    (None, _) => "–".into(),
                };
                let _ = writeln!(
                    out,
                    "    {:<10} {:<12} {:<16} {:>3} {:>12} {:>27} {:>10}",
                    p.label,
                    p.branch.as_deref().unwrap_or("–"),
                    p.time.format("%Y-%m-%d %H:%M"),
                    p.samples.len(),
                    figure(p.rps, 1),
                    ci,
                    p99
                );
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::rows::RunRow;

    fn row(id: i64, commit: &str, day: u32, host: &str, rps: f64, p99: Option<f64>) -> MeasurementRow {
        let time = format!("2025-06-{day:02}T00:00:00Z").parse().unwrap();
        MeasurementRow {
            run: RunRow {
                id,
                kind: "run".into(),
                git_commit: Some(commit.into()),
                branch: Some("main".into()),
                dirty: Some(false),
                time,
                host_fingerprint: host.into(),
                config_fingerprint: "c1".into(),
                harness_version: "0.1.0".into(),
                content_hash: format!("h{id}"),
                source: None,
            },
            framework: "axum".into(),
            suite: "baseline".into(),
            workload: "plaintext".into(),
            round: 0,
            status: "ok".into(),
            requests_per_sec: Some(rps),
            p50_ms: None,
            p90_ms: None,
            p99_ms: p99,
            p999_ms: None,
            total_requests: None,
            errors: 0,
            cpu_percent: None,
            memory_mb: None,
            histogram: None,
        }
    }

    #[test]
    fn a_new_host_starts_a_new_segment_and_runs_of_a_commit_are_one_point() {
        let rows = vec![
            row(1, "aaa", 1, "h1", 100.0, Some(2.0)),
            row(2, "aaa", 1, "h1", 110.0, Some(3.0)),
            row(3, "bbb", 2, "h1", 105.0, Some(2.5)),
            row(4, "ccc", 3, "h2", 50.0, Some(9.0)),
            row(5, "ddd", 4, "h1", 104.0, Some(2.4)),
        ];
        let s = &series(&rows)[0];
        assert_eq!(s.segments.len(), 2);
        let h1 = &s.segments[0];
        assert_eq!(h1.points.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(), ["aaa", "bbb", "ddd"]);
        let first = &h1.points[0];
        assert_eq!((first.samples.len(), first.rps, first.run_ids.clone()), (2, 105.0, vec![1, 2]));
        // Two samples without histograms: p99 is bounded by the higher one, and says so.
        assert_eq!((first.p99_ms, first.p99_exact, first.p99_range), (Some(3.0), false, Some((2.0, 3.0))));
        // scipy.stats.t.interval(0.95, 1, loc=105, scale=5) = (41.469, 168.531)
        let (lo, hi) = first.rps_ci.unwrap();
        assert!((lo - 41.469).abs() < 1e-3 && (hi - 168.531).abs() < 1e-3, "{lo} {hi}");
        assert_eq!((h1.points[1].p99_ms, h1.points[1].p99_exact), (Some(2.5), true));
        assert_eq!(segment_change(s, 0), None);
        assert_eq!(segment_change(s, 1), Some("new host"));
        let table = table(std::slice::from_ref(s));
        assert!(table.contains("segment 2 (new host): host h2 · config c1"), "{table}");
        assert!(table.contains("≤3.000"), "{table}");
    }

    #[test]
    fn failed_workloads_are_not_points() {
        let mut bad = row(1, "aaa", 1, "h1", 100.0, None);
        bad.status = "failed".into();
        assert!(series(&[bad]).is_empty());
        assert_eq!(figure(1234567.891, 1), "1 234 567.9");
        assert_eq!(figure(-999.0, 0), "-999");
    }

    #[test]
    fn the_page_has_a_chart_per_series_and_escapes_names() {
        let mut rows =
            vec![row(1, "aaa", 1, "h1", 100.0, Some(2.0)), row(2, "bbb", 2, "h2", 90.0, Some(2.0))];
        rows[1].framework = "<b>x</b>".into();
        let page = crate::history::trend_html::page(&series(&rows), "ctx");
        assert_eq!(page.matches("<svg").count(), 2);
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;") && !page.contains("<b>x"));
        let mut two =
            series(&[row(1, "aaa", 1, "h1", 100.0, Some(2.0)), row(2, "bbb", 2, "h2", 90.0, Some(2.0))]);
        let html = crate::history::trend_html::chart(&two[0]);
        assert!(html.contains(">new host</text>"), "{html}");
        two[0].segments[0].changes.push(ChangeMark {
            index: 0,
            metric: "requests_per_sec".into(),
            text: "t".into(),
        });
        assert!(crate::history::trend_html::chart(&two[0]).contains(">change</text>"));
    }
}
