//! The commands in README.md and docs/*.md run as written. A fenced `sh`, `bash` or `console`
//! block right after a `<!-- run-in-test -->` line is run command by command, with
//! `benchmark-harness` replaced by the built binary, from the repository's root, and every
//! command must exit 0; only short, self-contained commands are marked (help, suites, apps
//! list, schema, report and check on committed fixtures): none starts a server. Every
//! `--flag` the docs name must exist in some subcommand's `--help`, except the few flags of
//! other tools listed in `OTHER_TOOLS`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::helpers::{bin_path, repo, Tag};

/// The line that marks the next fenced block as run by this test.
const MARKER: &str = "<!-- run-in-test -->";

/// Flags the docs name that belong to other tools (cargo, perf, py-spy, node, heaptrack,
/// xctrace, docker, curl, influx) or to an app's own start command. Every entry must still
/// occur in the docs and must not be a harness flag, so that the list stays short and true.
const OTHER_TOOLS: &[&str] = &[
    // cargo
    "--release",
    "--locked",
    "--features",
    "--lib",
    "--ignored",
    "--nocapture",
    // perf, py-spy, node, xctrace
    "--call-graph",
    "--no-inline",
    "--gil",
    "--native",
    "--idle",
    "--threads",
    "--nonblocking",
    "--subprocesses",
    "--require",
    "--cpu-prof",
    "--prof-process",
    "--preprocess",
    "--experimental-permission",
    "--no-logfile-per-isolate",
    "--logfile",
    "--template",
    "--attach",
    "--analyze",
    // docker, curl (history.md, ci.md)
    "--name",
    "--detach",
    "--data-binary",
    "--data-urlencode",
    // an app's start command (manifest examples)
    "--port",
    "--host",
];

/// A fenced code block of a markdown file.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    body: Vec<String>,
    /// Preceded by the marker line (blank lines between are allowed).
    marked: bool,
}

/// The fenced blocks of `text` (fences may be indented, as in lists).
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    let mut last = "";
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        match open.as_mut() {
            Some(b) if line == "```" => {
                out.push(b.clone());
                open = None;
                last = "```";
            }
            Some(b) => b.body.push(line.to_string()),
            None if line.starts_with("```") => {
                let lang = line.trim_start_matches('`').trim().to_string();
                open = Some(Block { line: i + 1, lang, body: Vec::new(), marked: last == MARKER });
            }
            None if !line.is_empty() => last = line,
            None => {}
        }
    }
    out
}

