//! One workload judged: the throughput ratio with its interval (Welch on the logs of the
//! rounds), the p99 ratio with its bootstrap interval, each through the interval rule, and
//! the reason in words.
//!
//! Calls `stats::log_ratio`, `tail` and `rule`.

use super::entries::Entry;
use super::rule::{judge, latency_worse, rps_worse, Clause, Judgement, Limits};
use super::tail::{compare_p99, seed_for, Tail};
use super::{CheckOptions, Metric};
use crate::schema::{Decision, Interval, Severity, WorkloadCheck};
use crate::stats::{log_ratio, round_to};

/// A figure's ratio current ÷ baseline, its interval, and why there is none.
struct Ratio {
    ratio: Option<f64>,
    ci: Option<(f64, f64)>,
    p_value: Option<f64>,
    no_interval: Option<String>,
}

fn rounds_text(nb: usize, nc: usize) -> String {
    match (nb, nc) {
        _ if nb >= 2 && nc >= 2 => "no interval".into(),
        (1, 1) => "one round per side: no interval".into(),
        (1, _) => format!("one round on the baseline side ({nc} on the current): no interval"),
        _ => format!("one round on the current side ({nb} on the baseline): no interval"),
    }
}

/// Throughput: ratio of geometric means with Welch's interval on the logs of the rounds.
fn throughput(b: &Entry, c: &Entry, alpha: f64) -> Ratio {
    let (nb, nc) = (b.rounds(), c.rounds());
    if b.rps <= 0.0 {
        let why = "the baseline measured 0 req/s: no ratio".to_string();
        return Ratio { ratio: None, ci: None, p_value: None, no_interval: Some(why) };
    }
    let point = c.rps / b.rps;
    if nb < 2 || nc < 2 {
        return Ratio { ratio: Some(point), ci: None, p_value: None, no_interval: Some(rounds_text(nb, nc)) };
    }
    match log_ratio(&c.rps_samples, &b.rps_samples, 1.0 - alpha) {
        Ok(r) => Ratio { ratio: Some(r.ratio), ci: Some(r.ci), p_value: Some(r.p_value), no_interval: None },
        Err(e) => {
            let why = format!("no interval: {}", e.reason());
            Ratio { ratio: Some(point), ci: None, p_value: None, no_interval: Some(why) }
        }
    }
}

fn tail_ratio(t: &Tail, b: &Entry, c: &Entry) -> Ratio {
    let why = match (&t.note, t.ci) {
        (Some(note), _) => Some(note.clone()),
        (None, None) => Some(rounds_text(b.rounds(), c.rounds())),
        (None, Some(_)) => None,
    };
    Ratio { ratio: t.ratio, ci: t.ci, p_value: None, no_interval: why }
}

/// The clause of the rule in words.
fn phrase(name: &str, r: &Ratio, j: Judgement, l: Limits) -> String {
    let ratio = r.ratio.unwrap_or(1.0);
    let head = format!("{name} {:+.1} %", (ratio - 1.0) * 100.0);
    let ci = r.ci.map(|(lo, hi)| format!("CI {lo:.3}–{hi:.3}")).unwrap_or_default();
    let (warn, fail, floor) = (l.warn, l.fail, l.floor);
    match j.clause {
        Clause::ExcludesWarn => {
            format!("{head} ({ci}): the interval excludes the warning threshold ({warn} %)")
        }
        Clause::WithinFloor => {
            format!("{head} ({ci}): the interval lies within the noise floor (±{floor} %)")
        }
        Clause::BeyondFail => {
            format!("{head} ({ci}): the whole interval is past the fail threshold ({fail} %)")
        }
        Clause::BeyondWarn => format!(
            "{head} ({ci}): the whole interval is past the warning threshold ({warn} %), not all of it past \
             the fail threshold ({fail} %)"
        ),
        Clause::ReachesWarn => format!(
            "{head}: inconclusive: need more rounds ({ci} reaches from within the thresholds to past the \
             warning threshold, {warn} %)"
        ),
        Clause::Spans => format!(
            "{head}: inconclusive: need more rounds ({ci} reaches from within the thresholds to past the \
             fail threshold, {fail} %)"
        ),
        Clause::Point => {
            let why = r.no_interval.as_deref().unwrap_or("no interval");
            match j.severity {
                Severity::Pass => format!("{head}: within thresholds; {why}"),
                Severity::Warning => format!("{head} (threshold {warn} %); {why}"),
                Severity::Regression => format!("{head} (threshold {fail} %); {why}"),
            }
        }
    }
}

