//! CPython: GC counters from an injected `sitecustomize.py` (reset on SIGUSR1, dumped on
//! SIGUSR2), and `py-spy` samples during the profiling window: the whole window for the
//! flamegraph, plus a short `--gil` window and a short `--native --idle --threads` window
//! for the GIL and FFI figures. py-spy is installed by the harness into its cache on first
//! use. Starts processes (python3 -m venv, pip, py-spy); reads `/proc`.

mod figures;
mod gc;
mod gil;
mod modules;
mod sampler;
mod stacks;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{LoadTimeline, ProcessTarget, ProfileError, Profiler};
use crate::schema::{Profiling, PythonMetrics};
use sampler::{ExtraWindows, Sampler};
use stacks::Recording;

/// The py-spy release the harness installs.
pub const PY_SPY_VERSION: &str = "0.4.1";
/// Samples per second of every py-spy window.
const RATE: f64 = 100.0;
const SITECUSTOMIZE: &str = include_str!("python/sitecustomize.py");

/// py-spy and the GC helper.
pub struct PythonProfiler {
    py_spy: PathBuf,
    version: String,
    helper_dir: Option<PathBuf>,
    window_secs: f64,
    main: Option<Sampler>,
    extra: Option<ExtraWindows>,
    /// The profiling window's load, to count the requests of each sampler's own window.
    load: Option<LoadTimeline>,
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
        let _lock = crate::app::cache_lock("py-spy")
            .map_err(|e| ProfileError::Setup(format!("lock for the py-spy install in the cache: {e}")))?;
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
                // A venv left half-made by an interrupted install is started again from scratch.
                let cmd = format!(
                    "rm -rf {q} && python3 -m venv {q} && {q}/bin/pip install -q --disable-pip-version-check py-spy=={PY_SPY_VERSION}"
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
            load: None,
        })
    }

    /// Listeners that loaded the GC helper (signalling any other would kill it).
    fn helper_pids(&self, target: &ProcessTarget) -> Vec<i32> {
        let Some(dir) = &self.helper_dir else { return Vec::new() };
        target.listeners.iter().copied().filter(|p| dir.join(format!("ready-{p}")).exists()).collect()
    }
}

impl Drop for PythonProfiler {
    fn drop(&mut self) {
        if let Some(mut m) = self.main.take() {
            super::interrupt(&mut m.child);
        }
        if let Some(extra) = self.extra.take() {
            sampler::finish_windows(extra);
        }
    }
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
        gc::read_dumps(&files, python, &mut into.notes);
    }

    fn start_sampling(
        &mut self,
        target: &ProcessTarget,
        workload: &str,
        out_dir: &Path,
    ) -> Result<(), String> {
        let output = out_dir.join(format!("{workload}.py-spy.txt"));
        let child = sampler::record(&self.py_spy, target, &output, &["--nonblocking"])?;
        self.main = Some(Sampler { child, output, started: Instant::now() });
        // Two short windows one after the other, within the profiling window.
        let short = (self.window_secs / 2.0).floor().clamp(1.0, 5.0) as u64;
        self.extra = Some(sampler::start_windows(&self.py_spy, target, out_dir, workload, short));
        Ok(())
    }

    fn profiled_load(&mut self, load: &LoadTimeline) {
        self.load = Some(load.clone());
    }

    fn stop_sampling(
        &mut self,
        target: &ProcessTarget,
        into: &mut Profiling,
    ) -> Option<(String, Option<PathBuf>)> {
        let main = self.main.take().map(|mut m| {
            super::interrupt(&mut m.child);
            let secs = m.started.elapsed().as_secs_f64();
            (std::fs::read_to_string(&m.output), m.output, m.started, secs)
        });
        let extra = self.extra.take().map(sampler::finish_windows).unwrap_or_default();
        // Requests completed while a sampler ran: from the load's timeline, or (no timeline)
        // the whole window's rate.
        let rps = into.profiled_requests_per_sec.unwrap_or(0.0);
        let load = self.load.take();
        let requests_in = |from: Instant, secs: f64| match &load {
            Some(l) => l.requests_between(from, from + Duration::from_secs_f64(secs.max(0.0))),
            None => rps * secs,
        };
        let mut python = into.python.take().unwrap_or_default();
        let mut result = None;
        match main {
            Some((Ok(raw), path, started, secs)) if Recording::parse(&raw).samples() > 0 => {
                let files = modules::app_files(target.pid);
                figures::main_figures(
                    &Recording::parse(&raw),
                    secs,
                    requests_in(started, secs),
                    &files,
                    &mut python,
                    &mut into.notes,
                );
                result = Some((raw, Some(path)));
            }
            Some((Ok(_), _, _, _)) => {
                into.notes.push("py-spy: no samples were recorded in the profiling window".into())
            }
            Some((Err(e), path, _, _)) => {
                into.notes.push(format!("py-spy wrote no output to {}: {e}", path.display()))
            }
            None => {}
        }
        for e in &extra.errors {
            into.notes.push(format!("py-spy: {e}"));
        }
        // The extension modules' files, read while the server still maps them.
        let native = extra.native.as_ref().map(|n| Recording::parse(&n.raw)).unwrap_or_default();
        let mut pids = vec![target.pid];
        pids.extend(target.listeners.iter().filter(|p| **p != target.pid));
        let ext = modules::extensions(&native, &pids);
        let native_requests = extra.native.as_ref().map_or(0.0, |n| requests_in(n.started, n.secs));
        figures::gil_and_ffi_figures(&extra, &ext, native_requests, &mut python, &mut into.notes);
        into.python = Some(python);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
