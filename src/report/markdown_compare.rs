//! The markdown report of a compare result: summary first, then per-workload tables,
//! unranked workloads, failed frameworks and the methodology.
//!
//! Pure: reads the result types and the figures of `view`.

use std::fmt::Write;

use super::markdown::{esc, methodology, notes, reason_block};
use super::thousands;
use super::view::{self, bytes, ms, p_value, ratio, ratio_bar, status_word, Row, Verdict};
use crate::schema::{CompareResult, CompareWorkload, WorkloadStatus};

/// The whole compare report.
pub(super) fn render(r: &CompareResult) -> String {
    let names = view::framework_names(r);
    let mut out = format!(
        "# Benchmark comparison: {}\n\n",
        names.iter().map(|n| esc(n)).collect::<Vec<_>>().join(" vs ")
    );
    if !r.complete {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> Incomplete: interrupted after {} of {} rounds.\n",
            r.configuration.rounds_completed, r.configuration.rounds
        );
    }
    out.push_str("## Summary\n\n");
    summary(&mut out, r);
    for suite in &r.suites {
        if suite.workloads.iter().all(|w| w.comparison.is_none()) {
            continue;
        }
        let _ = writeln!(out, "## Suite {}\n", esc(&suite.name));
        for w in suite.workloads.iter().filter(|w| w.comparison.is_some()) {
            workload(&mut out, w);
        }
    }
    unranked(&mut out, r);
    let caveats: Vec<(String, String)> = super::compare_caveats(r)
        .into_iter()
        .map(|(w, f, c)| (format!("{} / {}", esc(&w), esc(&f)), c))
        .collect();
    out.push_str(&super::markdown::caveats(&caveats));
    let failed: Vec<_> = r.frameworks.iter().filter(|f| f.status != WorkloadStatus::Ok).collect();
    if !failed.is_empty() {
        out.push_str("## Failed frameworks\n\n");
        for f in failed {
            let reason = f.reason.as_deref().unwrap_or("no reason recorded");
            let _ = write!(
                out,
                "- **{}** ({}):{}",
                esc(&f.name),
                status_word(f.status),
                reason_block(reason, "  ")
            );
        }
        out.push('\n');
    }
    method(&mut out, r);
    out
}

/// The overall verdict, the standings with their intervals, category winners and the
/// pairwise ratios (the part under "## Summary").
pub(super) fn summary(out: &mut String, r: &CompareResult) {
    let s = &r.summary;
    let standings = view::standings(r);
    let (words, has_winner) = view::overall_words(r);
    match (&s.overall_winner, has_winner) {
        (Some(w), true) => {
            let runner_up = standings.iter().find(|(n, _)| *n != w).map(|(n, _)| *n);
            let _ = write!(out, "🏆 **{}** is the overall winner", esc(w));
            if let (Some(g), Some(ru)) = (s.avg_performance_gain, runner_up) {
                let _ = write!(out, ": **{g:.1} % faster** than the runner-up, **{}**", esc(ru));
                if let Some((lo, hi)) = view::relative_interval(r, ru) {
                    let _ = write!(out, " (CI of the runner-up's ratio {lo:.2}×–{hi:.2}×)");
                }
            }
            let _ = writeln!(
                out,
                ", as the geometric mean of throughput over {} ranked workloads, significant against every other framework.\n",
                s.ranked_workloads
            );
        }
        _ => {
            let why = words.strip_prefix("no overall winner: ").unwrap_or(&words);
            let _ = writeln!(out, "**No overall winner.** {}.\n", esc(why));
        }
    }
    out.push_str(
        "| Framework | Throughput vs fastest (geo-mean) | CI | | Workloads won |\n|---|---:|---:|:---|---:|\n",
    );
    for (name, rel) in &standings {
        let won = s.workloads_won.get(*name).copied().unwrap_or(0);
        let crown = if s.overall_winner.as_deref() == Some(*name) { "🏆 " } else { "" };
        let _ = writeln!(
            out,
            "| {crown}{} | {} | {} | {} | {won} of {} |",
            esc(name),
            rel.map_or("–".into(), ratio),
            view::relative_interval(r, name).map_or("–".into(), |(lo, hi)| format!("{lo:.2}–{hi:.2}")),
            rel.map_or(String::new(), |v| format!("`{}`", ratio_bar(v, 10))),
            s.ranked_workloads
        );
    }
    let won: u32 = s.ranked_workloads.saturating_sub(s.ties);
    let _ = writeln!(
        out,
        "\n{} ranked workloads: {won} with a significant winner, {} tie{} (no significant difference) · {} unranked.\n",
        s.ranked_workloads,
        s.ties,
        if s.ties == 1 { "" } else { "s" },
        s.unranked_workloads
    );
    let _ = writeln!(out, "Rounds: {}.\n", view::stop_text(&r.configuration));
    let cats = view::category_scores(r);
    if !cats.is_empty() {
        let names = view::framework_names(r);
        out.push_str(
            "**Category winners** (geometric mean of each workload's ratio to the best, within the category; \
             a winner only where it is significantly faster than every other framework there, Bonferroni over categories):\n\n",
        );
        let _ = writeln!(
            out,
            "| Category | Winner | {} |\n|---|---|{}",
            names.iter().map(|n| esc(n)).collect::<Vec<_>>().join(" | "),
            "---:|".repeat(names.len())
        );
        for (cat, scores) in &cats {
            let winner =
                s.category_winners.get(cat).map_or("no winner".to_string(), |w| format!("**{}**", esc(w)));
            let cells: Vec<String> = scores.iter().map(|v| v.map_or("–".into(), ratio)).collect();
            let _ = writeln!(out, "| {} | {winner} | {} |", esc(cat), cells.join(" | "));
        }
        out.push('\n');
    }
    if !s.geometric_mean_ratios.is_empty() {
        let names: Vec<&str> = standings.iter().map(|(n, _)| *n).collect();
        out.push_str("<details><summary>All pairwise geometric-mean ratios (row ÷ column)</summary>\n\n");
        let _ = writeln!(
            out,
            "| ÷ | {} |\n|---|{}",
            names.iter().map(|n| esc(n)).collect::<Vec<_>>().join(" | "),
            "---:|".repeat(names.len())
        );
        for a in &names {
            let cells: Vec<String> = names
                .iter()
                .map(|b| match s.geometric_mean_ratios.get(&format!("{a}_vs_{b}")) {
                    _ if a == b => "–".into(),
                    Some(v) => ratio(*v),
                    None => "?".into(),
                })
                .collect();
            let _ = writeln!(out, "| **{}** | {} |", esc(a), cells.join(" | "));
        }
        out.push_str("\n</details>\n\n");
    }
}

