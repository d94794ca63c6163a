//! The trend as one self-contained HTML page (no scripts, no external resources): one SVG
//! per series with two panels, req/s and p99 over commits, the 95 % CI band of req/s and
//! the range of the samples' p99 where a point has several samples, each host/config
//! segment drawn on its own (its start marked), and change points marked. Pure.

use std::fmt::Write;

use super::trend::{figure, segment_change, Series, TrendPoint};

const PALETTE: [&str; 6] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#555555"];
const W: f64 = 780.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const PANEL: f64 = 150.0;
const GAP: f64 = 44.0;
const TOP: f64 = 34.0;

/// Text escaped for HTML and SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn nice_max(max: f64) -> (f64, Vec<f64>) {
    let max = if max > 0.0 && max.is_finite() { max } else { 1.0 };
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let n = (max / step).ceil() as usize;
    (n as f64 * step, (0..=n).map(|i| i as f64 * step).collect())
}

/// A metric of a point: its value and its band.
type Metric = fn(&TrendPoint) -> (Option<f64>, Option<(f64, f64)>);

fn rps(p: &TrendPoint) -> (Option<f64>, Option<(f64, f64)>) {
    (Some(p.rps), p.rps_ci)
}

fn p99(p: &TrendPoint) -> (Option<f64>, Option<(f64, f64)>) {
    (p.p99_ms, p.p99_range)
}

struct Frame<'a> {
    xs: Vec<(&'a TrendPoint, f64)>,
    step: f64,
}

impl Frame<'_> {
    fn x(&self, p: &TrendPoint) -> f64 {
        self.xs.iter().find(|(q, _)| std::ptr::eq(*q, p)).map_or(LEFT, |(_, x)| *x)
    }
}

/// One panel; `key` names the metric whose change points it marks.
#[allow(clippy::too_many_arguments)]
fn panel(
    out: &mut String,
    s: &Series,
    frame: &Frame,
    top: f64,
    title: &str,
    key: &str,
    metric: Metric,
    places: usize,
) {
    let max = s
        .segments
        .iter()
        .flat_map(|g| g.points.iter())
        .map(|p| {
            let (v, band) = metric(p);
            v.unwrap_or(0.0).max(band.map_or(0.0, |b| b.1))
        })
        .fold(0.0, f64::max);
    let (end, ticks) = nice_max(max);
    let y = |v: f64| top + PANEL - v / end * PANEL;
    let _ = write!(out, r#"<text x="{LEFT}" y="{:.1}" class="t">{}</text>"#, top - 8.0, esc(title));
    for t in ticks {
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="g"/><text x="{:.1}" y="{:.1}" class="yl">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            y(t) + 4.0,
            figure(t, places.min(1)),
            y = y(t)
        );
    }
    for (k, seg) in s.segments.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let banded: Vec<(f64, (f64, f64))> =
            seg.points.iter().filter_map(|p| metric(p).1.map(|b| (frame.x(p), b))).collect();
        if banded.len() >= 2 {
            let upper = banded.iter().map(|(x, b)| format!("{x:.1},{:.1}", y(b.1)));
            let lower = banded.iter().rev().map(|(x, b)| format!("{x:.1},{:.1}", y(b.0)));
            let pts = upper.chain(lower).collect::<Vec<_>>().join(" ");
            let _ = write!(out, r#"<polygon points="{pts}" fill="{colour}" opacity="0.18"/>"#);
        } else if let Some((x, b)) = banded.first() {
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="6" opacity="0.25"/>"#,
                y(b.0),
                y(b.1)
            );
        }
        let line: Vec<String> = seg
            .points
            .iter()
            .filter_map(|p| metric(p).0.map(|v| format!("{:.1},{:.1}", frame.x(p), y(v))))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            line.join(" ")
        );
        for p in &seg.points {
            if let (Some(v), band) = metric(p) {
                let band = band.map_or(String::new(), |(lo, hi)| {
                    format!(" ({} – {})", figure(lo, places), figure(hi, places))
                });
                let tip =
                    format!("{} · {} sample(s) · {}{band}", p.label, p.samples.len(), figure(v, places));
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{}</title></circle>"#,
                    frame.x(p),
                    y(v),
                    esc(&tip)
                );
            }
        }
        for c in seg.changes.iter().filter(|c| c.metric == key) {
            if let Some(p) = seg.points.get(c.index) {
                let x = frame.x(p) - frame.step / 2.0;
                let _ = write!(
                    out,
                    r#"<line x1="{x:.1}" x2="{x:.1}" y1="{top:.1}" y2="{:.1}" class="cp"><title>{}</title></line><text x="{:.1}" y="{:.1}" class="cpl">change</text>"#,
                    top + PANEL,
                    esc(&c.text),
                    x + 3.0,
                    top + 10.0
                );
            }
        }
    }
}

