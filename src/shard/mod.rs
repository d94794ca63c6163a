//! Load past one machine: a shard runs its execution segment's share of the connections and
//! of the rate ([`segment`]), starts at an agreed time, and `merge` folds the shards' result
//! files into one exactly ([`merge`]). Talks to `schema` and `run` (latency summaries) only.

mod fold;
pub mod merge;
pub mod segment;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

pub use merge::{group_key, merge, MergeError, ShardFile};
pub use segment::{Fraction, Segment, Sequence};

use crate::schema::{RunResult, Sharding};

/// How far in the past `--start-at` may be (clocks of different hosts drift a little).
pub const START_AT_SLACK: Duration = Duration::from_secs(5);
/// How far ahead `--start-at` may be.
pub const START_AT_MAX_AHEAD: Duration = Duration::from_secs(24 * 3600);

/// Bad `--segment`, `--segment-sequence` or `--start-at` values (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("invalid --segment '{value}'; expected FROM:TO with 0 <= FROM < TO <= 1 as fractions (1/4:1/2), decimals (0.25:0.5) or percentages (25%:50%)")]
    BadSegment { value: String },
    #[error("invalid --segment-sequence '{value}': {reason}; expected increasing points from 0 to 1, e.g. 0,1/4,1/2,3/4,1")]
    BadSequence { value: String, reason: String },
    #[error(
        "--segment {segment} is not a segment of --segment-sequence {sequence}; valid segments: {valid}"
    )]
    NotInSequence { segment: String, sequence: String, valid: String },
    #[error("--segment {segment} gets none of the {total} {what} under --segment-sequence {sequence}; give at least {needed} {what} in total so that every shard gets some")]
    EmptyShare { segment: String, total: String, what: &'static str, sequence: String, needed: String },
    #[error(
        "invalid --start-at '{value}'; expected an RFC 3339 time (2025-01-31T12:00:00Z) or unix seconds"
    )]
    BadStartAt { value: String },
    #[error("--start-at {value} is {secs:.0} s in the past; give a time at most {slack} s ago (shards could not start together)")]
    StartAtPast { value: String, secs: f64, slack: u64 },
    #[error("--start-at {value} is more than 24 hours ahead; give a time within the next 24 hours")]
    StartAtFar { value: String },
    #[error("--segment needs --url: every shard must load the same running server (an app started by each shard would be a different server)")]
    NeedsUrl,
}

/// A validated shard: its segment, the sequence it belongs to, and when to start.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardPlan {
    pub segment: Segment,
    pub sequence: Sequence,
    /// Index of `segment` in `sequence`.
    pub index: usize,
    pub start_at: Option<SystemTime>,
}

impl ShardPlan {
    /// Validate `--segment` (required), `--segment-sequence` (default: the segment and what
    /// completes it to 0..1) and `--start-at`, against the clock reading `now`.
    pub fn parse(
        segment: &str,
        sequence: Option<&str>,
        start_at: Option<&str>,
        now: SystemTime,
    ) -> Result<ShardPlan, ShardError> {
        let segment = Segment::parse(segment)?;
        let sequence = match sequence {
            Some(text) => Sequence::parse(text)?,
            None => Sequence::around(segment),
        };
        let index = sequence.position(segment).ok_or_else(|| ShardError::NotInSequence {
            segment: segment.to_string(),
            sequence: sequence.to_string(),
            valid: sequence.segments().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
        })?;
        let start_at = start_at.map(|t| parse_start_at(t, now)).transpose()?;
        Ok(ShardPlan { segment, sequence, index, start_at })
    }

    /// This shard's connections out of `total` (never 0).
    pub fn connections(&self, total: usize) -> Result<usize, ShardError> {
        let share = self.sequence.scale(self.index, total as u64);
        if share == 0 {
            let needed = self.needed(total as u64).to_string();
            return Err(self.empty(total.to_string(), "connections", needed));
        }
        Ok(share as usize)
    }

    /// This shard's request rate out of `total` req/s, split in units of 0.001 req/s so that
    /// the shards' rates sum to the total exactly (never 0).
    pub fn rate(&self, total: f64) -> Result<f64, ShardError> {
        let milli = (total * 1000.0).round() as u64;
        let share = self.sequence.scale(self.index, milli);
        if share == 0 {
            let needed = format!("{}", self.needed(milli) as f64 / 1000.0);
            return Err(self.empty(format!("{total}"), "requests per second", needed));
        }
        Ok(share as f64 / 1000.0)
    }

    fn empty(&self, total: String, what: &'static str, needed: String) -> ShardError {
        ShardError::EmptyShare {
            segment: self.segment.to_string(),
            total,
            what,
            sequence: self.sequence.to_string(),
            needed,
        }
    }

    /// The smallest whole that gives every segment of the sequence a share of at least 1.
    fn needed(&self, from: u64) -> u64 {
        (from.max(1)..)
            .find(|&v| (0..self.sequence.len()).all(|i| self.sequence.scale(i, v) > 0))
            .unwrap_or(from)
    }

