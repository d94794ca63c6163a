//! The Node.js profiler: a `--require` preload (`node/preload.js`, shipped inside the binary)
//! injected through `NODE_OPTIONS` into every Node process of the server. It keeps V8 heap,
//! event-loop delay and GC counters (reset on SIGUSR2, dumped on a control-file command)
//! and runs the V8 CPU profiler through the inspector API for the profiling window only.
//! The `.cpuprofile` is folded here (`node/cpuprofile.rs`). Where that profiler cannot run,
//! or on request, V8's tick profiler (`--prof`, `node/prof.rs`) samples instead.
//!
//! Control: SIGUSR2 resets the counters (sent only to PIDs that wrote a ready file, so a
//! process without the preload is never signalled); other commands go through
//! `<pid>.cmd` files the preload polls every 100 ms, answered in `<pid>.<seq>.json`
//! (`node/control.rs`).

mod control;
mod cpuprofile;
mod prof;
mod stats;
mod ticks;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::{ProcessTarget, ProfileError, Profiler};
use crate::schema::{NodeMetrics, Profiling};

use cpuprofile::fold_cpuprofile;

const PRELOAD: &str = include_str!("node/preload.js");

/// Which V8 sampler takes the profiling window's stacks (`--node-sampler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeSampler {
    /// The CPU profiler through the inspector, in the profiling window only.
    #[default]
    CpuProf,
    /// The tick profiler (`node --prof`), on for the server's whole life.
    Prof,
}

/// The Node.js profiler (in-process counters and the inspector's CPU profiler, or `--prof`).
pub struct NodeProfiler {
    version: String,
    /// The `node` on PATH, resolved (the shim for `--prof` runs it).
    node: PathBuf,
    sampler: NodeSampler,
    /// Why `--prof` samples, when it does.
    why: Option<String>,
    /// Where the `--prof` logs go (the profile folder).
    logs: PathBuf,
    /// The number of the last `--prof` window.
    window: u64,
    /// Control files: `preload.js`, `<pid>.ready`, `<pid>.cmd`, answers.
    ctl: PathBuf,
    seq: u64,
    /// Processes whose counters were reset for the current measurement window.
    counted: Vec<(i32, String)>,
    /// Processes profiled in the current profiling window, and their `.cpuprofile` (or
    /// `--prof` log) paths.
    sampled: Vec<(i32, String, PathBuf)>,
    notes: Vec<String>,
}

impl NodeProfiler {
    /// Check that `node` (16 or later: GC details and the event-loop monitor) runs here and
    /// that the CPU profiler works in it; if it does not, `--prof` is the fallback.
    pub fn new(sampler: NodeSampler) -> Result<NodeProfiler, ProfileError> {
        let missing = || ProfileError::Missing {
            tool: "node".into(),
            install: "install Node.js 16 or later (Debian: apt-get install -y nodejs) or use --profiler none"
                .into(),
        };
        let out = Command::new("node").arg("--version").output().map_err(|_| missing())?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let major = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
        if !out.status.success() || !major.is_some_and(|m| m >= 16) {
            return Err(missing());
        }
        let node = prof::find_on_path("node").unwrap_or_else(|| PathBuf::from("node"));
        let why = match sampler {
            NodeSampler::Prof => Some("asked for with --node-sampler prof".to_string()),
            NodeSampler::CpuProf => prof::probe_cpu_profiler(&node).err().map(|e| {
                format!(
                    "the inspector's CPU profiler cannot run in this node ({e}), so --prof is the fallback"
                )
            }),
        };
        Ok(NodeProfiler::with(version, node, why))
    }

