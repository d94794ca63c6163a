//! Facts about the machine and the git checkout a command runs in (result metadata).
//!
//! Reads `/proc`, `/sys` and `/etc/os-release`, and asks `git` about the current directory:
//! also the CPUs this process may use (grouped by physical core), the 1-minute load average
//! and the CPU frequency governors, for pinning and for the `metadata.machine` block.

use std::path::Path;
use std::process::Command;

use crate::schema::Host;

/// Git facts of the repository containing `dir`; all `None` outside git.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GitInfo {
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: Option<bool>,
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Commit, branch and dirty flag of the repository `dir` is in.
pub fn git_info(dir: &Path) -> GitInfo {
    let Some(commit) = git(dir, &["rev-parse", "HEAD"]) else {
        return GitInfo::default();
    };
    let branch = git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(|b| b != "HEAD");
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    GitInfo { commit: Some(commit), branch, dirty }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn os_name() -> String {
    read("/etc/os-release")
        .and_then(|t| {
            t.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

fn cpu_model() -> Option<String> {
    let info = read("/proc/cpuinfo")?;
    info.lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model") || l.starts_with("cpu model"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn memory_gb() -> Option<f64> {
    let info = read("/proc/meminfo")?;
    let kb: f64 =
        info.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 / 1024.0 * 10.0).round() / 10.0)
}

/// The machine's OS, architecture, CPU, memory and kernel.
pub fn host() -> Host {
    Host {
        os: os_name(),
        arch: std::env::consts::ARCH.to_string(),
        cpu_model: cpu_model(),
        cpu_cores: std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1),
        memory_gb: memory_gb(),
        kernel: read("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()),
    }
}

/// Number of CPUs this process may run on (its affinity mask), at least 1.
pub fn usable_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The CPUs this process may run on (its affinity mask), ascending; on other systems (or
/// if the mask is unreadable) `0..available_parallelism`.
pub fn affinity_cpus() -> Vec<usize> {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{sched_getaffinity, CpuSet};
        use nix::unistd::Pid;
        if let Ok(set) = sched_getaffinity(Pid::from_raw(0)) {
            let cpus: Vec<usize> = (0..CpuSet::count()).filter(|&i| set.is_set(i).unwrap_or(false)).collect();
            if !cpus.is_empty() {
                return cpus;
            }
        }
    }
    (0..usable_cpus()).collect()
}

/// `cpus` grouped by physical core (hyperthread siblings together, from
/// `/sys/devices/system/cpu/cpuN/topology/thread_siblings_list`), groups ordered by their
/// lowest CPU. A CPU whose topology is unreadable is its own group.
pub fn core_groups(cpus: &[usize]) -> Vec<Vec<usize>> {
    let siblings = |cpu: usize| {
        read(&format!("/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list"))
            .and_then(|t| parse_cpu_ranges(t.trim()).ok())
            .unwrap_or_else(|| vec![cpu])
    };
    group_by_siblings(cpus, siblings)
}

/// [`core_groups`] with the sibling lookup given (pure, for tests).
pub fn group_by_siblings(cpus: &[usize], siblings: impl Fn(usize) -> Vec<usize>) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &cpu in cpus {
        if groups.iter().any(|g| g.contains(&cpu)) {
            continue;
        }
        let mut group: Vec<usize> = siblings(cpu).into_iter().filter(|c| cpus.contains(c)).collect();
        if !group.contains(&cpu) {
            group.push(cpu);
        }
        group.sort_unstable();
        group.dedup();
        groups.push(group);
    }
    groups.sort_by_key(|g| g[0]);
    groups
}

/// The 1-minute load average from the text of `/proc/loadavg` (`0.52 0.58 0.59 1/467 12345`).
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// The 1-minute load average now (`None` where `/proc/loadavg` is unreadable).
pub fn load_avg_1m() -> Option<f64> {
    parse_loadavg(&read("/proc/loadavg")?)
}

/// The CPU frequency governor of `cpu` (e.g. `performance`), or why it cannot be read.
pub fn cpu_governor(cpu: usize) -> Result<String, String> {
    let path = format!("/sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_governor");
    match std::fs::read_to_string(&path) {
        Ok(g) if !g.trim().is_empty() => Ok(g.trim().to_string()),
        Ok(_) => Err(format!("{path} is empty")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "{path} does not exist: the kernel exposes no frequency scaling here (usual in VMs and containers)"
        )),
        Err(e) => Err(format!("cannot read {path}: {e}")),
    }
}