    /// Record the shard in a result: `sharding` beside the contract's fields (`concurrency` and
    /// `rate` there are this shard's shares).
    pub fn annotate(&self, result: &mut RunResult, total_concurrency: usize, total_rate: Option<f64>) {
        result.configuration.sharding = Some(Sharding {
            segment: self.segment.to_string(),
            segment_sequence: self.sequence.to_string(),
            start_at: self.start_at.map(rfc3339),
            total_concurrency: total_concurrency as u32,
            total_rate,
            shards: Vec::new(),
        });
    }
}

/// `--start-at`: RFC 3339, or unix seconds (fractions allowed); at most [`START_AT_SLACK`] in
/// the past and [`START_AT_MAX_AHEAD`] ahead of `now`.
pub fn parse_start_at(text: &str, now: SystemTime) -> Result<SystemTime, ShardError> {
    let bad = || ShardError::BadStartAt { value: text.to_string() };
    let t = text.trim();
    let at = if let Ok(secs) = t.parse::<f64>() {
        if !(secs.is_finite() && (0.0..1e11).contains(&secs)) {
            return Err(bad());
        }
        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
    } else {
        let dt = chrono::DateTime::parse_from_rfc3339(t).map_err(|_| bad())?;
        SystemTime::from(dt)
    };
    match now.duration_since(at) {
        Ok(ago) if ago > START_AT_SLACK => Err(ShardError::StartAtPast {
            value: text.to_string(),
            secs: ago.as_secs_f64(),
            slack: START_AT_SLACK.as_secs(),
        }),
        Err(ahead) if ahead.duration() > START_AT_MAX_AHEAD => {
            Err(ShardError::StartAtFar { value: text.into() })
        }
        _ => Ok(at),
    }
}

/// RFC 3339 in UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Sleep until `at` (at once if it has passed); false when `stop` was set meanwhile (Ctrl-C).
pub fn wait_until(at: SystemTime, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let Ok(left) = at.duration_since(SystemTime::now()) else { return true };
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000)
    }

    #[test]
    fn a_shard_gets_its_fair_share_and_the_shares_sum_to_the_whole() {
        let seq = "0,1/4,2/4,3/4,1";
        let shards: Vec<ShardPlan> = ["0:1/4", "1/4:2/4", "2/4:3/4", "3/4:1"]
            .iter()
            .map(|s| ShardPlan::parse(s, Some(seq), None, now()).unwrap())
            .collect();
        let conns: Vec<usize> = shards.iter().map(|s| s.connections(50).unwrap()).collect();
        assert_eq!(conns.iter().sum::<usize>(), 50);
        assert!(conns.iter().all(|&c| c == 12 || c == 13), "{conns:?}");
        let rates: Vec<f64> = shards.iter().map(|s| s.rate(1000.5).unwrap()).collect();
        assert_eq!(rates.iter().map(|r| (r * 1000.0).round() as u64).sum::<u64>(), 1_000_500);
    }

    #[test]
    fn too_few_connections_for_every_shard_is_refused_with_the_minimum() {
        let s = ShardPlan::parse("3/4:1", Some("0,1/4,1/2,3/4,1"), None, now()).unwrap();
        let err = s.connections(3).unwrap_err().to_string();
        assert!(
            err.contains("gets none of the 3 connections") && err.contains("at least 4 connections"),
            "{err}"
        );
        let err = s.rate(0.002).unwrap_err().to_string();
        assert!(err.contains("requests per second"), "{err}");
    }

    #[test]
    fn a_segment_outside_its_sequence_names_the_valid_ones() {
        let err = ShardPlan::parse("1/4:3/4", Some("0,1/4,1/2,3/4,1"), None, now()).unwrap_err().to_string();
        assert!(
            err.contains("1/4:3/4") && err.contains("valid segments: 0:1/4, 1/4:1/2, 1/2:3/4, 3/4:1"),
            "{err}"
        );
        let alone = ShardPlan::parse("1/4:1/2", None, None, now()).unwrap();
        assert_eq!(alone.sequence.to_string(), "0,1/4,1/2,1");
    }

    #[test]
    fn start_at_accepts_rfc3339_and_unix_seconds_and_refuses_the_past() {
        let at = parse_start_at("2025-06-15T15:06:50Z", now()).unwrap();
        assert_eq!(at, now() + Duration::from_secs(10));
        assert_eq!(parse_start_at("1750000010.5", now()).unwrap(), now() + Duration::from_millis(10_500));
        // A few seconds of clock skew are tolerated.
        assert!(parse_start_at("1749999997", now()).is_ok());
        let err = parse_start_at("1749999000", now()).unwrap_err().to_string();
        assert!(err.contains("1000 s in the past"), "{err}");
        assert!(matches!(parse_start_at("tomorrow", now()), Err(ShardError::BadStartAt { .. })));
        assert!(matches!(parse_start_at("1760000000", now()), Err(ShardError::StartAtFar { .. })));
        assert_eq!(rfc3339(at), "2025-06-15T15:06:50.000Z");
    }

    #[test]
    fn waiting_returns_at_once_for_a_past_time_and_stops_on_ctrl_c() {
        assert!(wait_until(SystemTime::now() - Duration::from_secs(1), &AtomicBool::new(false)));
        assert!(!wait_until(SystemTime::now() + Duration::from_secs(60), &AtomicBool::new(true)));
    }
}
