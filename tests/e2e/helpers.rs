//! Shared helpers: the binary, a tag to find every process a test caused, temp folders.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test doubles' folder.
pub fn mock_apps() -> PathBuf {
    repo().join("tests/apps")
}

pub fn bin_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_benchmark-harness"))
}

/// A unique tag put into the environment of the harness; every process it starts inherits it.
pub struct Tag(pub String);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Tag {
    pub fn new() -> Tag {
        Tag(format!("{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst)))
    }

    /// A command for the harness binary carrying this tag.
    pub fn command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(bin_path());
        c.env("BH_TEST_TAG", &self.0).current_dir(repo());
        c
    }

    /// PIDs of live (non-zombie) processes that carry this tag.
    pub fn leftovers(&self) -> Vec<i32> {
        let needle = format!("BH_TEST_TAG={}\0", self.0);
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()) {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
            let Ok(env) = std::fs::read(entry.path().join("environ")) else { continue };
            let zombie = std::fs::read_to_string(entry.path().join("stat"))
                .map(|s| s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')))
                .unwrap_or(true);
            if !zombie && env.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(pid);
            }
        }
        found
    }

    /// Assert that nothing the test started is still running (waiting a little for exits).
    pub fn assert_no_leftovers(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let left = self.leftovers();
            if left.is_empty() {
                return;
            }
            if std::time::Instant::now() > deadline {
                let names: Vec<String> = left
                    .iter()
                    .map(|p| {
                        std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                            .unwrap_or_default()
                            .replace('\0', " ")
                    })
                    .collect();
                panic!("processes left running: {left:?} {names:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Run `profile` of a bundled app on the `baseline` suite with short windows, assert it exited
/// 0 and left nothing running, and return the result JSON (flamegraphs under the temp dir).
pub fn profile_baseline(framework: &str, profiler: &str, dir: &Path) -> serde_json::Value {
    profile_baseline_with(framework, profiler, &[], &[], dir)
}

/// `profile_baseline` with more arguments and environment for the harness (a
/// `--profile-duration` among `args` replaces the default of 2 s).
pub fn profile_baseline_with(
    framework: &str,
    profiler: &str,
    args: &[&str],
    env: &[(&str, &str)],
    dir: &Path,
) -> serde_json::Value {
    let tag = Tag::new();
    let (out, flames) = (dir.join("p.json"), dir.join("flames"));
    let window: &[&str] =
        if args.contains(&"--profile-duration") { &[] } else { &["--profile-duration", "2"] };
    let output = tag
        .command()
        .envs(env.iter().copied())
        .args(["profile", "--framework", framework, "--suite", "baseline", "--profiler", profiler])
        .args(args)
        .args(["--duration", "1", "--warmup", "0"])
        .args(window)
        .arg("--flamegraph-dir")
        .arg(&flames)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let r = read_json(&out);
    assert_eq!(r["mode"], "profile");
    r
}

/// `profile ARGS` with one-second windows, concurrency 2 and flamegraphs under `dir`: asserts
/// exit 0 and no leftover process, returns the result.
pub fn profile_short(args: &[&str], dir: &Path) -> serde_json::Value {
    let tag = Tag::new();
    let out = dir.join(format!("p{}.json", tag.0));
    let output = tag
        .command()
        .arg("profile")
        .args(args)
        .args(["--duration", "1", "--warmup", "0", "--profile-duration", "1", "--concurrency", "2"])
        .arg("--flamegraph-dir")
        .arg(dir.join(format!("flames{}", tag.0)))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    read_json(&out)
}

/// stdout and stderr as text, for messages.
/// `run` of a test-double app (`tests/apps`) on `suite`, 1 s with 2 connections and no
/// warm-up, into `out`: (exit code, stderr).
pub fn run_mock_suite(tag: &Tag, app: &str, suite: &str, out: &Path) -> (i32, String) {
    let output = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", app, "--suite", suite])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(out)
        .output()
        .unwrap();
    let (_, err) = text(&output);
    (output.status.code().unwrap_or(-1), err)
}

pub fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Read a result file as JSON.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

/// The workload named `name` in a run result (in any of its suites).
pub fn workload<'a>(result: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    result["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["workloads"].as_array().unwrap())
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("no workload {name} in {result}"))
}

/// `tests/apps/mock_server.py` (the baseline contract) started by a test on a free port,
/// tagged; stopped when dropped, so an assertion that fails first leaves nothing running.
pub struct MockServer {
    child: std::process::Child,
    pub port: u16,
}

impl MockServer {
    pub fn start(tag: &Tag) -> MockServer {
        use std::io::{BufRead, BufReader};
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = std::process::Command::new("python3")
            .arg(mock_apps().join("mock_server.py"))
            .env("PORT", port.to_string())
            .env("BH_TEST_TAG", &tag.0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
        let server = MockServer { child, port };
        assert!(first.contains("listening"), "{first}");
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
