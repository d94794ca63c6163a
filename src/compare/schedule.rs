//! When to stop adding rounds: the runner asks before every round. Pure, so that the A/A
//! simulation (`analysis/sequential.rs`) runs the very rule the runner runs.
//!
//! Rounds come in whole balanced blocks (`order`). A fixed design measures `floor` rounds.
//! An adaptive design measures at least `floor`, then, a block at a time, goes on until the
//! widest ranked ratio interval is within the target, or `max` rounds, or the time budget.
//! It never looks at significance (that would be optional stopping), and the tests of an
//! adaptive run take their standard errors from the floor's rounds only (Stein), so that
//! stopping when the spread happens to look small cannot make noise significant either.

use std::time::Duration;

/// Default floor: at least 5 rounds (issue 10), rounded up to whole blocks.
pub const DEFAULT_FLOOR: u32 = 5;
/// Default target: every ranked ratio known to ± 2 % (the default noise floor).
pub const DEFAULT_TARGET_PERCENT: f64 = 2.0;
/// Default most rounds of an adaptive run.
pub const DEFAULT_MAX_ROUNDS: u32 = 30;
/// Default time budget of an adaptive run: 15 minutes of measuring.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(900);

/// Why no more rounds were measured (`configuration.stopped_because`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The fixed number of rounds was measured.
    Rounds,
    /// Every ranked ratio interval reached the target precision.
    Precision,
    /// The most rounds of an adaptive run.
    MaxRounds,
    /// Another block would have overshot the time budget.
    TimeBudget,
    /// Ctrl-C, or a measurement stopped.
    Interrupted,
}

impl Stop {
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::Rounds => "rounds",
            Stop::Precision => "precision",
            Stop::MaxRounds => "max_rounds",
            Stop::TimeBudget => "time_budget",
            Stop::Interrupted => "interrupted",
        }
    }
}

/// The stopping rule of one run, in rounds that are already whole blocks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Rounds per balanced block; decisions fall on block boundaries only.
    pub block: u32,
    /// Rounds always measured (unless interrupted or, with `budget_in_floor`, over budget).
    pub floor: u32,
    /// Most rounds (`floor` for a fixed design).
    pub max: u32,
    /// Adaptive: the widest ranked ratio CI half-width, percent, to stop at.
    pub target: Option<f64>,
    pub budget: Option<Duration>,
    /// The budget may stop the run inside the floor (after the first block): an explicit
    /// `--time-budget`. A default budget only limits the rounds after the floor.
    pub budget_in_floor: bool,
}

impl Schedule {
    /// The schedule for `frameworks` frameworks: floor and max rounded up to whole blocks.
    pub fn new(
        frameworks: usize,
        floor: u32,
        max: Option<u32>,
        target: Option<f64>,
        budget: Option<Duration>,
        budget_in_floor: bool,
    ) -> Schedule {
        let block = super::order::block(frameworks) as u32;
        let floor = super::whole_blocks(floor.max(1), frameworks);
        let max = match target {
            Some(_) => super::whole_blocks(max.unwrap_or(DEFAULT_MAX_ROUNDS), frameworks).max(floor),
            None => floor,
        };
        Schedule { block, floor, max, target, budget, budget_in_floor }
    }

    /// Before round `completed + 1`: stop (and why) or go on. `precision` (the widest ranked
    /// ratio half-width so far, percent) is asked only at a block boundary of an adaptive
    /// run past its floor. `elapsed` is the time spent measuring so far; the cost of a round
    /// is estimated as the mean of those so far, and no block is started that would
    /// overshoot the budget.
    pub fn before_round(
        &self,
        completed: u32,
        precision: impl FnOnce() -> Option<f64>,
        elapsed: Duration,
    ) -> Option<Stop> {
        if completed % self.block != 0 {
            return None; // finish the block: the order is balanced over whole blocks only
        }
        if completed >= self.floor {
            let Some(target) = self.target else { return Some(Stop::Rounds) };
            if precision().is_some_and(|p| p <= target) {
                return Some(Stop::Precision);
            }
            if completed >= self.max {
                return Some(Stop::MaxRounds);
            }
        }
        let budget_applies = completed >= self.floor || (self.budget_in_floor && completed > 0);
        if let (Some(budget), true) = (self.budget, budget_applies) {
            let per_round = elapsed / completed.max(1);
            if elapsed + per_round * self.block > budget {
                return Some(Stop::TimeBudget);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn never() -> Option<f64> {
        panic!("precision asked where it should not be")
    }

    #[test]
    fn fixed_rounds_are_whole_blocks_and_ignore_precision() {
        let s = Schedule::new(2, 5, None, None, None, false);
        assert_eq!((s.block, s.floor, s.max), (2, 6, 6));
        for done in 0..6 {
            assert_eq!(s.before_round(done, never, MIN * done), None, "round {done}");
        }
        assert_eq!(s.before_round(6, never, MIN * 6), Some(Stop::Rounds));
    }

    #[test]
    fn adaptive_goes_on_a_block_at_a_time_until_the_target() {
        let s = Schedule::new(3, 5, Some(10), Some(2.0), None, false);
        assert_eq!((s.block, s.floor, s.max), (3, 6, 12));
        assert_eq!(s.before_round(3, never, MIN), None);
        assert_eq!(s.before_round(6, || Some(2.5), MIN), None);
        assert_eq!(s.before_round(7, never, MIN), None, "mid-block: no decision");
        assert_eq!(s.before_round(9, || None, MIN), None, "an interval missing: not precise");
        assert_eq!(s.before_round(9, || Some(2.0), MIN), Some(Stop::Precision));
        assert_eq!(s.before_round(12, || Some(3.0), MIN), Some(Stop::MaxRounds));
        assert_eq!(s.before_round(12, || Some(1.0), MIN), Some(Stop::Precision), "precision first");
    }

    #[test]
    fn the_budget_never_starts_a_block_that_would_overshoot() {
        // 6 apps, 100 s a round: 6 rounds (the floor) take 600 s; one more block is 600 s.
        let budget = Some(Duration::from_secs(900));
        let default = Schedule::new(6, 5, None, Some(2.0), budget, false);
        assert_eq!(default.before_round(6, || Some(5.0), Duration::from_secs(600)), Some(Stop::TimeBudget));
        let roomy = Schedule::new(6, 5, None, Some(2.0), Some(Duration::from_secs(1200)), false);
        assert_eq!(roomy.before_round(6, || Some(5.0), Duration::from_secs(600)), None);
        // A default budget does not cut the floor; an explicit one may, after the first block.
        let two = Schedule::new(2, 5, None, Some(2.0), Some(Duration::from_secs(100)), false);
        assert_eq!(two.before_round(2, never, Duration::from_secs(200)), None);
        let explicit = Schedule { budget_in_floor: true, ..two };
        assert_eq!(explicit.before_round(2, never, Duration::from_secs(200)), Some(Stop::TimeBudget));
        assert_eq!(explicit.before_round(0, never, Duration::ZERO), None, "the first block always runs");
    }
}
