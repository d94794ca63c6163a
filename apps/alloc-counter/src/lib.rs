//! A counting global allocator for the bundled Rust apps of benchmark-harness.
//!
//! `CountingAlloc` wraps [`std::alloc::System`] and counts, with relaxed atomics, the
//! allocation calls, the bytes allocated, the bytes live now and the peak of the live bytes.
//! It never allocates itself. [`start_from_env`] answers the harness's `reset` / `dump`
//! commands through files in the directory `BENCHMARK_HARNESS_RUST_CONTROL` names (see
//! README.md); without that variable it does nothing.
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: alloc_counter::CountingAlloc = alloc_counter::CountingAlloc::new();
//!
//! fn main() {
//!     alloc_counter::start_from_env(&ALLOC);
//! }
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The environment variable naming the control directory.
pub const CONTROL_ENV: &str = "BENCHMARK_HARNESS_RUST_CONTROL";
/// How often the helper thread looks at the control file.
pub const POLL: Duration = Duration::from_millis(10);

/// The system allocator, counted.
#[derive(Debug)]
pub struct CountingAlloc {
    allocations: AtomicU64,
    deallocations: AtomicU64,
    bytes_allocated: AtomicU64,
    live_bytes: AtomicI64,
    peak_live_bytes: AtomicI64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: u64,
    /// Calls to `dealloc`.
    pub deallocations: u64,
    /// Bytes asked for; a growing `realloc` counts its growth.
    pub bytes_allocated: u64,
    /// Bytes allocated and not yet freed.
    pub live_bytes: u64,
    /// The highest `live_bytes` since the last reset (or the start).
    pub peak_live_bytes: u64,
}

impl CountingAlloc {
    pub const fn new() -> CountingAlloc {
        CountingAlloc {
            allocations: AtomicU64::new(0),
            deallocations: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            live_bytes: AtomicI64::new(0),
            peak_live_bytes: AtomicI64::new(0),
        }
    }

    fn grew(&self, bytes: usize) {
        let bytes = bytes as i64;
        let live = self.live_bytes.fetch_add(bytes, Relaxed) + bytes;
        self.peak_live_bytes.fetch_max(live, Relaxed);
    }

    fn shrank(&self, bytes: usize) {
        self.live_bytes.fetch_sub(bytes as i64, Relaxed);
    }

    /// The counters now.
    pub fn stats(&self) -> Stats {
        Stats {
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
            bytes_allocated: self.bytes_allocated.load(Relaxed),
            live_bytes: self.live_bytes.load(Relaxed).max(0) as u64,
            peak_live_bytes: self.peak_live_bytes.load(Relaxed).max(0) as u64,
        }
    }

    /// Zero the counts; the peak starts again from the bytes live now. Live bytes are a
    /// level and are kept.
    pub fn reset(&self) {
        self.allocations.store(0, Relaxed);
        self.deallocations.store(0, Relaxed);
        self.bytes_allocated.store(0, Relaxed);
        self.peak_live_bytes.store(self.live_bytes.load(Relaxed), Relaxed);
    }
}

impl Default for CountingAlloc {
    fn default() -> Self {
        CountingAlloc::new()
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are only atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            self.allocations.fetch_add(1, Relaxed);
            self.bytes_allocated.fetch_add(layout.size() as u64, Relaxed);
            self.grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            self.allocations.fetch_add(1, Relaxed);
            self.bytes_allocated.fetch_add(layout.size() as u64, Relaxed);
            self.grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        self.deallocations.fetch_add(1, Relaxed);
        self.shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            self.allocations.fetch_add(1, Relaxed);
            let old = layout.size();
            if new_size > old {
                self.bytes_allocated.fetch_add((new_size - old) as u64, Relaxed);
                self.grew(new_size - old);
            } else {
                self.shrank(old - new_size);
            }
        }
        p
    }
}

/// A command read from the control file: its sequence number and word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Reset(u64),
    Dump(u64),
    /// A command this helper does not know; answered with an error.
    Unknown(u64),
}

impl Command {
    fn seq(self) -> u64 {
        match self {
            Command::Reset(s) | Command::Dump(s) | Command::Unknown(s) => s,
        }
    }
}

/// Parse `SEQ COMMAND` without allocating. `None` when the text is not a command yet.
pub fn parse_command(text: &[u8]) -> Option<Command> {
    let text = std::str::from_utf8(text).ok()?;
    let line = text.lines().next()?.trim();
    let (seq, word) = line.split_once(' ')?;
    let seq: u64 = seq.parse().ok()?;
    Some(match word.trim() {
        "reset" => Command::Reset(seq),
        "dump" => Command::Dump(seq),
        _ => Command::Unknown(seq),
    })
}

/// The answer file's JSON for `stats` after command `word` number `seq`.
pub fn answer_json(pid: u32, seq: u64, word: &str, s: &Stats) -> String {
    format!(
        "{{\"pid\":{pid},\"seq\":{seq},\"command\":\"{word}\",\"allocations\":{},\"deallocations\":{},\
\"bytes_allocated\":{},\"live_bytes\":{},\"peak_live_bytes\":{}}}\n",
        s.allocations, s.deallocations, s.bytes_allocated, s.live_bytes, s.peak_live_bytes
    )
}

/// Read the control file into a stack buffer (opening and reading a short path does not
/// allocate), so polling does not disturb the counts.
fn read_command(path: &Path) -> Option<Command> {
    let mut buf = [0u8; 64];
    let mut file = std::fs::File::open(path).ok()?;
    let n = file.read(&mut buf).ok()?;
    parse_command(&buf[..n])
}

fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Carry out `command` on `counter` and write its answer into `dir`.
pub fn answer(counter: &CountingAlloc, dir: &Path, command: Command) -> std::io::Result<()> {
    let pid = std::process::id();
    let (word, stats) = match command {
        Command::Reset(_) => {
            counter.reset();
            ("reset", counter.stats())
        }
        Command::Dump(_) => ("dump", counter.stats()),
        Command::Unknown(_) => ("unknown", Stats::default()),
    };
    let path = dir.join(format!("{pid}.{}.json", command.seq()));
    write_atomic(&path, &answer_json(pid, command.seq(), word, &stats))
}

/// Serve the control directory `dir` for `counter` until the process ends: mark this
/// process ready, then answer each new command.
pub fn serve(counter: &'static CountingAlloc, dir: PathBuf) -> std::io::Result<()> {
    let control = dir.join("control");
    // A command already there belongs to an earlier process.
    let mut last = read_command(&control).map(Command::seq).unwrap_or(0);
    write_atomic(&dir.join(format!("{}.ready", std::process::id())), "alloc-counter\n")?;
    loop {
        if let Some(c) = read_command(&control).filter(|c| c.seq() > last) {
            last = c.seq();
            let _ = answer(counter, &dir, c);
        }
        std::thread::sleep(POLL);
    }
}

/// Start the helper thread when `BENCHMARK_HARNESS_RUST_CONTROL` names a directory;
/// returns whether it started. The server works the same either way.
pub fn start_from_env(counter: &'static CountingAlloc) -> bool {
    let Some(dir) = std::env::var_os(CONTROL_ENV).map(PathBuf::from) else { return false };
    if !dir.is_dir() {
        return false;
    }
    std::thread::Builder::new().name("alloc-counter".into()).spawn(move || serve(counter, dir)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_bytes_and_the_live_peak_are_counted() {
        let a = CountingAlloc::new();
        let small = Layout::from_size_align(100, 8).unwrap();
        let big = Layout::from_size_align(1000, 8).unwrap();
        unsafe {
            let p = a.alloc(small);
            let q = a.alloc_zeroed(big);
            assert_eq!(*q.add(999), 0);
            a.dealloc(q, big);
            let p = a.realloc(p, small, 300);
            let s = a.stats();
            assert_eq!(s.allocations, 3);
            assert_eq!(s.deallocations, 1);
            assert_eq!(s.bytes_allocated, 100 + 1000 + 200);
            assert_eq!(s.live_bytes, 300);
            assert_eq!(s.peak_live_bytes, 1100);
            let p = a.realloc(p, Layout::from_size_align(300, 8).unwrap(), 50);
            assert_eq!(a.stats().live_bytes, 50);
            assert_eq!(a.stats().bytes_allocated, 1300);
            a.dealloc(p, Layout::from_size_align(50, 8).unwrap());
        }
        assert_eq!(a.stats().live_bytes, 0);
    }

    #[test]
    fn reset_zeroes_counts_and_restarts_the_peak_from_live_bytes() {
        let a = CountingAlloc::new();
        let l = Layout::from_size_align(64, 8).unwrap();
        unsafe {
            let p = a.alloc(l);
            let q = a.alloc(l);
            a.dealloc(q, l);
            a.reset();
            assert_eq!(
                a.stats(),
                Stats {
                    allocations: 0,
                    deallocations: 0,
                    bytes_allocated: 0,
                    live_bytes: 64,
                    peak_live_bytes: 64
                }
            );
            a.dealloc(p, l);
        }
        assert_eq!(a.stats().peak_live_bytes, 64);
        assert_eq!(a.stats().deallocations, 1);
    }

    #[test]
    fn commands_parse_and_stale_text_does_not() {
        assert_eq!(parse_command(b"3 reset\n"), Some(Command::Reset(3)));
        assert_eq!(parse_command(b"12 dump"), Some(Command::Dump(12)));
        assert_eq!(parse_command(b"4 start x\n"), Some(Command::Unknown(4)));
        assert_eq!(parse_command(b""), None);
        assert_eq!(parse_command(b"reset"), None);
        assert_eq!(parse_command(b"x dump"), None);
    }

    #[test]
    fn answers_are_json_files_named_by_pid_and_seq() {
        static A: CountingAlloc = CountingAlloc::new();
        let dir = std::env::temp_dir().join(format!("alloc-counter-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        answer(&A, &dir, Command::Dump(7)).unwrap();
        let text = std::fs::read_to_string(dir.join(format!("{}.7.json", std::process::id()))).unwrap();
        assert!(text.starts_with(&format!("{{\"pid\":{},\"seq\":7,\"command\":\"dump\"", std::process::id())));
        assert!(text.contains("\"peak_live_bytes\":0}"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_helper_answers_commands_through_the_control_file() {
        static A: CountingAlloc = CountingAlloc::new();
        let dir = std::env::temp_dir().join(format!("alloc-counter-serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("control"), "5 dump\n").unwrap();
        let d = dir.clone();
        std::thread::spawn(move || serve(&A, d));
        let pid = std::process::id();
        let wait_for = |name: String| {
            for _ in 0..500 {
                if let Ok(t) = std::fs::read_to_string(dir.join(&name)) {
                    return t;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("no {name}");
        };
        wait_for(format!("{pid}.ready"));
        write_atomic(&dir.join("control"), "6 reset\n").unwrap();
        assert!(wait_for(format!("{pid}.6.json")).contains("\"command\":\"reset\""));
        assert!(
            !dir.join(format!("{pid}.5.json")).exists(),
            "a command older than the helper is not answered"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
