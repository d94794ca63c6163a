//! CPython: GC counters from an injected `sitecustomize.py` (reset on SIGUSR1, dumped on
//! SIGUSR2), and `py-spy` samples during the profiling window: the whole window for the
//! flamegraph, plus a short `--gil` window and a short `--native --idle --threads` window
//! for the GIL and FFI figures. py-spy is installed by the harness into its cache on first
//! use. Starts processes (python3 -m venv, pip, py-spy); reads `/proc`.

mod stacks;

use std::collections::HashSet;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{ProcessTarget, ProfileError, Profiler};
use crate::schema::{Profiling, PythonMetrics};
use stacks::Recording;

/// The py-spy release the harness installs.
pub const PY_SPY_VERSION: &str = "0.4.1";
/// Samples per second of every py-spy window.
const RATE: f64 = 100.0;
const SITECUSTOMIZE: &str = include_str!("python/sitecustomize.py");

/// A py-spy recording in progress.
struct Sampler {
    child: Child,
    output: PathBuf,
    started: Instant,
}

/// A finished recording: its text and how long it sampled.
struct Recorded {
    raw: String,
    secs: f64,
}

/// The short `--gil` and `--native --idle --threads` windows, one after the other.
#[derive(Default)]
struct Extra {
    gil: Option<Recorded>,
    native: Option<Recorded>,
    errors: Vec<String>,
}