fn headline(rows: &[Row]) -> String {
    let fastest = rows.iter().find(|r| matches!(r.verdict, Verdict::Winner | Verdict::Fastest));
    let second = rows.get(1).filter(|r| r.rps.is_some());
    match (fastest, second) {
        (Some(f), Some(s)) if f.verdict == Verdict::Winner => format!(
            "✅ **{}** wins: {} the throughput of the runner-up, {}.",
            esc(&f.result.framework),
            ratio(f.rps.unwrap_or(0.0) / s.rps.unwrap_or(1.0)),
            esc(&s.result.framework)
        ),
        (Some(f), _) => {
            let level: Vec<String> = rows
                .iter()
                .filter(|r| matches!(r.verdict, Verdict::Level(_)))
                .map(|r| format!("**{}**", esc(&r.result.framework)))
                .collect();
            format!(
                "≈ **No significant winner**: {} is fastest, but not significantly ahead of {}.",
                format_args!("**{}**", esc(&f.result.framework)),
                if level.is_empty() { "every other".to_string() } else { level.join(", ") }
            )
        }
        _ => String::new(),
    }
}

/// One ranked workload: headline and table.
pub(super) fn workload(out: &mut String, w: &CompareWorkload) {
    let rows = view::ranking(w);
    let _ = writeln!(
        out,
        "### {}\n\n`{} {}` · {} payload · category {}\n\n{}\n",
        esc(&w.name),
        w.endpoint.method.replace('`', "'"),
        w.endpoint.path.replace('`', "'"),
        bytes(w.payload_size_bytes),
        esc(&w.category),
        headline(&rows)
    );
    out.push_str("| # | Framework | req/s (95 % CI) | p50 ms | p99 ms | vs best | | Verdict vs fastest | p | adj. p |\n");
    out.push_str("|---:|---|---:|---:|---:|---:|:---|---|---:|---:|\n");
    for (i, row) in rows.iter().enumerate() {
        let name = esc(&row.result.framework);
        let lat = row.result.latency.as_ref();
        let (verdict, p, adj) = match row.verdict {
            Verdict::Winner => ("✅ winner".to_string(), String::new(), String::new()),
            Verdict::Fastest => ("≈ fastest, no significant lead".to_string(), String::new(), String::new()),
            Verdict::Behind(s) => {
                (format!("▼ {}", esc(&s.verdict)), p_value(s.p_value), p_value(s.adjusted_p_value))
            }
            Verdict::Level(s) => {
                (format!("≈ {}", esc(&s.verdict)), p_value(s.p_value), p_value(s.adjusted_p_value))
            }
            Verdict::Untested => ("–".to_string(), String::new(), String::new()),
            Verdict::Unranked => (status_word(row.result.status).to_string(), String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {verdict} | {p} | {adj} |",
            i + 1,
            if row.verdict == Verdict::Winner { format!("**{name}**") } else { name },
            rps_ci(row),
            lat.map_or("–".into(), |l| ms(l.median_ms)),
            lat.map_or("–".into(), |l| ms(l.p99_ms)),
            row.ratio.map_or("–".into(), ratio),
            row.ratio.map_or(String::new(), |v| format!("`{}`", ratio_bar(v, 10))),
        );
    }
    samples(out, &rows);
}

/// `98,210 ± 673`, or just the mean without an interval.
pub(super) fn rps_ci(row: &Row) -> String {
    match (view::rps_text(row), row.ci_half) {
        (Some(v), Some(h)) => format!("{v} ± {}", thousands(h)),
        (Some(v), None) => v,
        _ => "–".into(),
    }
}

fn samples(out: &mut String, rows: &[Row]) {
    let n = rows.iter().map(|r| r.result.samples.len()).max().unwrap_or(0);
    if n == 0 {
        out.push('\n');
        return;
    }
    out.push_str("\n<details><summary>Per-round throughput (req/s)</summary>\n\n| Framework |");
    for i in 1..=n {
        let _ = write!(out, " R{i} |");
    }
    let _ = writeln!(out, "\n|---|{}", "---:|".repeat(n));
    for row in rows.iter().filter(|r| !r.result.samples.is_empty()) {
        let cells: Vec<String> = row.result.samples.iter().map(|v| thousands(*v)).collect();
        let _ = writeln!(out, "| {} | {} |", esc(&row.result.framework), cells.join(" | "));
    }
    out.push_str("\n</details>\n\n");
}

/// The unranked workloads, with why.
pub(super) fn unranked(out: &mut String, r: &CompareResult) {
    let list: Vec<_> = view::workloads(r).filter(|(_, w)| w.comparison.is_none()).collect();
    if list.is_empty() {
        return;
    }
    out.push_str("## Unranked workloads\n\nThese workloads are shown but not ranked: a framework did not pass them.\n\n");
    for (suite, w) in list {
        let _ = writeln!(
            out,
            "### {} <sub>suite {}</sub>\n\n`{} {}` · {} payload · category {}\n",
            esc(&w.name),
            esc(suite),
            w.endpoint.method.replace('`', "'"),
            w.endpoint.path.replace('`', "'"),
            bytes(w.payload_size_bytes),
            esc(&w.category)
        );
        out.push_str("Not ranked because:\n\n");
        for (fw, why) in &w.unranked_because {
            let _ = write!(out, "- **{}** —{}", esc(fw), reason_block(why, "  "));
        }
        out.push_str(
            "\n| Framework | Status | req/s (95 % CI) | p50 ms | p99 ms |\n|---|---|---:|---:|---:|\n",
        );
        for row in view::ranking(w) {
            let lat = row.result.latency.as_ref();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                esc(&row.result.framework),
                status_word(row.result.status),
                rps_ci(&row),
                lat.map_or("–".into(), |l| ms(l.median_ms)),
                lat.map_or("–".into(), |l| ms(l.p99_ms)),
            );
        }
        out.push('\n');
    }
}

