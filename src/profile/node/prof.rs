//! The `--prof` sampler, the fallback to the inspector's CPU profiler: V8's tick profiler,
//! which only starts with the process (`--prof` is refused in `NODE_OPTIONS`), so the server
//! finds a `node` shim first on its `PATH` that runs the real `node` with `--prof` and one log
//! per process in the profile folder. The profiling window is marked in each log by the
//! preload (`mark` command); at its end a snapshot of the log goes through
//! `node --prof-process --preprocess` and the ticks between the marks are folded (`ticks.rs`).
//!
//! Starts `node` (the probe, the tick processor); talks to the preload through `NodeProfiler`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::ticks::fold_ticks;
use super::{NodeProfiler, ProcessTarget};
use crate::schema::Profiling;

/// Whether the inspector's CPU profiler runs in a `node` started like the server's (same
/// `NODE_OPTIONS`): start and stop it once in a throwaway process.
pub(super) fn probe_cpu_profiler(node: &Path) -> Result<(), String> {
    const PROBE: &str =
        "setTimeout(() => { console.error('Error: no answer within 10 s'); process.exit(1); }, 1e4)\
        .unref(); const s = new (require('node:inspector').Session)(); s.connect();\
        s.post('Profiler.enable', (e) => { if (e) throw e;\
        s.post('Profiler.start', (e2) => { if (e2) throw e2;\
        s.post('Profiler.stop', (e3) => { if (e3) throw e3; process.stdout.write('ok'); }); }); });";
    let child = Command::new(node)
        .args(["-e", PROBE])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", node.display()))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() && out.stdout == b"ok" {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("Error"))
        .or_else(|| err.lines().rfind(|l| !l.trim().is_empty()))
        .unwrap_or("the probe failed without a message");
    Err(line.trim().to_string())
}

/// The first executable `name` on `PATH`.
pub(super) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// A string as one single-quoted `sh` word.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The `--prof` log of process `pid`.
pub(super) fn log_path(logs: &Path, pid: i32) -> PathBuf {
    logs.join(format!("node-{pid}.v8.log"))
}

/// The preprocessed (JSON) form of `log_path`, rewritten at each window's end: every window
/// so far is in it, each between its two markers.
fn json_path(logs: &Path, pid: i32) -> PathBuf {
    logs.join(format!("node-{pid}.v8.json"))
}

/// The text of the `node` shim: the real `node` with `--prof`, logging to
/// `logs/node-<pid>.v8.log` (`%p` is V8's PID placeholder, `%%` a literal `%`).
fn shim_text(node: &Path, logs: &Path) -> String {
    let logfile = format!("--logfile={}/node-%p.v8.log", logs.display().to_string().replace('%', "%%"));
    format!(
        "#!/bin/sh\n# benchmark-harness: the server's node under V8's tick profiler (--prof).\n\
         exec {} --prof --no-logfile-per-isolate {} \"$@\"\n",
        sh_quote(&node.display().to_string()),
        sh_quote(&logfile)
    )
}

/// Write the shim as `ctl/bin/node` and return the folder to put first on the server's PATH.
pub(super) fn write_shim(ctl: &Path, node: &Path, logs: &Path) -> std::io::Result<PathBuf> {
    let bin = ctl.join("bin");
    std::fs::create_dir_all(&bin)?;
    let shim = bin.join("node");
    std::fs::write(&shim, shim_text(node, logs))?;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755))?;
    // Logs of an earlier profile in this folder would be mistaken for this one's.
    for e in std::fs::read_dir(logs)?.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("node-") && (name.ends_with(".v8.log") || name.ends_with(".v8.json")) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(bin)
}

