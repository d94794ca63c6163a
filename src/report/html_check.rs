//! The HTML page of a regression check: the verdict, a warning when the sides were measured
//! differently, the thresholds, then per workload (worst first) its change, ratio interval,
//! decision and reason, as in the markdown report.
//!
//! Pure: reads the check result and the shared wording of `markdown_check`.

use std::fmt::Write;

use super::html::{notes, page, reason};
use super::markdown_check::{decision_word, mark, ratio_cell, verdict_line};
use super::svg::esc;
use super::thousands;
use crate::schema::{CheckResult, CheckSide, Decision, MismatchKind, Severity};

fn side(s: &CheckSide) -> String {
    let commit = s
        .git_commit
        .as_deref()
        .map(|c| format!(" @ <code>{}</code>", esc(&c[..c.len().min(8)])))
        .unwrap_or_default();
    format!("<code>{}</code>{commit} ({} result from {})", esc(&s.file), esc(&s.mode), esc(&s.timestamp))
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter().map(|s| format!("<code>{}</code>", esc(s))).collect::<Vec<_>>().join(", ")
    }
}

/// The whole check page.
pub(super) fn render(c: &CheckResult) -> String {
    let colour = match c.verdict {
        Severity::Pass => "#1a7f37",
        Severity::Warning => "#9a6700",
        Severity::Regression => "#b42318",
    };
    let mut b = String::from("<h1>Regression check</h1>\n");
    let _ = writeln!(b, "<p class=\"sub\">baseline {} → current {}</p>", side(&c.baseline), side(&c.current));
    let _ = writeln!(
        b,
        "<div class=\"verdict\" style=\"border-left-color:{colour}\"><div class=\"big\">{}</div></div>",
        esc(&verdict_line(c))
    );
    let (refused, harness): (Vec<_>, Vec<_>) =
        c.mismatches.iter().partition(|m| m.kind != MismatchKind::Harness);
    if !refused.is_empty() {
        let items: Vec<String> = refused.iter().map(|m| format!("<li>{}</li>", esc(&m.message))).collect();
        let _ = writeln!(
            b,
            "<div class=\"warn\"><b>The two sides were measured differently</b> (checked anyway: \
             <code>--allow-mismatch</code>). A different load or machine moves the numbers by itself: \
             differences below can be that, not the code.<ul>{}</ul></div>",
            items.join("")
        );
    }
    for m in &harness {
        let _ = writeln!(
            b,
            "<p class=\"muted\">ℹ {}: a change in the harness can move the numbers too.</p>",
            esc(&m.message)
        );
    }
    let t = &c.thresholds;
    let metric = match t.metric.as_str() {
        "rps" => "throughput",
        "p99" => "p99 latency",
        _ => "throughput and p99 latency",
    };
    let _ = writeln!(
        b,
        "<p>Thresholds on {metric}: warning from {} %, regression from {} %, noise floor ±{} %. Each ratio is \
         current ÷ baseline with its {:.0} % interval. ✅ when the interval excludes the warning threshold; ❌ \
         when all of it is past the fail threshold; ⚠️ when all of it is past the warning threshold, or when \
         it is <b>inconclusive</b> (it reaches from within the thresholds to past them: more rounds settle it).</p>",
        t.warn_percent,
        t.fail_percent,
        t.noise_floor_percent,
        (1.0 - t.alpha) * 100.0
    );
    b.push_str(
        "<h2>Workloads</h2>\n<table class=\"wl\"><tr><th></th><th>Workload</th><th>Framework</th>\
         <th>Baseline req/s</th><th>Current req/s</th><th>Δ req/s</th><th>req/s ratio (CI)</th><th>Δ p99</th>\
         <th>p99 ratio (CI)</th><th>Rounds</th><th>Decision</th><th>Why</th></tr>\n",
    );
    for w in &c.workloads {
        let decision = decision_word(w.decision);
        let decision = if w.decision == Some(Decision::Inconclusive) {
            format!("<b>{decision}</b>")
        } else {
            decision.into()
        };
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{:+.1} %</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{} / {}</td><td>{decision}</td><td>{}</td></tr>",
            mark(w.severity),
            esc(&w.workload),
            esc(&w.framework),
            thousands(w.baseline_rps),
            thousands(w.current_rps),
            w.rps_change_percent,
            esc(&ratio_cell(w.rps_ratio, w.rps_ratio_ci)),
            w.p99_change_percent.map_or("–".into(), |p| format!("{p:+.1} %")),
            esc(&ratio_cell(w.p99_ratio, w.p99_ratio_ci)),
            w.baseline_rounds,
            w.current_rounds,
            reason(&w.reason)
        );
    }
    b.push_str("</table>\n");
    if c.workloads.is_empty() {
        b.push_str("<p class=\"warn\">No workload was measured on both sides.</p>\n");
    }
    let _ = writeln!(
        b,
        "<h2>Details</h2>\n<ul class=\"method\"><li><b>Only in the baseline:</b> {}</li>\
         <li><b>Only in the current result:</b> {}</li></ul>",
        list(&c.only_in_baseline),
        list(&c.only_in_current)
    );
    b.push_str(&notes(&c.notes));
    page(&format!("Regression check: {}", verdict_line(c)), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_rounds;
    use crate::report::AnyResult;
    use crate::schema::RunResult;

    /// small-json 20 % slower on the current side, with a `<b>` in a framework name that must
    /// stay text.
    fn check() -> CheckResult {
        let base: RunResult = serde_json::from_str(include_str!("../../tests/fixtures/run.json")).unwrap();
        let mut cur = base.clone();
        for w in cur.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).filter(|w| w.name == "small-json")
        {
            w.results.as_mut().unwrap().throughput.requests_per_sec *= 0.8;
        }
        let (mut base, mut cur) = (base, cur);
        base.metadata.framework = Some("<b>api</b>".into());
        cur.metadata.framework = Some("<b>api</b>".into());
        let o = crate::report::fixtures::check_options();
        check_rounds(
            &[(AnyResult::Run(base), "base.json".into())],
            &[(AnyResult::Run(cur), "head.json".into())],
            &o,
        )
        .unwrap()
    }

    #[test]
    fn the_page_gives_the_verdict_per_workload_and_escapes_names() {
        let c = check();
        assert_eq!(c.verdict, Severity::Regression);
        let html = render(&c);
        assert!(html.contains("❌ Performance regression in 1 workload"), "{html}");
        assert!(html.contains("<tr><td>❌</td><td>small-json</td><td>&lt;b&gt;api&lt;/b&gt;</td>"), "{html}");
        assert!(html.contains("<td class=\"n\">-20.0 %</td>"), "{html}");
        let rows = html.matches("<tr><td>✅</td>").count();
        assert_eq!(rows, c.workloads.len() - 1, "every other workload passes: {html}");
        assert!(!html.contains("<b>api</b>"), "a name must not become markup");
    }
}
