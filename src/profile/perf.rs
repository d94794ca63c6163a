//! Linux `perf` for native servers (Rust, or any language as a fallback): `perf record
//! -e cpu-clock --call-graph dwarf` on the server during the profiling window, `perf
//! script` afterwards, folded with inferno (on macOS, Instruments records instead: `xctrace`). Heap figures of the measurement window come from
//! the counting allocator of the app's `[profile]` build, when it has one (`alloc`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::alloc::AllocCounter;
use super::{ProcessTarget, ProfileError, Profiler};
use crate::schema::{Profiling, RustMetrics};

/// Set to `1` to keep inlined frames in the stacks (`perf script` without `--no-inline`).
pub const INLINE_ENV: &str = "BENCHMARK_HARNESS_PERF_INLINE";

/// How the profiling window is recorded: Linux `perf`, or Instruments on macOS (`xctrace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recorder {
    Perf,
    Xctrace,
}

impl Recorder {
    fn as_str(self) -> &'static str {
        match self {
            Recorder::Perf => "perf",
            Recorder::Xctrace => "xctrace",
        }
    }
}

/// The native profiler (`--profiler perf`): the counting allocator's heap figures for the
/// measurement window, a sampler (perf; xctrace on macOS) for the profiling window.
pub struct PerfProfiler {
    recorder: Recorder,
    version: String,
    child: Option<Child>,
    data: Option<PathBuf>,
    counter: AllocCounter,
}

impl PerfProfiler {
    /// Check that the recorder runs here: `perf`, or on macOS `xcrun xctrace`.
    pub fn new() -> Result<PerfProfiler, ProfileError> {
        let (recorder, version) = if cfg!(target_os = "macos") {
            (Recorder::Xctrace, super::xctrace::version()?)
        } else {
            (Recorder::Perf, perf_version()?)
        };
        Ok(PerfProfiler { recorder, version, child: None, data: None, counter: AllocCounter::default() })
    }
}

fn perf_version() -> Result<String, ProfileError> {
    let out = Command::new("perf").arg("--version").output().map_err(|_| ProfileError::Missing {
        tool: "perf".into(),
        install: "on Debian: apt-get install -y linux-perf (or use --profiler none)".into(),
    })?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().replace("perf version ", "perf "))
}

impl Drop for PerfProfiler {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            super::interrupt(&mut c);
        }
    }
}

/// Fold `perf script` output into `stack count` lines, counts in samples, and the number of
/// samples. inferno weighs each sample by its period (nanoseconds for `cpu-clock`), so the
/// counts are scaled back to samples.
pub fn fold_perf_script(script: &[u8]) -> Result<(String, u64), String> {
    use inferno::collapse::Collapse;
    let mut out = Vec::new();
    let mut folder = inferno::collapse::perf::Folder::default();
    folder.collapse(script, &mut out).map_err(|e| format!("cannot fold perf samples: {e}"))?;
    let folded = String::from_utf8_lossy(&out).into_owned();
    let samples = String::from_utf8_lossy(script).lines().filter(|l| l.contains(" cpu-clock")).count() as u64;
    let weight: u64 = folded.lines().filter_map(|l| l.rsplit_once(' ')?.1.parse::<u64>().ok()).sum();
    if samples == 0 || weight <= samples {
        return Ok((folded, samples));
    }
    let per_sample = weight as f64 / samples as f64;
    let scaled = folded
        .lines()
        .filter_map(|l| {
            let (stack, n) = l.rsplit_once(' ')?;
            let n = (n.parse::<f64>().ok()? / per_sample).round().max(1.0) as u64;
            Some(format!("{stack} {n}\n"))
        })
        .collect();
    Ok((scaled, samples))
}

/// `perf record` on every listening process; waits until perf has attached.
fn perf_record(target: &ProcessTarget, data: &Path) -> Result<Child, String> {
    let pids = target.listeners.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",");
    let child = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "999", "--call-graph", "dwarf", "-q", "-o"])
        .arg(data)
        .args(["-p", &pids])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start perf record: {e}"))?;
    // perf creates its data file once it is attached: wait for it (at most 5 s), so the
    // profiling window is sampled from its start even on a busy machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !data.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Ok(child)
}

