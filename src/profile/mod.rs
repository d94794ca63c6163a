//! Profile mode: one app under its language's profiler. Per workload a warm-up, a
//! measurement window with only cheap in-process counters active, then a profiling window
//! with the sampler attached under the same load; flamegraphs; ratios against a baseline.
//!
//! Starts processes (samplers) and talks to `run` (sessions, load), `monitor` (process tree).

mod alloc;
mod baseline;
mod flame;
mod heaptrack;
mod load;
mod node;
mod none;
mod perf;
mod python;
mod ruby;
mod runner;
mod target;
// Compiled and tested everywhere; `perf`'s recorder only on macOS.
mod xctrace;

pub use baseline::compare_with_baseline;
pub use flame::{fold_lines, write_flamegraph};
pub use load::LoadTimeline;
pub use node::{NodeProfiler, NodeSampler};
pub use none::NoProfiler;
pub use perf::PerfProfiler;
pub use python::PythonProfiler;
pub use ruby::RubyProfiler;
pub use runner::{execute, ProfilePlan, ProfileRunError};
pub use target::{listening_pids, ProcessTarget};

use std::path::{Path, PathBuf};

use crate::schema::Profiling;

/// Which profiler `--profiler` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfilerKind {
    Auto,
    Python,
    Node,
    Ruby,
    Perf,
    None,
}

/// Failures of a profiler that stop the profile run before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profiler is not installed: names the package and the install command.
    #[error("{tool} is not installed; {install}")]
    Missing { tool: String, install: String },
    #[error("cannot prepare the profiler: {0}")]
    Setup(String),
}

/// A language profiler, with a do-nothing default for every hook (criterion's `Profiler`).
///
/// The runner calls, per workload: `reset_counters` right before the measurement window,
/// `read_counters` right after it, then `start_sampling` / `stop_sampling` around the
/// profiling window, with `profiled_load` (the window's requests per second) just before
/// `stop_sampling`. A hook that fails leaves its figures `null` with a note; the
/// measurement still stands.
pub trait Profiler {
    /// Name and version, e.g. `perf 6.1`, recorded in the result.
    fn name(&self) -> String;

    /// Extra environment for the server (in-process helpers: PYTHONPATH, NODE_OPTIONS, RUBYOPT).
    fn server_env(&mut self, _work_dir: &Path) -> Result<Vec<(String, String)>, ProfileError> {
        Ok(Vec::new())
    }

    /// Reset in-process counters (GC, heap) right before the measurement window.
    fn reset_counters(&mut self, _target: &ProcessTarget) {}

    /// Read the counters right after the measurement window into `into`.
    fn read_counters(&mut self, _target: &ProcessTarget, _into: &mut Profiling) {}

    /// Attach the sampler for the profiling window of `workload`.
    fn start_sampling(
        &mut self,
        _target: &ProcessTarget,
        _workload: &str,
        _out_dir: &Path,
    ) -> Result<(), String> {
        Ok(())
    }

    /// The load of the profiling window, given right before `stop_sampling`, so that a
    /// sampler that covered only part of the window divides by that part's requests.
    fn profiled_load(&mut self, _load: &LoadTimeline) {}

    /// Detach the sampler; fill stack-derived figures into `into`; return the folded stacks
    /// (`frame;frame;frame count` lines) and the raw profile's path, if any.
    fn stop_sampling(
        &mut self,
        _target: &ProcessTarget,
        _into: &mut Profiling,
    ) -> Option<(String, Option<PathBuf>)> {
        None
    }
}

/// SIGINT to a sampler we started (perf, py-spy, xctrace write their data and exit on it),
/// then wait for it.
pub(crate) fn interrupt(child: &mut std::process::Child) {
    // SAFETY: a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let _ = child.wait();
}

/// Write a control file for an in-process helper in one step (a temporary file, then a
/// rename), so the helper never reads half a command.
pub(crate) fn write_control(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp-harness");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

impl ProfilerKind {
    /// The `--profiler` value that names this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfilerKind::Auto => "auto",
            ProfilerKind::Python => "python",
            ProfilerKind::Node => "node",
            ProfilerKind::Ruby => "ruby",
            ProfilerKind::Perf => "perf",
            ProfilerKind::None => "none",
        }
    }

    /// The profiler `auto` picks for a manifest language.
    pub fn for_language(language: crate::app::Language) -> ProfilerKind {
        use crate::app::Language;
        match language {
            Language::Python => ProfilerKind::Python,
            Language::Node => ProfilerKind::Node,
            Language::Ruby => ProfilerKind::Ruby,
            Language::Rust | Language::Other => ProfilerKind::Perf,
        }
    }
}

/// Build the profiler for `kind` (after `auto` is resolved), checking that its tool exists;
/// `node_sampler` is the Node profiler's sampler.
pub fn profiler_for(
    kind: ProfilerKind,
    node_sampler: NodeSampler,
) -> Result<Box<dyn Profiler>, ProfileError> {
    match kind {
        ProfilerKind::None => Ok(Box::new(NoProfiler)),
        ProfilerKind::Perf => Ok(Box::new(PerfProfiler::new()?)),
        ProfilerKind::Python => Ok(Box::new(PythonProfiler::new()?)),
        ProfilerKind::Node => Ok(Box::new(NodeProfiler::new(node_sampler)?)),
        ProfilerKind::Ruby => Ok(Box::new(RubyProfiler::new()?)),
        ProfilerKind::Auto => unreachable!("auto is resolved from the manifest's language first"),
    }
}