fn method(out: &mut String, r: &CompareResult) {
    let c = &r.configuration;
    out.push_str(
        "## Methodology\n\n| Framework | Version | Language | Runtime | Status |\n|---|---|---|---|---|\n",
    );
    for f in &r.frameworks {
        let o = |v: &Option<String>| v.as_deref().map_or("–".to_string(), esc);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            esc(&f.name),
            o(&f.version),
            o(&f.language),
            o(&f.runtime),
            status_word(f.status)
        );
    }
    out.push('\n');
    let _ = writeln!(out, "- **Rounds:** {}", view::rounds_text(c));
    if let Some(t) = c.target_precision_percent {
        let reached =
            c.precision_reached_percent.map_or("not reached".into(), |p| format!("±{p:.1} % reached"));
        let max = c.max_rounds.map(|m| format!(", at most {m} rounds")).unwrap_or_default();
        let _ = writeln!(out, "- **Precision:** target ±{t:.1} % on every ranked ratio{max}; {reached}");
    } else if let Some(p) = c.precision_reached_percent {
        let _ = writeln!(out, "- **Precision:** widest ranked ratio CI ±{p:.1} %");
    }
    let _ = writeln!(out, "- **Statistics:** {}", view::statistics_text(c));
    out.push_str(&methodology(&r.metadata, &c.load));
    let _ = writeln!(out, "- **Total duration:** {:.0} s", r.summary.total_duration_secs);
    if !c.round_orders.is_empty() {
        out.push_str("\n<details><summary>Order of frameworks in each round</summary>\n\n");
        for (i, order) in c.round_orders.iter().enumerate() {
            let _ =
                writeln!(out, "{}. {}", i + 1, order.iter().map(|n| esc(n)).collect::<Vec<_>>().join(", "));
        }
        out.push_str("\n</details>\n");
    }
    out.push_str(&notes(&r.notes));
}

#[cfg(test)]
mod tests {
    use crate::report::{fixtures, read_any, MarkdownReport, Report};

    #[test]
    fn report_markdown_compare_snapshot() {
        let r = read_any(&fixtures::path("compare-3.json")).unwrap();
        insta::assert_snapshot!("compare_markdown", MarkdownReport.render(&r));
    }

    #[test]
    fn report_markdown_lists_failed_frameworks() {
        let mut c = fixtures::compare3();
        c.frameworks[1].status = crate::schema::WorkloadStatus::Failed;
        c.frameworks[1].reason = Some("setup failed: pip install exited with 1".into());
        let md = MarkdownReport.render(&crate::report::AnyResult::Compare(c));
        assert!(md.contains("## Failed frameworks\n\n- **fastapi** (failed): setup failed"), "{md}");
    }
}
