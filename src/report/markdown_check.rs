//! Markdown of a regression check, made for a PR comment: a verdict line first (with how
//! many workloads are inconclusive), a warning block when the sides were measured
//! differently, then a table sorted by severity with ✅/⚠️/❌ marks, each workload's change,
//! ratio interval, decision and reason, then a collapsible details section.

use crate::schema::{CheckResult, CheckSide, Decision, Interval, MismatchKind, Severity, WorkloadCheck};

pub(super) fn mark(s: Severity) -> &'static str {
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "0.752 (0.718–0.788)", or the ratio alone without an interval.
pub(super) fn ratio_cell(ratio: Option<f64>, ci: Option<Interval>) -> String {
    match (ratio, ci) {
        (Some(r), Some(ci)) => format!("{r:.3} ({:.3}–{:.3})", ci.low, ci.high),
        (Some(r), None) => format!("{r:.3} (no interval)"),
        _ => "–".into(),
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn decision_cell(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Inconclusive) => "**inconclusive**",
        other => decision_word(other),
    }
}

/// The decision in plain words (also for the console table and the HTML page).
pub(super) fn decision_word(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Settled) => "settled",
        Some(Decision::Inconclusive) => "inconclusive",
        Some(Decision::NoInterval) => "no interval",
        None => "–",
    }
}

/// The verdict line as markdown.
fn heading(c: &CheckResult) -> String {
    format!("## {}\n\n", verdict_line(c))
}

/// The verdict in one line (✅/⚠️/❌ first), with a flag when the sides were measured
/// differently; shared by the markdown, HTML and console renderings.
pub(super) fn verdict_line(c: &CheckResult) -> String {
    let n = c.workloads.len();
    let count = |f: &dyn Fn(&WorkloadCheck) -> bool| c.workloads.iter().filter(|w| f(w)).count();
    let reg = count(&|w| w.severity == Severity::Regression);
    let inconclusive = count(&|w| w.decision == Some(Decision::Inconclusive));
    let settled_warn =
        count(&|w| w.severity == Severity::Warning && w.decision != Some(Decision::Inconclusive));
    let line = match c.verdict {
        Severity::Regression => format!(
            "❌ Performance regression in {} ({n} checked: {}, {inconclusive} inconclusive)",
            plural(reg, "workload", "workloads"),
            plural(settled_warn, "warning", "warnings"),
        ),
        Severity::Warning if settled_warn > 0 => format!(
            "⚠️ {} slower than the warning threshold ({n} checked, {inconclusive} inconclusive)",
            plural(settled_warn, "workload", "workloads"),
        ),
        Severity::Warning => format!(
            "⚠️ Inconclusive: {} need{} more rounds to settle ({n} checked, {inconclusive} inconclusive, \
             none slower for sure)",
            plural(inconclusive, "workload", "workloads"),
            if inconclusive == 1 { "s" } else { "" },
        ),
        Severity::Pass => format!("✅ No performance regression ({n} workloads checked, 0 inconclusive)"),
    };
    let flagged = c.mismatches.iter().any(|m| m.kind != MismatchKind::Harness);
    format!("{line}{}", if flagged { " · ⚠️ sides measured differently" } else { "" })
}

