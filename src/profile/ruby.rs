//! Ruby (Puma) servers: a boot file injected through `RUBYOPT=-r…` wraps the Rack app that
//! Puma serves and polls a control file in every serving process. GC/heap counters come
//! from `GC.stat` deltas over the measurement window; the profiling window runs `StackProf`
//! in cpu mode, folded inside the server into `frame;frame count` lines.
//!
//! Signals are not used: Puma owns USR1, USR2, HUP and TTIN. The harness writes
//! `SEQ COMMAND [ARG]` into `<out>/ruby/control` (atomically, by rename) and waits for each
//! serving process's `<pid>.<SEQ>.ack` (`key value` lines). Writes files only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{fold_lines, ProcessTarget, ProfileError, Profiler};
use crate::schema::{Profiling, RubyMetrics};

/// The boot file, written into the profile's out dir and loaded with `RUBYOPT=-r`.
const BOOT_RB: &str = include_str!("ruby/boot.rb");
/// How long a command may take to be acknowledged (the boot file polls every 10 ms).
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// Stopping stackprof folds the samples in the server: give it longer.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
const INSTALL: &str = "on Debian: apt-get install -y ruby-stackprof (or use --profiler none)";

/// GC/heap counters and stackprof, through the boot file.
pub struct RubyProfiler {
    version: String,
    /// `<out>/ruby`: the boot file, the control file, ready and ack files.
    dir: Option<PathBuf>,
    seq: u64,
    /// Whether the last reset reached every serving process.
    reset_ok: bool,
    /// The workload being sampled.
    sampling: Option<String>,
}

impl RubyProfiler {
    /// Check that Ruby can load stackprof.
    pub fn new() -> Result<RubyProfiler, ProfileError> {
        let missing = || ProfileError::Missing { tool: "stackprof (Ruby)".into(), install: INSTALL.into() };
        let out = Command::new("ruby")
            .args(["-e", "require 'stackprof'; print StackProf::VERSION"])
            .env_remove("RUBYOPT")
            .output()
            .map_err(|_| missing())?;
        if !out.status.success() {
            return Err(missing());
        }
        let version = format!("stackprof {}", String::from_utf8_lossy(&out.stdout).trim());
        Ok(RubyProfiler { version, dir: None, seq: 0, reset_ok: false, sampling: None })
    }
}

/// One process's answer to a command: `ok CMD` or `error MESSAGE`, then `key value` lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub pid: i32,
    pub fields: BTreeMap<String, String>,
}

impl Ack {
    fn num(&self, key: &str) -> Option<i64> {
        self.fields.get(key)?.parse().ok()
    }
}

/// Parse an ack file; `Err` carries the process's error message.
pub fn parse_ack(pid: i32, text: &str) -> Result<Ack, String> {
    let mut lines = text.lines();
    match lines.next().map(|l| l.split_once(' ').unwrap_or((l, ""))) {
        Some(("ok", _)) => {}
        Some(("error", msg)) => return Err(format!("process {pid}: {msg}")),
        _ => return Err(format!("process {pid}: malformed answer {:?}", text.lines().next())),
    }
    let fields =
        lines.filter_map(|l| l.split_once(' ')).map(|(k, v)| (k.to_string(), v.trim().to_string())).collect();
    Ok(Ack { pid, fields })
}

/// The measurement window's figures from the `read` answers of every serving process:
/// GC count and time are deltas over the window, heap pages and live slots the levels at its
/// end, each summed over the processes. A figure missing from any answer is `None`.
pub fn ruby_metrics(acks: &[Ack]) -> RubyMetrics {
    let sum = |key: &str| -> Option<i64> {
        if acks.is_empty() {
            return None;
        }
        acks.iter().map(|a| a.num(key)).sum()
    };
    let non_negative = |v: Option<i64>| v.map(|n| n.max(0) as u64);
    RubyMetrics {
        gc_count: non_negative(sum("delta_count")),
        gc_time_ms: sum("delta_time").map(|ms| ms.max(0) as f64),
        heap_allocated_pages: non_negative(sum("level_heap_allocated_pages")),
        heap_live_slots: non_negative(sum("level_heap_live_slots")),
    }
}

/// Answers to one command, and the serving processes that did not answer in time.
struct Answers {
    acks: Vec<Ack>,
    errors: Vec<String>,
}

