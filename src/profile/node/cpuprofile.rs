//! V8 `.cpuprofile` (the inspector's `Profiler.stop` result, also what `--cpu-prof` writes)
//! folded into `frame;frame count` stacks. Pure: no processes, no files.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct CallFrame {
    #[serde(rename = "functionName", default)]
    function_name: String,
    #[serde(default)]
    url: String,
    #[serde(rename = "lineNumber", default)]
    line_number: i64,
}

#[derive(Debug, Deserialize)]
struct Node {
    id: u64,
    #[serde(rename = "callFrame")]
    call_frame: CallFrame,
    #[serde(rename = "hitCount", default)]
    hit_count: u64,
    #[serde(default)]
    children: Vec<u64>,
    #[serde(default)]
    parent: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CpuProfile {
    nodes: Vec<Node>,
    #[serde(default)]
    samples: Vec<u64>,
    #[serde(rename = "timeDeltas", default)]
    time_deltas: Vec<i64>,
}

/// A folded profile: stacks with sample counts, and what was set aside.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Folded {
    /// `frame;frame count` lines, sorted; `(garbage collector)` and `(program)` kept as frames.
    pub lines: Vec<String>,
    /// Samples in stacks (idle excluded).
    pub samples: u64,
    /// Samples where the thread was idle (`(idle)`: waiting in the event loop), not drawn.
    pub idle: u64,
    /// Time covered by the samples, from `timeDeltas` (0 when only `hitCount` is present).
    pub sampled_ms: f64,
}

/// The frame's name: `function (file:line)`, with `;` (the stack separator) replaced.
fn frame_name(f: &CallFrame) -> String {
    let name = if f.function_name.is_empty() { "(anonymous)" } else { f.function_name.as_str() };
    let name = if f.url.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({}:{})", short_url(&f.url), f.line_number + 1)
    };
    name.replace(';', ":")
}

/// A script's URL as shown in frames: the last two path parts of a file (`app/server.js`);
/// `node:internal/...` and other URLs stay whole.
pub(super) fn short_url(url: &str) -> String {
    let url = url.strip_prefix("file://").unwrap_or(url);
    if url.starts_with('/') {
        let parts: Vec<&str> = url.rsplitn(3, '/').collect();
        if let [file, parent, _] = parts.as_slice() {
            return format!("{parent}/{file}");
        }
    }
    url.to_string()
}

