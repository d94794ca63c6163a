//! Alerts: an email per new event (a change point, or a `check` regression), sent over
//! SMTP with plain-text and HTML bodies, or rendered for `--dry-run`.
//!
//! Events and mails are pure data ([`AlertEvent`], [`compose`], [`dry_run`]); only
//! [`send`] talks to the network (through `lettre`). Which events were already sent is
//! the store's to remember: `send` takes the ids sent before and returns those it sent.
//! Talks to `history::changepoint` and `schema` (check results).

mod config;
mod mail;
mod smtp;

pub use config::{
    find_alerts_table, parse_alerts_table, AlertConfig, AlertFlags, AlertsTable, TlsMode, PASSWORD_ENV,
};
pub use mail::{compose, dry_run, Mail};
pub use smtp::{send, SendError};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::history::changepoint::ChangePoint;
use crate::schema::{CheckResult, Severity};

/// The confidence level of the intervals put in events.
pub const CI_LEVEL: f64 = 0.95;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A persistent shift found by `history changes` (see `changepoint`).
    ChangePoint,
    /// A workload that `check` rated a regression against its baseline.
    CheckRegression,
}

/// A confidence interval of a mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// e.g. 0.95.
    pub confidence: f64,
}

/// One thing worth one email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub kind: AlertKind,
    pub framework: String,
    /// `None` when the source does not say (a `check` result has no suite).
    pub suite: Option<String>,
    pub workload: String,
    /// The figure, named as in result files: `rps`, `p99_ms`, …
    pub metric: String,
    /// `Some(true)` for throughput, `Some(false)` for latencies, errors, cpu and memory;
    /// `None` when unknown (the mail then says up/down instead of better/worse).
    pub higher_is_better: Option<bool>,
    /// The commit whose result shows the new level (the first point after the change, or
    /// the current side of a check).
    pub commit: String,
    /// The last commit before it (or the baseline's), when known.
    pub previous_commit: Option<String>,
    pub before: f64,
    pub before_ci: Option<Interval>,
    pub after: f64,
    pub after_ci: Option<Interval>,
    /// The change point's t-test p-value, or the check's Welch p-value.
    pub p_value: Option<f64>,
    /// Link to the run (CI job, artifact or report), when known.
    pub link: Option<String>,
}

/// Which series an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesKey<'a> {
    pub framework: &'a str,
    pub suite: Option<&'a str>,
    pub workload: &'a str,
    pub metric: &'a str,
}

