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
use crate::schema::{HeaptrackFigures, HeaptrackSite};
use crate::workload::Workload;

const INSTALL: &str = "on Debian: apt-get install -y heaptrack";
/// How long heaptrack may take to write its data file once the server got SIGTERM.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);
/// Call sites kept per list.
const TOP: usize = 5;
/// Callers kept above a call site.
const CALLERS: usize = 4;
const MIB: f64 = 1024.0 * 1024.0;

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

/// Bytes of a `heaptrack_print` size (`80.92K`, `1.23M`, `0B`; powers of 1000).
fn bytes_of(text: &str) -> Option<f64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let scale = match unit {
        'B' => 1.0,
        'K' => 1e3,
        'M' => 1e6,
        'G' => 1e9,
        'T' => 1e12,
        _ => return text.parse().ok(),
    };
    Some(text[..text.len() - 1].parse::<f64>().ok()? * scale)
}

fn mib(bytes: f64) -> f64 {
    crate::stats::round_to(bytes / MIB, 3)
}

/// Frames that belong to the allocator itself or to the standard library's collections
/// (`Vec`, `String`, `HashMap` …), not to the code that allocates: by the source file when
/// heaptrack knows it (Rust inlines most of these), else by the function's name.
fn is_plumbing(function: &str, location: Option<&str>) -> bool {
    const ALLOCATOR: &[&str] = &[
        "malloc",
        "calloc",
        "realloc",
        "posix_memalign",
        "aligned_alloc",
        "operator new",
        "__rust_",
        "__rdl_",
        "__rg_",
    ];
    const LIBRARY: &[&str] = &["alloc::", "alloc_counter::", "std::", "core::"];
    let f = function.trim_start_matches('<');
    if ALLOCATOR.iter().any(|p| f.starts_with(p)) {
        return true;
    }
    match location {
        // The standard library's sources, and the crates it vendors (hashbrown).
        Some(at) => {
            ["/library/std/", "/library/alloc/", "/library/core/", "/rust/deps/", "alloc-counter/src/"]
                .iter()
                .any(|p| at.contains(p))
        }
        None => LIBRARY.iter().any(|p| f.starts_with(p)),
    }
}

/// A source location without the machine's prefixes: `axum-0.8.9/src/serve/mod.rs:377`
/// for a registry crate, `library/alloc/src/vec/mod.rs:965` for the standard library.
fn short_location(at: &str) -> String {
    if let Some(i) = at.find("/registry/src/") {
        let rest = &at[i + "/registry/src/".len()..];
        return rest.split_once('/').map(|(_, r)| r).unwrap_or(rest).to_string();
    }
    if let Some(i) = at.find("/library/").filter(|_| at.starts_with("/rustc/")) {
        return at[i + 1..].to_string();
    }
    at.to_string()
}

#[derive(Debug, Default)]
struct Entry {
    calls: u64,
    peak_bytes: f64,
    /// (function, location, module), innermost first.
    frames: Vec<(String, Option<String>, Option<String>)>,
}

impl Entry {
    fn site(self) -> HeaptrackSite {
        let at = self
            .frames
            .iter()
            .position(|f| !is_plumbing(&f.0, f.1.as_deref()))
            .unwrap_or(self.frames.len().saturating_sub(1));
        let mut rest = self.frames.into_iter().skip(at);
        let (function, location, module) = rest.next().unwrap_or_default();
        let callers = rest
            .take(CALLERS)
            .map(|(f, at, _)| match at {
                Some(at) => format!("{f} ({})", short_location(&at)),
                None => f,
            })
            .collect();
        HeaptrackSite {
            function,
            location: location.as_deref().map(short_location),
            module,
            calls: self.calls,
            peak_mb: mib(self.peak_bytes),
            callers,
        }
    }
}

