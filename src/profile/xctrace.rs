//! macOS Instruments for native servers: `xctrace record --template 'Time Profiler' --attach
//! PID` during the profiling window, `xctrace export` of the `time-profile` table afterwards,
//! folded here. The perf profiler records with it instead of `perf` when the harness is
//! built for macOS. The command lines and the folding are plain functions tested
//! on every platform; the recording itself is untested on this project's CI (Linux only).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use quick_xml::events::{BytesStart, Event};

use super::{ProcessTarget, ProfileError};
use crate::schema::Profiling;

/// The XPath of the Time Profiler's samples in an exported trace.
pub const TIME_PROFILE_XPATH: &str = r#"/trace-toc/run[@number="1"]/data/table[@schema="time-profile"]"#;

/// `xctrace record` arguments (after `xcrun`) for `secs` seconds of `pid` into `trace`.
pub fn record_args(pid: i32, trace: &Path, secs: u64) -> Vec<String> {
    vec![
        "xctrace".into(),
        "record".into(),
        "--template".into(),
        "Time Profiler".into(),
        "--attach".into(),
        pid.to_string(),
        "--time-limit".into(),
        format!("{secs}s"),
        "--output".into(),
        trace.display().to_string(),
        "--no-prompt".into(),
    ]
}

/// `xctrace export` arguments (after `xcrun`) for the samples of `trace`.
pub fn export_args(trace: &Path) -> Vec<String> {
    vec![
        "xctrace".into(),
        "export".into(),
        "--input".into(),
        trace.display().to_string(),
        "--xpath".into(),
        TIME_PROFILE_XPATH.into(),
    ]
}

fn attr(e: &BytesStart, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// Fold an exported `time-profile` table into `stack count` lines (root first) and the number
/// of samples. Elements appear once with `id` and later as `ref`: backtraces, frames and
/// binaries are resolved through their ids. An unsymbolicated frame (`0x…`) is named by its
/// binary; a row without a backtrace (`<sentinel/>`) counts as `[no backtrace]`.
pub fn fold_time_profile(xml: &str) -> Result<(String, u64), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut frames: HashMap<String, String> = HashMap::new();
    let mut binaries: HashMap<String, String> = HashMap::new();
    let mut backtraces: HashMap<String, Vec<String>> = HashMap::new();
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    // The backtrace being defined (its id, its frames leaf first), the frame being defined.
    let mut open_bt: Option<(String, Vec<String>)> = None;
    let mut open_frame: Option<(String, String)> = None;
    let mut row: Option<Vec<String>> = None;
    let mut samples = 0u64;
    loop {
        let event = reader.read_event().map_err(|e| format!("xctrace export is not valid XML: {e}"))?;
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"frame" => {
                        if let (Some((id, name)), Some((_, bt))) = (open_frame.take(), open_bt.as_mut()) {
                            frames.insert(id, name.clone());
                            bt.push(name);
                        }
                    }
                    b"backtrace" => {
                        if let Some((id, bt)) = open_bt.take() {
                            row = Some(bt.clone());
                            backtraces.insert(id, bt);
                        }
                    }
                    b"row" => {
                        samples += 1;
                        let stack = row.take().unwrap_or_default();
                        let key = if stack.is_empty() {
                            "[no backtrace]".to_string()
                        } else {
                            stack.iter().rev().map(|f| f.replace(';', ":")).collect::<Vec<_>>().join(";")
                        };
                        *stacks.entry(key).or_default() += 1;
                    }
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            b"row" => row = None,
            b"backtrace" => match (attr(e, b"ref"), attr(e, b"id")) {
                (Some(r), _) => row = Some(backtraces.get(&r).cloned().unwrap_or_default()),
                (None, Some(id)) if !empty => open_bt = Some((id, Vec::new())),
                _ => {}
            },
            b"frame" => {
                if let Some(r) = attr(e, b"ref") {
                    let name = frames.get(&r).cloned().unwrap_or_else(|| format!("[frame {r}]"));
                    if let Some((_, bt)) = open_bt.as_mut() {
                        bt.push(name);
                    }
                } else if let Some(id) = attr(e, b"id") {
                    let name = attr(e, b"name").unwrap_or_else(|| "[unknown]".into());
                    if empty {
                        frames.insert(id, name.clone());
                        if let Some((_, bt)) = open_bt.as_mut() {
                            bt.push(name);
                        }
                    } else {
                        open_frame = Some((id, name));
                    }
                }
            }
            b"binary" => {
                let name = match (attr(e, b"ref"), attr(e, b"id")) {
                    (Some(r), _) => binaries.get(&r).cloned(),
                    (None, Some(id)) => {
                        let name = attr(e, b"name").unwrap_or_default();
                        binaries.insert(id, name.clone());
                        Some(name)
                    }
                    _ => None,
                };
                // An address without a symbol is named by its binary.
                if let (Some((_, frame)), Some(bin)) = (open_frame.as_mut(), name) {
                    if frame.starts_with("0x") && !bin.is_empty() {
                        *frame = format!("[{bin}]");
                    }
                }
            }
            _ => {}
        }
    }
    let folded = stacks.into_iter().map(|(s, n)| format!("{s} {n}\n")).collect();
    Ok((folded, samples))
}

