//! `heaptrack_print` output read into figures: totals, and call sites by calls and by peak,
//! each named by the first frame outside the allocator and the standard library.

use crate::schema::{HeaptrackFigures, HeaptrackSite};

/// Call sites kept per list.
const TOP: usize = 5;
/// Callers kept above a call site.
const CALLERS: usize = 4;
const MIB: f64 = 1024.0 * 1024.0;

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

#[cfg(test)]
mod tests {
    use super::*;

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
