//! py-spy raw output (`frame;frame;leaf count` lines, root first) and the figures derived
//! from it: GIL contention, time per request in the app's frames and in serializers, and
//! samples in native extensions. Pure functions, no processes.

use std::collections::{BTreeMap, HashSet};

/// Where a py-spy frame runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// `func (pkg/file.py:12)`, `<module> (uvicorn:8)`.
    Python,
    /// The thread marker of `--threads`: `thread (123): MainThread`.
    Thread,
    /// `0x7f12 (libc.so.6)`: an address py-spy could not name.
    Unresolved,
    /// libc, libpthread, the dynamic loader.
    Libc,
    /// The interpreter: `take_gil (libpython3.11.so.1.0)`, `(python3.11)`, `ceval_gil.c`.
    CPython,
    /// A native extension module without source lines: `(_spikard.abi3.so)`.
    Extension,
    /// A native frame with a source line (`run_forever (loop.c:33192)`): an extension built
    /// with debug info, or CPython's own `.c` files.
    NativeSource,
}

/// `(name, location)` of a frame: `take_gil (libpython3.11.so.1.0)` → `("take_gil", "libpython3.11.so.1.0")`.
fn split_frame(frame: &str) -> (&str, &str) {
    match frame.rfind(" (") {
        Some(i) if frame.ends_with(')') => (&frame[..i], &frame[i + 2..frame.len() - 1]),
        _ => (frame, ""),
    }
}

/// CPython's own source files that show up as native frames with debug info.
const CPYTHON_SOURCES: &[&str] =
    &["ceval", "ceval_gil", "pystate", "thread_pthread", "condvar", "pylifecycle"];

pub fn frame_kind(frame: &str) -> FrameKind {
    if frame.starts_with("thread (") {
        return FrameKind::Thread;
    }
    let (name, loc) = split_frame(frame);
    let file = loc.split('/').next_back().unwrap_or(loc);
    let has_line =
        file.rsplit_once(':').is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !has_line {
        let libc = file.starts_with("libc") || file.starts_with("libpthread") || file.starts_with("ld-linux");
        if name.starts_with("0x") && (libc || file.is_empty() || file == "?") {
            return FrameKind::Unresolved;
        }
        if libc {
            return FrameKind::Libc;
        }
        if file.starts_with("libpython") || file.starts_with("python") {
            return FrameKind::CPython;
        }
        // Named or not, a frame in an extension module's `.so`.
        return FrameKind::Extension;
    }
    let source = file.split(':').next().unwrap_or(file);
    let native_ext = [".c", ".h", ".cc", ".cpp", ".rs", ".S", ".pyx"];
    if native_ext.iter().any(|e| source.ends_with(e)) {
        let stem = source.rsplit_once('.').map_or(source, |(s, _)| s);
        if CPYTHON_SOURCES.contains(&stem) || stem.ends_with("object") {
            return FrameKind::CPython;
        }
        return FrameKind::NativeSource;
    }
    FrameKind::Python
}

/// One parsed recording: stacks with their sample counts.
#[derive(Debug, Default, Clone)]
pub struct Recording {
    pub stacks: Vec<(Vec<String>, u64)>,
}

impl Recording {
    pub fn parse(raw: &str) -> Recording {
        let stacks = raw
            .lines()
            .filter_map(|l| {
                let (stack, n) = l.trim_end().rsplit_once(' ')?;
                let n = n.parse::<u64>().ok()?;
                (!stack.is_empty()).then(|| (stack.split(';').map(str::to_string).collect(), n))
            })
            .collect();
        Recording { stacks }
    }

    pub fn samples(&self) -> u64 {
        self.stacks.iter().map(|(_, n)| n).sum()
    }

    /// Samples of stacks with a frame that `pred` accepts (each sample counted once).
    pub fn samples_where(&self, pred: impl Fn(&str) -> bool) -> u64 {
        self.stacks.iter().filter(|(s, _)| s.iter().any(|f| pred(f))).map(|(_, n)| n).sum()
    }

    /// Ticks per thread in a `--threads --idle` recording: every thread is sampled at each
    /// tick, so the busiest thread's count is the number of ticks.
    pub fn ticks_per_thread(&self) -> u64 {
        let mut per: BTreeMap<&str, u64> = BTreeMap::new();
        for (s, n) in &self.stacks {
            if let Some(t) = s.first().filter(|f| f.starts_with("thread (")) {
                *per.entry(t.as_str()).or_default() += n;
            }
        }
        per.values().copied().max().unwrap_or(0)
    }

