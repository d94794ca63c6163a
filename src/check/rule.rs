//! The interval rule: a change, as "percent worse" with its confidence interval, against the
//! warning and fail thresholds and the noise floor (docs/ci.md, "How check decides").
//!
//! Pure; knows nothing of throughput or latency (the caller turns a ratio into percent worse).

use crate::schema::{Decision, Severity};

/// The thresholds of one workload, percent worse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub warn: f64,
    pub fail: f64,
    /// A change whose whole interval lies within ± this passes.
    pub floor: f64,
}

/// Which clause of the rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clause {
    /// The whole interval is better than the warning threshold.
    ExcludesWarn,
    /// The whole interval lies within the noise floor.
    WithinFloor,
    /// The whole interval is past the fail threshold.
    BeyondFail,
    /// The whole interval is past the warning threshold, not all of it past the fail threshold.
    BeyondWarn,
    /// The interval reaches from the pass region into the warning region (not the fail region).
    ReachesWarn,
    /// The interval reaches from the pass region past the fail threshold.
    Spans,
    /// No interval: the point estimate against the thresholds.
    Point,
}

/// The verdict of the rule on one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    pub severity: Severity,
    pub decision: Decision,
    pub clause: Clause,
}

/// Judge a change of `point` percent worse with interval `ci` (low, high), percent worse.
///
/// | interval (percent worse)                  | severity   | decision     |
/// |-------------------------------------------|------------|--------------|
/// | high < warn                               | pass       | settled      |
/// | −floor < low and high < floor             | pass       | settled      |
/// | low ≥ fail                                | regression | settled      |
/// | low ≥ warn                                | warning    | settled      |
/// | low < warn ≤ high < fail                  | warning    | inconclusive |
/// | low < warn, high ≥ fail                   | warning    | inconclusive |
/// | no interval: point ≥ fail / ≥ warn / else | regression / warning / pass | no_interval |
pub fn judge(point: f64, ci: Option<(f64, f64)>, l: Limits) -> Judgement {
    let j = |severity, decision, clause| Judgement { severity, decision, clause };
    let Some((lo, hi)) = ci else {
        let s = if point >= l.fail {
            Severity::Regression
        } else if point >= l.warn {
            Severity::Warning
        } else {
            Severity::Pass
        };
        return j(s, Decision::NoInterval, Clause::Point);
    };
    if hi < l.warn {
        j(Severity::Pass, Decision::Settled, Clause::ExcludesWarn)
    } else if lo > -l.floor && hi < l.floor {
        j(Severity::Pass, Decision::Settled, Clause::WithinFloor)
    } else if lo >= l.fail {
        j(Severity::Regression, Decision::Settled, Clause::BeyondFail)
    } else if lo >= l.warn {
        j(Severity::Warning, Decision::Settled, Clause::BeyondWarn)
    } else if hi < l.fail {
        j(Severity::Warning, Decision::Inconclusive, Clause::ReachesWarn)
    } else {
        j(Severity::Warning, Decision::Inconclusive, Clause::Spans)
    }
}

/// Percent worse of a throughput ratio current ÷ baseline (lower is worse).
pub fn rps_worse(ratio: f64) -> f64 {
    (1.0 - ratio) * 100.0
}

/// Percent worse of a latency ratio current ÷ baseline (higher is worse).
pub fn latency_worse(ratio: f64) -> f64 {
    (ratio - 1.0) * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits { warn: 5.0, fail: 10.0, floor: 2.0 };

    fn at(lo: f64, hi: f64) -> (Severity, Decision, Clause) {
        let j = judge((lo + hi) / 2.0, Some((lo, hi)), L);
        (j.severity, j.decision, j.clause)
    }

    #[test]
    fn each_row_of_the_table() {
        use Decision::*;
        use Severity::*;
        assert_eq!(at(-3.0, 4.9), (Pass, Settled, Clause::ExcludesWarn));
        assert_eq!(at(-30.0, -10.0), (Pass, Settled, Clause::ExcludesWarn), "faster is a pass");
        assert_eq!(at(10.0, 40.0), (Regression, Settled, Clause::BeyondFail));
        assert_eq!(at(5.0, 30.0), (Warning, Settled, Clause::BeyondWarn));
        assert_eq!(at(-1.0, 7.0), (Warning, Inconclusive, Clause::ReachesWarn));
        assert_eq!(at(-1.0, 30.0), (Warning, Inconclusive, Clause::Spans));
        assert_eq!(at(4.0, 12.0), (Warning, Inconclusive, Clause::Spans));
        // With the warning threshold below the floor, a CI within ±floor still passes.
        let tight = Limits { warn: 1.0, fail: 10.0, floor: 2.0 };
        assert_eq!(judge(1.0, Some((0.5, 1.5)), tight).severity, Pass);
        assert_eq!(judge(1.0, Some((0.5, 2.5)), tight).severity, Warning);
    }

    #[test]
    fn without_an_interval_the_point_decides() {
        let s = |p: f64| judge(p, None, L);
        assert_eq!(s(25.0).severity, Severity::Regression);
        assert_eq!(s(10.0).severity, Severity::Regression);
        assert_eq!(s(7.0).severity, Severity::Warning);
        assert_eq!(s(4.9).severity, Severity::Pass);
        assert!([s(25.0), s(4.0)].iter().all(|j| j.decision == Decision::NoInterval));
    }

    #[test]
    fn an_inconclusive_drop_is_never_a_pass() {
        // Any interval that reaches the warning region, whatever the point, is not a pass
        // unless it lies within the noise floor.
        for lo in [-50.0, -10.0, -2.5, 0.0, 3.0, 4.99] {
            for hi in [5.0, 9.0, 25.0, 60.0] {
                assert_ne!(judge(0.0, Some((lo, hi)), L).severity, Severity::Pass, "({lo}, {hi})");
            }
        }
    }

    #[test]
    fn worse_is_lower_throughput_and_higher_latency() {
        assert!((rps_worse(0.75) - 25.0).abs() < 1e-12);
        assert!((latency_worse(3.0) - 200.0).abs() < 1e-12);
    }
}
