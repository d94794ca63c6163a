//! The HTML page of a compare result: verdict and standings, throughput, latency and
//! category charts, then the same tables as the markdown report.
//!
//! Pure: reads the result types, the figures of `view` and the charts of `svg`.

use std::fmt::Write;

use super::html::{methodology, notes, page, reason};
use super::svg::{self, colour, esc, Bar, Group, Spread};
use super::thousands;
use super::view::{self, bytes, ms, p_value, ratio, status_word, Verdict};
use crate::schema::{CompareResult, CompareWorkload, WorkloadStatus};

/// The whole compare page.
pub(super) fn render(r: &CompareResult) -> String {
    let names = view::framework_names(r);
    let title = format!("Benchmark comparison: {}", names.join(" vs "));
    let mut b = format!("<h1>Benchmark comparison</h1>\n<p class=\"sub\">{}", swatches(&names));
    let h = &r.metadata.host;
    let _ = writeln!(
        b,
        " · {} · {} {}, {} cores</p>",
        esc(&r.metadata.timestamp),
        esc(&h.os),
        esc(h.cpu_model.as_deref().unwrap_or(&h.arch)),
        h.cpu_cores
    );
    if !r.complete {
        let c = &r.configuration;
        let _ = writeln!(
            b,
            "<p class=\"warn\">Incomplete: interrupted after {} of {} rounds.</p>",
            c.rounds_completed, c.rounds
        );
    }
    summary(&mut b, r);
    charts(&mut b, r, &names);
    b.push_str("<h2>Workloads</h2>\n");
    for (suite, w) in view::workloads(r).filter(|(_, w)| w.comparison.is_some()) {
        workload(&mut b, suite, w);
    }
    unranked(&mut b, r);
    let caveats: Vec<(String, String)> =
        super::compare_caveats(r).into_iter().map(|(w, f, c)| (format!("{w} / {f}"), c)).collect();
    b.push_str(&super::html::caveats(&caveats));
    let failed: Vec<_> = r.frameworks.iter().filter(|f| f.status != WorkloadStatus::Ok).collect();
    if !failed.is_empty() {
        b.push_str("<h2>Failed frameworks</h2>\n<ul>");
        for f in failed {
            let why = f.reason.as_deref().unwrap_or("no reason recorded");
            let _ =
                write!(b, "<li><b>{}</b> ({}): {}</li>", esc(&f.name), status_word(f.status), reason(why));
        }
        b.push_str("</ul>\n");
    }
    method(&mut b, r);
    page(&title, &b)
}

fn swatch(i: usize) -> String {
    format!("<span class=\"swatch\" style=\"background:{}\"></span>", colour(i))
}

fn swatches(names: &[&str]) -> String {
    let parts: Vec<String> =
        names.iter().enumerate().map(|(i, n)| format!("{}{}", swatch(i), esc(n))).collect();
    parts.join(" &nbsp;vs&nbsp; ")
}

fn series_of(names: &[&str], name: &str) -> usize {
    names.iter().position(|n| *n == name).unwrap_or(names.len())
}

fn summary(b: &mut String, r: &CompareResult) {
    let s = &r.summary;
    let standings = view::standings(r);
    let names = view::framework_names(r);
    let (words, has_winner) = view::overall_words(r);
    match (&s.overall_winner, has_winner) {
        (Some(w), true) => {
            let runner_up = standings.iter().find(|(n, _)| n != w).map(|(n, _)| *n);
            let _ = write!(
                b,
                "<div class=\"verdict\"><div class=\"big\">{}{} wins overall</div>",
                swatch(series_of(&names, w)),
                esc(w)
            );
            if let (Some(g), Some(ru)) = (s.avg_performance_gain, runner_up) {
                let _ = write!(b, "<b>{g:.1} % faster</b> than the runner-up, {}, ", esc(ru));
            }
            let _ = writeln!(
                b,
                "as the geometric mean of throughput over {} ranked workloads, significant against every other framework.</div>",
                s.ranked_workloads
            );
        }
        _ => {
            let why = words.strip_prefix("no overall winner: ").unwrap_or(&words);
            let _ = writeln!(
                b,
                "<div class=\"verdict tie\"><div class=\"big\">No overall winner</div>{}.</div>",
                esc(why)
            );
        }
    }
    b.push_str("<table><tr><th>Framework</th><th colspan=\"2\">Throughput vs fastest (geometric mean)</th><th>Workloads won</th></tr>\n");
    for (name, rel) in &standings {
        let i = series_of(&names, name);
        let win = if s.overall_winner.as_deref() == Some(*name) { " class=\"win\"" } else { "" };
        let meter = rel.map_or(String::new(), |v| {
            format!(
                "<span class=\"meter\"><span style=\"width:{:.1}%;background:{}\"></span></span>",
                v.clamp(0.0, 1.0) * 100.0,
                colour(i)
            )
        });
        let _ = writeln!(
            b,
            "<tr{win}><td>{}{}</td><td>{meter}</td><td class=\"n\">{}</td><td class=\"n\">{} of {}</td></tr>",
            swatch(i),
            esc(name),
            rel.map_or("–".into(), ratio),
            s.workloads_won.get(*name).copied().unwrap_or(0),
            s.ranked_workloads
        );
    }
    let _ = writeln!(
        b,
        "</table>\n<p>{} ranked workloads: <b>{} with a significant winner</b>, {} tie{} (no significant difference) · {} unranked.",
        s.ranked_workloads,
        s.ranked_workloads.saturating_sub(s.ties),
        s.ties,
        if s.ties == 1 { "" } else { "s" },
        s.unranked_workloads
    );
    let cats: Vec<String> =
        s.category_winners.iter().map(|(c, w)| format!("{} → <b>{}</b>", esc(c), esc(w))).collect();
    if !cats.is_empty() {
        let _ = write!(b, " Category winners: {}.", cats.join(", "));
    }
    b.push_str("</p>\n");
}

