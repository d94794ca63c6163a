//! Alerts from the store: one [`AlertEvent`] per change point found and per stored `check`
//! regression, each mailed once (the store remembers the ids sent, also those sent before
//! a failure). Talks to `alert` (mails, SMTP) and the store; never prints.

use std::collections::BTreeMap;

use super::alert::{
    self, higher_is_better, AlertConfig, AlertEvent, AlertKind, Interval, SendError, CI_LEVEL,
};
use super::{ChangeRecord, HistoryStore, SentAlert, StoreError, VerdictRow};
use crate::schema::CheckResult;

/// Why alerts could not be sent (or their sending not remembered).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Send(#[from] SendError),
}

/// The event of a change point found on a series.
pub fn change_event(c: &ChangeRecord, link: Option<&str>) -> AlertEvent {
    let interval =
        |ci: Option<(f64, f64)>| ci.map(|(low, high)| Interval { low, high, confidence: CI_LEVEL });
    AlertEvent {
        kind: AlertKind::ChangePoint,
        framework: c.framework.clone(),
        suite: Some(c.suite.clone()),
        workload: c.workload.clone(),
        metric: c.metric.clone(),
        higher_is_better: higher_is_better(&c.metric),
        commit: c.git_commit.clone(),
        previous_commit: Some(c.previous_commit.clone()),
        before: c.mean_before,
        before_ci: interval(c.ci_before),
        after: c.mean_after,
        after_ci: interval(c.ci_after),
        p_value: Some(c.p_value),
        link: link.map(String::from),
    }
}

/// The events of the stored check verdicts that are regressions: each check run is
/// rebuilt as a check result, so the events (and their ids) are those `check --alert` makes.
pub fn check_events(verdicts: &[VerdictRow], link: Option<&str>) -> Vec<AlertEvent> {
    let mut by_run: BTreeMap<i64, Vec<&VerdictRow>> = BTreeMap::new();
    for v in verdicts {
        by_run.entry(v.run.id).or_default().push(v);
    }
    let mut out = Vec::new();
    for rows in by_run.values() {
        let first = rows[0];
        let Ok(thresholds) = serde_json::from_str::<serde_json::Value>(&first.thresholds) else { continue };
        let workloads: Vec<serde_json::Value> = rows
            .iter()
            .map(|v| {
                serde_json::json!({
                    "framework": v.framework, "workload": v.workload, "baseline_rps": v.baseline_rps,
                    "current_rps": v.current_rps, "rps_change_percent": v.rps_change_percent,
                    "baseline_p99_ms": v.baseline_p99_ms, "current_p99_ms": v.current_p99_ms,
                    "p99_change_percent": v.p99_change_percent, "p_value": v.p_value,
                    "significant": v.significant, "severity": v.severity,
                    "warn_percent": thresholds["warn_percent"], "fail_percent": thresholds["fail_percent"],
                    "reason": v.reason,
                })
            })
            .collect();
        let side = |commit: &Option<String>, time: &str| serde_json::json!({"file": "", "mode": "run", "git_commit": commit, "timestamp": time});
        let result = serde_json::json!({
            "mode": "check", "schema_version": 1, "verdict": "regression",
            "baseline": side(&first.baseline_commit, ""),
            "current": side(&first.run.git_commit, &first.run.time.to_rfc3339()),
            "thresholds": thresholds, "workloads": workloads,
            "only_in_baseline": [], "only_in_current": [],
        });
        if let Ok(check) = serde_json::from_value::<CheckResult>(result) {
            out.extend(AlertEvent::from_check(&check, link));
        }
    }
    out
}

fn sent(events: &[AlertEvent], ids: &[String]) -> Vec<SentAlert> {
    ids.iter()
        .filter_map(|id| events.iter().find(|e| &e.id() == id))
        .map(|e| SentAlert {
            id: e.id(),
            kind: match e.kind {
                AlertKind::ChangePoint => "change_point".into(),
                AlertKind::CheckRegression => "check_regression".into(),
            },
            subject: alert::compose(e).subject,
        })
        .collect()
}

/// Mail every event not mailed before and remember each one mailed (also when a later
/// one fails); the ids mailed now.
pub fn send_new(
    store: &mut dyn HistoryStore,
    events: &[AlertEvent],
    config: &AlertConfig,
) -> Result<Vec<String>, NotifyError> {
    let before = store.sent_alerts()?;
    match alert::send(events, config, &before) {
        Ok(ids) => {
            store.record_alerts(&sent(events, &ids))?;
            Ok(ids)
        }
        Err(e) => {
            store.record_alerts(&sent(events, &e.sent))?;
            Err(e.into())
        }
    }
}

/// What `--dry-run` prints: the mails that [`send_new`] would send now.
pub fn dry_run(
    store: &mut dyn HistoryStore,
    events: &[AlertEvent],
    config: Option<&AlertConfig>,
) -> Result<String, StoreError> {
    Ok(alert::dry_run(events, &store.sent_alerts()?, config))
}