impl RubyProfiler {
    /// Send `command` to every serving process of `target` and wait for their answers.
    fn send(&mut self, target: &ProcessTarget, command: &str, timeout: Duration) -> Result<Answers, String> {
        let dir = self.dir.clone().ok_or("the boot file was not prepared")?;
        let serving: Vec<i32> =
            target.listeners.iter().copied().filter(|p| dir.join(format!("{p}.ready")).exists()).collect();
        if serving.is_empty() {
            return Err(format!(
                "no server process loaded the boot file (no <pid>.ready in {}; did the app replace RUBYOPT, or is it not served by Puma?)",
                dir.display()
            ));
        }
        self.seq += 1;
        let seq = self.seq;
        super::write_control(&dir.join("control"), &format!("{seq} {command}\n"))
            .map_err(|e| format!("cannot write {}: {e}", dir.join("control").display()))?;
        let began = Instant::now();
        let mut answers = Answers { acks: Vec::new(), errors: Vec::new() };
        let mut waiting = serving;
        while !waiting.is_empty() {
            waiting.retain(|pid| {
                let path = dir.join(format!("{pid}.{seq}.ack"));
                let Ok(text) = std::fs::read_to_string(&path) else { return true };
                let _ = std::fs::remove_file(&path);
                match parse_ack(*pid, &text) {
                    Ok(a) => answers.acks.push(a),
                    Err(e) => answers.errors.push(e),
                }
                false
            });
            if began.elapsed() > timeout {
                let pids = waiting.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ");
                answers
                    .errors
                    .push(format!("process(es) {pids} did not answer '{command}' within {timeout:?}"));
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        answers.acks.sort_by_key(|a| a.pid);
        Ok(answers)
    }
}

fn pid_list(acks: &[Ack]) -> String {
    acks.iter().map(|a| a.pid.to_string()).collect::<Vec<_>>().join(", ")
}

impl Profiler for RubyProfiler {
    fn name(&self) -> String {
        self.version.clone()
    }

    fn server_env(&mut self, work_dir: &Path) -> Result<Vec<(String, String)>, ProfileError> {
        let work_dir = std::fs::canonicalize(work_dir)
            .map_err(|e| ProfileError::Setup(format!("cannot resolve {}: {e}", work_dir.display())))?;
        let dir = work_dir.join("ruby");
        if dir.to_string_lossy().chars().any(char::is_whitespace) {
            return Err(ProfileError::Setup(format!(
                "RUBYOPT cannot load a file from a path with spaces ({}); choose another --flamegraph-dir",
                dir.display()
            )));
        }
        // Ready and ack files of an earlier run would be mistaken for this one's.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| ProfileError::Setup(format!("cannot create {}: {e}", dir.display())))?;
        let boot = dir.join("boot.rb");
        std::fs::write(&boot, BOOT_RB)
            .map_err(|e| ProfileError::Setup(format!("cannot write {}: {e}", boot.display())))?;
        let require = format!("-r{}", boot.display());
        let rubyopt = match std::env::var("RUBYOPT") {
            Ok(old) if !old.trim().is_empty() => format!("{old} {require}"),
            _ => require,
        };
        let env = vec![
            ("RUBYOPT".to_string(), rubyopt),
            ("BENCHMARK_HARNESS_RUBY_DIR".to_string(), dir.display().to_string()),
        ];
        self.dir = Some(dir);
        Ok(env)
    }

    fn reset_counters(&mut self, target: &ProcessTarget) {
        self.reset_ok = matches!(self.send(target, "reset", ACK_TIMEOUT), Ok(a) if a.errors.is_empty());
    }

    fn read_counters(&mut self, target: &ProcessTarget, into: &mut Profiling) {
        if !self.reset_ok {
            into.ruby = Some(RubyMetrics::default());
            into.notes.push(
                "ruby: the counters could not be reset before the window: GC and heap figures are null"
                    .into(),
            );
            return;
        }
        let answers = match self.send(target, "read", ACK_TIMEOUT) {
            Ok(a) if a.errors.is_empty() && !a.acks.is_empty() => a,
            Ok(a) => {
                into.ruby = Some(RubyMetrics::default());
                into.notes.push(format!("ruby: GC and heap figures are null: {}", a.errors.join("; ")));
                return;
            }
            Err(e) => {
                into.ruby = Some(RubyMetrics::default());
                into.notes.push(format!("ruby: GC and heap figures are null: {e}"));
                return;
            }
        };
        let metrics = ruby_metrics(&answers.acks);
        let requests: i64 = answers.acks.iter().filter_map(|a| a.num("requests")).sum();
        let allocated: i64 = answers.acks.iter().filter_map(|a| a.num("delta_total_allocated_objects")).sum();
        let others: Vec<String> = target
            .listeners
            .iter()
            .filter(|p| !answers.acks.iter().any(|a| a.pid == **p))
            .map(|p| p.to_string())
            .collect();
        into.notes.push(format!(
            "ruby: GC.stat over the measurement window in {} serving process(es) (pid {}): gc_count and gc_time_ms are deltas, heap_* the levels at the window's end, summed",
            answers.acks.len(),
            pid_list(&answers.acks)
        ));
        if !others.is_empty() {
            into.notes.push(format!(
                "ruby: listener(s) {} serve no requests (the Puma cluster master) and are not counted",
                others.join(", ")
            ));
        }
        if requests > 0 {
            into.notes.push(format!(
                "ruby: {allocated} objects allocated in the window ({:.1} per request over {requests} requests)",
                allocated as f64 / requests as f64
            ));
        }
        into.ruby = Some(metrics);
    }

    fn start_sampling(
        &mut self,
        target: &ProcessTarget,
        workload: &str,
        _out_dir: &Path,
    ) -> Result<(), String> {
        let answers = self.send(target, "start", ACK_TIMEOUT)?;
        self.sampling = Some(workload.to_string());
        if answers.acks.is_empty() {
            return Err(format!("stackprof did not start: {}", answers.errors.join("; ")));
        }
        if !answers.errors.is_empty() {
            return Err(format!("stackprof did not start everywhere: {}", answers.errors.join("; ")));
        }
        Ok(())
    }

    fn stop_sampling(
        &mut self,
        target: &ProcessTarget,
        into: &mut Profiling,
    ) -> Option<(String, Option<PathBuf>)> {
        let workload = self.sampling.take()?;
        let answers = match self.send(target, &format!("stop {workload}"), STOP_TIMEOUT) {
            Ok(a) => a,
            Err(e) => {
                into.notes.push(format!("stackprof: {e}; the measurement still stands"));
                return None;
            }
        };
        if !answers.errors.is_empty() {
            into.notes.push(format!("stackprof: {}", answers.errors.join("; ")));
        }
        let mut folded = String::new();
        let mut dumps = Vec::new();
        let (mut samples, mut gc_samples) = (0, 0);
        for a in &answers.acks {
            let Some(path) = a.fields.get("folded") else { continue };
            match std::fs::read_to_string(path) {
                Ok(text) => folded.push_str(&text),
                Err(e) => into.notes.push(format!("stackprof: cannot read {path}: {e}")),
            }
            let _ = std::fs::remove_file(path);
            samples += a.num("samples").unwrap_or(0);
            gc_samples += a.num("gc_samples").unwrap_or(0);
            dumps.extend(a.fields.get("dump").map(PathBuf::from));
        }
        if answers.acks.is_empty() {
            into.notes.push("stackprof: no process returned samples; the measurement still stands".into());
            return None;
        }
        into.notes.push(format!(
            "stackprof cpu mode at 1 kHz in {} process(es) (pid {}): {samples} samples, {gc_samples} in GC",
            answers.acks.len(),
            pid_list(&answers.acks)
        ));
        if dumps.len() > 1 {
            let rest = dumps[1..].iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
            into.notes.push(format!("stackprof dumps of the other processes: {rest}"));
        }
        let mut lines = fold_lines(&folded).join("\n");
        lines.push('\n');
        Some((lines, dumps.into_iter().next()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `read` answer as the boot file writes it (Ruby 3.1 `GC.stat`).
    const READ: &str = "ok read\nrequests 200\ndelta_count 3\ndelta_time 4\n\
delta_total_allocated_objects 26812\ndelta_heap_allocated_pages 44\ndelta_heap_live_slots -180\n\
level_heap_allocated_pages 151\nlevel_heap_live_slots 61294\n";

    #[test]
    fn an_ack_is_parsed_and_an_error_is_reported() {
        let a = parse_ack(7, READ).unwrap();
        assert_eq!(a.num("delta_count"), Some(3));
        assert_eq!(a.num("delta_heap_live_slots"), Some(-180));
        let e = parse_ack(7, "error RuntimeError: boom\n").unwrap_err();
        assert_eq!(e, "process 7: RuntimeError: boom");
        assert!(parse_ack(7, "").unwrap_err().contains("malformed"));
    }

    #[test]
    fn figures_are_summed_over_serving_processes() {
        let one = parse_ack(1, READ).unwrap();
        let two = parse_ack(2, &READ.replace("delta_count 3", "delta_count 5")).unwrap();
        let m = ruby_metrics(&[one.clone(), two]);
        assert_eq!(m.gc_count, Some(8));
        assert_eq!(m.gc_time_ms, Some(8.0));
        assert_eq!(m.heap_allocated_pages, Some(302));
        assert_eq!(m.heap_live_slots, Some(122_588));
        let m = ruby_metrics(&[one]);
        assert_eq!((m.gc_count, m.heap_live_slots), (Some(3), Some(61_294)));
    }

    #[test]
    fn a_figure_missing_anywhere_is_null_never_partial() {
        let one = parse_ack(1, READ).unwrap();
        let old = parse_ack(2, "ok read\ndelta_count 1\nlevel_heap_live_slots 10\n").unwrap();
        let m = ruby_metrics(&[one, old]);
        assert_eq!(m.gc_count, Some(4));
        assert_eq!(m.gc_time_ms, None);
        assert_eq!(m.heap_allocated_pages, None);
        assert_eq!(ruby_metrics(&[]), RubyMetrics::default());
    }

    #[test]
    fn the_boot_file_folds_like_stackcollapse() {
        // Ruby's fold and stackprof --stackcollapse agree on a saved raw profile.
        let Ok(out) = Command::new("ruby")
            .env_remove("RUBYOPT")
            .env_remove("BENCHMARK_HARNESS_RUBY_DIR")
            .args(["-e", &format!("{BOOT_RB}\nprint BenchmarkHarnessRuby.fold({{raw: [2, 1, 2, 3, 1, 1, 2, 2, 1, 2, 4, 1, 3, 1], frames: {{1 => {{name: 'main'}}, 2 => {{name: 'a;b'}}, 3 => {{name: 'c'}}}}}})")])
            .output()
        else {
            return; // no Ruby here: the e2e test covers the boot file
        };
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(fold_lines(&text), vec!["c 1", "main 2", "main;a:b 7"]);
    }
}
