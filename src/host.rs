//! Facts about the machine and the git checkout a command runs in (result metadata).
//!
//! Reads `/proc` and `/etc/os-release`, and asks `git` about the current directory.

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

/// Parse a CPU list such as `0`, `0,2` or `0-3,6` (as `taskset -c` takes).
pub fn parse_cpu_list(text: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for part in text.split(',').map(str::trim) {
        let bad = || format!("invalid CPU list '{text}'; expected numbers and ranges like 0, 0,2 or 0-3");
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (usize, usize) =
                (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
            if a > b {
                return Err(bad());
            }
            cpus.extend(a..=b);
        } else {
            cpus.push(part.parse().map_err(|_| bad())?);
        }
    }
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
    fn outside_git_everything_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(git_info(dir.path()), GitInfo::default());
    }
}
