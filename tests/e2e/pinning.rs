//! Default CPU pinning: a plain `run --framework` pins the server and the load generator to
//! disjoint CPUs (and really runs them there), `--no-pin` pins nothing and says why, and the
//! result carries the machine's state. On a machine with one usable CPU the default is off
//! and the reason says so.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::{read_json, text, workload, Tag};

/// The CPUs this test process may use (its affinity mask).
fn usable_cpus() -> Vec<usize> {
    use nix::sched::{sched_getaffinity, CpuSet};
    let set = sched_getaffinity(nix::unistd::Pid::from_raw(0)).unwrap();
    (0..CpuSet::count()).filter(|&i| set.is_set(i).unwrap_or(false)).collect()
}

/// "0-2,5" → [0, 1, 2, 5].
fn cpus(list: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for part in list.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.parse::<usize>().unwrap()..=b.parse().unwrap()),
            None => out.push(part.parse().unwrap()),
        }
    }
    out
}

/// `Cpus_allowed_list` of a process or thread (`/proc/PID` or `/proc/PID/task/TID`).
fn allowed(proc_dir: &str) -> Option<Vec<usize>> {
    let status = std::fs::read_to_string(format!("{proc_dir}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).map(cpus)
}

/// While the harness `pid` runs: the CPUs its mock server and its first generator thread may
/// use, as soon as both are seen.
fn watch_affinities(tag: &Tag, harness: u32) -> (Option<Vec<usize>>, Option<Vec<usize>>) {
    let (mut server, mut loadgen) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    while (server.is_none() || loadgen.is_none()) && Instant::now() < deadline {
        for pid in tag.leftovers() {
            let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if pid as u32 != harness && cmd.contains("mock_server.py") {
                server = server.or_else(|| allowed(&format!("/proc/{pid}")));
            }
        }
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{harness}/task")) {
            for t in tasks.filter_map(|t| t.ok()) {
                let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
                if comm.trim() == "loadgen-0" {
                    loadgen = loadgen.or_else(|| allowed(&t.path().display().to_string()));
                }
            }
        }
        if std::fs::metadata(format!("/proc/{harness}")).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, loadgen)
}

#[test]
fn a_default_run_pins_server_and_generator_apart_and_no_pin_pins_nothing() {
    let usable = usable_cpus();
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pinned.json");
    let child = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite", "baseline"])
        .args(["--workload", "plaintext", "--duration", "2", "--warmup", "0", "--concurrency", "4"])
        .arg("--output")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (server_seen, loadgen_seen) = watch_affinities(&tag, child.id());
    let output = child.wait_with_output().unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let r = read_json(&out);
    let conf = &r["configuration"];
    let machine = &r["metadata"]["machine"];
    assert!(machine["cpu_governors"].is_array(), "{machine}");
    assert_eq!(machine["windows"], 1, "{machine}");
    assert!(machine["load_avg_1m_start"].is_number(), "{machine}");
    if usable.len() >= 2 {
        assert_eq!(conf["pinning"]["source"], "default", "{conf}");
        let server = cpus(conf["server_cpus"].as_str().expect("server pinned"));
        let loadgen = cpus(conf["loadgen_cpus"].as_str().expect("generator pinned"));
        assert!(!server.is_empty() && !loadgen.is_empty(), "{conf}");
        assert!(server.iter().all(|c| !loadgen.contains(c)), "overlap: {server:?} {loadgen:?}");
        assert!(server.iter().chain(&loadgen).all(|c| usable.contains(c)), "{conf} vs {usable:?}");
        // And they really ran there.
        assert_eq!(server_seen.as_ref(), Some(&server), "the server's Cpus_allowed_list");
        assert_eq!(loadgen_seen.as_ref().map(|l| l.len()), Some(1), "a generator thread is on one CPU");
        assert!(loadgen.contains(&loadgen_seen.unwrap()[0]));
        // One generator thread per generator CPU.
        let threads = workload(&r, "plaintext")["results"]["load"]["threads"].as_u64().unwrap();
        assert_eq!(threads as usize, loadgen.len().min(4));
    } else {
        assert_eq!(conf["pinning"]["source"], "off", "{conf}");
        let reason = conf["pinning"]["reason"].as_str().unwrap();
        assert!(reason.contains("only 1 usable CPU"), "{reason}");
        assert!(conf["server_cpus"].is_null() && conf["loadgen_cpus"].is_null(), "{conf}");
    }

    let out = dir.path().join("unpinned.json");
    let output = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--suite", "baseline"])
        .args(["--workload", "plaintext", "--duration", "1", "--warmup", "0", "--concurrency", "4"])
        .arg("--no-pin")
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let conf = &read_json(&out)["configuration"];
    assert_eq!(conf["pinning"]["source"], "off", "{conf}");
    assert_eq!(conf["pinning"]["reason"], "--no-pin", "{conf}");
    assert!(conf["server_cpus"].is_null() && conf["loadgen_cpus"].is_null(), "{conf}");
}

#[test]
fn no_pin_conflicts_with_the_cpu_flags() {
    let tag = Tag::new();
    let output = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", "mock-ok", "--no-pin", "--server-cpus", "0"])
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("--no-pin") && err.contains("--server-cpus"), "{err}");
}
