//! Inline SVG charts for the HTML report: grouped horizontal bars with error bars,
//! a latency dot plot on a log scale, and a heat map. No scripts, no external resources.
//!
//! Pure: data in, markup out; every text is escaped here.

use std::fmt::Write;

/// Colour-blind-safe series colours (Okabe–Ito), in series order.
pub const PALETTE: [&str; 7] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#555555"];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Text escaped for HTML and SVG (content and attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 260.0;
const ROW: f64 = 22.0;
const HEAD: f64 = 26.0;
const GAP: f64 = 12.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 46.0;

/// One bar: a value with an optional interval, and the text written after it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub series: usize,
    /// `None`: not measured; `label` says why.
    pub value: Option<f64>,
    pub interval: Option<(f64, f64)>,
    pub label: String,
    pub strong: bool,
}

/// Bars of one workload, with a title and a short verdict beside it.
#[derive(Debug, Clone)]
pub struct Group {
    pub title: String,
    pub note: String,
    pub bars: Vec<Bar>,
}

fn legend(out: &mut String, series: &[&str], y: f64) {
    let mut x = LEFT;
    for (i, name) in series.iter().enumerate() {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="14" height="14" rx="2" fill="{}"/><text x="{:.1}" y="{y:.1}" class="legend">{}</text>"#,
            y - 11.0,
            colour(i),
            x + 19.0,
            esc(name)
        );
        x += 40.0 + 7.5 * name.chars().count() as f64;
    }
}

fn open(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
}

fn groups_height(rows: usize, groups: usize) -> f64 {
    TOP + groups as f64 * (HEAD + GAP) + rows as f64 * ROW + BOTTOM
}

/// Horizontal grouped bars on a linear axis from 0 to `max`; `ticks` are (value, label).
pub fn bar_chart(
    title: &str,
    groups: &[Group],
    series: &[&str],
    axis: &str,
    max: f64,
    ticks: &[(f64, String)],
) -> String {
    let rows: usize = groups.iter().map(|g| g.bars.len()).sum();
    let height = groups_height(rows, groups.len());
    let plot = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + (v / max).clamp(0.0, 1.0) * plot;
    let mut out = String::new();
    open(&mut out, height, title);
    legend(&mut out, series, 20.0);
    let bottom = height - BOTTOM;
    for (v, label) in ticks {
        let _ = write!(
            out,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="{TOP}" y2="{bottom:.1}" class="grid"/><text x="{0:.1}" y="{1:.1}" class="tick" text-anchor="middle">{2}</text>"##,
            x(*v),
            bottom + 16.0,
            esc(label)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{}</text>"#,
        LEFT + plot / 2.0,
        bottom + 36.0,
        esc(axis)
    );
    let mut y = TOP;
    for g in groups {
        let _ = write!(
            out,
            r#"<text x="8" y="{:.1}"><tspan class="group">{}</tspan><tspan class="note" dx="12">{}</tspan></text>"#,
            y + 18.0,
            esc(&g.title),
            esc(&g.note)
        );
        y += HEAD;
        for b in &g.bars {
            let name = series.get(b.series).copied().unwrap_or("");
            let weight = if b.strong { " strong" } else { "" };
            if series.len() > 1 {
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" class="name{weight}" text-anchor="end">{}</text>"#,
                    LEFT - 8.0,
                    y + 15.0,
                    esc(name)
                );
            }
            let end = match b.value {
                Some(v) => {
                    let _ = write!(
                        out,
                        r#"<rect class="bar" x="{LEFT}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                        y + 3.0,
                        (x(v) - LEFT).max(1.0),
                        ROW - 6.0,
                        colour(b.series),
                        esc(name),
                        esc(&b.label)
                    );
                    let mut end = x(v);
                    if let Some((lo, hi)) = b.interval {
                        let (x1, x2, cy) = (x(lo), x(hi), y + ROW / 2.0);
                        let _ = write!(
                            out,
                            r#"<path class="err" d="M{x1:.1} {cy:.1}H{x2:.1}M{x1:.1} {:.1}V{:.1}M{x2:.1} {:.1}V{:.1}"/>"#,
                            cy - 5.0,
                            cy + 5.0,
                            cy - 5.0,
                            cy + 5.0
                        );
                        end = end.max(x2);
                    }
                    end
                }
                None => LEFT,
            };
            let class = if b.value.is_none() { "value missing" } else { "value" };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" class="{class}{weight}">{}</text>"#,
                end + 6.0,
                y + 15.0,
                esc(&b.label)
            );
            y += ROW;
        }
        y += GAP;
    }
    out.push_str("</svg>");
    out
}

