//! GIL waits and FFI samples in a `--native --idle --threads` py-spy recording. Pure
//! functions on parsed recordings, no processes.
//!
//! What a wait for the GIL looks like in py-spy 0.4 output: py-spy drops every native frame
//! of the interpreter (`python3.x`, `libpython3.x.so`) except the eval loop (replaced by the
//! Python frames) and a few whitelisted prefixes (`time`, `thread`, `unicode`, `PyThread`, …;
//! its `PyGilState` entry does not match CPython's `PyGILState_Ensure`). So `take_gil`,
//! `PyEval_RestoreThread` and `PyGILState_Ensure` never show: a GIL wait is a
//! `pthread_cond_timedwait` (or, for the forced switch in `drop_gil`, `pthread_cond_wait`)
//! whose caller is the frame that entered the interpreter:
//! - a Python frame or a visible CPython frame (`time_sleep`): CPython's only condition
//!   variables are the GIL's (its locks are semaphores), so the wait is the GIL's;
//! - an extension frame in a thread with no Python frame: a native thread in
//!   `PyGILState_Ensure`, e.g. spikard's tokio threads (`_spikard.abi3.so` +0x9ebeb7 is the
//!   return address of its `call PyGILState_Ensure`). That counts only with evidence that the
//!   module does not wait on condition variables of its own: its `.so` imports no
//!   `pthread_cond_*` (read by the profiler from the file), or the frame is Rust source
//!   (Rust's std parks on futexes). A C extension thread parked on its own condvar looks the
//!   same and must not count (fixture `spin-park`).
//!
//! An extension frame under a Python frame (ctypes, libffi) is a foreign call that may wait on
//! anything: never counted. Threads without a Python thread state (an idle tokio worker) are
//! not sampled by py-spy at all.

use std::collections::HashSet;

use super::stacks::{frame_kind, split_frame, FrameKind, Recording};

/// The condition-variable waits of libc, as py-spy names them.
const CONDVAR_WAITS: &[&str] = &["pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait"];

/// Whether a libc symbol is a condition-variable wait (`__pthread_cond_wait` included).
pub fn is_condvar_wait(name: &str) -> bool {
    let name = name.trim_start_matches('_');
    CONDVAR_WAITS.iter().any(|w| name.starts_with(w))
}

/// A frame of native extension code: a `.so` without source lines, or a Rust source file.
pub fn is_extension_frame(frame: &str) -> bool {
    match frame_kind(frame) {
        FrameKind::Extension => true,
        FrameKind::NativeSource => source_file(frame).ends_with(".rs"),
        _ => false,
    }
}

/// The file of a frame's location, without the line: `f (src/lib.rs:12)` → `src/lib.rs`.
fn source_file(frame: &str) -> &str {
    let loc = split_frame(frame).1;
    loc.rsplit_once(':').map_or(loc, |(f, _)| f)
}

/// Whether a thread's stack (root first) is waiting for the GIL. `condvar_free` holds the
/// extension modules (as py-spy names them, `spikard/_spikard.abi3.so`) whose `.so` was read
/// and imports no condition-variable wait.
pub fn waits_for_gil(stack: &[String], condvar_free: &HashSet<String>) -> bool {
    let mut frames = stack.iter().rev().skip_while(|f| frame_kind(f) == FrameKind::Unresolved);
    let Some(leaf) = frames.next() else { return false };
    if !is_condvar_wait(split_frame(leaf).0) {
        return false;
    }
    let Some(caller) = frames.find(|f| !matches!(frame_kind(f), FrameKind::Unresolved | FrameKind::Libc))
    else {
        return false;
    };
    let no_python = || !stack.iter().any(|f| frame_kind(f) == FrameKind::Python);
    match frame_kind(caller) {
        FrameKind::Python | FrameKind::CPython => true,
        FrameKind::Extension => no_python() && condvar_free.contains(split_frame(caller).1),
        FrameKind::NativeSource => no_python() && source_file(caller).ends_with(".rs"),
        _ => false,
    }
}

