//! The harness side of the counting allocator of the bundled Rust apps (apps/alloc-counter):
//! the server gets `BENCHMARK_HARNESS_RUST_CONTROL=<out>/rust`; the harness writes
//! `SEQ reset` / `SEQ dump` into `<out>/rust/control` (atomically, by rename) and reads each
//! helper's `<pid>.<SEQ>.json` answer. Only processes that wrote `<pid>.ready` are asked.
//! Writes files only.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{ProcessTarget, ProfileError};
use crate::schema::{Profiling, RustMetrics};

/// The environment variable the helper reads.
pub const CONTROL_ENV: &str = "BENCHMARK_HARNESS_RUST_CONTROL";
/// The helper polls every 10 ms: an answer later than this is not coming.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
const MIB: f64 = 1024.0 * 1024.0;

/// What a helper answers: its counters right after the command.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AllocAnswer {
    pub pid: i32,
    pub seq: u64,
    pub command: String,
    pub allocations: u64,
    pub deallocations: u64,
    pub bytes_allocated: u64,
    pub live_bytes: u64,
    pub peak_live_bytes: u64,
}

/// Parse one answer file.
pub fn parse_answer(text: &str) -> Result<AllocAnswer, String> {
    serde_json::from_str(text).map_err(|e| format!("malformed counting-allocator answer ({e}): {text:?}"))
}

/// The heap figures of a window from the `dump` answers of every counted process: allocation
/// calls and bytes summed; the peak is the sum of each process's peak of live bytes (exact for
/// one process, an upper bound for several).
pub fn heap_metrics(answers: &[AllocAnswer]) -> RustMetrics {
    if answers.is_empty() {
        return RustMetrics::default();
    }
    let sum = |f: fn(&AllocAnswer) -> u64| answers.iter().map(f).sum::<u64>();
    RustMetrics {
        heap_allocations: Some(sum(|a| a.allocations)),
        heap_peak_mb: Some(crate::stats::round_to(sum(|a| a.peak_live_bytes) as f64 / MIB, 3)),
        heap_allocated_mb: Some(crate::stats::round_to(sum(|a| a.bytes_allocated) as f64 / MIB, 3)),
        ..RustMetrics::default()
    }
}

/// Why the heap figures are null when no process has the helper.
pub const NOT_BUILT_IN: &str = "the server was not built with the counting allocator: add a [profile] build \
with cargo feature alloc-stats (see apps/alloc-counter)";

/// The counting-allocator protocol of one profile run.
#[derive(Debug, Default)]
pub struct AllocCounter {
    dir: Option<PathBuf>,
    seq: u64,
    /// The outcome of the last reset: the PIDs reset, or why not.
    reset: Option<Result<Vec<i32>, String>>,
}

impl AllocCounter {
    /// Prepare `<work_dir>/rust` (emptied) and return the server's environment.
    pub fn server_env(&mut self, work_dir: &Path) -> Result<Vec<(String, String)>, ProfileError> {
        let work_dir = std::fs::canonicalize(work_dir)
            .map_err(|e| ProfileError::Setup(format!("cannot resolve {}: {e}", work_dir.display())))?;
        let dir = work_dir.join("rust");
        // Ready and answer files of an earlier run would be mistaken for this one's.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| ProfileError::Setup(format!("cannot create {}: {e}", dir.display())))?;
        let env = vec![(CONTROL_ENV.to_string(), dir.display().to_string())];
        self.dir = Some(dir);
        Ok(env)
    }