    /// A profiler for `node` (found and probed), `--prof` when `why` says why, before any
    /// window.
    fn with(version: String, node: PathBuf, why: Option<String>) -> NodeProfiler {
        NodeProfiler {
            version,
            node,
            sampler: if why.is_some() { NodeSampler::Prof } else { NodeSampler::CpuProf },
            why,
            logs: PathBuf::new(),
            window: 0,
            ctl: PathBuf::new(),
            seq: 0,
            counted: Vec::new(),
            sampled: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// `NODE_OPTIONS` with `--require "preload"` appended to what was there.
fn node_options(existing: Option<&str>, preload: &Path) -> String {
    let quoted = preload.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    let require = format!("--require \"{quoted}\"");
    match existing.map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => format!("{e} {require}"),
        None => require,
    }
}

impl Profiler for NodeProfiler {
    fn name(&self) -> String {
        match self.sampler {
            NodeSampler::CpuProf => format!("node {} inspector CPU profiler", self.version),
            NodeSampler::Prof => format!("node --prof tick profiler ({})", self.version),
        }
    }

    fn server_env(&mut self, work_dir: &Path) -> Result<Vec<(String, String)>, ProfileError> {
        // The server runs in its app folder: a relative --flamegraph-dir would not find the
        // preload from there.
        let work_dir = &std::fs::canonicalize(work_dir)
            .map_err(|e| ProfileError::Setup(format!("cannot resolve {}: {e}", work_dir.display())))?;
        self.ctl = work_dir.join("node-ctl");
        let _ = std::fs::remove_dir_all(&self.ctl);
        let preload = self.ctl.join("preload.js");
        std::fs::create_dir_all(&self.ctl)
            .and_then(|()| std::fs::write(&preload, PRELOAD))
            .map_err(|e| ProfileError::Setup(format!("cannot write {}: {e}", preload.display())))?;
        let existing = std::env::var("NODE_OPTIONS").ok();
        let mut env = vec![
            ("NODE_OPTIONS".into(), node_options(existing.as_deref(), &preload)),
            ("BH_NODE_PROFILE_DIR".into(), self.ctl.display().to_string()),
        ];
        if self.sampler == NodeSampler::Prof {
            // NODE_OPTIONS refuses --prof: a `node` first on PATH adds it.
            self.logs = work_dir.to_path_buf();
            let bin = prof::write_shim(&self.ctl, &self.node, &self.logs)
                .map_err(|e| ProfileError::Setup(format!("cannot write the --prof shim: {e}")))?;
            let path = match std::env::var("PATH") {
                Ok(p) if !p.is_empty() => format!("{}:{p}", bin.display()),
                _ => bin.display().to_string(),
            };
            env.push(("PATH".into(), path));
        }
        Ok(env)
    }

    fn reset_counters(&mut self, target: &ProcessTarget) {
        self.counted = self.processes(target, true);
        for (pid, _) in &self.counted {
            // SAFETY: kill(2) on a PID of the server's group that wrote a ready file, i.e.
            // loaded the preload, which handles SIGUSR2.
            unsafe {
                libc::kill(*pid, libc::SIGUSR2);
            }
        }
    }

    fn read_counters(&mut self, _target: &ProcessTarget, into: &mut Profiling) {
        into.notes.append(&mut self.notes);
        if let Some(why) = &self.why {
            into.notes.push(format!(
                "node: sampler --prof (V8's tick profiler) instead of the inspector's CPU profiler: {why}; \
                 --prof runs for the server's whole life, so this measurement window ran under it too"
            ));
        }
        let pids: Vec<i32> = self.counted.iter().map(|(p, _)| *p).collect();
        if pids.is_empty() {
            into.node = Some(NodeMetrics::default());
            into.notes.push("node: no server process loaded the preload; heap, lag and GC are null".into());
            return;
        }
        let mut dumps = Vec::new();
        for (pid, answer) in self.ask(&pids, "dump", Duration::from_secs(5)) {
            match answer.and_then(|v| {
                serde_json::from_value::<stats::Dump>(v["stats"].clone()).map_err(|e| e.to_string())
            }) {
                Ok(mut d) => {
                    // The harness knows the cluster primary; the process itself says `main`.
                    if let Some((_, role)) = self.counted.iter().find(|(p, _)| *p == pid) {
                        d.role = role.clone();
                    }
                    dumps.push(d);
                }
                Err(e) => {
                    into.notes.push(format!("node: process {pid} gave no counters ({e}); not included"))
                }
            }
        }
        if dumps.is_empty() {
            into.node = Some(NodeMetrics::default());
            into.notes.push("node: no process answered; heap, lag and GC are null".into());
            return;
        }
        let (metrics, notes) = stats::combine(&dumps);
        into.node = Some(metrics);
        into.notes.extend(notes);
    }

    fn start_sampling(
        &mut self,
        target: &ProcessTarget,
        workload: &str,
        out_dir: &Path,
    ) -> Result<(), String> {
        if self.sampler == NodeSampler::Prof {
            return self.start_ticks(target);
        }
        let procs = self.processes(target, false);
        if procs.is_empty() {
            return Err("no server process loaded the preload".into());
        }
        let pids: Vec<i32> = procs.iter().map(|(p, _)| *p).collect();
        let answers = self.ask(&pids, "start", Duration::from_secs(5));
        let mut errors = Vec::new();
        self.sampled.clear();
        for (pid, role) in procs {
            match &answers[&pid] {
                Ok(_) => {
                    let path = out_dir.join(format!("{workload}.{pid}.cpuprofile"));
                    self.sampled.push((pid, role, path));
                }
                Err(e) => errors.push(format!("process {pid}: {e}")),
            }
        }
        if self.sampled.is_empty() {
            return Err(format!(
                "the CPU profiler did not start ({}); --node-sampler prof uses V8's tick profiler instead",
                errors.join("; ")
            ));
        }
        self.notes.extend(errors.into_iter().map(|e| format!("node: CPU profiler not started in {e}")));
        Ok(())
    }

    fn stop_sampling(
        &mut self,
        _target: &ProcessTarget,
        into: &mut Profiling,
    ) -> Option<(String, Option<PathBuf>)> {
        if self.sampler == NodeSampler::Prof {
            return self.stop_ticks(into);
        }
        into.notes.append(&mut self.notes);
        let sampled = std::mem::take(&mut self.sampled);
        let several = sampled.len() > 1;
        let mut folded = String::new();
        let (mut first, mut samples, mut idle) = (None, 0, 0);
        let mut profiled = Vec::new();
        for (pid, role, path) in sampled {
            let answer = self.ask(&[pid], &format!("stop {}", path.display()), Duration::from_secs(30));
            let result = answer.into_values().next().unwrap_or(Err("no answer".into())).and_then(|_| {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let root = if several { format!("node {role} {pid}") } else { "node".into() };
                fold_cpuprofile(&text, &root)
            });
            match result {
                Ok(f) => {
                    samples += f.samples;
                    idle += f.idle;
                    for l in f.lines {
                        folded.push_str(&l);
                        folded.push('\n');
                    }
                    if first.is_some() {
                        into.notes.push(format!("raw profile: {}", path.display()));
                    } else {
                        first = Some(path);
                    }
                    profiled.push(format!("{role} {pid}"));
                }
                Err(e) => into.notes.push(format!("node: CPU profile of process {pid} lost: {e}")),
            }
        }
        if profiled.is_empty() {
            into.notes.push("node: no CPU profile was recorded; the measurement still stands".into());
            return None;
        }
        let total = samples + idle;
        into.notes.push(format!(
            "node: CPU profile of {} ({samples} samples on CPU, {idle} idle samples ({:.0} %) left out of the flamegraph; 1 ms sampling interval asked)",
            profiled.join(", "),
            if total > 0 { 100.0 * idle as f64 / total as f64 } else { 0.0 }
        ));
        Some((folded, first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preload_is_appended_to_existing_node_options() {
        let p = Path::new("/out dir/node-ctl/preload.js");
        assert_eq!(node_options(None, p), "--require \"/out dir/node-ctl/preload.js\"");
        assert_eq!(
            node_options(Some(" --max-old-space-size=512 "), p),
            "--max-old-space-size=512 --require \"/out dir/node-ctl/preload.js\""
        );
        assert_eq!(node_options(Some(""), Path::new("/a\"b")), "--require \"/a\\\"b\"");
    }

    #[test]
    fn a_relative_work_dir_gives_absolute_paths_to_the_server() {
        let mut p = NodeProfiler::with("v20".into(), PathBuf::from("node"), None);
        let rel = PathBuf::from("target").join(format!("node-env-test-{}", std::process::id()));
        std::fs::create_dir_all(&rel).unwrap();
        let env = p.server_env(&rel).unwrap();
        std::fs::remove_dir_all(&rel).unwrap();
        let dir = &env.iter().find(|(k, _)| k == "BH_NODE_PROFILE_DIR").unwrap().1;
        assert!(Path::new(dir).is_absolute(), "{dir}");
        let options = &env.iter().find(|(k, _)| k == "NODE_OPTIONS").unwrap().1;
        assert!(options.contains(&format!("--require \"{dir}/preload.js\"")), "{options}");
    }
}