/// p50, p90 and p99 latency (ms) of one series on one workload.
#[derive(Debug, Clone)]
pub struct Spread {
    pub series: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

/// Latency dot plot on a log axis: per group, one row per series, p50 ● to p99 ○.
pub fn latency_chart(title: &str, groups: &[(String, Vec<Spread>)], series: &[&str]) -> String {
    let all = groups.iter().flat_map(|(_, s)| s.iter().flat_map(|s| [s.p50, s.p99])).filter(|v| *v > 0.0);
    let (lo, hi) = all.fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (1.0, 10.0) };
    let (lo, hi) =
        (10f64.powf(lo.log10().floor()), 10f64.powf(hi.log10().ceil().max(lo.log10().floor() + 1.0)));
    let plot = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + ((v.max(lo).log10() - lo.log10()) / (hi.log10() - lo.log10())) * plot;
    let rows: usize = groups.iter().map(|(_, s)| s.len()).sum();
    let height = groups_height(rows, groups.len());
    let mut out = String::new();
    open(&mut out, height, title);
    legend(&mut out, series, 20.0);
    let key = WIDTH - RIGHT + 20.0;
    let _ = write!(
        out,
        r#"<circle cx="{key:.1}" cy="15" r="5" class="p50"/><text x="{:.1}" y="20" class="legend">p50</text><rect x="{:.1}" y="11" width="8" height="8" class="p90"/><text x="{:.1}" y="20" class="legend">p90</text><circle cx="{:.1}" cy="15" r="5" class="p99"/><text x="{:.1}" y="20" class="legend">p99</text>"#,
        key + 9.0,
        key + 52.0,
        key + 65.0,
        key + 110.0,
        key + 119.0
    );
    let bottom = height - BOTTOM;
    let mut t = lo;
    while t <= hi * 1.0001 {
        for m in [1.0, 2.0, 5.0] {
            let v = t * m;
            if v > hi * 1.0001 {
                break;
            }
            let _ = write!(
                out,
                r#"<line x1="{0:.1}" x2="{0:.1}" y1="{TOP}" y2="{bottom:.1}" class="grid{2}"/><text x="{0:.1}" y="{1:.1}" class="tick" text-anchor="middle">{3}</text>"#,
                x(v),
                bottom + 16.0,
                if m == 1.0 { "" } else { " minor" },
                trim_number(v)
            );
        }
        t *= 10.0;
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">latency, milliseconds (log scale; lower is better)</text>"#,
        LEFT + plot / 2.0,
        bottom + 36.0
    );
    let mut y = TOP;
    for (title, spreads) in groups {
        let _ = write!(out, r#"<text x="8" y="{:.1}" class="group">{}</text>"#, y + 18.0, esc(title));
        y += HEAD;
        for s in spreads {
            let name = series.get(s.series).copied().unwrap_or("");
            let (cy, c) = (y + ROW / 2.0, colour(s.series));
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" class="name" text-anchor="end">{}</text><line x1="{:.1}" x2="{:.1}" y1="{cy:.1}" y2="{cy:.1}" stroke="{c}" class="range"/><circle cx="{:.1}" cy="{cy:.1}" r="5" fill="{c}"/><rect x="{:.1}" y="{:.1}" width="8" height="8" fill="{c}"/><circle cx="{:.1}" cy="{cy:.1}" r="5" fill="white" stroke="{c}" stroke-width="2.5"/><text x="{:.1}" y="{:.1}" class="value">p50 {} · p90 {} · p99 {} ms</text>"#,
                LEFT - 8.0,
                y + 15.0,
                esc(name),
                x(s.p50),
                x(s.p99),
                x(s.p50),
                x(s.p90) - 4.0,
                cy - 4.0,
                x(s.p99),
                x(s.p99) + 12.0,
                y + 15.0,
                super::view::ms(s.p50),
                super::view::ms(s.p90),
                super::view::ms(s.p99)
            );
            y += ROW;
        }
        y += GAP;
    }
    out.push_str("</svg>");
    out
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Colour for a ratio to the best: red (0.25 and below) through yellow to green (1).
pub fn heat(r: f64) -> String {
    let stops = [
        (0.25, (215, 48, 39)),
        (0.5, (253, 174, 97)),
        (0.75, (254, 224, 139)),
        (0.9, (166, 217, 106)),
        (1.0, (26, 152, 80)),
    ];
    let r = r.clamp(0.25, 1.0);
    let i = stops.iter().position(|(s, _)| *s >= r).unwrap_or(stops.len() - 1).max(1);
    let ((a, ca), (b, cb)) = (stops[i - 1], stops[i]);
    let t = (r - a) / (b - a);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(ca.0, cb.0), mix(ca.1, cb.1), mix(ca.2, cb.2))
}