fn segment_marks(out: &mut String, s: &Series, frame: &Frame, bottom: f64) {
    let mut drawn = 0;
    for (k, seg) in s.segments.iter().enumerate() {
        let (Some(what), Some(first)) = (segment_change(s, k), seg.points.first()) else { continue };
        let x = frame.x(first) - frame.step / 2.0;
        // Near the right edge the label goes to the left of the line; labels alternate in
        // height so that neighbours do not overlap.
        let (tx, anchor) = if x + 110.0 > W - RIGHT { (x - 3.0, "end") } else { (x + 3.0, "start") };
        let ty = TOP + 2.0 + 11.0 * f64::from(drawn % 2);
        drawn += 1;
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP:.1}" y2="{bottom:.1}" class="seg"/><text x="{tx:.1}" y="{ty:.1}" class="segl" text-anchor="{anchor}">{what}</text>"#
        );
    }
}

/// One series as an SVG.
pub fn chart(s: &Series) -> String {
    let mut points: Vec<&TrendPoint> = s.segments.iter().flat_map(|g| g.points.iter()).collect();
    points.sort_by_key(|p| p.time);
    let step = (W - LEFT - RIGHT) / points.len().max(1) as f64;
    let xs = points.iter().enumerate().map(|(i, p)| (*p, LEFT + (i as f64 + 0.5) * step)).collect();
    let frame = Frame { xs, step };
    let height = TOP + 2.0 * PANEL + GAP + 70.0;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img"><title>{}</title>"#,
        esc(&format!("{} · {} · {}", s.framework, s.suite, s.workload))
    );
    panel(&mut out, s, &frame, TOP, "requests per second (mean, 95 % CI band)", "requests_per_sec", rps, 0);
    let second = TOP + PANEL + GAP;
    panel(
        &mut out,
        s,
        &frame,
        second,
        "p99 latency, ms (merged histograms; band: range of samples)",
        "p99_ms",
        p99,
        3,
    );
    segment_marks(&mut out, s, &frame, second + PANEL);
    for (p, x) in &frame.xs {
        let y = second + PANEL + 14.0;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" class="xl" transform="rotate(-35 {x:.1} {y:.1})">{}</text>"#,
            esc(&p.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// The whole page: a heading, `context` (e.g. store and filters), one chart per series.
pub fn page(all: &[Series], context: &str) -> String {
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>benchmark history</title><style>\
         body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:840px}\
         h2{font-size:1.05em;margin:28px 0 4px}.t{font-size:12px;font-weight:600}\
         .g{stroke:#e4e4e4}.yl{font-size:10px;text-anchor:end;fill:#555}.xl{font-size:10px;text-anchor:end;fill:#555}\
         .seg{stroke:#777;stroke-dasharray:5 4}.segl{font-size:10px;fill:#555}\
         .cp{stroke:#D55E00;stroke-width:2}.cpl{font-size:10px;fill:#D55E00}\
         p.note{font-size:0.85em;color:#555}</style></head><body>\n<h1>Benchmark history</h1>\n",
    );
    let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(context));
    out.push_str(
        "<p class=\"note\">One point per commit. req/s: mean of every sample (round) at that commit, \
         band = 95 % confidence interval of the mean. p99: the 99th percentile of all the samples' latency \
         histograms merged, band = lowest to highest p99 of the samples. A new host or configuration \
         fingerprint starts a new segment (its own colour, dashed line): points of different segments are \
         never joined or compared.</p>\n",
    );
    if all.is_empty() {
        out.push_str("<p>No measurements match.</p>\n");
    }
    for s in all {
        let _ = writeln!(out, "<h2>{} · {} · {}</h2>", esc(&s.framework), esc(&s.suite), esc(&s.workload));
        out.push_str(&chart(s));
        out.push('\n');
    }
    out.push_str("</body></html>\n");
    out
}
