//! Markdown of a regression check, made for a PR comment: a verdict line first, then a
//! table sorted by severity with ✅/⚠️/❌ marks, then a collapsible details section.

use crate::schema::{CheckResult, CheckSide, Severity};

fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Pass => "✅",
        Severity::Warning => "⚠️",
        Severity::Regression => "❌",
    }
}

fn short(side: &CheckSide) -> String {
    let commit =
        side.git_commit.as_deref().map(|c| format!(" @ `{}`", &c[..c.len().min(8)])).unwrap_or_default();
    format!("`{}`{commit}", side.file)
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The check as markdown.
pub fn check_markdown(c: &CheckResult) -> String {
    let count = |s: Severity| c.workloads.iter().filter(|w| w.severity == s).count();
    let (reg, warn) = (count(Severity::Regression), count(Severity::Warning));
    let mut out = match c.verdict {
        Severity::Regression => format!(
            "## ❌ Performance regression in {reg} workload{}{}\n\n",
            if reg == 1 { "" } else { "s" },
            if warn > 0 { format!(" ({warn} more with warnings)") } else { String::new() }
        ),
        Severity::Warning => format!(
            "## ⚠️ {warn} workload{} slower than the warning threshold\n\n",
            if warn == 1 { "" } else { "s" }
        ),
        Severity::Pass => {
            format!("## ✅ No performance regression ({} workloads checked)\n\n", c.workloads.len())
        }
    };
    let t = &c.thresholds;
    let metric = match t.metric.as_str() {
        "rps" => "throughput",
        "p99" => "p99 latency",
        _ => "throughput and p99 latency",
    };
    out.push_str(&format!(
        "Baseline {} → current {}. Thresholds on {metric}: warning from {} %, regression from {} %. \
         Where both sides have several rounds, a change must also be significant (Welch's t-test, α = {}).\n\n",
        short(&c.baseline),
        short(&c.current),
        t.warn_percent,
        t.fail_percent,
        t.alpha
    ));
    out.push_str("| | Workload | Framework | Baseline req/s | Current req/s | Δ req/s | Δ p99 | p | Why |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---|\n");
    for w in &c.workloads {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:+.1} % | {} | {} | {} |\n",
            mark(w.severity),
            cell(&w.workload),
            cell(&w.framework),
            crate::report::thousands(w.baseline_rps),
            crate::report::thousands(w.current_rps),
            w.rps_change_percent,
            w.p99_change_percent.map(|p| format!("{p:+.1} %")).unwrap_or_else(|| "–".into()),
            w.p_value.map(|p| format!("{p:.3}")).unwrap_or_else(|| "–".into()),
            cell(&w.reason)
        ));
    }
    out.push_str("\n<details><summary>Details</summary>\n\n");
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        }
    };
    out.push_str(&format!("- Only in the baseline: {}\n", list(&c.only_in_baseline)));
    out.push_str(&format!("- Only in the current result: {}\n", list(&c.only_in_current)));
    out.push_str(&format!("- Baseline: {} result from {}\n", c.baseline.mode, c.baseline.timestamp));
    out.push_str(&format!("- Current: {} result from {}\n", c.current.mode, c.current.timestamp));
    for n in &c.notes {
        out.push_str(&format!("- {}\n", cell(n)));
    }
    out.push_str("\n</details>\n");
    out
}