    /// W: thread samples waiting for the GIL. The leaf, past unresolved libc frames, is
    /// `pthread_cond_wait`/`pthread_cond_timedwait`, called from Python or CPython code, or
    /// from an extension in a thread with no Python frame (a native thread taking the GIL).
    pub fn gil_wait_samples(&self) -> u64 {
        self.stacks.iter().filter(|(s, _)| waits_for_gil(s)).map(|(_, n)| n).sum()
    }
}

fn waits_for_gil(stack: &[String]) -> bool {
    let mut frames = stack.iter().rev().skip_while(|f| frame_kind(f) == FrameKind::Unresolved);
    let Some(leaf) = frames.next() else { return false };
    let name = split_frame(leaf).0.trim_start_matches('_');
    if !(name.starts_with("pthread_cond_wait") || name.starts_with("pthread_cond_timedwait")) {
        return false;
    }
    let caller = frames.find(|f| !matches!(frame_kind(f), FrameKind::Unresolved | FrameKind::Libc));
    match caller.map(|f| frame_kind(f)) {
        Some(FrameKind::Python | FrameKind::CPython) => true,
        Some(FrameKind::Extension | FrameKind::NativeSource) | None => {
            !stack.iter().any(|f| frame_kind(f) == FrameKind::Python)
        }
        Some(_) => false,
    }
}

/// GIL figures from the `--gil` recording (G samples in `gil_secs` at `rate`) and the
/// `--native --idle --threads` recording (W waiting samples, T ticks per thread):
/// H = T·G/(r·D), contention = 100·W/(W+H), wait = W·1000/r.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GilFigures {
    pub contention_percent: f64,
    pub wait_time_ms: f64,
}

pub fn gil_figures(gil: &Recording, gil_secs: f64, native: &Recording, rate: f64) -> Option<GilFigures> {
    if gil_secs <= 0.0 || rate <= 0.0 {
        return None;
    }
    let w = native.gil_wait_samples() as f64;
    let t = native.ticks_per_thread() as f64;
    let held = t * gil.samples() as f64 / (rate * gil_secs);
    if t == 0.0 || w + held == 0.0 {
        return None;
    }
    Some(GilFigures {
        contention_percent: (100.0 * w / (w + held)).clamp(0.0, 100.0),
        wait_time_ms: w * 1000.0 / rate,
    })
}

/// The file of a Python frame, without the line: `handle (fastapi/routing.py:12)` → `fastapi/routing.py`.
fn python_file(frame: &str) -> Option<&str> {
    (frame_kind(frame) == FrameKind::Python).then(|| {
        let loc = split_frame(frame).1;
        loc.rsplit_once(':').map_or(loc, |(f, _)| f)
    })
}

/// A frame of the app's own code: its file is one of the app's files (as py-spy shortens
/// them: relative to the app folder).
pub fn is_app_frame(frame: &str, app_files: &HashSet<String>) -> bool {
    python_file(frame).is_some_and(|f| app_files.contains(f))
}

/// A serializer frame: json, orjson, msgspec, pydantic `dump_json`/`model_dump`, FastAPI
/// `jsonable_encoder`/`serialize_response`, and a response class's `render` (which calls a C
/// serializer that a Python-only recording does not show).
pub fn is_serializer_frame(frame: &str) -> bool {
    let Some(file) = python_file(frame) else {
        // Native frames of the C/Rust serializers, when recorded with --native.
        let loc = split_frame(frame).1;
        return ["orjson", "msgspec", "_json", "pydantic_core"].iter().any(|m| loc.starts_with(m));
    };
    let name = split_frame(frame).0;
    file.starts_with("json/")
        || file.starts_with("orjson")
        || file.starts_with("msgspec")
        || (file.starts_with("pydantic")
            && ["dump_json", "model_dump", "model_dump_json", "to_json"].contains(&name))
        || (file.starts_with("fastapi/") && ["jsonable_encoder", "serialize_response"].contains(&name))
        || (file.ends_with("responses.py") && name == "render")
}