/// The figures of `heaptrack_print --merge-backtraces=0 --print-allocators --print-peaks`
/// output (`file` empty): each entry is one whole backtrace, innermost frame first.
pub fn parse_print(text: &str) -> HeaptrackFigures {
    #[derive(PartialEq)]
    enum Section {
        None,
        Calls,
        Peaks,
    }
    let mut figures = HeaptrackFigures::default();
    let mut section = Section::None;
    let mut entry: Option<Entry> = None;
    let finish = |entry: &mut Option<Entry>, section: &Section, f: &mut HeaptrackFigures| {
        if let Some(e) = entry.take() {
            match section {
                Section::Calls => f.top_sites.push(e.site()),
                Section::Peaks => f.peak_sites.push(e.site()),
                Section::None => {}
            }
        }
    };
    let number = |s: &str| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok());
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("calls to allocation functions: ") {
            figures.allocations = number(v);
        } else if let Some(v) = t.strip_prefix("temporary memory allocations: ") {
            figures.temporary_allocations = number(v);
        } else if let Some(v) = t.strip_prefix("peak heap memory consumption: ") {
            figures.peak_mb = bytes_of(v).map(mib);
        } else if let Some(v) = t.strip_prefix("total memory leaked: ") {
            figures.leaked_mb = bytes_of(v).map(mib);
        } else if let Some(v) = t.strip_prefix("total runtime: ") {
            figures.runtime_secs = v.trim_end_matches('.').trim_end_matches('s').parse().ok();
        } else if !t.is_empty() && t == t.to_uppercase() && t.chars().any(|c| c.is_ascii_alphabetic()) {
            finish(&mut entry, &section, &mut figures);
            section = match t {
                "MOST CALLS TO ALLOCATION FUNCTIONS" => Section::Calls,
                "PEAK MEMORY CONSUMERS" => Section::Peaks,
                _ => Section::None,
            };
        } else if t.is_empty() {
            // Entries are separated by blank lines.
            finish(&mut entry, &section, &mut figures);
        } else if section == Section::None || t.starts_with("and ") {
            continue;
        } else if let Some(head) = t.strip_suffix(" peak consumption from") {
            // "N calls to allocation functions with X peak consumption from"
            finish(&mut entry, &section, &mut figures);
            let (calls, peak) = head.split_once(" with ").unwrap_or((head, "0B"));
            entry = Some(Entry {
                calls: number(calls).unwrap_or(0),
                peak_bytes: bytes_of(peak).unwrap_or(0.0),
                ..Entry::default()
            });
        } else if let Some(head) = t.strip_suffix(" calls from").filter(|_| !line.starts_with(' ')) {
            // "X peak memory consumed over N calls from"
            finish(&mut entry, &section, &mut figures);
            let (peak, calls) = head.split_once(" peak memory consumed over ").unwrap_or(("0B", head));
            entry = Some(Entry {
                calls: number(calls).unwrap_or(0),
                peak_bytes: bytes_of(peak).unwrap_or(0.0),
                ..Entry::default()
            });
        } else if let Some(e) = entry.as_mut() {
            if let Some(at) = t.strip_prefix("at ") {
                if let Some(f) = e.frames.last_mut() {
                    f.1 = Some(at.to_string());
                }
            } else if let Some(module) = t.strip_prefix("in ") {
                if let Some(f) = e.frames.last_mut() {
                    f.2 = Some(module.to_string());
                }
            } else {
                e.frames.push((t.to_string(), None, None));
            }
        }
    }
    finish(&mut entry, &section, &mut figures);
    figures.top_sites.truncate(TOP);
    figures.peak_sites.truncate(TOP);
    figures
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

    #[test]
    fn sizes_are_powers_of_1000() {
        assert_eq!(bytes_of("80.92K"), Some(80_920.0));
        assert_eq!(bytes_of("1.5M"), Some(1_500_000.0));
        assert_eq!(bytes_of("0B"), Some(0.0));
        assert_eq!(bytes_of("x"), None);
    }

    /// `heaptrack_print --merge-backtraces=0` 1.4 output of axum-baseline's alloc-stats build,
    /// shortened (fewer frames and entries).
    const PRINTED: &str = "reading file \"/tmp/w.heaptrack.zst\" - please wait, this might take some time...