    /// Send `command` to every listener of `target` that has the helper; their answers.
    fn send(&mut self, target: &ProcessTarget, command: &str) -> Result<Vec<AllocAnswer>, String> {
        let dir = self.dir.clone().ok_or("the control folder was not prepared")?;
        let helped: Vec<i32> =
            target.listeners.iter().copied().filter(|p| dir.join(format!("{p}.ready")).exists()).collect();
        if helped.is_empty() {
            return Err(NOT_BUILT_IN.into());
        }
        self.seq += 1;
        let seq = self.seq;
        super::write_control(&dir.join("control"), &format!("{seq} {command}\n"))
            .map_err(|e| format!("cannot write {}: {e}", dir.join("control").display()))?;
        let began = Instant::now();
        let mut answers = Vec::new();
        let mut waiting = helped;
        while !waiting.is_empty() {
            let mut error = None;
            waiting.retain(|pid| {
                let path = dir.join(format!("{pid}.{seq}.json"));
                let Ok(text) = std::fs::read_to_string(&path) else { return true };
                let _ = std::fs::remove_file(&path);
                match parse_answer(&text) {
                    Ok(a) if a.command == command => answers.push(a),
                    Ok(a) => error = Some(format!("process {pid} answered '{}' to '{command}'", a.command)),
                    Err(e) => error = Some(format!("process {pid}: {e}")),
                }
                false
            });
            if let Some(e) = error {
                return Err(e);
            }
            if !waiting.is_empty() && began.elapsed() > ANSWER_TIMEOUT {
                let pids = waiting.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ");
                return Err(format!(
                    "process(es) {pids} did not answer '{command}' within {ANSWER_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        answers.sort_by_key(|a| a.pid);
        Ok(answers)
    }

    /// Reset the counters right before the measurement window.
    pub fn reset(&mut self, target: &ProcessTarget) {
        let outcome = self.send(target, "reset").map(|a| a.iter().map(|a| a.pid).collect());
        self.reset = Some(outcome);
    }

    /// Read the counters right after the window into `into.rust` (heap figures only).
    pub fn read(&mut self, target: &ProcessTarget, into: &mut Profiling) {
        let rust = into.rust.get_or_insert_with(RustMetrics::default);
        let null = |into: &mut Vec<String>, why: &str| {
            into.push(format!("rust: heap_allocations and heap_peak_mb are null: {why}"));
        };
        let reset = match self.reset.take() {
            Some(Ok(pids)) => pids,
            Some(Err(e)) => return null(&mut into.notes, &e),
            None => return null(&mut into.notes, "the counters were not reset before the window"),
        };
        let answers = match self.send(target, "dump") {
            Ok(a) => a,
            Err(e) => return null(&mut into.notes, &e),
        };
        if answers.iter().map(|a| a.pid).collect::<Vec<_>>() != reset {
            return null(
                &mut into.notes,
                "the processes with the counting allocator changed during the window",
            );
        }
        let m = heap_metrics(&answers);
        (rust.heap_allocations, rust.heap_peak_mb, rust.heap_allocated_mb) =
            (m.heap_allocations, m.heap_peak_mb, m.heap_allocated_mb);
        let pids = answers.iter().map(|a| a.pid.to_string()).collect::<Vec<_>>().join(", ");
        into.notes.push(format!(
            "rust: heap figures from the counting allocator over the measurement window in {} process(es) (pid {pids}): allocation calls (alloc, alloc_zeroed, realloc) and bytes summed, heap_peak_mb the peak of live bytes{}",
            answers.len(),
            if answers.len() > 1 { " summed over the processes (an upper bound)" } else { "" }
        ));
    }
}

/// Allocation calls per request of the window, when both are known.
pub fn allocations_per_request(allocations: Option<u64>, requests: u64) -> Option<f64> {
    let allocations = allocations?;
    (requests > 0).then(|| crate::stats::round_to(allocations as f64 / requests as f64, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = r#"{"pid":41,"seq":2,"command":"dump","allocations":5120,"deallocations":5101,"bytes_allocated":3145728,"live_bytes":65536,"peak_live_bytes":1572864}"#;

    #[test]
    fn an_answer_parses_and_a_bad_one_is_named() {
        let a = parse_answer(DUMP).unwrap();
        assert_eq!((a.pid, a.seq, a.command.as_str(), a.allocations), (41, 2, "dump", 5120));
        assert!(parse_answer("{\"pid\":1}").unwrap_err().contains("malformed"));
    }

    #[test]
    fn figures_are_summed_over_processes_in_mib() {
        let one = parse_answer(DUMP).unwrap();
        let m = heap_metrics(std::slice::from_ref(&one));
        assert_eq!(m.heap_allocations, Some(5120));
        assert_eq!(m.heap_peak_mb, Some(1.5));
        assert_eq!(m.heap_allocated_mb, Some(3.0));
        assert_eq!(m.samples, None);
        let two = AllocAnswer { pid: 42, ..one.clone() };
        let m = heap_metrics(&[one, two]);
        assert_eq!((m.heap_allocations, m.heap_peak_mb), (Some(10_240), Some(3.0)));
        assert_eq!(heap_metrics(&[]), RustMetrics::default());
        assert_eq!(allocations_per_request(Some(5120), 1024), Some(5.0));
        assert_eq!(allocations_per_request(Some(5120), 0), None);
        assert_eq!(allocations_per_request(None, 10), None);
    }

    #[test]
    fn a_server_without_the_helper_leaves_nulls_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let mut counter = AllocCounter::default();
        let env = counter.server_env(dir.path()).unwrap();
        assert_eq!(env[0].0, CONTROL_ENV);
        let me = std::process::id() as i32;
        let target = ProcessTarget { pid: me, listeners: vec![me], pgid: me, port: 1 };
        counter.reset(&target);
        let mut p = Profiling::default();
        counter.read(&target, &mut p);
        let rust = p.rust.unwrap();
        assert_eq!((rust.heap_allocations, rust.heap_peak_mb), (None, None));
        assert!(p.notes[0].contains("not built with the counting allocator"), "{:?}", p.notes);
        assert!(p.notes[0].contains("alloc-stats"), "{:?}", p.notes);
    }

    #[test]
    fn the_protocol_round_trips_with_a_fake_helper() {
        let dir = tempfile::tempdir().unwrap();
        let mut counter = AllocCounter::default();
        counter.server_env(dir.path()).unwrap();
        let rust_dir = std::fs::canonicalize(dir.path()).unwrap().join("rust");
        let me = std::process::id() as i32;
        std::fs::write(rust_dir.join(format!("{me}.ready")), "").unwrap();
        // A helper that answers every command with fixed counters.
        let d = rust_dir.clone();
        let helper = std::thread::spawn(move || {
            for seq in 1..=2u64 {
                let command = loop {
                    let text = std::fs::read_to_string(d.join("control")).unwrap_or_default();
                    if text.starts_with(&format!("{seq} ")) {
                        break text[format!("{seq} ").len()..].trim().to_string();
                    }
                    std::thread::sleep(Duration::from_millis(5));
                };
                let answer = DUMP
                    .replace("\"pid\":41", &format!("\"pid\":{me}"))
                    .replace("\"seq\":2", &format!("\"seq\":{seq}"))
                    .replace("\"dump\"", &format!("\"{command}\""));
                std::fs::write(d.join(format!("{me}.{seq}.json")), answer).unwrap();
            }
        });
        let target = ProcessTarget { pid: me, listeners: vec![me], pgid: me, port: 1 };
        counter.reset(&target);
        let mut p = Profiling::default();
        counter.read(&target, &mut p);
        helper.join().unwrap();
        let rust = p.rust.unwrap();
        assert_eq!((rust.heap_allocations, rust.heap_peak_mb), (Some(5120), Some(1.5)), "{:?}", p.notes);
        assert!(p.notes[0].contains("counting allocator"), "{:?}", p.notes);
    }
}