impl AlertEvent {
    /// The stable id used to send each event once: a hash of kind, framework, suite,
    /// workload, metric and commit (not of the figures, which move as points are added).
    /// 16 hex digits.
    pub fn id(&self) -> String {
        let kind = match self.kind {
            AlertKind::ChangePoint => "change_point",
            AlertKind::CheckRegression => "check_regression",
        };
        let mut h = Sha256::new();
        for part in [
            kind,
            &self.framework,
            self.suite.as_deref().unwrap_or(""),
            &self.workload,
            &self.metric,
            &self.commit,
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// `after / before − 1` (0 when `before` is 0).
    pub fn rel_change(&self) -> f64 {
        if self.before == 0.0 {
            0.0
        } else {
            self.after / self.before - 1.0
        }
    }

    /// `Some(true)` when the move is for the worse, when the metric's direction is known.
    pub fn is_worse(&self) -> Option<bool> {
        let up = self.after > self.before;
        self.higher_is_better.map(|higher| up != higher)
    }

    /// The event for change point `cp` of a series, found at `commit` (the commit of point
    /// `cp.index`); the intervals are the t-based 95 % ones of the two means.
    pub fn from_change_point(
        key: SeriesKey<'_>,
        cp: &ChangePoint,
        commit: &str,
        previous_commit: Option<&str>,
        link: Option<&str>,
    ) -> Self {
        let interval =
            |ci: Option<(f64, f64)>| ci.map(|(low, high)| Interval { low, high, confidence: CI_LEVEL });
        AlertEvent {
            kind: AlertKind::ChangePoint,
            framework: key.framework.into(),
            suite: key.suite.map(Into::into),
            workload: key.workload.into(),
            metric: key.metric.into(),
            higher_is_better: higher_is_better(key.metric),
            commit: commit.into(),
            previous_commit: previous_commit.map(Into::into),
            before: cp.mean_before,
            before_ci: interval(cp.mean_ci_before(CI_LEVEL)),
            after: cp.mean_after,
            after_ci: interval(cp.mean_ci_after(CI_LEVEL)),
            p_value: Some(cp.p_value),
            link: link.map(Into::into),
        }
    }

    /// One event per workload that `check` rated a regression. The metric is the one the
    /// check ran on; with `both`, the one that slowed down more (in percent). The commit is
    /// the current side's (or "uncommitted run at TIMESTAMP" when it has none).
    pub fn from_check(result: &CheckResult, link: Option<&str>) -> Vec<Self> {
        let commit = result
            .current
            .git_commit
            .clone()
            .unwrap_or_else(|| format!("uncommitted run at {}", result.current.timestamp));
        let regressions = result.workloads.iter().filter(|w| w.severity == Severity::Regression);
        regressions
            .map(|w| {
                let p99 = match (w.baseline_p99_ms, w.current_p99_ms, w.p99_change_percent) {
                    (Some(b), Some(c), Some(pct)) => Some((b, c, pct)),
                    _ => None,
                };
                let use_p99 = match (result.thresholds.metric.as_str(), p99) {
                    ("p99", Some(_)) => true,
                    ("both", Some((_, _, pct))) => pct > -w.rps_change_percent,
                    _ => false,
                };
                let (metric, before, after, p_value) = match p99 {
                    Some((b, c, _)) if use_p99 => ("p99_ms", b, c, None),
                    _ => ("rps", w.baseline_rps, w.current_rps, w.p_value),
                };
                AlertEvent {
                    kind: AlertKind::CheckRegression,
                    framework: w.framework.clone(),
                    suite: None,
                    workload: w.workload.clone(),
                    metric: metric.into(),
                    higher_is_better: higher_is_better(metric),
                    commit: commit.clone(),
                    previous_commit: result.baseline.git_commit.clone(),
                    before,
                    before_ci: None,
                    after,
                    after_ci: None,
                    p_value,
                    link: link.map(Into::into),
                }
            })
            .collect()
    }
}

/// Whether a larger value of `metric` (named as in result files) is better: throughput
/// yes; latencies, errors, cpu and memory no; anything else unknown.
pub fn higher_is_better(metric: &str) -> Option<bool> {
    match metric {
        "rps" | "requests_per_sec" | "req_per_sec" => Some(true),
        "errors" | "error_rate" | "cpu_percent" | "memory_mb" => Some(false),
        m if m.ends_with("_ms") => Some(false),
        _ => None,
    }
}

/// The events not sent before (by id), each once, in their order.
pub fn new_events<'a>(
    events: &'a [AlertEvent],
    sent_ids: &BTreeSet<String>,
) -> Vec<(String, &'a AlertEvent)> {
    let mut seen = BTreeSet::new();
    events
        .iter()
        .map(|e| (e.id(), e))
        .filter(|(id, _)| !sent_ids.contains(id) && seen.insert(id.clone()))
        .collect()
}

/// Anything that stops alerts from being configured or sent.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error(transparent)]
    Config(#[from] crate::check::ConfigError),
    #[error("{path}:{line}:{column}: `password` is not read from the config file; secrets come only from the environment: set {PASSWORD_ENV}", path = path.display())]
    PasswordInFile { path: std::path::PathBuf, line: usize, column: usize },
    #[error("no SMTP server for alerts: pass --smtp-server or set `server` in the [alerts] table of benchmark-harness.toml")]
    MissingServer,
    #[error("no sender for alerts: pass --smtp-from or set `from` in the [alerts] table of benchmark-harness.toml")]
    MissingFrom,
    #[error("no recipient for alerts: pass --smtp-to or set `to = [...]` in the [alerts] table of benchmark-harness.toml")]
    MissingTo,
    #[error("bad email address in {field}: '{value}' ({reason}); use e.g. 'Bench <bench@example.com>' or 'bench@example.com'")]
    BadAddress { field: &'static str, value: String, reason: String },
    #[error("unknown SMTP TLS mode '{0}'; valid modes: starttls (default), tls, none")]
    BadTls(String),
    #[error("SMTP port {0} is not valid; use 1-65535 (default 587 for starttls, 465 for tls, 25 for none)")]
    BadPort(i64),
    #[error("SMTP user '{user}' has no password: set {PASSWORD_ENV} in the environment")]
    MissingPassword { user: String },
    #[error("refusing to send the SMTP password unencrypted to '{server}': use tls = \"starttls\" or \"tls\" (tls = \"none\" with a user is allowed only to a loopback server)")]
    PlaintextPassword { server: String },
    #[error("could not build the alert mail for event {id}: {message}")]
    Compose { id: String, message: String },
    #[error("could not send the alert mail for event {id} through {server}:{port}: {message}")]
    Send { id: String, server: String, port: u16, message: String },
}

impl AlertError {
    /// Bad input (exit code 2) rather than a failure to reach or use the server (1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, AlertError::Send { .. })
    }
}

#[cfg(test)]
pub(crate) mod sink;
#[cfg(test)]
mod tests;
