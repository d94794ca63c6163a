//! benchmark-harness: benchmarks and profiles HTTP web frameworks in any language.
//!
//! The library never prints; output belongs to `cli` and `report`.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod check;
pub mod cli;
pub mod compare;
pub mod history;
pub mod host;
pub mod loadgen;
pub mod monitor;
pub mod profile;
pub mod report;
pub mod run;
pub mod schema;
pub mod server;
pub mod shard;
pub mod stats;
pub mod verify;
pub mod workload;