/// The warning block on differences in how the sides were measured.
fn mismatch_block(c: &CheckResult) -> String {
    let mut out = String::new();
    let (refused, notes): (Vec<_>, Vec<_>) =
        c.mismatches.iter().partition(|m| m.kind != MismatchKind::Harness);
    if !refused.is_empty() {
        out.push_str(
            "> ⚠️ **The two sides were measured differently** (checked anyway: `--allow-mismatch`). A \
             different load or machine moves the numbers by itself: differences below can be that, \
             not the code.\n",
        );
        for m in &refused {
            out.push_str(&format!("> - {}\n", cell(&m.message)));
        }
        out.push('\n');
    }
    for m in &notes {
        out.push_str(&format!(
            "> ℹ️ {}: a change in the harness can move the numbers too.\n",
            cell(&m.message)
        ));
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    out
}

/// "3 rounds per side", or what differs.
fn rounds_line(c: &CheckResult) -> String {
    let mut pairs: Vec<(u32, u32)> =
        c.workloads.iter().map(|w| (w.baseline_rounds, w.current_rounds)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    match pairs.as_slice() {
        [(1, 1)] => "One round per side: no intervals, so thresholds apply to the point estimates.".into(),
        [(b, c)] if b == c => format!("{b} rounds per side."),
        [(b, c)] => format!("Rounds: baseline {b}, current {c}."),
        _ => "Rounds differ between workloads (see the JSON result).".into(),
    }
}

/// The check as markdown.
pub fn check_markdown(c: &CheckResult) -> String {
    let mut out = heading(c);
    out.push_str(&mismatch_block(c));
    let t = &c.thresholds;
    let metric = match t.metric.as_str() {
        "rps" => "throughput",
        "p99" => "p99 latency",
        _ => "throughput and p99 latency",
    };
    let conf = (1.0 - t.alpha) * 100.0;
    out.push_str(&format!(
        "Baseline {} → current {}. Thresholds on {metric}: warning from {} %, regression from {} %, noise \
         floor ±{} %. {}\n\n",
        short(&c.baseline),
        short(&c.current),
        t.warn_percent,
        t.fail_percent,
        t.noise_floor_percent,
        rounds_line(c),
    ));
    out.push_str(&format!(
        "Each ratio is current ÷ baseline with its {conf:.0} % interval (throughput: Welch's t on the logs of \
         the rounds; p99: bootstrap over rounds of the merged latency histograms). ✅ when the interval \
         excludes the warning threshold; ❌ when all of it is past the fail threshold; ⚠️ when all of it is \
         past the warning threshold, or when it is **inconclusive**: it reaches from within the thresholds \
         to past them, and more rounds are needed to settle it.\n\n"
    ));
    out.push_str(
        "| | Workload | Framework | Baseline req/s | Current req/s | Δ req/s | req/s ratio (CI) | Δ p99 \
         | p99 ratio (CI) | Decision | Why |\n",
    );
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    for w in &c.workloads {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:+.1} % | {} | {} | {} | {} | {} |\n",
            mark(w.severity),
            cell(&w.workload),
            cell(&w.framework),
            crate::report::thousands(w.baseline_rps),
            crate::report::thousands(w.current_rps),
            w.rps_change_percent,
            ratio_cell(w.rps_ratio, w.rps_ratio_ci),
            w.p99_change_percent.map(|p| format!("{p:+.1} %")).unwrap_or_else(|| "–".into()),
            ratio_cell(w.p99_ratio, w.p99_ratio_ci),
            decision_cell(w.decision),
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
    let p: Vec<String> = c
        .workloads
        .iter()
        .filter_map(|w| w.p_value.map(|p| format!("{} {}", w.workload, p_text(p))))
        .collect();
    if !p.is_empty() {
        out.push_str(&format!("- Welch's p of ln throughput: {}\n", p.join(", ")));
    }
    for n in &c.notes {
        out.push_str(&format!("- {}\n", cell(n)));
    }
    out.push_str("\n</details>\n");
    out
}

// The check's markdown on saved results: a regression next to an inconclusive change, a
// comparison of sides measured differently, and one round per side (snapshots, plus the
// verdict lines asserted directly).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_rounds, CheckOptions};
    use crate::report::AnyResult;
    use crate::schema::RunResult;

    fn run() -> RunResult {
        serde_json::from_str(include_str!("../../tests/fixtures/run.json")).unwrap()
    }

    fn options() -> CheckOptions {
        crate::report::fixtures::check_options()
    }

    /// Run files of one side: per round, small-json and large-json scaled by their factors
    /// (path-params, the third workload, by 1.0, 1.01, 0.99: quiet and unchanged).
    fn side(rounds: &[(f64, f64)], prefix: &str, edit: impl Fn(&mut RunResult)) -> Vec<(AnyResult, String)> {
        rounds
            .iter()
            .enumerate()
            .map(|(i, (small, large))| {
                let mut r = run();
                for w in r.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()) {
                    let f = match w.name.as_str() {
                        "small-json" => *small,
                        "large-json" => *large,
                        _ => [1.0, 1.01, 0.99][i % 3],
                    };
                    if let Some(m) = w.results.as_mut() {
                        m.throughput.requests_per_sec *= f;
                    }
                }
                edit(&mut r);
                (AnyResult::Run(r), format!("{prefix}.round{}.json", i + 1))
            })
            .collect()
    }

    fn heading(md: &str) -> &str {
        md.lines().next().unwrap()
    }

    #[test]
    fn a_regression_beside_an_inconclusive_change() {
        // small-json: 25 % slower, quiet rounds; large-json: 16 % slower, noisy rounds.
        let base = side(&[(1.0, 1.25), (1.01, 0.8), (0.99, 1.0)], "base", |_| {});
        let cur = side(&[(0.755, 0.8), (0.748, 1.05), (0.752, 0.7)], "head", |_| {});
        let c = check_rounds(&base, &cur, &options()).unwrap();
        let md = check_markdown(&c);
        assert_eq!(
            heading(&md),
            "## ❌ Performance regression in 1 workload (3 checked: 0 warnings, 1 inconclusive)"
        );
        assert!(md.contains("| ❌ | small-json | fastapi |"), "{md}");
        assert!(md.contains("| ⚠️ | large-json | fastapi |"), "{md}");
        assert!(md.contains("| **inconclusive** | throughput -16."), "{md}");
        insta::assert_snapshot!("check_markdown_regression_and_inconclusive", md);
    }

    #[test]
    fn only_inconclusive_changes_say_so_in_the_verdict_line() {
        let base = side(&[(1.0, 1.25), (1.01, 0.8), (0.99, 1.0)], "base", |_| {});
        let cur = side(&[(1.0, 0.8), (1.01, 1.05), (0.99, 0.7)], "head", |_| {});
        let md = check_markdown(&check_rounds(&base, &cur, &options()).unwrap());
        assert_eq!(
            heading(&md),
            "## ⚠️ Inconclusive: 1 workload needs more rounds to settle (3 checked, 1 inconclusive, none slower for sure)"
        );
        let same = check_rounds(&base, &base, &options()).unwrap();
        assert_eq!(
            same.verdict,
            Severity::Warning,
            "large-json's rounds are too noisy to pass: {:#?}",
            same.workloads
        );
    }

    #[test]
    fn sides_measured_differently_are_flagged_at_the_top() {
        let base = side(&[(1.0, 1.0)], "base", |_| {});
        let cur = side(&[(0.8, 1.0)], "head", |r| {
            r.configuration.concurrency = 100;
            r.metadata.host.cpu_model = Some("Intel(R) Xeon(R) Platinum 8370C".into());
            r.metadata.harness_version = "0.2.0".into();
        });
        let o = CheckOptions { allow_mismatch: true, ..options() };
        let md = check_markdown(&check_rounds(&base, &cur, &o).unwrap());
        let mut lines = md.lines();
        assert_eq!(
            lines.next(),
            Some(
                "## ❌ Performance regression in 1 workload (3 checked: 0 warnings, 0 inconclusive) · ⚠️ sides \
                 measured differently"
            )
        );
        assert!(
            lines.nth(1).unwrap().starts_with("> ⚠️ **The two sides were measured differently** "),
            "{md}"
        );
        assert!(md.contains("> - baseline concurrency 64, current 100\n"), "{md}");
        assert!(md.contains("> ℹ️ baseline harness version 0.1.0, current 0.2.0: "), "{md}");
        insta::assert_snapshot!("check_markdown_mismatch_allowed", md);
    }

    #[test]
    fn one_round_per_side_says_there_is_no_interval() {
        let base = side(&[(1.0, 1.0)], "base", |_| {});
        let cur = side(&[(0.97, 1.0)], "head", |_| {});
        let md = check_markdown(&check_rounds(&base, &cur, &options()).unwrap());
        assert_eq!(heading(&md), "## ✅ No performance regression (3 workloads checked, 0 inconclusive)");
        assert!(md.contains("One round per side: no intervals"), "{md}");
        assert!(
            md.contains(
                "| no interval | throughput -3.0 %: within thresholds; one round per side: no interval |"
            ),
            "{md}"
        );
    }
}
