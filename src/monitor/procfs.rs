//! Reading `/proc`: the process table with parents, groups, CPU ticks and resident memory.

use std::collections::HashMap;

/// One process as `/proc/PID/stat` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub zombie: bool,
    /// user + system time in clock ticks.
    pub cpu_ticks: u64,
    /// start time in clock ticks since boot (with `pid`, identifies a process).
    pub start_ticks: u64,
    /// resident set size in bytes.
    pub rss_bytes: u64,
}

/// Parse one `/proc/PID/stat` line (the command name may hold spaces and parentheses).
pub fn parse_stat(text: &str, page_size: u64) -> Option<ProcInfo> {
    let pid: i32 = text.split_whitespace().next()?.parse().ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After "pid (comm) ": state=0 ppid=1 pgrp=2 ... utime=11 stime=12 ... starttime=19 vsize=20 rss=21
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(ProcInfo {
        pid,
        ppid: f.get(1)?.parse().ok()?,
        pgid: f.get(2)?.parse().ok()?,
        zombie: matches!(*f.first()?, "Z" | "X"),
        cpu_ticks: num(11)? + num(12)?,
        start_ticks: num(19)?,
        rss_bytes: num(21)? * page_size,
    })
}

/// Every process currently in `/proc`.
pub fn snapshot() -> Vec<ProcInfo> {
    let page = page_size();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|t| parse_stat(&t, page))
        .collect()
}

/// `root` and everything descending from it, plus every member of `pgid` (if given).
pub fn tree(procs: &[ProcInfo], root: i32, pgid: Option<i32>) -> Vec<ProcInfo> {
    let mut children: HashMap<i32, Vec<&ProcInfo>> = HashMap::new();
    for p in procs {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut out: Vec<ProcInfo> = Vec::new();
    let mut stack: Vec<i32> = vec![root];
    if let Some(p) = procs.iter().find(|p| p.pid == root) {
        out.push(p.clone());
    }
    while let Some(pid) = stack.pop() {
        for c in children.get(&pid).into_iter().flatten() {
            if !out.iter().any(|o| o.pid == c.pid) {
                out.push((*c).clone());
                stack.push(c.pid);
            }
        }
    }
    if let Some(g) = pgid {
        for p in procs.iter().filter(|p| p.pgid == g) {
            if !out.iter().any(|o| o.pid == p.pid) {
                out.push(p.clone());
            }
        }
    }
    out
}

/// PIDs of every live descendant of `pid` (not `pid` itself).
pub fn descendants(pid: i32) -> Vec<i32> {
    tree(&snapshot(), pid, None).into_iter().map(|p| p.pid).filter(|&p| p != pid).collect()
}

/// Every process whose process group is `pgid`.
pub fn group_members(pgid: i32) -> Vec<ProcInfo> {
    snapshot().into_iter().filter(|p| p.pgid == pgid).collect()
}

/// Proportional set size of `pid` in bytes, from `/proc/PID/smaps_rollup` (Linux ≥ 4.14):
/// its private pages plus its share of pages mapped by several processes, so a prefork
/// server's workers sum to what they use together. `None` when unreadable.
pub fn pss_bytes(pid: i32) -> Option<u64> {
    parse_pss(&std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?)
}

/// The `Pss:` line of an smaps_rollup text, in bytes.
pub fn parse_pss(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    let mut f = line.split_whitespace().skip(1);
    let value: u64 = f.next()?.parse().ok()?;
    (f.next()? == "kB").then_some(value * 1024)
}

pub(crate) fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 {
        v as u64
    } else {
        4096
    }
}

pub(crate) fn ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 {
        v as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_in_the_name_parses() {
        let line = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194304 100 0 0 0 30 12 0 0 20 0 1 0 777 1000 25 18446744073709551615";
        let p = parse_stat(line, 4096).unwrap();
        assert_eq!((p.pid, p.ppid, p.pgid, p.cpu_ticks, p.start_ticks), (4242, 1, 4242, 42, 777));
        assert_eq!(p.rss_bytes, 25 * 4096);
        assert!(!p.zombie);
    }

    #[test]
    fn tree_follows_children_and_the_group() {
        let mk = |pid, ppid, pgid| ProcInfo {
            pid,
            ppid,
            pgid,
            zombie: false,
            cpu_ticks: 0,
            start_ticks: 0,
            rss_bytes: 0,
        };
        let procs = vec![mk(10, 1, 10), mk(11, 10, 10), mk(12, 11, 10), mk(13, 1, 10), mk(14, 1, 14)];
        let mut pids: Vec<i32> = tree(&procs, 10, Some(10)).iter().map(|p| p.pid).collect();
        pids.sort();
        assert_eq!(pids, vec![10, 11, 12, 13]);
    }

    #[test]
    fn own_process_is_in_the_snapshot() {
        let me = std::process::id() as i32;
        assert!(snapshot().iter().any(|p| p.pid == me && p.rss_bytes > 0));
    }

    #[test]
    fn pss_is_read_from_smaps_rollup() {
        let text = "55d0c0a00000-7ffd1e9f6000 ---p 00000000 00:00 0    [rollup]\nRss:               20480 kB\nPss:                9133 kB\nPss_Anon:           4000 kB\n";
        assert_eq!(parse_pss(text), Some(9133 * 1024));
        assert_eq!(parse_pss("Rss: 1 kB\n"), None);
        let me = std::process::id() as i32;
        if std::path::Path::new("/proc/self/smaps_rollup").exists() {
            let pss = pss_bytes(me).expect("own smaps_rollup is readable");
            assert!(pss > 0);
        }
    }
}
