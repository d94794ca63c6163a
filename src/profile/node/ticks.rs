//! V8 tick-profiler output (`node --prof-process --preprocess LOG`, the JSON form of a
//! `--prof` log) folded into `frame;frame count` stacks for one window. Pure: no processes,
//! no files.
//!
//! The window is marked in the log by two functions the preload compiles and runs at the
//! start and the end of the profiling window (`code-creation` events carry the log's own
//! timestamp, `tm`, in µs since the log started); only ticks between the two are kept.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::cpuprofile::short_url;

/// V8's `StateTag` (include/v8-unwinder.h in V8 11): 0 JS, 1 GC, 2 PARSER, 3 BYTECODE_COMPILER,
/// 4 COMPILER, 5 OTHER, 6 EXTERNAL, 7 ATOMICS_WAIT, 8 IDLE. The tick processor's own table
/// (`TickProcessor.VmStates`) still says IDLE is 7; a `--prof` log of Node 20 waiting in
/// `epoll_pwait` shows 8.
const VM_GC: i64 = 1;
const VM_IDLE: i64 = 8;

#[derive(Debug, Deserialize)]
struct Code {
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    code_type: String,
    #[serde(default)]
    kind: Option<String>,
    /// Creation time (µs since the log started), present on JS code.
    #[serde(default)]
    tm: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Tick {
    tm: f64,
    vm: i64,
    /// Leaf first: pairs of (code index or -1 when no code entry holds the address, offset or
    /// the address itself). Numbers as f64: addresses can pass i64.
    #[serde(default)]
    s: Vec<f64>,
}

#[derive(Debug, Deserialize)]
struct Preprocessed {
    code: Vec<Code>,
    ticks: Vec<Tick>,
}

/// The ticks of one window, folded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TickFold {
    /// `frame;frame count` lines, root first, sorted. GC ticks sit under `(garbage collector)`;
    /// frames without a code entry are `(unresolved)`.
    pub lines: Vec<String>,
    /// Ticks in the window drawn in stacks (idle excluded).
    pub samples: u64,
    /// Ticks of `samples` outside GC whose sampled pc had no code entry (the tick processor's
    /// "unaccounted"): mostly C++ inside a node binary it could not symbolize.
    pub unaccounted: u64,
    /// Ticks of `samples` in the GC state.
    pub gc: u64,
    /// Ticks in the window while the thread was idle (waiting in the event loop), not drawn.
    pub idle: u64,
    /// The window's length between the two markers.
    pub window_ms: f64,
}

/// The creation time of the function named `marker` (the first word of a code name).
fn marker_time(p: &Preprocessed, marker: &str) -> Option<f64> {
    p.code
        .iter()
        .filter(|c| c.name.split(' ').next() == Some(marker))
        .filter_map(|c| c.tm)
        .min_by(|a, b| a.total_cmp(b))
}

/// `url:line:col` (or `url:line`) split into the URL and the line.
fn location(loc: &str) -> Option<(&str, &str)> {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (rest, last) = loc.rsplit_once(':')?;
    if !numeric(last) {
        return None;
    }
    match rest.rsplit_once(':') {
        Some((url, line)) if numeric(line) => Some((url, line)),
        _ => Some((rest, last)),
    }
}

/// `name@@GLIBC_2.2.5` / `name@GLIBC_2.2.5` → `name`.
fn strip_symbol_version(name: &str) -> &str {
    match name.find('@') {
        Some(i) => {
            let v = name[i..].trim_start_matches('@');
            if v.starts_with(|c: char| c.is_ascii_uppercase()) && v.contains('_') {
                &name[..i]
            } else {
                name
            }
        }
        None => name,
    }
}

/// A frame's name: JS as `function (file:line)` like the CPU profiler's frames, builtins and
/// stubs as `name [Kind]`, shared libraries as `[libc.so.6]`; `;` (the separator) replaced.
fn frame_name(c: &Code) -> String {
    let name = match c.code_type.as_str() {
        "JS" => match c.name.rsplit_once(' ').and_then(|(f, loc)| Some((f, location(loc)?))) {
            Some((f, (url, line))) => {
                let f = if f.trim().is_empty() { "(anonymous)" } else { f.trim() };
                format!("{f} ({}:{line})", short_url(url))
            }
            None => c.name.trim().to_string(),
        },
        "SHARED_LIB" => format!("[{}]", c.name.rsplit('/').next().unwrap_or(&c.name)),
        "CPP" => strip_symbol_version(&c.name).to_string(),
        _ => match &c.kind {
            Some(k) => format!("{} [{k}]", c.name),
            None => c.name.clone(),
        },
    };
    let name = if name.is_empty() { "(anonymous)".to_string() } else { name };
    name.replace(';', ":")
}