Debuggee command was: /c/release/axum-baseline --port 18431 --workers 1
finished reading file, now analyzing data:

MOST CALLS TO ALLOCATION FUNCTIONS
3583 calls to allocation functions with 120B peak consumption from
  alloc
    at /rustc/5980/library/std/src/sys/alloc/unix.rs:14
    in /c/release/axum-baseline
  alloc
    at alloc-counter/src/lib.rs:105
  __rust_alloc
    at axum-baseline/src/main.rs:221
  do_alloc<>
    at /rust/deps/hashbrown-0.16.1/src/raw/alloc.rs:19
  with_capacity_in<>
    at /rustc/5980/library/alloc/src/vec/mod.rs:965
  from
    at src/bytes_mut.rs:1429
  clone
    at src/bytes_mut.rs:1513
  clone
    at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/axum-0.8.9/src/routing/method_routing.rs:561
    in /c/release/axum-baseline
  {async_block#0}
  poll
    at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/axum-0.8.9/src/serve/mod.rs:462
  main
    at src/main.rs:231

797 calls to allocation functions with 0B peak consumption from
  __rdl_alloc
    in /c/release/axum-baseline

PEAK MEMORY CONSUMERS
72.70K peak memory consumed over 1 calls from
  alloc
    at /rustc/5980/library/std/src/sys/alloc/unix.rs:14
  build
    at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tokio-1.54.1/src/runtime/builder.rs:900
  main
    at src/main.rs:221

total runtime: 5.72s.
calls to allocation functions: 14093 (2465/s)
temporary memory allocations: 414 (72/s)
peak heap memory consumption: 167.79K
peak RSS (including heaptrack overhead): 6.23M
total memory leaked: 138.94K
";

    #[test]
    fn the_printed_report_gives_totals_and_call_sites() {
        let f = parse_print(PRINTED);
        assert_eq!(f.allocations, Some(14_093));
        assert_eq!(f.temporary_allocations, Some(414));
        assert_eq!(f.peak_mb, Some(0.16));
        assert_eq!(f.leaked_mb, Some(0.133));
        assert_eq!(f.runtime_secs, Some(5.72));
        assert_eq!(f.top_sites.len(), 2);
        let s = &f.top_sites[0];
        assert_eq!((s.function.as_str(), s.location.as_deref()), ("from", Some("src/bytes_mut.rs:1429")));
        assert_eq!(s.module, None);
        assert_eq!((s.calls, s.peak_mb), (3583, 0.0));
        assert_eq!(
            s.callers,
            vec![
                "clone (src/bytes_mut.rs:1513)",
                "clone (axum-0.8.9/src/routing/method_routing.rs:561)",
                "{async_block#0}",
                "poll (axum-0.8.9/src/serve/mod.rs:462)"
            ]
        );
        // Only allocator frames: the outermost one is kept.
        assert_eq!(f.top_sites[1].function, "__rdl_alloc");
        assert_eq!(f.top_sites[1].module.as_deref(), Some("/c/release/axum-baseline"));
        assert_eq!(f.peak_sites.len(), 1);
        let p = &f.peak_sites[0];
        assert_eq!((p.function.as_str(), p.calls, p.peak_mb), ("build", 1, 0.069));
        assert_eq!(p.location.as_deref(), Some("tokio-1.54.1/src/runtime/builder.rs:900"));
        assert_eq!(p.callers, vec!["main (src/main.rs:221)"]);
    }

    #[test]
    fn output_without_totals_parses_to_nulls() {
        let f = parse_print("reading file...\n");
        assert_eq!(f, HeaptrackFigures::default());
    }
}
