//! py-spy raw output (`frame;frame;leaf count` lines, root first), the kinds of its frames,
//! and time per request in the app's frames and in serializers. Pure functions, no processes.

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
    /// libc, libpthread, libm, the dynamic loader, the vDSO.
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
pub fn split_frame(frame: &str) -> (&str, &str) {
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
        let libc = ["libc.", "libc-", "libpthread", "ld-linux", "libm.", "[vdso]"]
            .iter()
            .any(|l| file.starts_with(l));
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

/// One parsed recording: stacks (root first, possibly empty) with their sample counts.
#[derive(Debug, Default, Clone)]
pub struct Recording {
    pub stacks: Vec<(Vec<String>, u64)>,
}

impl Recording {
    pub fn parse(raw: &str) -> Recording {
        let stacks = raw
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (stack, n) = l.trim_end().rsplit_once(' ')?;
                let n = n.parse::<u64>().ok()?;
                // An empty stack is a sample of a thread with no Python frame: in a `--gil`
                // recording, native code (a Rust thread) holding the GIL.
                let frames = stack.split(';').filter(|f| !f.is_empty()).map(str::to_string).collect();
                Some((frames, n))
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

/// A frame of the app's request handling: an app frame other than its module's top level.
/// `<module> (app.py:230)` is the root of every stack of a server whose app file starts it
/// (spikard-python's main thread runs the Rust server under it), not a handler.
pub fn is_handler_frame(frame: &str, app_files: &HashSet<String>) -> bool {
    is_app_frame(frame, app_files) && split_frame(frame).0 != "<module>"
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
        assert_eq!(frame_kind("0x7fdc6cdd2b49 ([vdso])"), FrameKind::Unresolved);
        assert_eq!(frame_kind("clock_gettime ([vdso])"), FrameKind::Libc);
        assert_eq!(frame_kind("0x7fdc6cdd2b49 (libcrypto.so.3)"), FrameKind::Extension);
        assert_eq!(frame_kind("take_gil (libpython3.11.so.1.0)"), FrameKind::CPython);
        assert_eq!(frame_kind("take_gil (ceval_gil.c:300)"), FrameKind::CPython);
        assert_eq!(frame_kind("call (_spikard.abi3.so)"), FrameKind::Extension);
        assert_eq!(frame_kind("0x7fd1ae5e1499 (spikard/_spikard.abi3.so)"), FrameKind::Extension);
        assert_eq!(frame_kind("0x7fd1a0020400 (?)"), FrameKind::Unresolved);
        assert_eq!(frame_kind("thread (6842)"), FrameKind::Thread);
        assert_eq!(frame_kind("run_forever (loop.c:33192)"), FrameKind::NativeSource);
    }

    #[test]
    fn recordings_are_parsed_and_ticks_counted() {
        let r = Recording::parse(
            "# a comment line, skipped 7\n\
             thread (1): MainThread;main (server.py:3);work (server.py:9) 100\n\
             thread (2): worker;run (threading.py:982);pthread_cond_timedwait (libc.so.6) 40\n\
             thread (2): worker;run (threading.py:982);sem_clockwait (libc.so.6) 60\n\
             not a sample\n \
             5\n",
        );
        // The empty stack (" 5": GIL held with no Python frame) is a sample too.
        assert_eq!((r.samples(), r.ticks_per_thread()), (205, 100));
        assert_eq!(r.samples_where(|f| f.starts_with("work ")), 100);
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
        let handler = main.samples_where(|f| is_handler_frame(f, &app));
        let ser = main.samples_where(is_serializer_frame);
        assert_eq!((handler, ser), (30, 30));
        // 30 samples at 100 Hz = 300 ms over 1000 requests = 0.3 ms per request.
        assert!((ms_per_request(handler, 100.0, 1000.0).unwrap() - 0.3).abs() < 1e-12);
        assert!(ms_per_request(1, 100.0, 0.0).is_none());
    }

    #[test]
    fn the_app_modules_top_level_is_not_a_handler() {
        // spikard-python: the main thread runs the Rust server under app.py's module frame.
        let main = Recording::parse(
            "<module> (app.py:230);run (spikard/app.py:654);run (spikard/service.py:212) 7\n\
             <module> (app.py:230);run (spikard/app.py:654);plaintext (app.py:44) 2\n",
        );
        let app: HashSet<String> = ["app.py".to_string()].into();
        assert_eq!(main.samples_where(|f| is_app_frame(f, &app)), 9);
        assert_eq!(main.samples_where(|f| is_handler_frame(f, &app)), 2);
    }
}