/// Parse a CPU list such as `0`, `0,2` or `0-3,6` (as `taskset -c` takes).
pub fn parse_cpu_list(text: &str) -> Result<Vec<usize>, String> {
    let mut cpus = parse_cpu_ranges(text)?;
    let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let online = read("/sys/devices/system/cpu/online").map(|s| s.trim().to_string());
    if let Some(&bad) = cpus.iter().find(|&&c| c >= n.max(online_count(online.as_deref()))) {
        return Err(format!(
            "CPU {bad} in '{text}' does not exist here; this machine has CPUs {}",
            online.unwrap_or_else(|| format!("0-{}", n - 1))
        ));
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// The numbers of a list like `0-3,6` (no check that the CPUs exist), in the order given.
fn parse_cpu_ranges(text: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for part in text.split(',').map(str::trim) {
        let bad = || format!("invalid CPU list '{text}'; expected numbers and ranges like 0, 0,2 or 0-3");
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (usize, usize) =
                (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
            if a > b || b - a > 65_536 {
                return Err(bad());
            }
            cpus.extend(a..=b);
        } else {
            cpus.push(part.parse().map_err(|_| bad())?);
        }
    }
    Ok(cpus)
}

/// Format CPUs as a list like `0-3,6` (ascending ranges), as `taskset -c` takes.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        parts.push(match j - i {
            0 => sorted[i].to_string(),
            1 => format!("{},{}", sorted[i], sorted[j]),
            _ => format!("{}-{}", sorted[i], sorted[j]),
        });
        i = j + 1;
    }
    parts.join(",")
}

fn online_count(online: Option<&str>) -> usize {
    online
        .and_then(|s| s.rsplit(['-', ',']).next())
        .and_then(|last| last.parse::<usize>().ok())
        .map(|n| n + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_facts_are_filled() {
        let h = host();
        assert!(h.cpu_cores >= 1);
        assert!(!h.arch.is_empty());
    }

    #[test]
    fn cpu_lists_parse_and_bad_ones_are_named() {
        assert_eq!(parse_cpu_list("0").unwrap(), vec![0]);
        assert_eq!(parse_cpu_list("0-1,0").unwrap(), vec![0, 1]);
        let err = parse_cpu_list("x").unwrap_err();
        assert!(err.contains("'x'"), "{err}");
        let err = parse_cpu_list("4096").unwrap_err();
        assert!(err.contains("4096"), "{err}");
    }

    #[test]
    fn loadavg_parses_the_first_field() {
        assert_eq!(parse_loadavg("0.52 0.58 0.59 1/467 12345\n"), Some(0.52));
        assert_eq!(parse_loadavg("12.00 3.1 1 2/3 4"), Some(12.0));
        assert_eq!(parse_loadavg(""), None);
        assert_eq!(parse_loadavg("x 1 2"), None);
        assert_eq!(parse_loadavg("-1 1 2"), None);
        assert!(load_avg_1m().is_some(), "/proc/loadavg is readable on Linux");
    }

    #[test]
    fn siblings_share_a_group() {
        // 4 cores × 2 threads, Intel numbering: cpu i and i + 4 are siblings.
        let smt = |c: usize| vec![c % 4, c % 4 + 4];
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(group_by_siblings(&all, smt), vec![vec![0, 4], vec![1, 5], vec![2, 6], vec![3, 7]]);
        // Only the usable CPUs count; a CPU missing from its own sibling list still counts.
        assert_eq!(group_by_siblings(&[1, 2, 5], smt), vec![vec![1, 5], vec![2]]);
        assert_eq!(group_by_siblings(&[3, 0], |_| vec![]), vec![vec![0], vec![3]]);
        assert!(!core_groups(&affinity_cpus()).is_empty());
    }

    #[test]
    fn cpu_lists_format_as_ranges() {
        assert_eq!(format_cpu_list(&[0]), "0");
        assert_eq!(format_cpu_list(&[3, 0, 1, 2, 6]), "0-3,6");
        assert_eq!(format_cpu_list(&[0, 1, 4, 5]), "0,1,4,5");
        assert_eq!(format_cpu_list(&[]), "");
        assert_eq!(parse_cpu_ranges(&format_cpu_list(&[0, 2, 3, 4, 9])).unwrap(), vec![0, 2, 3, 4, 9]);
    }

    #[test]
    fn a_missing_governor_says_why() {
        let err = cpu_governor(100_000).unwrap_err();
        assert!(err.contains("cpu100000") && err.contains("does not exist"), "{err}");
    }

    #[test]
    fn outside_git_everything_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(git_info(dir.path()), GitInfo::default());
    }
}