/// The commands of a shell block: continuation lines joined, comments and blank lines left
/// out; in a `console` block only the `$ ` lines (the rest is output).
fn commands(block: &Block) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in &block.body {
        let line = if block.lang == "console" {
            match line.strip_prefix("$ ") {
                Some(l) => l,
                None if !current.is_empty() => line.as_str(),
                None => continue,
            }
        } else {
            line.as_str()
        };
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head.trim_end());
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// Every `--flag` in `text` with its line: `--` then a lowercase letter, not inside a longer
/// run of dashes (`|---|`) or a word.
fn flags(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let b = line.as_bytes();
        let mut i = 0;
        while i + 2 < b.len() {
            let before_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-');
            if before_ok && b[i] == b'-' && b[i + 1] == b'-' && b[i + 2].is_ascii_lowercase() {
                let end = (i + 2..b.len())
                    .find(|&j| !(b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'-'))
                    .unwrap_or(b.len());
                out.push((n + 1, line[i..end].to_string()));
                i = end;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// README.md and docs/*.md, by path relative to the repository.
fn doc_files() -> Vec<(String, String)> {
    let root = repo();
    let mut paths = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
            (rel, std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        })
        .collect()
}

fn help(path: &[String]) -> String {
    let out = Command::new(bin_path()).args(path).arg("--help").output().expect("the binary runs");
    assert!(out.status.success(), "{path:?} --help failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The subcommands listed under `Commands:` in a help text (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// Every flag of the binary and of all its subcommands, from their `--help`.
fn harness_flags() -> BTreeSet<String> {
    let mut known = BTreeSet::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let text = help(&path);
        known.extend(flags(&text).into_iter().map(|(_, f)| f));
        for sub in subcommands(&text) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
    }
    known
}

fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn marked_commands_in_readme_and_docs_run_as_written() {
    let tag = Tag::new();
    let bin = sh_quote(&bin_path());
    let mut ran = BTreeMap::new();
    let mut failures = Vec::new();
    for (file, text) in doc_files() {
        for block in blocks(&text).into_iter().filter(|b| b.marked) {
            let at = format!("{file}:{}", block.line);
            assert!(
                ["sh", "bash", "console"].contains(&block.lang.as_str()),
                "{at}: a {MARKER} block must be sh, bash or console, not '{}'",
                block.lang
            );
            let cmds = commands(&block);
            assert!(!cmds.is_empty(), "{at}: a {MARKER} block without a command");
            for cmd in cmds {
                let rest = cmd.strip_prefix("benchmark-harness ").unwrap_or_else(|| {
                    panic!("{at}: a {MARKER} command must start with `benchmark-harness`: {cmd}")
                });
                let out = Command::new("sh")
                    .arg("-c")
                    .arg(format!("{bin} {rest}"))
                    .current_dir(repo())
                    .env("BH_TEST_TAG", &tag.0)
                    .stdin(Stdio::null())
                    .output()
                    .expect("sh runs");
                if !out.status.success() {
                    failures.push(format!(
                        "{at}: `{cmd}` exited with {}:\n{}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                *ran.entry(file.clone()).or_insert(0) += 1;
            }
        }
    }
    assert!(failures.is_empty(), "documented commands failed:\n{}", failures.join("\n"));
    // The marked blocks exist where the guide and the README say they do.
    for file in ["README.md", "docs/user-guide.md", "docs/profilers.md"] {
        assert!(ran.get(file).is_some_and(|n| *n > 0), "no marked command ran in {file}: {ran:?}");
    }
    tag.assert_no_leftovers();
}

#[test]
fn every_flag_named_in_readme_and_docs_exists() {
    let known = harness_flags();
    for other in OTHER_TOOLS {
        assert!(!known.contains(*other), "{other} is a harness flag: take it off OTHER_TOOLS");
    }
    let mut unknown = Vec::new();
    let mut used_others = BTreeSet::new();
    for (file, text) in doc_files() {
        for (line, flag) in flags(&text) {
            // `--smtp-*`: a family of flags, named by its prefix.
            let exists = if flag.ends_with('-') {
                known.iter().any(|k| k.starts_with(&flag))
            } else {
                known.contains(&flag)
            };
            if exists {
                continue;
            }
            if OTHER_TOOLS.contains(&flag.as_str()) {
                used_others.insert(flag);
            } else {
                unknown.push(format!("{file}:{line}: {flag}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "flags named in the docs that no subcommand's --help lists (a flag of another tool goes \
         into OTHER_TOOLS):\n{}",
        unknown.join("\n")
    );
    let stale: Vec<&&str> = OTHER_TOOLS.iter().filter(|o| !used_others.contains(**o)).collect();
    assert!(stale.is_empty(), "OTHER_TOOLS entries no doc names any more: {stale:?}");
}

#[test]
fn blocks_commands_and_flags_are_found_as_written() {
    let text = "intro --real-flag and a|---|table\n\n<!-- run-in-test -->\n\n```sh\n\
                # a comment\nbenchmark-harness run --a \\\n    --b 2\n```\n\
                - item\n  ```console\n  $ benchmark-harness apps list\n  output --not-a-cmd\n  ```\n\n\
                ```sh\nnot marked\n```\n";
    let b = blocks(text);
    assert_eq!(b.len(), 3);
    assert!(b[0].marked && !b[1].marked && !b[2].marked, "{b:?}");
    assert_eq!(commands(&b[0]), vec!["benchmark-harness run --a --b 2"]);
    assert_eq!(commands(&b[1]), vec!["benchmark-harness apps list"]);
    let f: Vec<String> = flags(text).into_iter().map(|(_, f)| f).collect();
    assert_eq!(f, ["--real-flag", "--a", "--b", "--not-a-cmd"]);
    let help = "Commands:\n  run      Measure\n           more text\n  help     Print\n\nOptions:\n";
    assert_eq!(subcommands(help), ["run"]);
}