/// W: thread samples waiting for the GIL.
pub fn gil_wait_samples(native: &Recording, condvar_free: &HashSet<String>) -> u64 {
    native.stacks.iter().filter(|(s, _)| waits_for_gil(s, condvar_free)).map(|(_, n)| n).sum()
}

/// GIL figures from the `--gil` recording (G samples in `gil_secs` at `rate`) and the
/// `--native --idle --threads` recording (W waiting samples, T ticks per thread):
/// H = T·G/(r·D), contention = 100·W/(W+H), wait = W·1000/r.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GilFigures {
    pub contention_percent: f64,
    pub wait_time_ms: f64,
    pub wait_samples: u64,
}

pub fn gil_figures(
    gil: &Recording,
    gil_secs: f64,
    native: &Recording,
    rate: f64,
    condvar_free: &HashSet<String>,
) -> Option<GilFigures> {
    if gil_secs <= 0.0 || rate <= 0.0 {
        return None;
    }
    let w = gil_wait_samples(native, condvar_free);
    let t = native.ticks_per_thread() as f64;
    let held = t * gil.samples() as f64 / (rate * gil_secs);
    if t == 0.0 || w as f64 + held == 0.0 {
        return None;
    }
    Some(GilFigures {
        contention_percent: (100.0 * w as f64 / (w as f64 + held)).clamp(0.0, 100.0),
        wait_time_ms: w as f64 * 1000.0 / rate,
        wait_samples: w,
    })
}

/// Samples of a `--native` recording spent at the boundary with native extensions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FfiSamples {
    /// A thread in an extension waiting for the GIL (`waits_for_gil`).
    pub gil_wait: u64,
    /// Conversion: CPython's object API running under the extension's innermost frame, or any
    /// extension work in a thread with no Python frame (a native thread only has a Python
    /// thread state, and so only shows in py-spy, while it works with Python objects).
    pub conversion: u64,
    /// Python → native: the extension's own code under a Python frame that called it.
    pub call: u64,
    /// Not FFI: Python code called back from an extension (spikard's handlers), and threads
    /// parked in the kernel under an extension frame.
    pub excluded: u64,
}

impl FfiSamples {
    pub fn total(&self) -> u64 {
        self.gil_wait + self.conversion + self.call
    }
}

/// Split every stack with an extension frame into GIL wait, conversion and call.
pub fn ffi_samples(native: &Recording, condvar_free: &HashSet<String>) -> FfiSamples {
    let mut out = FfiSamples::default();
    for (stack, n) in &native.stacks {
        let Some(ext) = stack.iter().rposition(|f| is_extension_frame(f)) else { continue };
        let (before, after) = (&stack[..ext], &stack[ext + 1..]);
        let kind = |f: &String| frame_kind(f);
        let bucket = if waits_for_gil(stack, condvar_free) {
            &mut out.gil_wait
        } else if after.iter().any(|f| kind(f) == FrameKind::Python) || is_idle_leaf(stack) {
            &mut out.excluded
        } else if after.iter().any(|f| kind(f) == FrameKind::CPython)
            || !before.iter().any(|f| kind(f) == FrameKind::Python)
        {
            &mut out.conversion
        } else {
            &mut out.call
        };
        *bucket += n;
    }
    out
}

/// A thread parked in the kernel (poll, futex, accept): idle, not extension work.
fn is_idle_leaf(stack: &[String]) -> bool {
    let leaf = stack.iter().rev().find(|f| frame_kind(f) != FrameKind::Unresolved);
    let Some(leaf) = leaf else { return true };
    let name = split_frame(leaf).0.trim_start_matches('_');
    frame_kind(leaf) == FrameKind::Libc
        && (is_condvar_wait(name)
            || [
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
            ]
            .iter()
            .any(|p| name.starts_with(p)))
}

#[cfg(test)]
mod tests;