fn note(w: &CompareWorkload) -> String {
    let rows = view::ranking(w);
    match rows.first().map(|r| r.verdict) {
        _ if w.comparison.is_none() => {
            let who: Vec<&str> = w.unranked_because.keys().map(String::as_str).collect();
            format!("not ranked: {} did not pass", who.join(", "))
        }
        Some(Verdict::Winner) => {
            let second = rows.get(1).and_then(|r| r.ratio).filter(|v| *v > 0.0);
            let by = second.map(|v| format!(", {} the runner-up", ratio(1.0 / v))).unwrap_or_default();
            format!("✓ {} wins{by}", rows[0].result.framework)
        }
        Some(Verdict::Fastest) => format!("≈ tie: {} fastest, not significantly", rows[0].result.framework),
        _ => String::new(),
    }
}

fn charts(b: &mut String, r: &CompareResult, names: &[&str]) {
    let all: Vec<(&str, &CompareWorkload)> = view::workloads(r).collect();
    let mut top = 1.0f64;
    let groups: Vec<Group> = all
        .iter()
        .map(|(suite, w)| {
            let rows = view::ranking(w);
            let best = rows.first().and_then(|r| r.rps).unwrap_or(0.0);
            let mut bars: Vec<Bar> = rows
                .iter()
                .map(|row| {
                    let interval = row
                        .result
                        .requests_per_sec_ci
                        .filter(|_| best > 0.0)
                        .map(|ci| (ci.low / best, ci.high / best));
                    top = top.max(interval.map_or(0.0, |i| i.1));
                    let label = match (row.rps, row.ratio) {
                        (Some(_), Some(v)) => {
                            let mark = if row.verdict == Verdict::Winner { "  ✓ winner" } else { "" };
                            format!("{} req/s · {}{mark}", super::markdown_compare::rps_ci(row), ratio(v))
                        }
                        _ => format!("{} — not measured", status_word(row.result.status)),
                    };
                    Bar {
                        series: series_of(names, &row.result.framework),
                        value: row.ratio,
                        interval,
                        label,
                        strong: row.verdict == Verdict::Winner,
                    }
                })
                .collect();
            bars.sort_by_key(|b| b.series);
            Group { title: format!("{suite} / {}", w.name), note: note(w), bars }
        })
        .collect();
    let ticks: Vec<(f64, String)> = (0..=4).map(|i| (i as f64 * 0.25, format!("{} %", i * 25))).collect();
    b.push_str("<h2>Throughput</h2>\n<p class=\"muted\">Bar: mean requests per second as a share of the fastest framework on that workload; whisker: 95 % confidence interval over rounds. Higher is better.</p>\n");
    b.push_str(&svg::bar_chart(
        "Throughput per workload, relative to the fastest",
        &groups,
        names,
        "throughput, % of the fastest framework on the workload (higher is better)",
        (top * 20.0).ceil() / 20.0,
        &ticks,
    ));
    let spreads: Vec<(String, Vec<Spread>)> = all
        .iter()
        .map(|(suite, w)| {
            let mut s: Vec<Spread> = w
                .results
                .iter()
                .filter(|x| x.status == WorkloadStatus::Ok)
                .filter_map(|x| {
                    let l = x.latency.as_ref()?;
                    Some(Spread {
                        series: series_of(names, &x.framework),
                        p50: l.median_ms,
                        p90: l.p90_ms,
                        p99: l.p99_ms,
                    })
                })
                .collect();
            s.sort_by_key(|s| s.series);
            (format!("{suite} / {}", w.name), s)
        })
        .collect();
    b.push_str("<h2>Latency</h2>\n<p class=\"muted\">Per framework: p50 ● · p90 ■ · p99 ○, over every round's requests. Lower is better.</p>\n");
    b.push_str(&svg::latency_chart("Latency percentiles per workload and framework", &spreads, names));
    let cats = view::category_scores(r);
    if !cats.is_empty() {
        b.push_str("<h2>Categories</h2>\n<p class=\"muted\">Geometric mean of each framework's ratio to the best over the ranked workloads of a category, divided by the category's best (★ = 1.00×).</p>\n");
        b.push_str(&svg::heat_map("Category × framework: throughput relative to the best", &cats, names));
    }
    b.push('\n');
}

