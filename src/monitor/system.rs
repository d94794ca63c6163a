//! System-wide CPU time: per-CPU busy time from `/proc/stat`, and the CPU time of our own
//! processes, so that a measured window can tell how much of its CPUs others took.
//!
//! "Others" = busy time of the used CPUs (user, nice, system and the hypervisor's steal)
//! minus the CPU time of the harness and every process it started (the server's tree,
//! profilers), over the same window. Interrupt and softirq time is left out: the kernel
//! charges it to no process, and during a loopback benchmark it is mostly our own traffic
//! (at ~100,000 requests/s, a third of a core here), which counted as "others" made every
//! window against a fast server look busy. Processes of ours that exit inside the
//! window take their time with them, so the figure errs towards "busy", never towards "quiet".

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::procfs::{snapshot, tree};

/// Cumulative clock ticks of one CPU since boot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// user + nice + system + steal (guest time is inside user; irq and softirq left out).
    pub busy: u64,
    /// Time the hypervisor gave to someone else while this CPU wanted to run.
    pub steal: u64,
    /// busy + irq + softirq + idle + iowait.
    pub total: u64,
}

/// Per-CPU times from the text of `/proc/stat` (`cpuN` lines; the `cpu` total is skipped).
pub fn parse_proc_stat(text: &str) -> BTreeMap<usize, CpuTimes> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(cpu) = fields.next().and_then(|f| f.strip_prefix("cpu")).and_then(|n| n.parse().ok()) else {
            continue;
        };
        let v: Vec<u64> = fields.map_while(|f| f.parse().ok()).collect();
        if v.len() < 4 {
            continue;
        }
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal guest guest_nice
        let steal = at(7);
        let busy = at(0) + at(1) + at(2) + steal;
        out.insert(cpu, CpuTimes { busy, steal, total: busy + at(3) + at(4) + at(5) + at(6) });
    }
    out
}

/// Busy, steal and total ticks of `cpus` between two readings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuDelta {
    pub busy: u64,
    pub steal: u64,
    pub total: u64,
}

/// The change from `before` to `after` summed over `cpus`; `None` when a CPU is missing or
/// no time passed.
pub fn delta(
    before: &BTreeMap<usize, CpuTimes>,
    after: &BTreeMap<usize, CpuTimes>,
    cpus: &[usize],
) -> Option<CpuDelta> {
    let mut d = CpuDelta::default();
    for cpu in cpus {
        let (b, a) = (before.get(cpu)?, after.get(cpu)?);
        d.busy += a.busy.saturating_sub(b.busy);
        d.steal += a.steal.saturating_sub(b.steal);
        d.total += a.total.saturating_sub(b.total);
    }
    (d.total > 0).then_some(d)
}

/// Percent of the CPUs' time that others took: busy minus `ours` ticks (never below 0).
pub fn others_percent(d: CpuDelta, ours: u64) -> f64 {
    if d.total == 0 {
        return 0.0;
    }
    d.busy.saturating_sub(ours) as f64 / d.total as f64 * 100.0
}

/// CPU ticks used between two readings of the same processes (keyed by pid and start time):
/// a process born in between counts from zero.
pub fn ticks_between(before: &HashMap<(i32, u64), u64>, after: &HashMap<(i32, u64), u64>) -> u64 {
    after.iter().map(|(key, &t)| t.saturating_sub(before.get(key).copied().unwrap_or(0))).sum()
}

/// CPU ticks so far of this process, its descendants and the members of `pgid`.
pub fn our_ticks(pgid: Option<i32>) -> HashMap<(i32, u64), u64> {
    tree(&snapshot(), std::process::id() as i32, pgid)
        .into_iter()
        .map(|p| ((p.pid, p.start_ticks), p.cpu_ticks))
        .collect()
}

/// A reading at the start of a measured window.
pub struct WindowProbe {
    cpus: BTreeMap<usize, CpuTimes>,
    ours: HashMap<(i32, u64), u64>,
    pgid: Option<i32>,
    at: Instant,
}

/// What others did on the used CPUs during one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowLoad {
    /// Percent of the used CPUs' time taken by others (steal included).
    pub others_percent: f64,
    /// Percent of the used CPUs' time stolen by the hypervisor.
    pub steal_percent: f64,
    pub secs: f64,
}