/// A figure through the rule; `worse` turns a ratio into percent worse.
fn assess(r: &Ratio, l: Limits, worse: fn(f64) -> f64) -> Option<Judgement> {
    let ratio = r.ratio?;
    // The interval in percent worse: its ends swap when lower is worse.
    let ci = r.ci.map(|(lo, hi)| {
        let (a, b) = (worse(lo), worse(hi));
        (a.min(b), a.max(b))
    });
    Some(judge(worse(ratio), ci, l))
}

fn interval(ci: Option<(f64, f64)>) -> Option<Interval> {
    ci.map(|(low, high)| Interval { low, high })
}

/// Judge one workload of `c` against the same workload of `b`.
pub fn evaluate(b: &Entry, c: &Entry, o: &CheckOptions) -> WorkloadCheck {
    let ov = o.overrides.get(&c.workload);
    let warn = ov.and_then(|v| v.warn).unwrap_or(o.warn);
    let fail = ov.and_then(|v| v.fail).unwrap_or(o.fail);
    let limits = Limits { warn, fail, floor: o.noise_floor };
    let rps = throughput(b, c, o.alpha);
    let tail = compare_p99(b, c, o.alpha, seed_for(&format!("{}/{}", c.framework, c.workload)));
    let p99 = tail.as_ref().map(|t| tail_ratio(t, b, c));

    // (judgement, reason) of each figure the metric asks for.
    let mut judged: Vec<(Judgement, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    if o.metric != Metric::P99 {
        match assess(&rps, limits, rps_worse) {
            Some(j) => judged.push((j, phrase("throughput", &rps, j, limits))),
            None => notes.push(rps.no_interval.clone().unwrap_or_default()),
        }
    }
    if o.metric != Metric::Rps {
        match p99.as_ref().and_then(|r| assess(r, limits, latency_worse).map(|j| (r, j))) {
            Some((r, j)) => {
                let mut why = phrase("p99 latency", r, j, limits);
                if let (Some(note), false) = (&r.no_interval, j.clause == Clause::Point) {
                    why.push_str(&format!(" ({note})"));
                }
                judged.push((j, why));
            }
            None => notes.push("p99 latency: not measured on both sides".into()),
        }
    }
    let severity = judged.iter().map(|(j, _)| j.severity).max().unwrap_or(Severity::Pass);
    // A warning or regression needs one figure that shows it: the best-founded of those
    // decides. A pass needs every figure: the weakest decides.
    let rank = |d: Decision| match d {
        Decision::Settled => 0,
        Decision::Inconclusive => 1,
        Decision::NoInterval => 2,
    };
    let at_severity = judged.iter().filter(|(j, _)| j.severity == severity).map(|(j, _)| j.decision);
    let decision = if severity == Severity::Pass {
        at_severity.max_by_key(|d| rank(*d))
    } else {
        at_severity.min_by_key(|d| rank(*d))
    }
    .unwrap_or(Decision::NoInterval);
    let mut reasons: Vec<String> = judged.into_iter().map(|(_, r)| r).collect();
    reasons.extend(notes.into_iter().filter(|n| !n.is_empty()));

    let pct = |r: Option<f64>| r.map(|r| round_to((r - 1.0) * 100.0, 2));
    WorkloadCheck {
        framework: c.framework.clone(),
        workload: c.workload.clone(),
        baseline_rps: b.rps,
        current_rps: c.rps,
        rps_change_percent: pct(rps.ratio).unwrap_or(0.0),
        baseline_p99_ms: tail.as_ref().map(|t| t.baseline_ms),
        current_p99_ms: tail.as_ref().map(|t| t.current_ms),
        p99_change_percent: pct(p99.as_ref().and_then(|r| r.ratio)),
        p_value: rps.p_value,
        significant: rps.p_value.map(|p| p < o.alpha),
        severity,
        decision: Some(decision),
        baseline_rounds: b.rounds() as u32,
        current_rounds: c.rounds() as u32,
        rps_ratio: rps.ratio,
        rps_ratio_ci: interval(rps.ci),
        p99_ratio: p99.as_ref().and_then(|r| r.ratio),
        p99_ratio_ci: interval(p99.as_ref().and_then(|r| r.ci)),
        p99_method: tail.as_ref().map(|t| t.method.as_str().to_string()),
        warn_percent: warn,
        fail_percent: fail,
        reason: reasons.join("; "),
    }
}
