//! Finding the real server process: the one that listens on the port, never a wrapper.

use std::collections::HashSet;

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

/// Socket inodes of TCP sockets listening on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> HashSet<u64> {
    let mut inodes = HashSet::new();
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

/// PIDs among `candidates` holding a socket that listens on `port`, in the given order.
pub fn listening_pids(port: u16, candidates: &[i32]) -> Vec<i32> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return Vec::new();
    }
    candidates
        .iter()
        .copied()
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
        .collect()
}

impl ProcessTarget {
    /// The server behind `root` (the started process) and group `pgid`, found by its port.
    pub fn find(root: i32, pgid: i32, port: u16) -> Option<ProcessTarget> {
        let mut tree: Vec<i32> = crate::monitor::tree(&crate::monitor::snapshot(), root, Some(pgid))
            .into_iter()
            .filter(|p| !p.zombie)
            .map(|p| p.pid)
            .collect();
        tree.sort_unstable();
        let listeners = listening_pids(port, &tree);
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
        assert_eq!(listening_pids(port, &[1, me]), vec![me]);
        drop(l);
        assert!(listening_pids(port, &[me]).is_empty());
    }
}
