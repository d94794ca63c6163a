//! Plain-text tables for the terminal: the end-of-run table, the compact compare table and
//! the table of a regression check.
//!
//! Pure: builds strings from the result types; the caller prints them.

use super::view::{self, ratio, Verdict};
use crate::schema::{CheckResult, CompareResult, MismatchKind, RunResult, WorkloadStatus};

/// A simple left/right-aligned text table.
#[derive(Debug, Default, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    pub right: Vec<usize>,
}

impl Table {
    pub fn new(header: &[&str], right: &[usize]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, columns padded to their widest cell.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut width = vec![0usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(n) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &Vec<String>| -> String {
            let parts: Vec<String> = (0..n)
                .map(|i| {
                    let c = cells.get(i).map(String::as_str).unwrap_or("");
                    let pad = width[i].saturating_sub(c.chars().count());
                    if self.right.contains(&i) {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(&self.header);
        out.push('\n');
        out.push_str(&width.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}

/// Thousands separators for a whole number.
pub fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v);
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

fn status_word(s: WorkloadStatus) -> &'static str {
    match s {
        WorkloadStatus::Ok => "ok",
        WorkloadStatus::Invalid => "INVALID",
        WorkloadStatus::Failed => "FAILED",
        WorkloadStatus::Skipped => "skipped",
    }
}

/// The end-of-run table: one row per workload, then the reasons of those that are not ok.
pub fn run_table(result: &RunResult) -> String {
    let mut t = Table::new(
        &["workload", "status", "req/s", "p50 ms", "p99 ms", "success", "cpu %", "mem MB"],
        &[2, 3, 4, 5, 6, 7],
    );
    let mut reasons = Vec::new();
    let row =
        |t: &mut Table, name: String, status: WorkloadStatus, m: Option<&crate::schema::Measurement>| {
            let lat = m.and_then(|m| m.latency.as_ref());
            let res = m.and_then(|m| m.resources.as_ref());
            let dash = || "-".to_string();
            t.row(vec![
                name,
                status_word(status).into(),
                m.map_or_else(dash, |m| thousands(m.throughput.requests_per_sec)),
                lat.map_or_else(dash, |l| format!("{:.2}", l.median_ms)),
                lat.map_or_else(dash, |l| format!("{:.2}", l.p99_ms)),
                m.map_or_else(dash, |m| format!("{:.1}%", m.throughput.success_rate * 100.0)),
                res.map_or_else(dash, |r| format!("{:.0}", r.cpu.avg_percent)),
                res.map_or_else(dash, |r| format!("{:.0}", r.memory.peak_mb)),
            ]);
        };
    for suite in &result.suites {
        for w in &suite.workloads {
            row(&mut t, w.name.clone(), w.status, w.results.as_ref());
            if let Some(reason) = &w.reason {
                if w.status != WorkloadStatus::Ok {
                    reasons.push(format!("- {} ({}): {}", w.name, status_word(w.status), reason));
                }
            }
        }
        if let Some(mixed) = &suite.mixed {
            let weights: Vec<String> = mixed.workloads.iter().map(|w| w.weight.to_string()).collect();
            let name = format!("total (mixed {})", weights.join(":"));
            row(&mut t, name, WorkloadStatus::Ok, Some(&mixed.results));
        }
    }
    let who = result
        .metadata
        .framework
        .clone()
        .or_else(|| result.configuration.target_url.clone())
        .unwrap_or_default();
    let version = result.metadata.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
    let mut out = format!(
        "{who}{version}: suite {}\n",
        result.suites.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
    );
    out.push_str(&t.render());
    if !reasons.is_empty() {
        out.push('\n');
        out.push_str(&reasons.join("\n"));
        out.push('\n');
    }
    let streaming = super::streaming::lines(result);
    if !streaming.is_empty() {
        out.push_str("\nstreaming (req/s counts events or echoed messages):\n");
        for (w, line) in streaming {
            out.push_str(&format!("- {w}: {line}\n"));
        }
    }
    let caveats = super::run_caveats(result);
    if !caveats.is_empty() {
        out.push_str("\ncaveats (figures limited by the setup, not only by the server):\n");
        for (w, c) in caveats {
            out.push_str(&format!("- {w}: {c}\n"));
        }
    }
    if !result.complete {
        out.push_str("\nincomplete: the run was interrupted; unmeasured workloads are marked skipped\n");
    }
    if let Some(busy) = super::machine::busy_warning(&result.metadata) {
        out.push_str(&format!("\nwarning: {busy}\n"));
    }
    out.push_str(&shard_lines(result));
    out
}

/// What a shard ran, or which shards a merged result holds (empty for an unsharded run).
fn shard_lines(result: &RunResult) -> String {
    let Some(s) = &result.configuration.sharding else { return String::new() };
    let rate = |r: Option<f64>| r.map(|r| format!(", {r} req/s")).unwrap_or_default();
    if s.shards.is_empty() {
        return format!(
            "\nshard {} of {}: {} of {} connections{}\n",
            s.segment,
            s.segment_sequence,
            result.configuration.concurrency,
            s.total_concurrency,
            rate(result.configuration.rate)
        );
    }
    let parts: Vec<String> =
        s.shards.iter().map(|x| format!("{} ({} conns{})", x.segment, x.concurrency, rate(x.rate))).collect();
    let mut out = format!(
        "\nmerged from {} shards: {}; {} connections in all\n",
        s.shards.len(),
        parts.join(", "),
        s.total_concurrency
    );
    let busy: Vec<&str> = s.shards.iter().filter(|x| x.busy).map(|x| x.segment.as_str()).collect();
    if !busy.is_empty() {
        out.push_str(&format!(
            "warning: the machine was busy while shard(s) {} measured; figures may be low and noisy (see notes)\n",
            busy.join(", ")
        ));
    }
    out
}

/// The compare table: per workload the frameworks ranked with req/s ± CI half-width and
/// ratio to the best, the winner marked; then unranked workloads and the summary line.
pub fn compare_table(r: &CompareResult) -> String {
    let mut t =
        Table::new(&["workload", "#", "framework", "req/s", "± 95% CI", "vs best", "verdict"], &[1, 3, 4, 5]);
    let mut unranked = Vec::new();
    for (suite, w) in view::workloads(r) {
        if w.comparison.is_none() {
            let why: Vec<String> = w
                .unranked_because
                .iter()
                .map(|(f, why)| format!("{f} {}", why.split_whitespace().collect::<Vec<_>>().join(" ")))
                .collect();
            unranked.push(format!("- {suite}/{}: not ranked: {}", w.name, why.join("; ")));
            continue;
        }
        for (i, row) in view::ranking(w).iter().enumerate() {
            let mark = match row.verdict {
                Verdict::Winner => "✓ winner".to_string(),
                Verdict::Fastest => "≈ tie: no significant winner".to_string(),
                Verdict::Level(s) if s.generator_bound.as_deref() == Some("withheld") => {
                    "? no verdict: load generator saturated".to_string()
                }
                Verdict::Level(_) => "≈".to_string(),
                Verdict::Behind(_) | Verdict::Untested => String::new(),
                Verdict::Unranked => status_word(row.result.status).to_string(),
            };
            t.row(vec![
                if i == 0 { format!("{suite}/{}", w.name) } else { String::new() },
                (i + 1).to_string(),
                row.result.framework.clone(),
                view::rps_text(row).unwrap_or_else(|| "-".into()),
                row.ci_half.map_or("-".into(), |h| format!("± {}", thousands(h))),
                row.ratio.map_or("-".into(), ratio),
                mark,
            ]);
        }
    }
    let mut out = t.render();
    if !unranked.is_empty() {
        out.push('\n');
        out.push_str(&unranked.join("\n"));
        out.push('\n');
    }
    let caveats = super::compare_caveats(r);
    if !caveats.is_empty() {
        out.push_str("\ncaveats (figures limited by the setup, not only by the server):\n");
        for (w, f, c) in caveats {
            out.push_str(&format!("- {w} / {f}: {c}\n"));
        }
    }
    for f in r.frameworks.iter().filter(|f| f.status != WorkloadStatus::Ok) {
        out.push_str(&format!(
            "- {} failed: {}\n",
            f.name,
            f.reason.as_deref().unwrap_or("no reason recorded")
        ));
    }
    let s = &r.summary;
    out.push('\n');
    let (words, has_winner) = super::view::overall_words(r);
    match (&s.overall_winner, has_winner) {
        (Some(w), true) => {
            out.push_str(&format!("overall winner: {w}"));
            if let Some(g) = s.avg_performance_gain {
                out.push_str(&format!(", {g:.1}% faster than the runner-up (geometric mean, significant)"));
            }
        }
        _ => out.push_str(&words),
    }
    out.push_str(&format!(
        "; {} ranked workloads, {} won, {} tie{}, {} unranked\n",
        s.ranked_workloads,
        s.ranked_workloads.saturating_sub(s.ties),
        s.ties,
        if s.ties == 1 { "" } else { "s" },
        s.unranked_workloads
    ));
    if !s.categories.is_empty() {
        let cats: Vec<String> = s
            .categories
            .iter()
            .map(|(c, v)| format!("{c}: {}", v.winner.as_deref().unwrap_or("no winner")))
            .collect();
        out.push_str(&format!("categories: {}\n", cats.join(", ")));
    }
    out.push_str(&format!("rounds: {}\n", view::stop_text(&r.configuration)));
    if !r.complete {
        out.push_str(&format!(
            "incomplete: interrupted after {} of {} rounds\n",
            r.configuration.rounds_completed, r.configuration.rounds
        ));
    }
    if let Some(busy) = super::machine::busy_warning(&r.metadata) {
        out.push_str(&format!("warning: {busy}\n"));
    }
    out
}

/// The check table: the verdict line, then per workload (worst first) its severity, change
/// and ratio interval, decision and reason; then what was measured on one side only.
pub fn check_table(c: &CheckResult) -> String {
    use super::markdown_check::{decision_word, ratio_cell, verdict_line};
    use crate::schema::Severity;
    let mut t = Table::new(
        &[
            "verdict",
            "workload",
            "framework",
            "base req/s",
            "cur req/s",
            "Δ req/s",
            "req/s ratio (CI)",
            "Δ p99",
            "decision",
            "why",
        ],
        &[3, 4, 5, 7],
    );
    for w in &c.workloads {
        t.row(vec![
            match w.severity {
                Severity::Pass => "pass",
                Severity::Warning => "warning",
                Severity::Regression => "REGRESSION",
            }
            .to_string(),
            w.workload.clone(),
            w.framework.clone(),
            thousands(w.baseline_rps),
            thousands(w.current_rps),
            format!("{:+.1}%", w.rps_change_percent),
            ratio_cell(w.rps_ratio, w.rps_ratio_ci),
            w.p99_change_percent.map_or("-".into(), |p| format!("{p:+.1}%")),
            decision_word(w.decision).to_string(),
            w.reason.split_whitespace().collect::<Vec<_>>().join(" "),
        ]);
    }
    let mut out = format!("{}\n{} → {}\n", verdict_line(c), c.baseline.file, c.current.file);
    out.push_str(&t.render());
    for m in c.mismatches.iter().filter(|m| m.kind != MismatchKind::Harness) {
        out.push_str(&format!("warning: measured differently: {}\n", m.message));
    }
    for (side, keys) in [("baseline", &c.only_in_baseline), ("current", &c.only_in_current)] {
        if !keys.is_empty() {
            out.push_str(&format!("only in the {side}: {}\n", keys.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1000.0), "-1,000");
    }

    #[test]
    fn table_pads_and_aligns() {
        let mut t = Table::new(&["a", "n"], &[1]);
        t.row(vec!["long".into(), "1".into()]);
        t.row(vec!["x".into(), "100".into()]);
        assert_eq!(t.render(), "a       n\n----  ---\nlong    1\nx     100\n");
    }

    #[test]
    fn report_console_compare_snapshot() {
        let Ok(crate::report::AnyResult::Compare(c)) =
            crate::report::read_any(&crate::report::fixtures::path("compare-3.json"))
        else {
            panic!("compare fixture")
        };
        insta::assert_snapshot!("compare_console", compare_table(&c));
    }

    #[test]
    fn report_console_run_snapshot() {
        let Ok(crate::report::AnyResult::Run(r)) =
            crate::report::read_any(&crate::report::fixtures::path("run.json"))
        else {
            panic!("run fixture")
        };
        insta::assert_snapshot!("run_console", run_table(&r));
    }
}