/// Samples whose stack runs in a native extension (not libc, not CPython): the FFI upper
/// bound, split into threads waiting for the GIL and the rest.
pub fn extension_samples(native: &Recording) -> (u64, u64) {
    let (mut waiting, mut running) = (0, 0);
    for (s, n) in &native.stacks {
        if !s.iter().any(|f| frame_kind(f) == FrameKind::Extension) {
            continue;
        }
        if waits_for_gil(s) {
            waiting += n;
        } else if !is_idle_leaf(s) {
            running += n;
        }
    }
    (waiting, running)
}

/// A thread parked in the kernel (poll, futex, accept): idle, not extension work.
fn is_idle_leaf(stack: &[String]) -> bool {
    let leaf = stack.iter().rev().find(|f| frame_kind(f) != FrameKind::Unresolved);
    let Some(leaf) = leaf else { return true };
    let name = split_frame(leaf).0;
    frame_kind(leaf) == FrameKind::Libc
        && [
            "epoll",
            "poll",
            "select",
            "futex",
            "syscall",
            "accept",
            "sigtimedwait",
            "nanosleep",
            "clock_nanosleep",
            "read",
            "recv",
            "sem_",
            "pthread_cond",
        ]
        .iter()
        .any(|p| name.trim_start_matches('_').starts_with(p))
}