/// Wait for `child` up to `deadline`; kill it past that.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Snapshot each live log (whole lines only: the server is still writing it), run the tick
/// processor on all of them at once, and return each process's preprocessed JSON (also
/// written to `node-<pid>.v8.json`).
fn preprocess(node: &Path, ctl: &Path, logs: &Path, pids: &[i32]) -> Vec<Result<String, String>> {
    let deadline = Instant::now() + Duration::from_secs(180);
    let started: Vec<Result<(Child, PathBuf, PathBuf), String>> = pids
        .iter()
        .map(|&pid| {
            let log = log_path(logs, pid);
            let text = std::fs::read(&log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
            let whole = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let snap = ctl.join(format!("{pid}.snapshot.v8.log"));
            let tmp = ctl.join(format!("{pid}.v8.json.tmp"));
            std::fs::write(&snap, &text[..whole])
                .map_err(|e| format!("cannot write {}: {e}", snap.display()))?;
            let out =
                std::fs::File::create(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
            let child = Command::new(node)
                .args(["--prof-process", "--preprocess"])
                .arg(&snap)
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start {} --prof-process: {e}", node.display()))?;
            Ok((child, snap, tmp))
        })
        .collect();
    started
        .into_iter()
        .zip(pids)
        .map(|(s, &pid)| {
            let (mut child, snap, tmp) = s?;
            let status = wait_until(&mut child, deadline);
            let _ = std::fs::remove_file(&snap);
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            match status {
                Some(s) if s.success() => {
                    let json = json_path(logs, pid);
                    std::fs::rename(&tmp, &json)
                        .map_err(|e| format!("cannot write {}: {e}", json.display()))?;
                    std::fs::read_to_string(&json).map_err(|e| format!("cannot read {}: {e}", json.display()))
                }
                status => {
                    let _ = std::fs::remove_file(&tmp);
                    let tail: Vec<&str> =
                        err.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
                    let how = status.map_or("timed out".to_string(), |s| s.to_string());
                    Err(format!("node --prof-process {how}:\n```\n{}\n```", tail.join("\n")))
                }
            }
        })
        .collect()
}

/// The markers of window `n`.
fn markers(n: u64) -> (String, String) {
    (format!("__bh_window_start_{n}"), format!("__bh_window_stop_{n}"))
}

impl NodeProfiler {
    /// Mark the start of a window in the `--prof` log of each server process.
    pub(super) fn start_ticks(&mut self, target: &ProcessTarget) -> Result<(), String> {
        let procs = self.processes(target, false);
        if procs.is_empty() {
            return Err("no server process loaded the preload".into());
        }
        self.window += 1;
        let (start, _) = markers(self.window);
        let (logged, unlogged): (Vec<_>, Vec<_>) =
            procs.into_iter().partition(|(pid, _)| log_path(&self.logs, *pid).is_file());
        for (pid, _) in &unlogged {
            self.notes.push(format!(
                "node: process {pid} has no --prof log (not started through the `node` on PATH?); not sampled"
            ));
        }
        let pids: Vec<i32> = logged.iter().map(|(p, _)| *p).collect();
        let answers = self.ask(&pids, &format!("mark {start}"), Duration::from_secs(5));
        let mut errors = Vec::new();
        self.sampled.clear();
        for (pid, role) in logged {
            match &answers[&pid] {
                Ok(_) => self.sampled.push((pid, role, log_path(&self.logs, pid))),
                Err(e) => errors.push(format!("process {pid}: {e}")),
            }
        }
        if self.sampled.is_empty() {
            let why =
                if errors.is_empty() { "no process has a --prof log".into() } else { errors.join("; ") };
            return Err(format!("the --prof window could not be marked ({why})"));
        }
        self.notes.extend(errors.into_iter().map(|e| format!("node: --prof window not marked in {e}")));
        Ok(())
    }

    /// Mark the window's end, preprocess the logs and fold the window's ticks.
    pub(super) fn stop_ticks(&mut self, into: &mut Profiling) -> Option<(String, Option<PathBuf>)> {
        into.notes.append(&mut self.notes);
        let (start, stop) = markers(self.window);
        let mut sampled = std::mem::take(&mut self.sampled);
        let pids: Vec<i32> = sampled.iter().map(|(p, _, _)| *p).collect();
        for (pid, answer) in self.ask(&pids, &format!("mark {stop}"), Duration::from_secs(5)) {
            if let Err(e) = answer {
                into.notes
                    .push(format!("node: --prof window of process {pid} not closed ({e}); not included"));
                sampled.retain(|(p, _, _)| *p != pid);
            }
        }
        // Ticks reach the log from V8's profiler thread; give the last ones time to land.
        std::thread::sleep(Duration::from_millis(100));
        let pids: Vec<i32> = sampled.iter().map(|(p, _, _)| *p).collect();
        let several = sampled.len() > 1;
        let (mut folded, mut first, mut profiled) = (String::new(), None, Vec::new());
        let (mut samples, mut unaccounted, mut gc, mut idle, mut window_ms) = (0, 0, 0, 0, 0.0f64);
        for ((pid, role, log), json) in
            sampled.into_iter().zip(preprocess(&self.node, &self.ctl, &self.logs, &pids))
        {
            let root = if several { format!("node {role} {pid}") } else { "node".into() };
            match json.and_then(|j| fold_ticks(&j, &start, &stop, &root)) {
                Ok(f) => {
                    (samples, unaccounted, gc, idle) =
                        (samples + f.samples, unaccounted + f.unaccounted, gc + f.gc, idle + f.idle);
                    window_ms = window_ms.max(f.window_ms);
                    for l in f.lines {
                        folded.push_str(&l);
                        folded.push('\n');
                    }
                    if first.is_some() {
                        into.notes.push(format!("raw profile: {}", log.display()));
                    } else {
                        first = Some(log);
                    }
                    into.notes
                        .push(format!("node: preprocessed ticks: {}", json_path(&self.logs, pid).display()));
                    profiled.push(format!("{role} {pid}"));
                }
                Err(e) => into.notes.push(format!("node: --prof ticks of process {pid} lost: {e}")),
            }
        }
        if profiled.is_empty() {
            into.notes.push("node: no --prof ticks were recorded; the measurement still stands".into());
            return None;
        }
        let share = |n: u64| if samples > 0 { 100.0 * n as f64 / samples as f64 } else { 0.0 };
        into.notes.push(format!(
            "node: --prof ticks of {} between the log markers {start} and {stop} ({window_ms:.0} ms): \
             {samples} ticks on CPU, {gc} in GC, {unaccounted} ({:.0} %) unaccounted (no code entry for the \
             sampled pc, mostly C++ in the node binary that the tick processor cannot name: '(unresolved)' \
             frames); {idle} idle ticks left out of the flamegraph",
            profiled.join(", "),
            share(unaccounted),
        ));
        Some((folded, first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_runs_the_real_node_with_prof_and_a_log_per_pid() {
        let text = shim_text(Path::new("/usr/bin/node"), Path::new("/out/it's 100%"));
        assert_eq!(
            text.lines().last().unwrap(),
            "exec '/usr/bin/node' --prof --no-logfile-per-isolate \
             '--logfile=/out/it'\\''s 100%%/node-%p.v8.log' \"$@\""
        );
    }

    #[test]
    fn node_is_found_on_path_and_probed() {
        let Some(node) = find_on_path("node") else { return };
        assert!(node.is_absolute());
        assert_eq!(probe_cpu_profiler(&node), Ok(()));
        assert!(find_on_path("no-such-tool-bh").is_none());
        assert_eq!(markers(3), ("__bh_window_start_3".into(), "__bh_window_stop_3".into()));
    }
}