/// py-spy and the GC helper.
pub struct PythonProfiler {
    py_spy: PathBuf,
    version: String,
    helper_dir: Option<PathBuf>,
    window_secs: f64,
    main: Option<Sampler>,
    extra: Option<(Arc<AtomicBool>, JoinHandle<Extra>)>,
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

fn py_spy_version(bin: &Path) -> Option<String> {
    let out = Command::new(bin).arg("--version").stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl PythonProfiler {
    /// Find py-spy in the harness's cache, installing it there (a venv) on first use.
    pub fn new() -> Result<PythonProfiler, ProfileError> {
        let venv = crate::app::cache_dir().join("tools").join("py-spy");
        let bin = venv.join("bin").join("py-spy");
        let version = match py_spy_version(&bin) {
            Some(v) => v,
            None => {
                let parent = venv.parent().unwrap_or(&venv).to_path_buf();
                let fail = |why: String| ProfileError::Missing {
                    tool: "py-spy".into(),
                    install: format!(
                        "the harness could not install it into {} ({why}); install it by hand: \
                         python3 -m venv {v} && {v}/bin/pip install py-spy=={PY_SPY_VERSION} \
                         (or pip install py-spy), or use --profiler none",
                        venv.display(),
                        v = shell_quote(&venv),
                    ),
                };
                std::fs::create_dir_all(&parent).map_err(|e| fail(e.to_string()))?;
                let q = shell_quote(&venv);
                let cmd = format!(
                    "python3 -m venv {q} && {q}/bin/pip install -q --disable-pip-version-check py-spy=={PY_SPY_VERSION}"
                );
                crate::server::capture(&cmd, &parent, &[], Duration::from_secs(600)).map_err(fail)?;
                py_spy_version(&bin).ok_or_else(|| fail("py-spy does not run after pip install".into()))?
            }
        };
        Ok(PythonProfiler {
            py_spy: bin,
            version,
            helper_dir: None,
            window_secs: 0.0,
            main: None,
            extra: None,
        })
    }

    /// Listeners that loaded the GC helper (signalling any other would kill it).
    fn helper_pids(&self, target: &ProcessTarget) -> Vec<i32> {
        let Some(dir) = &self.helper_dir else { return Vec::new() };
        target.listeners.iter().copied().filter(|p| dir.join(format!("ready-{p}")).exists()).collect()
    }
}

/// Start `py-spy record` on the server, raw (folded) output.
fn record(bin: &Path, target: &ProcessTarget, output: &Path, extra: &[&str]) -> Result<Child, String> {
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

/// SIGINT to a py-spy child (it writes its output and exits), then reap it.
fn interrupt(child: &mut Child) {
    // SAFETY: a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let _ = child.wait();
}

/// Run one short window to its end, or until `stop`; the output and the sampled seconds.
fn run_window(child: Result<Child, String>, output: &Path, stop: &AtomicBool) -> Result<Recorded, String> {
    let started = Instant::now();
    let mut child = child?;
    let status = loop {
        if stop.load(Ordering::SeqCst) {
            interrupt(&mut child);
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
    Ok(Recorded { raw, secs })
}

/// The app's Python files, relative to its folder (the server's working directory), as
/// py-spy names them.
fn app_files(pid: i32) -> HashSet<String> {
    fn walk(root: &Path, dir: &Path, depth: usize, out: &mut HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if path.is_dir() {
                let skip = name.starts_with('.')
                    || ["__pycache__", "node_modules", "venv", "site-packages"].contains(&name.as_str());
                if depth < 3 && !skip {
                    walk(root, &path, depth + 1, out);
                }
            } else if name.ends_with(".py") {
                if let Ok(rel) = path.strip_prefix(root) {
                    out.insert(rel.display().to_string());
                }
            }
        }
    }
    let mut out = HashSet::new();
    if let Ok(cwd) = std::fs::read_link(format!("/proc/{pid}/cwd")) {
        walk(&cwd, &cwd, 0, &mut out);
    }
    out
}

impl Drop for PythonProfiler {
    fn drop(&mut self) {
        if let Some(mut m) = self.main.take() {
            interrupt(&mut m.child);
        }
        if let Some((stop, handle)) = self.extra.take() {
            stop.store(true, Ordering::SeqCst);
            let _ = handle.join();
        }
    }
}

/// The GC dump of one process: `(collections by generation, total ms, longest pause ms)`.
fn parse_gc_dump(text: &str) -> Option<([u64; 3], f64, f64)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let c = v["collections"].as_array()?;
    let mut gens = [0u64; 3];
    for (g, n) in gens.iter_mut().zip(c) {
        *g = n.as_u64()?;
    }
    Some((gens, v["total_ms"].as_f64()?, v["max_ms"].as_f64()?))
}

impl Profiler for PythonProfiler {
    fn name(&self) -> String {
        self.version.clone()
    }

    fn server_env(&mut self, work_dir: &Path) -> Result<Vec<(String, String)>, ProfileError> {
        let setup =
            |e: std::io::Error| ProfileError::Setup(format!("python helper in {}: {e}", work_dir.display()));
        let dir = work_dir.join("python-helper");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(setup)?;
        let dir = dir.canonicalize().map_err(setup)?;
        std::fs::write(dir.join("sitecustomize.py"), SITECUSTOMIZE).map_err(setup)?;
        let path = match std::env::var("PYTHONPATH") {
            Ok(old) if !old.is_empty() => format!("{}:{old}", dir.display()),
            _ => dir.display().to_string(),
        };
        self.helper_dir = Some(dir.clone());
        Ok(vec![("PYTHONPATH".into(), path), ("BH_PY_PROFILE_DIR".into(), dir.display().to_string())])
    }

    fn reset_counters(&mut self, target: &ProcessTarget) {
        for pid in self.helper_pids(target) {
            // SAFETY: the server's process, which blocks SIGUSR1 for its sigwait thread.
            unsafe {
                libc::kill(pid, libc::SIGUSR1);
            }
        }
    }

    fn read_counters(&mut self, target: &ProcessTarget, into: &mut Profiling) {
        self.window_secs = into.profile_duration_secs;
        let Some(dir) = self.helper_dir.clone() else { return };
        let pids = self.helper_pids(target);
        let python = into.python.get_or_insert_with(PythonMetrics::default);
        if pids.is_empty() {
            into.notes.push(
                "python: gc_collections and gc_time_ms are null: the GC helper (sitecustomize.py on PYTHONPATH) \
                 was not loaded by the server"
                    .into(),
            );
            return;
        }
        let files: Vec<PathBuf> = pids.iter().map(|p| dir.join(format!("gc-{p}.json"))).collect();
        for (pid, f) in pids.iter().zip(&files) {
            let _ = std::fs::remove_file(f);
            // SAFETY: as in reset_counters.
            unsafe {
                libc::kill(*pid, libc::SIGUSR2);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while !files.iter().all(|f| f.exists()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let (mut gens, mut total, mut longest, mut answered) = ([0u64; 3], 0.0, 0.0f64, 0);
        for f in &files {
            let Some((g, t, m)) = std::fs::read_to_string(f).ok().and_then(|t| parse_gc_dump(&t)) else {
                continue;
            };
            gens.iter_mut().zip(g).for_each(|(a, b)| *a += b);
            total += t;
            longest = longest.max(m);
            answered += 1;
        }
        if answered < files.len() {
            into.notes.push(format!(
                "python: gc_collections and gc_time_ms are null: {} of {} server processes did not write their GC counters",
                files.len() - answered,
                files.len()
            ));
            return;
        }
        python.gc_collections = Some(gens.iter().sum());
        python.gc_time_ms = Some(total);
        into.notes.push(format!(
            "python gc (measurement window, {answered} process(es)): collections by generation {gens:?}, longest pause {longest:.3} ms"
        ));
    }

    fn start_sampling(
        &mut self,
        target: &ProcessTarget,
        workload: &str,
        out_dir: &Path,
    ) -> Result<(), String> {
        let output = out_dir.join(format!("{workload}.py-spy.txt"));
        let child = record(&self.py_spy, target, &output, &["--nonblocking"])?;
        self.main = Some(Sampler { child, output, started: Instant::now() });
        // Two short windows one after the other, within the profiling window.
        let short = (self.window_secs / 2.0).floor().clamp(1.0, 5.0) as u64;
        let stop = Arc::new(AtomicBool::new(false));
        let (gil_out, native_out) = (
            out_dir.join(format!("{workload}.py-spy-gil.txt")),
            out_dir.join(format!("{workload}.py-spy-native.txt")),
        );
        let d = short.to_string();
        let gil = record(&self.py_spy, target, &gil_out, &["--nonblocking", "--gil", "--duration", &d]);
        let (bin, target2, flag) = (self.py_spy.clone(), target.clone(), stop.clone());
        let gil_child = gil;
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
            let native =
                record(&bin, &target2, &native_out, &["--native", "--idle", "--threads", "--duration", &d]);
            match run_window(native, &native_out, &flag) {
                Ok(r) => extra.native = Some(r),
                Err(e) => extra.errors.push(format!("--native window: {e}")),
            }
            extra
        });
        self.extra = Some((stop, handle));
        Ok(())
    }

    fn stop_sampling(
        &mut self,
        target: &ProcessTarget,
        into: &mut Profiling,
    ) -> Option<(String, Option<PathBuf>)> {
        let main = self.main.take().map(|mut m| {
            interrupt(&mut m.child);
            let secs = m.started.elapsed().as_secs_f64();
            (std::fs::read_to_string(&m.output), m.output, secs)
        });
        let extra = self.extra.take().map(|(stop, h)| {
            stop.store(true, Ordering::SeqCst);
            h.join().unwrap_or_default()
        });
        let rps = into.profiled_requests_per_sec.unwrap_or(0.0);
        let mut python = into.python.take().unwrap_or_default();
        let mut result = None;
        let unreliable = |what: &str, why: &str| format!("python: {what} is null: {why}");
        match main {
            Some((Ok(raw), path, secs)) if Recording::parse(&raw).samples() > 0 => {
                let rec = Recording::parse(&raw);
                let requests = rps * secs;
                let files = app_files(target.pid);
                if files.is_empty() {
                    into.notes.push(unreliable("handler_time_ms", "the app's Python files were not found"));
                } else {
                    let n = rec.samples_where(|f| stacks::is_app_frame(f, &files));
                    python.handler_time_ms = stacks::ms_per_request(n, RATE, requests);
                }
                let n = rec.samples_where(stacks::is_serializer_frame);
                python.serialization_time_ms = stacks::ms_per_request(n, RATE, requests);
                into.notes.push(format!(
                    "python: handler_time_ms and serialization_time_ms are sampled CPU time per request \
                     ({} samples at {RATE} Hz over {secs:.1} s); C serializers count in the Python frame that calls them",
                    rec.samples()
                ));
                result = Some((raw, Some(path)));
            }
            Some((Ok(_), _, _)) => {
                into.notes.push("py-spy: no samples were recorded in the profiling window".into())
            }
            Some((Err(e), path, _)) => {
                into.notes.push(format!("py-spy wrote no output to {}: {e}", path.display()))
            }
            None => {}
        }
        let extra = extra.unwrap_or_default();
        for e in &extra.errors {
            into.notes.push(format!("py-spy: {e}"));
        }
        match (&extra.gil, &extra.native) {
            (Some(gil), Some(native)) => {
                let (g, n) = (Recording::parse(&gil.raw), Recording::parse(&native.raw));
                match stacks::gil_figures(&g, gil.secs, &n, RATE) {
                    Some(f) => {
                        python.gil_contention_percent = Some(f.contention_percent);
                        python.gil_wait_time_ms = Some(f.wait_time_ms);
                    }
                    None => {
                        into.notes.push(unreliable("gil_contention_percent", "no GIL samples were recorded"))
                    }
                }
                let (waiting, running) = stacks::extension_samples(&n);
                let requests = rps * native.secs;
                if !n
                    .stacks
                    .iter()
                    .any(|(s, _)| s.iter().any(|f| stacks::frame_kind(f) == stacks::FrameKind::Extension))
                {
                    into.notes.push(unreliable(
                        "ffi_overhead_ms",
                        "the --native window saw no extension module without debug info (extensions built with \
                         debug info, e.g. uvloop's loop.c, cannot be told apart from CPython's own C frames)",
                    ));
                } else {
                    python.ffi_overhead_ms = stacks::ms_per_request(waiting + running, RATE, requests);
                }
                if python.ffi_overhead_ms.is_some() {
                    into.notes.push(format!(
                        "python: ffi_overhead_ms is an upper bound from the --native window ({:.1} s): samples in native \
                         extension modules (.so without debug info), {waiting} waiting for the GIL and {running} running; \
                         --native sampling itself slows the server (up to 50 % on spikard-python)",
                        native.secs
                    ));
                }
            }
            _ => into.notes.push(unreliable(
                "gil_contention_percent, gil_wait_time_ms and ffi_overhead_ms",
                "the --gil and --native windows did not both complete",
            )),
        }
        into.python = Some(python);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gc_dump_is_parsed() {
        let (g, t, m) =
            parse_gc_dump(r#"{"pid": 7, "collections": [12, 3, 1], "total_ms": 4.5, "max_ms": 2.25}"#)
                .unwrap();
        assert_eq!((g, t, m), ([12, 3, 1], 4.5, 2.25));
        assert!(parse_gc_dump("{}").is_none());
    }

    #[test]
    fn the_helper_is_python_and_uses_the_signals_we_send() {
        assert!(SITECUSTOMIZE.contains("SIGUSR1") && SITECUSTOMIZE.contains("SIGUSR2"));
        assert!(SITECUSTOMIZE.contains("BH_PY_PROFILE_DIR") && SITECUSTOMIZE.contains("gc.callbacks"));
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(shell_quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