/// Milliseconds per request of `samples` taken at `rate` while `requests` were served.
pub fn ms_per_request(samples: u64, rate: f64, requests: f64) -> Option<f64> {
    (requests > 0.0 && rate > 0.0).then(|| samples as f64 * 1000.0 / rate / requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_classified_by_their_location() {
        assert_eq!(frame_kind("handle (fastapi/routing.py:12)"), FrameKind::Python);
        assert_eq!(frame_kind("<module> (uvicorn:8)"), FrameKind::Python);
        assert_eq!(frame_kind("main (python_app.py:8)"), FrameKind::Python);
        assert_eq!(frame_kind("__getitem__ (<frozen os>:677)"), FrameKind::Python);
        assert_eq!(frame_kind("thread (697): MainThread"), FrameKind::Thread);
        assert_eq!(frame_kind("0x7ff20824524a (libc.so.6)"), FrameKind::Unresolved);
        assert_eq!(frame_kind("epoll_pwait (libc.so.6)"), FrameKind::Libc);
        assert_eq!(frame_kind("take_gil (libpython3.11.so.1.0)"), FrameKind::CPython);
        assert_eq!(frame_kind("take_gil (ceval_gil.c:300)"), FrameKind::CPython);
        assert_eq!(frame_kind("call (_spikard.abi3.so)"), FrameKind::Extension);
        assert_eq!(frame_kind("0x7fd1ae5e1499 (spikard/_spikard.abi3.so)"), FrameKind::Extension);
        assert_eq!(frame_kind("0x7fd1a0020400 (?)"), FrameKind::Unresolved);
        assert_eq!(frame_kind("thread (6842)"), FrameKind::Thread);
        assert_eq!(frame_kind("run_forever (loop.c:33192)"), FrameKind::NativeSource);
    }

    // Two threads, 100 ticks each at 100 Hz over 1 s: the main thread holds the GIL, the
    // worker waits for it in 40 ticks (once behind unresolved libc frames).
    const NATIVE: &str = "\
thread (1): MainThread;main (server.py:3);work (server.py:9) 100
thread (2): worker;run (threading.py:982);take_gil (libpython3.11.so.1.0);pthread_cond_timedwait (libc.so.6) 30
thread (2): worker;run (threading.py:982);take_gil (libpython3.11.so.1.0);pthread_cond_timedwait (libc.so.6);0x7f01 (libc.so.6) 10
thread (2): worker;run (threading.py:982);sem_clockwait (libc.so.6) 60
";

    #[test]
    fn gil_waits_and_ticks_are_counted() {
        let r = Recording::parse(NATIVE);
        assert_eq!(r.samples(), 200);
        assert_eq!(r.ticks_per_thread(), 100);
        assert_eq!(r.gil_wait_samples(), 40);
    }

    #[test]
    fn a_rust_thread_waiting_for_the_gil_counts_only_without_python_frames() {
        let rust = "thread (3): tokio;poll (_spikard.abi3.so);pthread_cond_wait (libc.so.6) 5\n\
                    thread (4): other;f (app.py:1);lock (_ext.so);pthread_cond_wait (libc.so.6) 7\n";
        assert_eq!(Recording::parse(rust).gil_wait_samples(), 5);
    }

    #[test]
    fn contention_follows_the_formula() {
        // G = 100 samples in 1 s at 100 Hz: the GIL is always held, H = T = 100.
        let gil = Recording::parse("main (server.py:3) 100\n");
        let native = Recording::parse(NATIVE);
        let g = gil_figures(&gil, 1.0, &native, 100.0).unwrap();
        // 100·40/(40+100) = 28.571…
        assert!((g.contention_percent - 28.571_428).abs() < 1e-4, "{g:?}");
        assert!((g.wait_time_ms - 400.0).abs() < 1e-9);
        // Two spinning threads that always wait half the time: W = 100, H = 100 → 50 %.
        let two = "thread (1): a;f (x.py:1) 50\nthread (1): a;take_gil (libpython3.11.so.1.0);pthread_cond_timedwait (libc.so.6) 50\n\
                   thread (2): b;f (x.py:1) 50\nthread (2): b;take_gil (libpython3.11.so.1.0);pthread_cond_timedwait (libc.so.6) 50\n";
        let g = gil_figures(&gil, 1.0, &Recording::parse(two), 100.0).unwrap();
        assert!((g.contention_percent - 50.0).abs() < 1e-9, "{g:?}");
        // Nothing recorded: no figure.
        assert!(gil_figures(&Recording::default(), 1.0, &Recording::default(), 100.0).is_none());
    }

    #[test]
    fn app_and_serializer_samples_are_shares_per_request() {
        let main = Recording::parse(
            "run (uvicorn/server.py:1);handler (server.py:20) 30\n\
             run (uvicorn/server.py:1);serialize_response (fastapi/routing.py:140);dumps (json/__init__.py:231) 20\n\
             run (uvicorn/server.py:1);render (starlette/responses.py:180) 10\n\
             run (uvicorn/server.py:1);parse (httptools/parser.py:1) 40\n",
        );
        let app: HashSet<String> = ["server.py".to_string()].into();
        let handler = main.samples_where(|f| is_app_frame(f, &app));
        let ser = main.samples_where(is_serializer_frame);
        assert_eq!((handler, ser), (30, 30));
        // 30 samples at 100 Hz = 300 ms over 1000 requests = 0.3 ms per request.
        assert!((ms_per_request(handler, 100.0, 1000.0).unwrap() - 0.3).abs() < 1e-12);
        assert!(ms_per_request(1, 100.0, 0.0).is_none());
    }

    #[test]
    fn spikard_threads_are_read_as_recorded() {
        // Trimmed from a real `--native --idle --threads` recording of spikard-python.
        let r = Recording::parse(
            "thread (6838): MainThread;<module> (app.py:230);run (spikard/service.py:212);0x7fd1ae5e1499 (spikard/_spikard.abi3.so);syscall (libc.so.6) 185\n\
             thread (6842);0x7fd1a0020400 (?);0x7fd1ae5ebeb7 (spikard/_spikard.abi3.so);pthread_cond_timedwait (libc.so.6);0x7fd1af8a3f16 (libc.so.6) 2\n\
             thread (6891);0x7fd1ae5ebeb7 (spikard/_spikard.abi3.so);pthread_cond_timedwait (libc.so.6);0x7fd1af8a9753 (libc.so.6);0x7fd1af8a412b (libc.so.6) 1\n",
        );
        assert_eq!(r.ticks_per_thread(), 185);
        assert_eq!(r.gil_wait_samples(), 3);
        // The main thread parks in a futex syscall: idle, not extension work.
        assert_eq!(extension_samples(&r), (3, 0));
    }

    #[test]
    fn extension_samples_split_gil_waits_from_work() {
        let r = Recording::parse(
            "thread (3): tokio;poll (_spikard.abi3.so);pthread_cond_wait (libc.so.6) 5\n\
             thread (3): tokio;poll (_spikard.abi3.so);convert (_spikard.abi3.so) 7\n\
             thread (3): tokio;poll (_spikard.abi3.so);epoll_wait (libc.so.6) 50\n\
             thread (1): main;f (server.py:1) 9\n",
        );
        assert_eq!(extension_samples(&r), (5, 7));
    }
}
