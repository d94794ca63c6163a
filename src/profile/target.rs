//! Finding the real server process: the one that listens on the port, never a wrapper.
//! Reads `/proc` on Linux; runs `lsof` on other unixes (macOS, untested).

/// The server process a profiler attaches to.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessTarget {
    /// The process listening on the port (the first, when several share the socket).
    pub pid: i32,
    /// Every process of the server's tree that holds the listening socket (workers).
    pub listeners: Vec<i32>,
    /// The server's process group.
    pub pgid: i32,
    pub port: u16,
}

/// PIDs holding a TCP socket that listens on `port` (IPv4 or IPv6) and for which `keep`
/// holds, ascending: from `/proc` (the sockets' inodes in `/proc/net/tcp*`, then the
/// processes' fds).
#[cfg(target_os = "linux")]
pub fn listening_pids(port: u16, keep: impl Fn(i32) -> bool) -> Vec<i32> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return Vec::new();
    }
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut pids: Vec<i32> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|pid| keep(*pid))
        .filter(|pid| {
            let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
            fds.filter_map(|e| e.ok()).any(|e| {
                std::fs::read_link(e.path())
                    .ok()
                    .and_then(|l| {
                        let l = l.to_string_lossy().into_owned();
                        l.strip_prefix("socket:[")
                            .and_then(|r| r.strip_suffix(']'))
                            .and_then(|n| n.parse::<u64>().ok())
                    })
                    .is_some_and(|n| inodes.contains(&n))
            })
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// Socket inodes of TCP sockets listening on `port` (IPv4 and IPv6).
#[cfg(target_os = "linux")]
fn listening_inodes(port: u16) -> std::collections::HashSet<u64> {
    let mut inodes = std::collections::HashSet::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address is "HEXIP:HEXPORT", st "0A" is LISTEN, inode is field 9.
            let (Some(local), Some(st), Some(inode)) = (f.get(1), f.get(3), f.get(9)) else { continue };
            let p = local.rsplit(':').next().and_then(|h| u16::from_str_radix(h, 16).ok());
            if p == Some(port) && *st == "0A" {
                if let Ok(i) = inode.parse() {
                    inodes.insert(i);
                }
            }
        }
    }
    inodes
}

/// PIDs holding a TCP socket that listens on `port` and for which `keep` holds, ascending:
/// from `lsof -nP -iTCP:PORT -sTCP:LISTEN -t` (no `/proc` here; untested on macOS).
#[cfg(not(target_os = "linux"))]
pub fn listening_pids(port: u16, keep: impl Fn(i32) -> bool) -> Vec<i32> {
    let out = std::process::Command::new("lsof")
        .args(["-nP", &format!("-iTCP:{port}"), "-sTCP:LISTEN", "-t"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    // lsof exits 1 when nothing matches: an empty list either way.
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    parse_pid_lines(&text).into_iter().filter(|p| keep(*p)).collect()
}

/// `lsof -t` output: one PID a line; sorted, without duplicates.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn parse_pid_lines(text: &str) -> Vec<i32> {
    let mut pids: Vec<i32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// The process group of `pid`, if it exists.
fn process_group(pid: i32) -> Option<i32> {
    // SAFETY: getpgid only reads the process table.
    let g = unsafe { libc::getpgid(pid) };
    (g >= 0).then_some(g)
}

impl ProcessTarget {
    /// The server behind `root` (the started process) and group `pgid`, found by its port:
    /// a listener in `root`'s process tree (where `/proc` shows it) or in its group.
    pub fn find(root: i32, pgid: i32, port: u16) -> Option<ProcessTarget> {
        let tree: std::collections::HashSet<i32> =
            crate::monitor::tree(&crate::monitor::snapshot(), root, Some(pgid))
                .into_iter()
                .filter(|p| !p.zombie)
                .map(|p| p.pid)
                .collect();
        let ours = |pid: i32| pid == root || tree.contains(&pid) || process_group(pid) == Some(pgid);
        let listeners = listening_pids(port, ours);
        Some(ProcessTarget { pid: *listeners.first()?, listeners, pgid, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_process_is_found_by_its_port() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let me = std::process::id() as i32;
        assert_eq!(listening_pids(port, |p| p == 1 || p == me), vec![me]);
        assert!(listening_pids(port, |p| p == 1).is_empty());
        drop(l);
        assert!(listening_pids(port, |p| p == me).is_empty());
    }

    #[test]
    fn lsof_pid_lines_are_parsed_sorted_and_unique() {
        assert_eq!(parse_pid_lines("812\n77\n812\n\n"), vec![77, 812]);
        assert!(parse_pid_lines("").is_empty());
    }

    #[test]
    fn our_process_group_is_read() {
        // SAFETY: getpgrp has no preconditions.
        let mine = unsafe { libc::getpgrp() };
        assert_eq!(process_group(std::process::id() as i32), Some(mine));
    }
}
