//! `--profiler none`: measurement and profiling windows without a sampler.

use super::Profiler;

/// Does nothing: the profile run measures throughput, latency and resources only.
pub struct NoProfiler;

impl Profiler for NoProfiler {
    fn name(&self) -> String {
        "none".into()
    }
}