/// `perf script` of a recording, folded.
fn perf_fold(data: &Path, into: &mut Profiling) -> Result<(String, u64), String> {
    // Inlined frames need addr2line per address: with Debian's perf 6.1 (no libbfd) and
    // binutils 2.40 that took ~45 s per 3 s window here, against 0.4 s without them.
    let inline = std::env::var_os(INLINE_ENV).is_some_and(|v| v == "1");
    let script = Command::new("perf")
        .arg("script")
        .args((!inline).then_some("--no-inline"))
        .arg("-i")
        .arg(data)
        .stderr(Stdio::null())
        .output();
    if !inline {
        into.notes.push(format!(
            "perf: stacks without inlined frames (perf script --no-inline; {INLINE_ENV}=1 keeps them, slowly)"
        ));
    }
    match script {
        Ok(out) if out.status.success() => fold_perf_script(&out.stdout),
        Ok(out) => Err(format!("perf script failed ({})", out.status)),
        Err(e) => Err(format!("cannot run perf script: {e}")),
    }
}

impl Profiler for PerfProfiler {
    fn name(&self) -> String {
        self.version.clone()
    }

    fn server_env(&mut self, work_dir: &Path) -> Result<Vec<(String, String)>, ProfileError> {
        self.counter.server_env(work_dir)
    }

    fn reset_counters(&mut self, target: &ProcessTarget) {
        self.counter.reset(target);
    }

    fn read_counters(&mut self, target: &ProcessTarget, into: &mut Profiling) {
        self.counter.read(target, into);
    }

    fn start_sampling(
        &mut self,
        target: &ProcessTarget,
        workload: &str,
        out_dir: &Path,
    ) -> Result<(), String> {
        let (child, data) = match self.recorder {
            Recorder::Perf => {
                let data = out_dir.join(format!("{workload}.perf.data"));
                (perf_record(target, &data)?, data)
            }
            Recorder::Xctrace => super::xctrace::record(target, workload, out_dir)?,
        };
        self.child = Some(child);
        self.data = Some(data);
        Ok(())
    }

    fn stop_sampling(
        &mut self,
        target: &ProcessTarget,
        into: &mut Profiling,
    ) -> Option<(String, Option<PathBuf>)> {
        super::interrupt(&mut self.child.take()?);
        let data = self.data.take()?;
        let folded = match self.recorder {
            Recorder::Perf => perf_fold(&data, into),
            Recorder::Xctrace => super::xctrace::fold_trace(&data, target, into),
        };
        match folded {
            Ok((folded, samples)) => {
                into.rust.get_or_insert_with(RustMetrics::default).samples = Some(samples);
                Some((folded, Some(data)))
            }
            Err(e) => {
                into.notes.push(format!("{}: {e}; the measurement still stands", self.recorder.as_str()));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "server 10 [000] 1.000: 1001001 cpu-clock: \n\
\t    55d0 handler+0x10 (/bin/server)\n\
\t    55c0 main+0x20 (/bin/server)\n\
\n\
server 10 [000] 1.001: 1001001 cpu-clock: \n\
\t    55d0 handler+0x10 (/bin/server)\n\
\t    55c0 main+0x20 (/bin/server)\n\
\n\
server 10 [000] 1.002: 1001001 cpu-clock: \n\
\t    55c0 main+0x20 (/bin/server)\n\
\n";

    #[test]
    fn perf_samples_fold_to_sample_counts() {
        let (folded, samples) = fold_perf_script(SCRIPT.as_bytes()).unwrap();
        assert_eq!(samples, 3);
        assert!(folded.contains("server;main;handler 2"), "{folded}");
        assert!(folded.contains("server;main 1"), "{folded}");
    }
}
