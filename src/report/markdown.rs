//! Markdown reports that read well as a GitHub pull-request comment: the run/profile part
//! and the helpers shared with `markdown_compare` (escaping, methodology).
//!
//! Pure: reads the result types and the figures of `view`.

use std::fmt::Write;

use super::view::{bytes, ms, status_word};
use super::{markdown_compare, thousands, AnyResult, Report};
use crate::schema::{Configuration, Metadata, Mode, RunResult, WorkloadStatus};

/// GitHub-flavoured markdown.
#[derive(Debug, Default, Clone, Copy)]
pub struct MarkdownReport;

impl Report for MarkdownReport {
    fn render(&self, result: &AnyResult) -> String {
        match result {
            AnyResult::Run(r) => run(r),
            AnyResult::Compare(c) => markdown_compare::render(c),
            AnyResult::Check(c) => super::check_markdown(c),
        }
    }
}

/// User text escaped for inline markdown: no HTML, no emphasis, no table breaks.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

/// A reason: inline when it is one line, else a fenced block indented under a list item.
pub(super) fn reason_block(reason: &str, indent: &str) -> String {
    if !reason.contains('\n') {
        return format!(" {}\n", esc(reason));
    }
    let longest = reason.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("\n\n{indent}{fence}text\n");
    for line in reason.lines() {
        let _ = writeln!(out, "{indent}{line}");
    }
    let _ = writeln!(out, "{indent}{fence}");
    out
}

/// Methodology lines common to run and compare results.
pub(super) fn methodology(meta: &Metadata, conf: &Configuration) -> String {
    let h = &meta.host;
    let mut host = format!("{} {}", h.os, h.arch);
    if let Some(cpu) = &h.cpu_model {
        let _ = write!(host, ", {}", esc(cpu));
    }
    let _ = write!(host, ", {} cores", h.cpu_cores);
    if let Some(m) = h.memory_gb {
        let _ = write!(host, ", {m:.1} GB memory");
    }
    if let Some(k) = &h.kernel {
        let _ = write!(host, ", kernel {}", esc(k));
    }
    let load = match conf.rate {
        Some(rate) => format!("open loop at {} req/s", thousands(rate)),
        None => "closed loop".to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(out, "- **Host:** {host}");
    let _ = writeln!(
        out,
        "- **Each measurement:** {} s after {} s warm-up, {} connections, {load}, timeout {} s, {} server worker(s)",
        conf.duration_secs, conf.warmup_secs, conf.concurrency, conf.timeout_secs, conf.workers
    );
    let _ = writeln!(out, "- **Load generator:** {}", esc(&conf.load_generator));
    if let Some(pin) = super::machine::pinning_words(conf) {
        let _ = writeln!(out, "- **CPU pinning:** {}", esc(&pin));
    }
    if let Some(machine) = super::machine::machine_words(meta) {
        let _ = writeln!(out, "- **Machine:** {}", esc(&machine));
    }
    if let Some(busy) = super::machine::busy_warning(meta) {
        let _ = writeln!(out, "- ⚠️ **{}**", esc(busy));
    }
    if let Some(url) = &conf.target_url {
        let _ = writeln!(out, "- **Target:** `{}`", url.replace('`', "'"));
    }
    let verified = if conf.verified {
        "checked against the contract before measuring"
    } else {
        "not checked (`--no-verify`)"
    };
    let _ = writeln!(out, "- **Answers:** {verified}");
    let git = super::view::git_words(meta, esc, |c| format!("`{c}`"));
    let _ = writeln!(out, "- **Git commit:** {git}");
    let _ = writeln!(
        out,
        "- **Harness:** benchmark-harness {}, {}",
        esc(&meta.harness_version),
        esc(&meta.timestamp)
    );
    out
}

/// Notes as a list, if any.
/// The caveats section: `(what, caveat)` pairs, `what` already escaped; empty when none.
pub(super) fn caveats(list: &[(String, String)]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut out =
        "## Caveats\n\nThese figures are limited by the setup, not only by the server: read them as \
                   bounds, not as the framework's result.\n\n"
            .to_string();
    for (what, c) in list {
        let _ = writeln!(out, "- **{what}**: {}", esc(c));
    }
    out.push('\n');
    out
}

pub(super) fn notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut out = "\n**Notes**\n\n".to_string();
    for n in notes {
        let _ = write!(out, "-{}", reason_block(n, "  "));
    }
    out
}