fn workload(b: &mut String, suite: &str, w: &CompareWorkload) {
    let _ = writeln!(
        b,
        "<h3>{} <span class=\"muted\">· suite {} · <code>{} {}</code> · {} · category {}</span></h3>\n<p>{}</p>",
        esc(&w.name),
        esc(suite),
        esc(&w.endpoint.method),
        esc(&w.endpoint.path),
        bytes(w.payload_size_bytes),
        esc(&w.category),
        esc(&note(w))
    );
    b.push_str("<table class=\"wl\"><tr><th>#</th><th>Framework</th><th>req/s (95 % CI)</th><th>p50 ms</th><th>p99 ms</th><th>vs best</th><th>Verdict vs fastest</th><th>p</th><th>adj. p</th></tr>\n");
    for (i, row) in view::ranking(w).iter().enumerate() {
        let lat = row.result.latency.as_ref();
        let (verdict, p, adj) = match row.verdict {
            Verdict::Winner => ("✓ winner".to_string(), String::new(), String::new()),
            Verdict::Fastest => ("≈ fastest, no significant lead".into(), String::new(), String::new()),
            Verdict::Behind(s) => {
                (format!("▼ {}", esc(&s.verdict)), p_value(s.p_value), p_value(s.adjusted_p_value))
            }
            Verdict::Level(s) => {
                (format!("≈ {}", esc(&s.verdict)), p_value(s.p_value), p_value(s.adjusted_p_value))
            }
            Verdict::Untested => ("–".into(), String::new(), String::new()),
            Verdict::Unranked => (status_word(row.result.status).into(), String::new(), String::new()),
        };
        let win = if row.verdict == Verdict::Winner { " class=\"win\"" } else { "" };
        let _ = writeln!(
            b,
            "<tr{win}><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{verdict}</td><td class=\"n\">{p}</td><td class=\"n\">{adj}</td></tr>",
            i + 1,
            esc(&row.result.framework),
            super::markdown_compare::rps_ci(row),
            lat.map_or("–".into(), |l| ms(l.median_ms)),
            lat.map_or("–".into(), |l| ms(l.p99_ms)),
            row.ratio.map_or("–".into(), ratio),
        );
    }
    b.push_str("</table>\n");
    let rows: Vec<String> = w
        .results
        .iter()
        .filter(|r| !r.samples.is_empty())
        .map(|r| {
            let cells: Vec<String> =
                r.samples.iter().map(|v| format!("<td class=\"n\">{}</td>", thousands(*v))).collect();
            format!("<tr><td>{}</td>{}</tr>", esc(&r.framework), cells.join(""))
        })
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(
            b,
            "<details><summary>Per-round throughput (req/s)</summary><table>{}</table></details>",
            rows.join("")
        );
    }
}

fn unranked(b: &mut String, r: &CompareResult) {
    let list: Vec<_> = view::workloads(r).filter(|(_, w)| w.comparison.is_none()).collect();
    if list.is_empty() {
        return;
    }
    b.push_str("<h2>Unranked workloads</h2>\n<p>Shown but not ranked: a framework did not pass them.</p>\n");
    for (suite, w) in list {
        let _ = writeln!(
            b,
            "<h3>{} <span class=\"muted\">· suite {} · <code>{} {}</code></span></h3>\n<ul>",
            esc(&w.name),
            esc(suite),
            esc(&w.endpoint.method),
            esc(&w.endpoint.path)
        );
        for (fw, why) in &w.unranked_because {
            let _ = write!(b, "<li><b>{}</b>: {}</li>", esc(fw), reason(why));
        }
        b.push_str("</ul>\n");
    }
}

fn method(b: &mut String, r: &CompareResult) {
    let c = &r.configuration;
    b.push_str("<h2>Methodology</h2>\n<table><tr><th>Framework</th><th>Version</th><th>Language</th><th>Runtime</th><th>Status</th></tr>\n");
    for f in &r.frameworks {
        let o = |v: &Option<String>| v.as_deref().map_or("–".to_string(), esc);
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            o(&f.version),
            o(&f.language),
            o(&f.runtime),
            status_word(f.status)
        );
    }
    b.push_str("</table>\n<ul class=\"method\">\n");
    let _ = writeln!(b, "<li><b>Rounds:</b> {}</li>", esc(&view::rounds_text(c)));
    if let Some(t) = c.target_precision_percent {
        let reached =
            c.precision_reached_percent.map_or("not reached".into(), |p| format!("±{p:.1} % reached"));
        let max = c.max_rounds.map(|m| format!(", at most {m} rounds")).unwrap_or_default();
        let _ =
            writeln!(b, "<li><b>Precision:</b> target ±{t:.1} % on every ranked ratio{max}; {reached}</li>");
    }
    let _ = writeln!(b, "<li><b>Statistics:</b> {}</li>", esc(&view::statistics_text(c)));
    b.push_str(&methodology(&r.metadata, &c.load));
    let _ = writeln!(b, "<li><b>Total duration:</b> {:.0} s</li>\n</ul>", r.summary.total_duration_secs);
    b.push_str(&notes(&r.notes));
}