impl WindowProbe {
    /// Read `/proc/stat` and our processes now (`None` where `/proc/stat` is unreadable).
    pub fn start(server_pgid: Option<i32>) -> Option<WindowProbe> {
        let cpus = parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?);
        Some(WindowProbe { cpus, ours: our_ticks(server_pgid), pgid: server_pgid, at: Instant::now() })
    }

    /// Read again and compare, over `used` CPUs.
    pub fn finish(self, used: &[usize]) -> Option<WindowLoad> {
        let ours = ticks_between(&self.ours, &our_ticks(self.pgid));
        let after = parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?);
        // Our ticks are subtracted whole, though unpinned helper threads (the harness's main
        // and monitor threads) may have run outside `used`: small, and it errs towards "quiet".
        let d = delta(&self.cpus, &after, used)?;
        Some(WindowLoad {
            others_percent: others_percent(d, ours),
            steal_percent: d.steal as f64 / d.total as f64 * 100.0,
            secs: self.at.elapsed().as_secs_f64(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "cpu  200 0 40 1000 10 0 2 0 0 0\n\
        cpu0 100 0 20 500 5 0 1 0 0 0\n\
        cpu1 100 0 20 500 5 0 1 0 0 0\n\
        intr 12345\nctxt 999\n";
    // One second later (100 Hz): cpu0 fully busy (80 user, 15 system, 5 steal), cpu1 half idle.
    const AFTER: &str = "cpu  400 0 60 1050 10 0 2 5 0 0\n\
        cpu0 180 0 35 500 5 0 1 5 0 0\n\
        cpu1 120 0 20 550 5 0 1 0 0 0\n";

    #[test]
    fn proc_stat_parses_per_cpu_lines() {
        let m = parse_proc_stat(BEFORE);
        assert_eq!(m.len(), 2);
        assert_eq!(m[&0], CpuTimes { busy: 120, steal: 0, total: 626 });
        // A line with only the four oldest fields still parses.
        assert_eq!(parse_proc_stat("cpu3 1 2 3 4\n")[&3], CpuTimes { busy: 6, steal: 0, total: 10 });
        assert!(parse_proc_stat("cpux 1 2 3 4\ncpu1 1 2\n").is_empty());
    }

    #[test]
    fn deltas_add_up_over_the_used_cpus() {
        let (b, a) = (parse_proc_stat(BEFORE), parse_proc_stat(AFTER));
        assert_eq!(delta(&b, &a, &[0]), Some(CpuDelta { busy: 100, steal: 5, total: 100 }));
        assert_eq!(delta(&b, &a, &[0, 1]), Some(CpuDelta { busy: 120, steal: 5, total: 170 }));
        assert_eq!(delta(&b, &a, &[2]), None, "an unknown CPU");
        assert_eq!(delta(&b, &b, &[0]), None, "no time passed");
        // We used 90 of cpu0's 100 busy ticks: others 10 %; on both CPUs, 30 of 170.
        let d = delta(&b, &a, &[0]).unwrap();
        assert!((others_percent(d, 90) - 10.0).abs() < 1e-9);
        assert_eq!(others_percent(d, 500), 0.0, "never below zero");
        let d2 = delta(&b, &a, &[0, 1]).unwrap();
        assert!((others_percent(d2, 90) - 30.0 / 170.0 * 100.0).abs() < 1e-9);
    }

    #[test]
    fn our_ticks_count_newcomers_from_zero() {
        let before = HashMap::from([((1, 10), 100), ((2, 10), 50)]);
        let after = HashMap::from([((1, 10), 130), ((3, 20), 7)]);
        assert_eq!(ticks_between(&before, &after), 37);
        assert!(our_ticks(None).contains_key(&(std::process::id() as i32, our_start())));
    }

    fn our_start() -> u64 {
        let text = std::fs::read_to_string("/proc/self/stat").unwrap();
        super::super::procfs::parse_stat(&text, 4096).unwrap().start_ticks
    }

    #[test]
    fn a_window_reads_on_linux() {
        let probe = WindowProbe::start(None).expect("/proc/stat is readable");
        std::thread::sleep(std::time::Duration::from_millis(30));
        let used: Vec<usize> =
            parse_proc_stat(&std::fs::read_to_string("/proc/stat").unwrap()).into_keys().collect();
        if let Some(w) = probe.finish(&used) {
            assert!((0.0..=100.0).contains(&w.others_percent), "{w:?}");
        }
    }
}