/// The recording's time limit: only a bound, SIGINT ends it with the profiling window.
const LIMIT_SECS: u64 = 600;

/// Check that `xcrun xctrace` runs here; the recorder's name.
pub fn version() -> Result<String, ProfileError> {
    let ok = Command::new("xcrun")
        .args(["xctrace", "version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        return Err(ProfileError::Missing {
            tool: "xctrace".into(),
            install:
                "install Xcode (or its command-line tools) and run xcode-select -s (or use --profiler none)"
                    .into(),
        });
    }
    Ok("xctrace Time Profiler".into())
}

/// Start recording the first listening process into `<out_dir>/<workload>.trace`.
pub fn record(target: &ProcessTarget, workload: &str, out_dir: &Path) -> Result<(Child, PathBuf), String> {
    let pid = *target.listeners.first().ok_or("no listening process to attach to")?;
    let trace = out_dir.join(format!("{workload}.trace"));
    let _ = std::fs::remove_dir_all(&trace);
    let child = Command::new("xcrun")
        .args(record_args(pid, &trace, LIMIT_SECS))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start xctrace record: {e}"))?;
    Ok((child, trace))
}

/// Export a finished recording's samples and fold them.
pub fn fold_trace(
    trace: &Path,
    target: &ProcessTarget,
    into: &mut Profiling,
) -> Result<(String, u64), String> {
    if target.listeners.len() > 1 {
        into.notes.push(format!(
            "xctrace: sampled process {} only, of {} listening",
            target.listeners[0],
            target.listeners.len()
        ));
    }
    match Command::new("xcrun").args(export_args(trace)).stderr(Stdio::null()).output() {
        Ok(out) if out.status.success() => fold_time_profile(&String::from_utf8_lossy(&out.stdout)),
        Ok(out) => Err(format!("xctrace export failed ({})", out.status)),
        Err(e) => Err(format!("cannot run xctrace export: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of an `xctrace export` of a Time Profiler run (ids defined once, then refs).
    const EXPORT: &str = r#"<?xml version="1.0"?>
<trace-query-result><node xpath='//trace-toc[1]/run[1]/data[1]/table[4]'>
<schema name="time-profile"><col><mnemonic>time</mnemonic></col></schema>
<row><sample-time id="1" fmt="00:00.001">1000000</sample-time>
<thread id="2" fmt="tokio-runtime-worker 0x12 (server, pid: 77)"><tid id="3" fmt="0x12">18</tid></thread>
<weight id="4" fmt="1.00 ms">1000000</weight>
<backtrace id="5"><frame id="6" name="handler" addr="0x10"><binary id="7" name="server" path="/bin/server"/></frame>
<frame id="8" name="main" addr="0x20"><binary ref="7"/></frame></backtrace></row>
<row><sample-time id="9" fmt="00:00.002">2000000</sample-time><thread ref="2"/><weight ref="4"/><backtrace ref="5"/></row>
<row><sample-time id="10" fmt="00:00.003">3000000</sample-time><thread ref="2"/><weight ref="4"/>
<backtrace id="11"><frame id="12" name="0x7ff01" addr="0x7ff01"><binary id="13" name="libsystem_kernel.dylib"/></frame>
<frame ref="8"/></backtrace></row>
<row><sample-time id="14" fmt="00:00.004">4000000</sample-time><thread ref="2"/><weight ref="4"/><sentinel/></row>
</node></trace-query-result>"#;

    #[test]
    fn an_export_is_folded_root_first_through_ids_and_refs() {
        let (folded, samples) = fold_time_profile(EXPORT).unwrap();
        assert_eq!(samples, 4);
        let lines: Vec<&str> = folded.lines().collect();
        assert_eq!(lines, vec!["[no backtrace] 1", "main;[libsystem_kernel.dylib] 1", "main;handler 2"]);
    }

    #[test]
    fn broken_xml_is_an_error_not_a_profile() {
        assert!(fold_time_profile("<row><backtrace id=\"1\"></row>").is_err());
    }

    #[test]
    fn the_command_lines_attach_to_the_pid_for_the_window() {
        let rec = record_args(42, Path::new("/tmp/w.trace"), 7);
        assert_eq!(rec[..4], ["xctrace", "record", "--template", "Time Profiler"]);
        assert!(rec.windows(2).any(|w| w == ["--attach", "42"]));
        assert!(rec.windows(2).any(|w| w == ["--time-limit", "7s"]));
        let exp = export_args(Path::new("/tmp/w.trace"));
        assert_eq!(exp.last().unwrap(), TIME_PROFILE_XPATH);
    }
}