/// Fold a `.cpuprofile` into stacks under `root` (a frame naming the process; empty for
/// none). Counts come from `samples` when present, else from each node's `hitCount`.
pub fn fold_cpuprofile(json: &str, root: &str) -> Result<Folded, String> {
    let p: CpuProfile = serde_json::from_str(json).map_err(|e| format!("not a .cpuprofile: {e}"))?;
    let mut parent: HashMap<u64, u64> = HashMap::new();
    for n in &p.nodes {
        if let Some(up) = n.parent {
            parent.insert(n.id, up);
        }
        for c in &n.children {
            parent.insert(*c, n.id);
        }
    }
    let by_id: HashMap<u64, &Node> = p.nodes.iter().map(|n| (n.id, n)).collect();
    let mut hits: BTreeMap<u64, u64> = BTreeMap::new();
    if p.samples.is_empty() {
        for n in &p.nodes {
            if n.hit_count > 0 {
                hits.insert(n.id, n.hit_count);
            }
        }
    } else {
        for s in &p.samples {
            *hits.entry(*s).or_default() += 1;
        }
    }
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    let mut folded = Folded {
        sampled_ms: p.time_deltas.iter().filter(|d| **d > 0).sum::<i64>() as f64 / 1000.0,
        ..Folded::default()
    };
    for (id, count) in hits {
        let mut frames = Vec::new();
        let mut at = Some(id);
        let mut guard = 0;
        while let Some(i) = at {
            let Some(n) = by_id.get(&i) else { break };
            if n.call_frame.function_name != "(root)" || !n.call_frame.url.is_empty() {
                frames.push(frame_name(&n.call_frame));
            }
            at = parent.get(&i).copied();
            guard += 1;
            if guard > 10_000 {
                return Err("the .cpuprofile's node tree has a cycle".into());
            }
        }
        if frames.first().is_some_and(|f| f == "(idle)") {
            folded.idle += count;
            continue;
        }
        if !root.is_empty() {
            frames.push(root.to_string());
        }
        frames.reverse();
        if frames.is_empty() {
            continue;
        }
        folded.samples += count;
        *stacks.entry(frames.join(";")).or_default() += count;
    }
    folded.lines = stacks.into_iter().map(|(s, n)| format!("{s} {n}")).collect();
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (root) → main (/srv/app/server.js:1) → handler (line 10) → JSON.stringify (native),
    /// plus (garbage collector), (program) and (idle) under the root.
    const PROFILE: &str = r#"{
      "nodes": [
        {"id": 1, "callFrame": {"functionName": "(root)", "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1}, "hitCount": 0, "children": [2, 5, 6, 7]},
        {"id": 2, "callFrame": {"functionName": "main", "scriptId": "1", "url": "file:///srv/app/server.js", "lineNumber": 0, "columnNumber": 0}, "hitCount": 1, "children": [3]},
        {"id": 3, "callFrame": {"functionName": "handler", "scriptId": "1", "url": "file:///srv/app/server.js", "lineNumber": 9, "columnNumber": 2}, "hitCount": 2, "children": [4]},
        {"id": 4, "callFrame": {"functionName": "stringify", "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1}, "hitCount": 3},
        {"id": 5, "callFrame": {"functionName": "(garbage collector)", "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1}, "hitCount": 2},
        {"id": 6, "callFrame": {"functionName": "(program)", "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1}, "hitCount": 1},
        {"id": 7, "callFrame": {"functionName": "(idle)", "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1}, "hitCount": 4}
      ],
      "startTime": 0, "endTime": 13000,
      "samples": [4, 4, 3, 5, 7, 7, 2, 4, 3, 5, 6, 7, 7],
      "timeDeltas": [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]
    }"#;

    #[test]
    fn samples_fold_into_stacks_keeping_the_garbage_collector() {
        let f = fold_cpuprofile(PROFILE, "node").unwrap();
        assert_eq!(
            f.lines,
            vec![
                "node;(garbage collector) 2",
                "node;(program) 1",
                "node;main (app/server.js:1) 1",
                "node;main (app/server.js:1);handler (app/server.js:10) 2",
                "node;main (app/server.js:1);handler (app/server.js:10);stringify 3",
            ]
        );
        assert_eq!((f.samples, f.idle), (9, 4));
        assert!((f.sampled_ms - 13.0).abs() < 1e-9);
    }

    #[test]
    fn hit_counts_are_used_without_samples_and_parent_links_work() {
        // The same tree given by `parent` links instead of `children`, without `samples`.
        let p = r#"{"nodes": [
          {"id": 1, "callFrame": {"functionName": "(root)", "url": ""}},
          {"id": 2, "callFrame": {"functionName": "", "url": "node:internal/timers", "lineNumber": 4}, "parent": 1, "hitCount": 5},
          {"id": 3, "callFrame": {"functionName": "a;b", "url": ""}, "parent": 2, "hitCount": 1}
        ]}"#;
        let f = fold_cpuprofile(p, "").unwrap();
        assert_eq!(
            f.lines,
            vec!["(anonymous) (node:internal/timers:5) 5", "(anonymous) (node:internal/timers:5);a:b 1",]
        );
        assert_eq!((f.samples, f.idle, f.sampled_ms), (6, 0, 0.0));
    }

    #[test]
    fn junk_is_an_error() {
        assert!(fold_cpuprofile("{}", "").unwrap_err().contains("not a .cpuprofile"));
    }
}
