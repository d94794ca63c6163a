//! The profiling window's load as a sampler sees it: when the measured window began and how
//! many requests completed in each of its seconds, so that a sampler that ran for only part
//! of the window (py-spy's `--gil` and `--native` windows) is divided by that part's
//! requests rather than by the whole window's rate. Pure: no processes, no files.

use std::time::{Duration, Instant};

use crate::run::WorkloadOutcome;

/// Requests completed per second of a measured window that began at `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadTimeline {
    pub start: Instant,
    /// The measured window's length (its last second may be partial).
    pub elapsed: Duration,
    /// Requests (successful and failed) completed in second `i` of the window.
    pub requests: Vec<u64>,
}

impl LoadTimeline {
    /// The timeline of a measured window, if it was measured.
    pub fn of(outcome: &WorkloadOutcome) -> Option<LoadTimeline> {
        let (start, elapsed) = outcome.window?;
        let m = outcome.results.as_ref()?;
        let mut requests = Vec::new();
        for p in &m.timeline {
            let i = p.t as usize;
            if i >= requests.len() {
                requests.resize(i + 1, 0);
            }
            requests[i] += p.requests;
        }
        Some(LoadTimeline { start, elapsed, requests })
    }

    /// Requests completed between `from` and `to`: whole seconds inside the span count in
    /// full, a second the span cuts counts in proportion to the part inside it (requests are
    /// taken as evenly spread within one second). Nothing outside the measured window counts.
    pub fn requests_between(&self, from: Instant, to: Instant) -> f64 {
        let secs = |t: Instant| {
            if t >= self.start {
                t.duration_since(self.start).as_secs_f64()
            } else {
                -self.start.duration_since(t).as_secs_f64()
            }
        };
        let end = self.elapsed.as_secs_f64();
        let (a, b) = (secs(from).max(0.0), secs(to).min(end));
        if b <= a {
            return 0.0;
        }
        self.requests
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let (lo, hi) = (i as f64, (i as f64 + 1.0).min(end));
                let overlap = (b.min(hi) - a.max(lo)).max(0.0);
                if hi > lo {
                    n as f64 * overlap / (hi - lo)
                } else {
                    0.0
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(requests: &[u64], elapsed: f64) -> LoadTimeline {
        LoadTimeline {
            start: Instant::now(),
            elapsed: Duration::from_secs_f64(elapsed),
            requests: requests.to_vec(),
        }
    }

    fn at(t: &LoadTimeline, secs: f64) -> Instant {
        t.start + Duration::from_secs_f64(secs)
    }

    #[test]
    fn whole_seconds_count_in_full_and_cut_seconds_in_proportion() {
        // A fast first second, then a slow one (e.g. --native pausing the server).
        let t = timeline(&[1000, 400, 800], 3.0);
        assert_eq!(t.requests_between(at(&t, 0.0), at(&t, 3.0)), 2200.0);
        assert_eq!(t.requests_between(at(&t, 1.0), at(&t, 2.0)), 400.0);
        // Half of second 0 and a quarter of second 1: 500 + 100.
        assert!((t.requests_between(at(&t, 0.5), at(&t, 1.25)) - 600.0).abs() < 1e-6);
        // The whole window's rate would have given 0.75 s × 733.3 = 550.
    }

    #[test]
    fn nothing_outside_the_window_counts() {
        let t = timeline(&[100, 100], 2.0);
        let before = t.start - Duration::from_secs(1);
        assert!((t.requests_between(before, at(&t, 0.5)) - 50.0).abs() < 1e-6);
        assert!((t.requests_between(at(&t, 1.5), at(&t, 9.0)) - 50.0).abs() < 1e-6);
        assert_eq!(t.requests_between(at(&t, 5.0), at(&t, 9.0)), 0.0);
        assert_eq!(t.requests_between(at(&t, 1.0), at(&t, 0.5)), 0.0);
    }

    #[test]
    fn a_partial_last_second_is_spread_over_its_own_length() {
        // The window was stopped at 1.5 s: second 1 lasted half a second.
        let t = timeline(&[100, 60], 1.5);
        assert!((t.requests_between(at(&t, 1.0), at(&t, 1.25)) - 30.0).abs() < 1e-6);
        assert!((t.requests_between(at(&t, 0.0), at(&t, 10.0)) - 160.0).abs() < 1e-6);
    }
}
