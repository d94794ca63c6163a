//! The mail of an event (subject, plain text, HTML) and the `--dry-run` rendering of the
//! mails that would be sent. Pure.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{new_events, AlertConfig, AlertEvent, AlertKind, Interval};

/// One composed mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The event id (also in the `Message-ID` and `X-Benchmark-Harness-Event` headers).
    pub id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// `<id@benchmark-harness>`: the same event always has the same Message-ID, so a
    /// mail sent twice (a store that lost its memory) is one thread for the reader.
    pub fn message_id(&self) -> String {
        format!("<{}@benchmark-harness>", self.id)
    }
}

/// The mail for `event`: subject, plain-text and HTML bodies naming the kind, framework,
/// workload, metric, commit, before/after (with intervals when known), the change, the
/// p-value and the link to the run.
pub fn compose(event: &AlertEvent) -> Mail {
    let id = event.id();
    let unit = unit(&event.metric);
    let change = format!("{:+.1} %", event.rel_change() * 100.0);
    let verdict = match event.is_worse() {
        Some(true) => " (worse)",
        Some(false) => " (better)",
        None => "",
    };
    let what = match event.kind {
        AlertKind::ChangePoint => "change point",
        AlertKind::CheckRegression => "regression",
    };
    let subject = format!(
        "[benchmark-harness] {what}: {} {} {} {change}{verdict} at {}",
        event.framework,
        event.workload,
        event.metric,
        short(&event.commit)
    );
    let suite = event.suite.as_ref().map(|s| format!(" (suite {s})")).unwrap_or_default();
    let intro = match event.kind {
        AlertKind::ChangePoint => "benchmark-harness found a change point in",
        AlertKind::CheckRegression => "benchmark-harness check rated a regression in",
    };
    let direction = match event.higher_is_better {
        Some(true) => " (higher is better)",
        Some(false) => " (lower is better)",
        None => "",
    };
    let explain = match event.kind {
        AlertKind::ChangePoint => {
            "A change point is a persistent shift: \"before\" is the mean of the runs since the previous \
             change point, \"after\" the mean of the runs from this commit on (docs/history-analytics.md)."
        }
        AlertKind::CheckRegression => {
            "\"before\" is the baseline result, \"after\" the current one; the check's thresholds rated the \
             change a regression."
        }
    };
    let commit_line = match &event.previous_commit {
        Some(prev) => format!("{} (previous: {prev})", event.commit),
        None => event.commit.clone(),
    };

    let mut rows: Vec<(&str, String)> = vec![
        ("commit", commit_line),
        ("metric", format!("{}{direction}", event.metric)),
        ("before", figure(event.before, unit, event.before_ci)),
        ("after", figure(event.after, unit, event.after_ci)),
        ("change", format!("{change}{verdict}")),
    ];
    if let Some(p) = event.p_value {
        rows.push(("p-value", p_value(p)));
    }
    if let Some(link) = &event.link {
        rows.push(("run", link.clone()));
    }

    let mut text =
        format!("{intro} {} of {} on workload {}{suite}.\n\n", event.metric, event.framework, event.workload);
    for (name, value) in &rows {
        let _ = writeln!(text, "  {name:<9}{value}");
    }
    let _ = write!(text, "\n{explain}\n\nevent id {id}: each event is mailed once.\n");

    let colour = match event.is_worse() {
        Some(true) => " style=\"color:#b00020\"",
        Some(false) => " style=\"color:#1b7f3b\"",
        None => "",
    };
    let mut html = String::from("<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n");
    let _ = writeln!(
        html,
        "<p>{intro} <b>{}</b> of <b>{}</b> on workload <b>{}</b>{}.</p>",
        esc(&event.metric),
        esc(&event.framework),
        esc(&event.workload),
        esc(&suite)
    );
    html.push_str("<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n");
    for (name, value) in &rows {
        let cell = match *name {
            "run" => format!("<a href=\"{0}\">{0}</a>", esc(value)),
            "change" => format!("<span{colour}>{}</span>", esc(value)),
            "commit" => format!("<code>{}</code>", esc(value)),
            _ => esc(value),
        };
        let _ = writeln!(html, "<tr><th align=\"left\">{name}</th><td>{cell}</td></tr>");
    }
    html.push_str("</table>\n");
    let _ = writeln!(html, "<p>{}</p>", esc(explain));
    let _ = writeln!(
        html,
        "<p style=\"color:#666;font-size:small\">event id {id}: each event is mailed once.</p>\n</body></html>"
    );
    Mail { id, subject, text, html }
}

/// What `--dry-run` prints: every mail that `send` would send now (events not in
/// `sent_ids`, each once), with its headers and both bodies. `config` is `None` when no
/// SMTP settings are given (the mails are still shown).
pub fn dry_run(events: &[AlertEvent], sent_ids: &BTreeSet<String>, config: Option<&AlertConfig>) -> String {
    let fresh = new_events(events, sent_ids);
    let skipped = events.iter().map(AlertEvent::id).collect::<BTreeSet<_>>().intersection(sent_ids).count();
    let mut out = String::new();
    if fresh.is_empty() {
        let _ = writeln!(out, "no new alert events ({skipped} already sent); nothing would be sent");
        return out;
    }
    let _ = writeln!(
        out,
        "{} new alert event{} ({skipped} already sent); dry run: nothing is sent",
        fresh.len(),
        if fresh.len() == 1 { "" } else { "s" }
    );
    let (from, to, server) = match config {
        Some(c) => (
            c.from.to_string(),
            c.to.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            format!("{}:{} ({})", c.server, c.port, c.tls.as_str()),
        ),
        None => {
            let none = "(not configured: [alerts] in benchmark-harness.toml or --smtp-* flags)";
            (none.to_string(), none.to_string(), none.to_string())
        }
    };
    let _ = writeln!(out, "server: {server}");
    for (k, (_, event)) in fresh.iter().enumerate() {
        let mail = compose(event);
        let _ = write!(
            out,
            "\n=== mail {} of {} ===\nFrom: {from}\nTo: {to}\nSubject: {}\nMessage-ID: {}\n\n{}\n--- HTML part ---\n{}",
            k + 1,
            fresh.len(),
            mail.subject,
            mail.message_id(),
            mail.text,
            mail.html
        );
    }
    out
}

/// The unit of a metric named as in result files.
fn unit(metric: &str) -> &'static str {
    match metric {
        "rps" | "requests_per_sec" | "req_per_sec" => "req/s",
        m if m.ends_with("_ms") => "ms",
        m if m.ends_with("_mb") => "MB",
        m if m.ends_with("_percent") => "%",
        _ => "",
    }
}

/// A figure with its unit and interval: `12345.6 req/s (95 % CI 12300.1 to 12391.0)`.
fn figure(v: f64, unit: &str, ci: Option<Interval>) -> String {
    let mut s = number(v);
    if !unit.is_empty() {
        s = format!("{s} {unit}");
    }
    if let Some(ci) = ci {
        let _ = write!(s, " ({:.0} % CI {} to {})", ci.confidence * 100.0, number(ci.low), number(ci.high));
    }
    s
}

/// Enough digits for the size of the value.
fn number(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

fn p_value(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// The first 12 characters of a commit id.
fn short(commit: &str) -> &str {
    commit.char_indices().nth(12).map_or(commit, |(i, _)| &commit[..i])
}

/// HTML-escaped text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
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