/// Fold the ticks between the code-creation times of the functions `start` and `stop` under
/// `root` (a frame naming the process; empty for none).
pub fn fold_ticks(json: &str, start: &str, stop: &str, root: &str) -> Result<TickFold, String> {
    let p: Preprocessed = serde_json::from_str(json)
        .map_err(|e| format!("not `node --prof-process --preprocess` output: {e}"))?;
    let missing = |m: &str| format!("no window marker {m} in the log (did the process run with --prof?)");
    let from = marker_time(&p, start).ok_or_else(|| missing(start))?;
    let to = marker_time(&p, stop).ok_or_else(|| missing(stop))?;
    if to < from {
        return Err(format!("the window's end marker {stop} comes before its start {start}"));
    }
    let names: Vec<String> = p.code.iter().map(frame_name).collect();
    let mut folded = TickFold { window_ms: (to - from) / 1000.0, ..TickFold::default() };
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for t in p.ticks.iter().filter(|t| t.tm >= from && t.tm <= to) {
        if t.vm == VM_IDLE {
            folded.idle += 1;
            continue;
        }
        let resolved = |i: f64| (i >= 0.0).then(|| names.get(i as usize)).flatten();
        let leaf_known = t.s.first().and_then(|i| resolved(*i)).is_some();
        let mut frames: Vec<&str> = Vec::new();
        for pair in t.s.chunks(2).rev() {
            let name = resolved(pair[0]).map_or("(unresolved)", String::as_str);
            if !(name == "(unresolved)" && frames.last() == Some(&"(unresolved)")) {
                frames.push(name);
            }
        }
        if t.vm == VM_GC {
            folded.gc += 1;
            frames.insert(0, "(garbage collector)");
        } else if !leaf_known {
            folded.unaccounted += 1;
            if frames.is_empty() {
                frames.push("(unaccounted)");
            }
        }
        if !root.is_empty() {
            frames.insert(0, root);
        }
        folded.samples += 1;
        *stacks.entry(frames.join(";")).or_default() += 1;
    }
    folded.lines = stacks.into_iter().map(|(s, n)| format!("{s} {n}")).collect();
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by `node --prof --logfile=v8-%p.log --no-logfile-per-isolate fixture.js` on
    /// Node 20.20 (a script that spins in `spin` called from `outer`, allocates in `garbage`,
    /// marks the window like the preload, then waits on a timer and spins again), then
    /// `node --prof-process --preprocess`, trimmed by hand to 12 ticks (stacks cut to four
    /// frames) and the code entries they use. Markers at 149019 and 313529 µs; four ticks
    /// lie outside.
    const FIXTURE: &str = include_str!("testdata/prof-preprocessed.json");

    #[test]
    fn ticks_in_the_window_fold_into_stacks() {
        let f = fold_ticks(FIXTURE, "__bh_window_start_1", "__bh_window_stop_1", "node").unwrap();
        assert_eq!(
            f.lines,
            vec![
                "node;(garbage collector);(unresolved) 1",
                "node;(garbage collector);[libc.so.6] 1",
                "node;(garbage collector);__pthread_mutex_lock 1",
                "node;(unresolved) 1",
                "node;Module._compile (node:internal/modules/cjs/loader:1483);(anonymous) (fx/fixture.js:1);\
                 outer (fx/fixture.js:4);spin (fx/fixture.js:3) 1",
                "node;Module._extensions..js (node:internal/modules/cjs/loader:1604);\
                 Module._compile (node:internal/modules/cjs/loader:1483);(anonymous) (fx/fixture.js:1);\
                 garbage (fx/fixture.js:5) 1",
                "node;outer (fx/fixture.js:4);spin (fx/fixture.js:3);(unresolved) 1",
            ]
        );
        assert_eq!((f.samples, f.unaccounted, f.gc, f.idle), (7, 2, 3, 1));
        assert!((f.window_ms - 164.51).abs() < 1e-9);
    }

    #[test]
    fn an_empty_window_has_no_ticks_and_the_markers_order_is_checked() {
        // No tick falls exactly on the end marker's time.
        let f = fold_ticks(FIXTURE, "__bh_window_stop_1", "__bh_window_stop_1", "").unwrap();
        assert_eq!((f.samples, f.idle, f.window_ms), (0, 0, 0.0));
        let e = fold_ticks(FIXTURE, "__bh_window_stop_1", "__bh_window_start_1", "").unwrap_err();
        assert!(e.contains("comes before"), "{e}");
    }

    #[test]
    fn missing_markers_and_junk_are_errors() {
        let e = fold_ticks(FIXTURE, "__bh_window_start_2", "__bh_window_stop_1", "").unwrap_err();
        assert!(e.contains("no window marker __bh_window_start_2"), "{e}");
        assert!(fold_ticks("{}", "a", "b", "").unwrap_err().contains("--preprocess"));
    }

    #[test]
    fn an_empty_stack_is_unaccounted_and_names_are_cleaned() {
        let p = r#"{"code": [
          {"name": "m1 x:1:1", "type": "JS", "tm": 10}, {"name": "m2 x:1:1", "type": "JS", "tm": 20},
          {"name": "RegExp: a;b", "type": "CODE", "kind": "RegExp"},
          {"name": "foo@bar", "type": "CPP"}, {"name": "get x file:///srv/app/lib/a.js:7", "type": "JS"}
        ], "ticks": [
          {"tm": 11, "vm": 0, "s": []}, {"tm": 12, "vm": 5, "s": [2, 0, 3, 1, 4, 9]},
          {"tm": 13, "vm": 8, "s": [-1, 99]}
        ]}"#;
        let f = fold_ticks(p, "m1", "m2", "").unwrap();
        assert_eq!(f.lines, vec!["(unaccounted) 1", "get x (lib/a.js:7);foo@bar;RegExp: a:b [RegExp] 1"]);
        assert_eq!((f.samples, f.unaccounted, f.gc, f.idle), (2, 1, 0, 1));
    }
}