fn run(r: &RunResult) -> String {
    let m = &r.metadata;
    let who = m.framework.as_deref().or(r.configuration.target_url.as_deref()).unwrap_or("unnamed target");
    let kind = if r.mode == Mode::Profile { "Profile" } else { "Benchmark run" };
    let mut out = format!("# {kind}: {}", esc(who));
    if let Some(v) = &m.version {
        let _ = write!(out, " {}", esc(v));
    }
    out.push_str("\n\n");
    let mut facts = Vec::new();
    if let Some(l) = &m.language {
        facts.push(format!("language {}", esc(l)));
    }
    if let Some(rt) = &m.runtime {
        facts.push(format!("runtime {}", esc(rt)));
    }
    let suites: Vec<String> = r.suites.iter().map(|s| esc(&s.name)).collect();
    facts.push(format!("suite{} {}", if suites.len() == 1 { "" } else { "s" }, suites.join(", ")));
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    if !r.complete {
        out.push_str("> [!WARNING]\n> Incomplete: the run was interrupted; unmeasured workloads are marked skipped.\n\n");
    }
    let n = super::run_caveats(r).len();
    if n > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> {n} figure{} limited by the load generator or a missed rate target: see Caveats.\n",
            if n == 1 { " is" } else { "s are" }
        );
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "**{}** workloads, **{}** requests, **{:.2} %** successful, **{}** req/s on average, {:.0} s in total.\n",
        s.total_workloads,
        thousands(s.total_requests as f64),
        s.overall_success_rate * 100.0,
        thousands(s.avg_requests_per_sec),
        s.total_duration_secs
    );
    let mut problems = String::new();
    for suite in &r.suites {
        let _ = writeln!(out, "## Suite {}\n", esc(&suite.name));
        out.push_str("| Workload | Status | req/s | p50 ms | p99 ms | Success | CPU % | Memory MB |\n");
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for w in &suite.workloads {
            let meas = w.results.as_ref();
            let lat = meas.and_then(|m| m.latency.as_ref());
            let res = meas.and_then(|m| m.resources.as_ref());
            let dash = || "–".to_string();
            let status = match w.status {
                WorkloadStatus::Ok => "✅ ok",
                WorkloadStatus::Invalid => "❌ invalid",
                WorkloadStatus::Failed => "💥 failed",
                WorkloadStatus::Skipped => "⏭️ skipped",
            };
            let _ = writeln!(
                out,
                "| {} <sub>{} {} · {}</sub> | {status} | {} | {} | {} | {} | {} | {} |",
                esc(&w.name),
                esc(&w.endpoint.method),
                esc(&w.endpoint.path),
                bytes(w.payload_size_bytes),
                meas.map_or_else(dash, |m| thousands(m.throughput.requests_per_sec)),
                lat.map_or_else(dash, |l| ms(l.median_ms)),
                lat.map_or_else(dash, |l| ms(l.p99_ms)),
                meas.map_or_else(dash, |m| format!("{:.2} %", m.throughput.success_rate * 100.0)),
                res.map_or_else(dash, |r| format!("{:.0}", r.cpu.avg_percent)),
                res.map_or_else(dash, |r| format!("{:.0}", r.memory.peak_mb)),
            );
            if w.status != WorkloadStatus::Ok {
                let reason = w.reason.as_deref().unwrap_or("no reason recorded");
                let _ = write!(
                    problems,
                    "- **{}** ({}, {}):{}",
                    esc(&w.name),
                    esc(&suite.name),
                    status_word(w.status),
                    reason_block(reason, "  ")
                );
            }
        }
        if let Some(mixed) = &suite.mixed {
            let t = &mixed.results;
            let lat = t.latency.as_ref();
            let shares: Vec<String> = mixed
                .workloads
                .iter()
                .map(|w| format!("{} ×{} ({:.1} %)", esc(&w.name), w.weight, w.share * 100.0))
                .collect();
            let _ = writeln!(
                out,
                "| **total (mixed)** <sub>{}</sub> | ✅ ok | {} | {} | {} | {:.2} % | {} | {} |",
                shares.join(", "),
                thousands(t.throughput.requests_per_sec),
                lat.map_or_else(|| "–".into(), |l| ms(l.median_ms)),
                lat.map_or_else(|| "–".into(), |l| ms(l.p99_ms)),
                t.throughput.success_rate * 100.0,
                t.resources.as_ref().map_or_else(|| "–".into(), |r| format!("{:.0}", r.cpu.avg_percent)),
                t.resources.as_ref().map_or_else(|| "–".into(), |r| format!("{:.0}", r.memory.peak_mb)),
            );
        }
        out.push('\n');
    }
    let streaming = super::streaming::lines(r);
    if !streaming.is_empty() {
        out.push_str("## Streaming\n\nFor these workloads req/s counts events (SSE) or echoed messages (WebSocket).\n\n");
        for (w, line) in streaming {
            let _ = writeln!(out, "- **{}**: {}", esc(&w), esc(&line));
        }
        out.push('\n');
    }
    out.push_str(&caveats(&super::run_caveats(r).into_iter().map(|(w, c)| (esc(&w), c)).collect::<Vec<_>>()));
    if !problems.is_empty() {
        let _ = writeln!(out, "## Workloads not measured\n\n{problems}");
    }
    if let Some(c) = &r.comparison {
        out.push_str(&super::baseline::markdown(c, esc));
    }
    out.push_str("## Methodology\n\n");
    out.push_str(&methodology(m, &r.configuration));
    out.push_str(&notes(&r.notes));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{fixtures, read_any};

    #[test]
    fn report_markdown_run_snapshot() {
        let r = read_any(&fixtures::path("run.json")).unwrap();
        insta::assert_snapshot!("run_markdown", MarkdownReport.render(&r));
    }

    #[test]
    fn report_markdown_escapes_user_text() {
        assert_eq!(esc("a|b <x> *y*"), "a\\|b &lt;x&gt; \\*y\\*");
        let block = reason_block("line one\n```\nline three", "  ");
        assert!(block.contains("  ````text\n  line one\n  ```\n  line three\n  ````\n"), "{block}");
    }
}
