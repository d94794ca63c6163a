//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, no network).
//! This file holds the page shell, the shared methodology block and the run/profile page;
//! `html_compare` builds the compare page, `html_check` the check page.
//!
//! Pure: reads the result types, the figures of `view` and the charts of `svg`.

use std::fmt::Write;

use super::svg::{self, esc, Bar, Group, Spread};
use super::view::{bytes, ms, status_word};
use super::{html_check, html_compare, thousands, AnyResult, Report};
use crate::schema::{Configuration, Metadata, Mode, RunResult, WorkloadStatus};

/// A self-contained HTML page with charts.
#[derive(Debug, Default, Clone, Copy)]
pub struct HtmlReport;

impl Report for HtmlReport {
    fn render(&self, result: &AnyResult) -> String {
        match result {
            AnyResult::Run(r) => run(r),
            AnyResult::Compare(c) => html_compare::render(c),
            AnyResult::Check(c) => html_check::render(c),
        }
    }
}

const CSS: &str = "
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--soft:#f6f8fa;--win:#1a7f37}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif}
main{max-width:1060px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:28px;margin:0 0 4px}h2{font-size:21px;margin:36px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:22px 0 4px}
.sub,.muted{color:var(--muted)}
.verdict{border:1px solid var(--line);border-left:6px solid var(--win);background:var(--soft);border-radius:8px;padding:14px 18px;margin:16px 0}
.verdict .big{font-size:24px;font-weight:700}.verdict .tie{border-left-color:#9a6700}
.warn{border:1px solid #d4a72c;background:#fff8c5;border-radius:6px;padding:8px 12px}
table{border-collapse:collapse;margin:8px 0 12px;font-size:14px}
th,td{border:1px solid var(--line);padding:5px 9px;text-align:left;vertical-align:top}
th{background:var(--soft)}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.win td{background:#dafbe1}th{white-space:nowrap}table.wl td:nth-child(-n+6){white-space:nowrap}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.meter{display:inline-block;height:12px;background:#e6e9ed;width:160px;border-radius:2px;vertical-align:-1px}
.meter span{display:block;height:12px;border-radius:2px}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0 4px}
svg text{font-family:system-ui,'DejaVu Sans',sans-serif;fill:var(--fg)}
.legend,.name,.value{font-size:13px}.tick{font-size:12px;fill:var(--muted)}.axis{font-size:13px;fill:var(--muted)}
.group{font-size:14px;font-weight:700}.note{font-size:13px;fill:var(--muted)}
.strong{font-weight:700}.missing{fill:#b42318;font-style:italic}
.grid{stroke:#d8dee4}.grid.minor{stroke:#eef1f4}
.err{stroke:#24292f;stroke-width:1.6;fill:none}
.range{stroke-width:3;stroke-opacity:.45}
.p50{fill:#59636e}.p90{fill:#59636e}.p99{fill:#fff;stroke:#59636e;stroke-width:2.5}
.cell{stroke:#fff}.cellv{font-size:14px}.cellv.light{fill:#fff}
pre{background:var(--soft);padding:8px 10px;border-radius:6px;overflow:auto;font-size:13px;margin:4px 0}
details{margin:6px 0}summary{cursor:pointer;color:var(--muted)}
ul.method li{margin:2px 0}
";

/// The page around `body`.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        esc(title)
    )
}

/// A reason: inline, or preformatted when it spans lines.
pub(super) fn reason(text: &str) -> String {
    if text.contains('\n') {
        format!("<pre>{}</pre>", esc(text))
    } else {
        esc(text)
    }
}

/// The methodology items common to run and compare pages, as `<li>` lines.
pub(super) fn methodology(meta: &Metadata, conf: &Configuration) -> String {
    let h = &meta.host;
    let o = |v: &Option<String>| v.as_deref().map_or("unknown".to_string(), esc);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<li><b>Host:</b> {} {}, {}, {} cores, {} memory, kernel {}</li>",
        esc(&h.os),
        esc(&h.arch),
        o(&h.cpu_model),
        h.cpu_cores,
        h.memory_gb.map_or("unknown".into(), |m| format!("{m:.1} GB")),
        o(&h.kernel)
    );
    let load = conf.rate.map_or("closed loop".into(), |r| format!("open loop at {} req/s", thousands(r)));
    let _ = writeln!(
        out,
        "<li><b>Each measurement:</b> {} s after {} s warm-up, {} connections, {load}, timeout {} s, {} server worker(s)</li>",
        conf.duration_secs, conf.warmup_secs, conf.concurrency, conf.timeout_secs, conf.workers
    );
    let _ = writeln!(out, "<li><b>Load generator:</b> {}</li>", esc(&conf.load_generator));
    if let Some(pin) = super::machine::pinning_words(conf) {
        let _ = writeln!(out, "<li><b>CPU pinning:</b> {}</li>", esc(&pin));
    }
    if let Some(machine) = super::machine::machine_words(meta) {
        let _ = writeln!(out, "<li><b>Machine:</b> {}</li>", esc(&machine));
    }
    if let Some(busy) = super::machine::busy_warning(meta) {
        let _ = writeln!(out, "<li><b>⚠ {}</b></li>", esc(busy));
    }
    if let Some(url) = &conf.target_url {
        let _ = writeln!(out, "<li><b>Target:</b> <code>{}</code></li>", esc(url));
    }
    let verified =
        if conf.verified { "checked against the contract before measuring" } else { "not checked" };
    let _ = writeln!(out, "<li><b>Answers:</b> {verified}</li>");
    let git = super::view::git_words(meta, esc, |c| format!("<code>{c}</code>"));
    let _ = writeln!(out, "<li><b>Git commit:</b> {git}</li>");
    let _ = writeln!(
        out,
        "<li><b>Harness:</b> benchmark-harness {}, {}</li>",
        esc(&meta.harness_version),
        esc(&meta.timestamp)
    );
    out
}

/// Notes as a list, if any.
/// The caveats section: `(what, caveat)` pairs (escaped here); empty when none.
pub(super) fn caveats(list: &[(String, String)]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let items: Vec<String> =
        list.iter().map(|(what, c)| format!("<li><b>{}</b>: {}</li>", esc(what), esc(c))).collect();
    format!(
        "<h2>Caveats</h2>\n<p class=\"warn\">These figures are limited by the setup, not only by the server: \
         read them as bounds, not as the framework's result.</p>\n<ul>{}</ul>\n",
        items.join("")
    )
}

pub(super) fn notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let items: Vec<String> = notes.iter().map(|n| format!("<li>{}</li>", reason(n))).collect();
    format!("<p><b>Notes</b></p><ul>{}</ul>\n", items.join(""))
}

fn run(r: &RunResult) -> String {
    let m = &r.metadata;
    let who = m.framework.as_deref().or(r.configuration.target_url.as_deref()).unwrap_or("unnamed target");
    let kind = if r.mode == Mode::Profile { "Profile" } else { "Benchmark run" };
    let version = m.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
    let mut b = format!("<h1>{kind}: {}{}</h1>\n", esc(who), esc(&version));
    let facts: Vec<String> =
        [m.language.as_deref(), m.runtime.as_deref()].into_iter().flatten().map(esc).collect();
    let suites: Vec<String> = r.suites.iter().map(|s| esc(&s.name)).collect();
    let _ = writeln!(
        b,
        "<p class=\"sub\">{} · suites {} · {}</p>",
        facts.join(" · "),
        suites.join(", "),
        esc(&m.timestamp)
    );
    if !r.complete {
        b.push_str("<p class=\"warn\">Incomplete: the run was interrupted; unmeasured workloads are marked skipped.</p>\n");
    }
    let s = &r.summary;
    let _ = writeln!(
        b,
        "<div class=\"verdict\"><div class=\"big\">{} req/s on average</div>{} workloads, {} requests, {:.2} % successful, {:.0} s in total</div>",
        thousands(s.avg_requests_per_sec),
        s.total_workloads,
        thousands(s.total_requests as f64),
        s.overall_success_rate * 100.0,
        s.total_duration_secs
    );
    let measured: Vec<_> = r.workloads().filter(|w| w.results.is_some()).collect();
    let max = measured
        .iter()
        .filter_map(|w| w.results.as_ref())
        .map(|m| m.throughput.requests_per_sec)
        .fold(0.0, f64::max);
    let (end, ticks) = svg::nice_ticks(max * 1.05);
    let groups: Vec<Group> = r
        .workloads()
        .map(|w| {
            let (value, label) = match &w.results {
                Some(m) => (
                    Some(m.throughput.requests_per_sec),
                    format!("{} req/s", thousands(m.throughput.requests_per_sec)),
                ),
                None => (None, format!("{} — not measured", status_word(w.status))),
            };
            Group {
                title: w.name.clone(),
                note: String::new(),
                bars: vec![Bar { series: 0, value, interval: None, label, strong: false }],
            }
        })
        .collect();
    let ticks: Vec<(f64, String)> = ticks.into_iter().map(|t| (t, thousands(t))).collect();
    b.push_str("<h2>Throughput</h2>\n");
    b.push_str(&svg::bar_chart(
        "Throughput per workload",
        &groups,
        &[who],
        "requests per second (higher is better)",
        end,
        &ticks,
    ));
    let spreads: Vec<(String, Vec<Spread>)> = measured
        .iter()
        .filter_map(|w| {
            let l = w.results.as_ref()?.latency.as_ref()?;
            Some((w.name.clone(), vec![Spread { series: 0, p50: l.median_ms, p90: l.p90_ms, p99: l.p99_ms }]))
        })
        .collect();
    b.push_str("<h2>Latency</h2>\n");
    b.push_str(&svg::latency_chart("Latency percentiles per workload", &spreads, &[who]));
    b.push_str("\n<h2>Workloads</h2>\n<table><tr><th>Suite</th><th>Workload</th><th>Status</th><th>req/s</th><th>p50 ms</th><th>p99 ms</th><th>Success</th><th>CPU %</th><th>Memory MB</th></tr>\n");
    let mut problems = String::new();
    for suite in &r.suites {
        for w in &suite.workloads {
            let meas = w.results.as_ref();
            let lat = meas.and_then(|m| m.latency.as_ref());
            let res = meas.and_then(|m| m.resources.as_ref());
            let d = || "–".to_string();
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}<br><span class=\"muted\">{} {} · {}</span></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&suite.name),
                esc(&w.name),
                esc(&w.endpoint.method),
                esc(&w.endpoint.path),
                bytes(w.payload_size_bytes),
                status_word(w.status),
                meas.map_or_else(d, |m| thousands(m.throughput.requests_per_sec)),
                lat.map_or_else(d, |l| ms(l.median_ms)),
                lat.map_or_else(d, |l| ms(l.p99_ms)),
                meas.map_or_else(d, |m| format!("{:.2} %", m.throughput.success_rate * 100.0)),
                res.map_or_else(d, |r| format!("{:.0}", r.cpu.avg_percent)),
                res.map_or_else(d, |r| format!("{:.0}", r.memory.peak_mb)),
            );
            if w.status != WorkloadStatus::Ok {
                let why = w.reason.as_deref().unwrap_or("no reason recorded");
                let _ = write!(
                    problems,
                    "<li><b>{}</b> ({}): {}</li>",
                    esc(&w.name),
                    status_word(w.status),
                    reason(why)
                );
            }
        }
    }
    b.push_str("</table>\n");
    b.push_str(&caveats(&super::run_caveats(r)));
    if !problems.is_empty() {
        let _ = writeln!(b, "<h2>Workloads not measured</h2>\n<ul>{problems}</ul>");
    }
    if let Some(c) = &r.comparison {
        b.push_str(&super::baseline::html(c, esc));
    }
    let _ =
        writeln!(b, "<h2>Methodology</h2>\n<ul class=\"method\">\n{}</ul>", methodology(m, &r.configuration));
    b.push_str(&notes(&r.notes));
    page(&format!("{kind}: {who}{version}"), &b)
}

#[cfg(test)]
mod tests;
