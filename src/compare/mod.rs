//! Compare mode: several apps on the same workloads in interleaved rounds, then statistics.
//!
//! Talks to `app`, `run` (sessions, verification, one measurement), `stats` through
//! `analysis`; returns a [`CompareResult`] (partial on Ctrl-C).

mod aggregate;
pub mod analysis;
mod groups;
mod order;
mod runner;
pub mod schedule;

pub use aggregate::{framework_result, Collected};
pub use analysis::{analyze, precision, Settings};
pub use order::{ordered, round_order, whole_blocks};
pub use runner::{execute, ComparePlan};
