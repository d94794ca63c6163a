//! `--heaptrack`: after the measured windows, a separate pass per workload with the server
//! started again under `heaptrack` (Debian's package), for allocation call sites. The pass's
//! throughput is never used as a figure; its failures leave a note and the measurement stands.
//!
//! Starts the server through `run::Session` and runs `heaptrack_print` on the data file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{ProcessTarget, ProfileError};
use crate::app::App;
use crate::run::{check_for, measure_load, LoadOptions, Progress, RunTarget, Session};
use crate::schema::HeaptrackFigures;
use crate::workload::Workload;

mod print;
pub use print::parse_print;

const INSTALL: &str = "on Debian: apt-get install -y heaptrack";
/// How long heaptrack may take to write its data file once the server got SIGTERM.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

/// Check that `heaptrack` and `heaptrack_print` run here; their version.
pub fn heaptrack_version() -> Result<String, ProfileError> {
    let missing = || ProfileError::Missing { tool: "heaptrack".into(), install: INSTALL.into() };
    let out = Command::new("heaptrack").arg("--version").output().map_err(|_| missing())?;
    Command::new("heaptrack_print").arg("--help").output().map_err(|_| missing())?;
    if !out.status.success() {
        return Err(missing());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The start command run under heaptrack: `exec heaptrack -o OUT PROGRAM ARGS`. Only a simple
/// command (optionally after `exec`) can be wrapped, so that heaptrack traces the server itself.
pub fn wrap_command(command: &str, out: &Path) -> Result<String, String> {
    let simple = match command.trim() {
        "exec" => "",
        c => c.strip_prefix("exec ").map(str::trim_start).unwrap_or(c),
    };
    let first = simple.split_whitespace().next().unwrap_or_default();
    if simple.is_empty() || simple.contains([';', '&', '|', '\n', '(', '`']) || first.contains('=') {
        return Err(format!(
            "the start command '{command}' is not a simple `exec PROGRAM ARGS`, which heaptrack needs to trace the server itself"
        ));
    }
    let out = out.display().to_string();
    if out.contains(['\'', '{', '}']) {
        return Err(format!(
            "the heaptrack output path {out} holds a quote or brace; choose another --flamegraph-dir"
        ));
    }
    Ok(format!("exec heaptrack -o '{out}' {simple}"))
}

/// The data file heaptrack wrote for `-o out` (it adds `.zst` or `.gz`).
fn data_file(out: &Path) -> Option<PathBuf> {
    ["zst", "gz"].iter().map(|ext| PathBuf::from(format!("{}.{ext}", out.display()))).find(|p| p.is_file())
}

/// What the heaptrack pass needs of the profile plan.
pub struct HeaptrackPass<'a> {
    pub app: &'a App,
    pub workers: u32,
    pub server_cpus: Option<Vec<usize>>,
    pub load: LoadOptions,
    pub out_dir: &'a Path,
}

impl HeaptrackPass<'_> {
    /// Start the server under heaptrack, put `workload`'s load on it, stop it so heaptrack
    /// writes its file, and read the figures. The second value is the pass's throughput,
    /// for a note only.
    pub fn run(
        &self,
        workload: &Workload,
        stem: &str,
        progress: &dyn Progress,
        stop: &Arc<AtomicBool>,
    ) -> Result<(HeaptrackFigures, Option<f64>), String> {
        let out = self.out_dir.join(format!("{stem}.heaptrack"));
        for ext in ["zst", "gz"] {
            let _ = std::fs::remove_file(format!("{}.{ext}", out.display()));
        }
        let command = wrap_command(self.app.start_command(), &out)?;
        let target = RunTarget::App {
            app: Box::new(self.app.with_start_command(command)),
            workers: self.workers,
            server_cpus: self.server_cpus.clone(),
            env: Vec::new(),
        };
        let mut session = Session::open(&target, progress, stop)
            .map_err(|e| format!("the server did not start under heaptrack: {e}"))?;
        let label = Workload { name: format!("{} (heaptrack)", workload.name), ..workload.clone() };
        let window =
            measure_load(&mut session, &label, check_for(workload, None), &self.load, progress, stop);
        let rps = window.results.as_ref().map(|m| m.throughput.requests_per_sec);
        stop_traced(&mut session)?;
        drop(session);
        let file =
            data_file(&out).ok_or_else(|| format!("heaptrack wrote no data file {}.zst", out.display()))?;
        let printed = Command::new("heaptrack_print")
            .args(["--print-allocators=1", "--print-peaks=1", "--print-temporary=0", "--print-leaks=0"])
            .args(["--merge-backtraces=0", "--peak-limit=5", "-f"])
            .arg(&file)
            .output()
            .map_err(|e| format!("cannot run heaptrack_print: {e}"))?;
        if !printed.status.success() {
            return Err(format!(
                "heaptrack_print failed ({}): {}",
                printed.status,
                String::from_utf8_lossy(&printed.stderr).trim()
            ));
        }
        let mut figures = parse_print(&String::from_utf8_lossy(&printed.stdout));
        if figures.allocations.is_none() && figures.peak_mb.is_none() {
            return Err(format!("heaptrack_print printed no totals for {}", file.display()));
        }
        figures.file = file.display().to_string();
        Ok((figures, rps))
    }
}

/// SIGTERM to the traced server (the process listening on the port, never heaptrack's own
/// processes, which must stay to write the file), then wait for heaptrack to exit.
fn stop_traced(session: &mut Session) -> Result<(), String> {
    let (root, pgid) = session.server_ids().ok_or("the server under heaptrack is not running")?;
    let traced = ProcessTarget::find(root, pgid, session.port())
        .ok_or("no process under heaptrack listens on the server's port")?;
    for pid in &traced.listeners {
        // SAFETY: a signal to a process of the server's own group, found by its port.
        unsafe {
            libc::kill(*pid, libc::SIGTERM);
        }
    }
    let began = Instant::now();
    while session.server_died().is_none() {
        if began.elapsed() > FLUSH_TIMEOUT {
            return Err(format!("heaptrack did not finish writing within {FLUSH_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_simple_command_is_wrapped() {
        let out = Path::new("/tmp/p/w.heaptrack");
        assert_eq!(
            wrap_command("exec /c/release/axum-baseline --port {port}", out).unwrap(),
            "exec heaptrack -o '/tmp/p/w.heaptrack' /c/release/axum-baseline --port {port}"
        );
        assert_eq!(
            wrap_command("python3 s.py", out).unwrap(),
            "exec heaptrack -o '/tmp/p/w.heaptrack' python3 s.py"
        );
        for bad in ["cd x && exec ./s", "A=1 ./s", "./s | tee log", "exec "] {
            assert!(wrap_command(bad, out).unwrap_err().contains("simple"), "{bad}");
        }
        assert!(wrap_command("./s", Path::new("/tmp/{x}")).is_err());
    }
}