/// Rows (categories) × columns (frameworks) of ratios to the best, coloured, values written in.
pub fn heat_map(title: &str, rows: &[(String, Vec<Option<f64>>)], cols: &[&str]) -> String {
    let (cw, ch, left, top) = (150.0, 40.0, 170.0, 64.0);
    let width = left + cw * cols.len() as f64 + 20.0;
    let height = top + ch * rows.len() as f64 + 60.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="{0}"><title>{0}</title>"#,
        esc(title)
    );
    for (j, c) in cols.iter().enumerate() {
        let cx = left + cw * (j as f64 + 0.5);
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" rx="2" fill="{}"/><text x="{cx:.1}" y="{:.1}" class="name" text-anchor="middle">{}</text>"#,
            cx - 6.0,
            top - 36.0,
            colour(j),
            top - 10.0,
            esc(c)
        );
    }
    for (i, (cat, vals)) in rows.iter().enumerate() {
        let y = top + ch * i as f64;
        let _ = write!(out, r#"<text x="8" y="{:.1}" class="group">{}</text>"#, y + ch / 2.0 + 5.0, esc(cat));
        let best = vals.iter().flatten().fold(0.0f64, |m, v| m.max(*v));
        for (j, v) in vals.iter().enumerate() {
            let x = left + cw * j as f64;
            let (fill, text, dark) = match v {
                Some(v) => (heat(*v), format!("{:.2}×", v), *v < 0.4 || *v > 0.95),
                None => ("#eeeeee".into(), "–".into(), false),
            };
            let top_cell = v.is_some_and(|v| v >= best && best > 0.0);
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" class="cell"><title>{}, {}: {}</title></rect><text x="{:.1}" y="{:.1}" class="cellv{}{}" text-anchor="middle">{}{text}</text>"#,
                x + 1.0,
                y + 1.0,
                cw - 2.0,
                ch - 2.0,
                esc(cat),
                esc(cols.get(j).copied().unwrap_or("")),
                text,
                x + cw / 2.0,
                y + ch / 2.0 + 5.0,
                if dark { " light" } else { "" },
                if top_cell { " strong" } else { "" },
                if top_cell { "★ " } else { "" }
            );
        }
    }
    let ly = top + ch * rows.len() as f64 + 22.0;
    let _ = write!(out, r#"<text x="8" y="{:.1}" class="tick">ratio to the best:</text>"#, ly + 10.0);
    for (k, r) in [0.25, 0.5, 0.75, 0.9, 1.0].iter().enumerate() {
        let lx = left + 85.0 * k as f64;
        let _ = write!(
            out,
            r#"<rect x="{lx:.1}" y="{ly:.1}" width="22" height="14" fill="{}"/><text x="{:.1}" y="{:.1}" class="tick">{}</text>"#,
            heat(*r),
            lx + 27.0,
            ly + 11.0,
            if k == 0 { "≤0.25×".to_string() } else { format!("{r}×") }
        );
    }
    out.push_str("</svg>");
    out
}

/// About five round ticks from 0 to at least `max`; returns the axis end and the ticks.
pub fn nice_ticks(max: f64) -> (f64, Vec<f64>) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let n = (max / step).ceil() as usize;
    let ticks = (0..=n).map(|i| i as f64 * step).collect();
    (n as f64 * step, ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_svg_escapes_and_scales() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(
            nice_ticks(98_000.0),
            (100_000.0, vec![0.0, 20_000.0, 40_000.0, 60_000.0, 80_000.0, 100_000.0])
        );
        assert_eq!(heat(1.0), "#1a9850");
        assert_eq!(heat(0.1), "#d73027");
        assert_eq!(trim_number(0.5), "0.5");
    }
}
