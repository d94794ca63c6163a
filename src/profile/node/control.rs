//! The harness's side of the preload's control channel: which server processes loaded the
//! preload (ready files), and commands through `<pid>.cmd` files answered in
//! `<pid>.<seq>.json`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{NodeProfiler, ProcessTarget};

impl NodeProfiler {
    /// Live Node processes of the server (same process group) that loaded the preload, with
    /// their role (`main`, or cluster `primary` / `worker`), by PID.
    pub(super) fn processes(&mut self, target: &ProcessTarget, report: bool) -> Vec<(i32, String)> {
        let mut found = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(&self.ctl) else { return Vec::new() };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_suffix(".ready").and_then(|p| p.parse::<i32>().ok()) else { continue };
            if group_of(pid) != Some(target.pgid) {
                continue;
            }
            let ready = std::fs::read_to_string(e.path())
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .unwrap_or_default();
            let role = ready["role"].as_str().unwrap_or("node").to_string();
            found.insert(pid, (role, ready["ppid"].as_i64()));
        }
        // A `main` process that started others of the set is the cluster primary.
        let parents: Vec<i64> = found.values().filter_map(|(_, ppid)| *ppid).collect();
        let found: BTreeMap<i32, String> = found
            .into_iter()
            .map(|(pid, (role, _))| {
                let primary = role == "main" && parents.contains(&i64::from(pid));
                (pid, if primary { "primary".to_string() } else { role })
            })
            .collect();
        let silent: Vec<String> =
            target.listeners.iter().filter(|p| !found.contains_key(p)).map(|p| p.to_string()).collect();
        if report && !silent.is_empty() {
            self.notes.push(format!(
                "node: listening process(es) {} did not load the preload (NODE_OPTIONS overridden?); they are not measured",
                silent.join(", ")
            ));
        }
        found.into_iter().collect()
    }

    /// Send `command` to each PID and wait for the answers (up to `timeout`).
    pub(super) fn ask(
        &mut self,
        pids: &[i32],
        command: &str,
        timeout: Duration,
    ) -> BTreeMap<i32, Result<serde_json::Value, String>> {
        let mut waiting = BTreeMap::new();
        let mut answers = BTreeMap::new();
        for &pid in pids {
            self.seq += 1;
            let cmd = self.ctl.join(format!("{pid}.cmd"));
            let sent = crate::profile::write_control(&cmd, &format!("{} {command}\n", self.seq));
            match sent {
                Ok(()) => {
                    waiting.insert(pid, self.ctl.join(format!("{pid}.{}.json", self.seq)));
                }
                Err(e) => {
                    answers.insert(pid, Err(format!("cannot write {}: {e}", cmd.display())));
                }
            }
        }
        let deadline = Instant::now() + timeout;
        while !waiting.is_empty() {
            waiting.retain(|pid, path| {
                let Ok(text) = std::fs::read_to_string(&*path) else { return true };
                let _ = std::fs::remove_file(&*path);
                let answer = match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(v) if v["ok"] == true => Ok(v),
                    Ok(v) => Err(v["error"].as_str().unwrap_or("failed").to_string()),
                    Err(e) => Err(format!("unreadable answer: {e}")),
                };
                answers.insert(*pid, answer);
                false
            });
            if Instant::now() > deadline {
                for pid in waiting.keys() {
                    answers.insert(*pid, Err(format!("no answer within {} s", timeout.as_secs())));
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        answers
    }
}

/// The process group of a live, non-zombie process.
fn group_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    if rest.first() == Some(&"Z") {
        return None;
    }
    rest.get(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_group_of_this_process_is_read() {
        let me = std::process::id() as i32;
        // SAFETY: getpgrp(2) has no preconditions.
        assert_eq!(group_of(me), Some(unsafe { libc::getpgrp() }));
        assert_eq!(group_of(-5), None);
    }
}
