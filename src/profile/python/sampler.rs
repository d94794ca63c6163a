//! py-spy recordings: the whole-window sampler and the two short windows (`--gil`, then
//! `--native --idle --threads`) run one after the other on a helper thread. Starts and
//! signals py-spy processes.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::RATE;
use crate::profile::ProcessTarget;

/// A py-spy recording in progress.
pub struct Sampler {
    pub child: Child,
    pub output: PathBuf,
    pub started: Instant,
}

/// A finished recording: its text, when it started and how long it sampled.
pub struct Recorded {
    pub raw: String,
    pub started: Instant,
    pub secs: f64,
}

/// The short `--gil` and `--native --idle --threads` windows, one after the other.
#[derive(Default)]
pub struct Extra {
    pub gil: Option<Recorded>,
    pub native: Option<Recorded>,
    pub errors: Vec<String>,
}

/// The short windows in progress: set the flag to cut them short, then join.
pub type ExtraWindows = (Arc<AtomicBool>, JoinHandle<Extra>);

/// Start `py-spy record` on the server, raw (folded) output.
pub fn record(bin: &Path, target: &ProcessTarget, output: &Path, extra: &[&str]) -> Result<Child, String> {
    let mut cmd = Command::new(bin);
    cmd.args(["record", "--pid", &target.pid.to_string(), "--rate", &RATE.to_string()])
        .args(["--format", "raw", "--output"])
        .arg(output)
        .args(extra);
    if target.listeners.len() > 1 {
        cmd.arg("--subprocesses");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start py-spy: {e}"))
}

/// Run one short window to its end, or until `stop`; the output and the sampled seconds.
fn run_window(child: Result<Child, String>, output: &Path, stop: &AtomicBool) -> Result<Recorded, String> {
    let started = Instant::now();
    let mut child = child?;
    let status = loop {
        if stop.load(Ordering::SeqCst) {
            crate::profile::interrupt(&mut child);
            break None;
        }
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let secs = started.elapsed().as_secs_f64();
    if status.is_some_and(|s| !s.success()) {
        return Err(format!("py-spy exited with {}", status.unwrap_or_default()));
    }
    let raw =
        std::fs::read_to_string(output).map_err(|e| format!("no output in {}: {e}", output.display()))?;
    Ok(Recorded { raw, started, secs })
}

/// Start the `--gil` window of `secs` seconds now and the `--native` one after it, on a
/// helper thread; outputs go to `{workload}.py-spy-gil.txt` and `{workload}.py-spy-native.txt`.
pub fn start_windows(
    bin: &Path,
    target: &ProcessTarget,
    out_dir: &Path,
    workload: &str,
    secs: u64,
) -> ExtraWindows {
    let stop = Arc::new(AtomicBool::new(false));
    let (gil_out, native_out) = (
        out_dir.join(format!("{workload}.py-spy-gil.txt")),
        out_dir.join(format!("{workload}.py-spy-native.txt")),
    );
    let d = secs.to_string();
    let gil_child = record(bin, target, &gil_out, &["--nonblocking", "--gil", "--duration", &d]);
    let (bin, target, flag) = (bin.to_path_buf(), target.clone(), stop.clone());
    let handle = std::thread::spawn(move || {
        let mut extra = Extra::default();
        match run_window(gil_child, &gil_out, &flag) {
            Ok(r) => extra.gil = Some(r),
            Err(e) => extra.errors.push(format!("--gil window: {e}")),
        }
        if flag.load(Ordering::SeqCst) {
            extra.errors.push("the profiling window ended before the --native window".into());
            return extra;
        }
        // --native cannot be --nonblocking: py-spy pauses the process to unwind its threads.
        let native =
            record(&bin, &target, &native_out, &["--native", "--idle", "--threads", "--duration", &d]);
        match run_window(native, &native_out, &flag) {
            Ok(r) => extra.native = Some(r),
            Err(e) => extra.errors.push(format!("--native window: {e}")),
        }
        extra
    });
    (stop, handle)
}

/// Cut the short windows short (if still running) and collect them.
pub fn finish_windows((stop, handle): ExtraWindows) -> Extra {
    stop.store(true, Ordering::SeqCst);
    handle.join().unwrap_or_default()
}
