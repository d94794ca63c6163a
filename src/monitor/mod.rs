//! CPU and memory sampling of a server's whole process tree (workers and children too).
//!
//! Reads `/proc` only. A [`Monitor`] samples every 100 ms from [`Monitor::start`] to
//! [`Monitor::finish`], i.e. during the measured window only.

mod procfs;
pub mod system;

pub use procfs::{descendants, group_members, parse_pss, parse_stat, pss_bytes, snapshot, tree, ProcInfo};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::schema::{CpuStats, MemoryStats, Resources};
use crate::stats::round_to;

/// One sample: CPU percent since the previous sample, memory now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub cpu_percent: f64,
    /// Resident set size summed over the tree (double-counts pages shared between processes).
    pub memory_mb: f64,
    /// Proportional set size summed over the tree; `None` when any live process's
    /// `smaps_rollup` could not be read.
    pub pss_mb: Option<f64>,
}

/// A background sampler of one process tree.
pub struct Monitor {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<Vec<Sample>>>,
}

impl Monitor {
    /// Start sampling the tree rooted at `root` (and every member of `pgid`) every `interval`.
    pub fn start(root: i32, pgid: Option<i32>, interval: Duration) -> Monitor {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || sample_loop(root, pgid, interval, &flag));
        Monitor { stop, handle: Some(handle) }
    }

    /// Stop sampling and summarise; `None` when fewer than one full interval was sampled.
    pub fn finish(mut self) -> Option<Resources> {
        self.stop.store(true, Ordering::SeqCst);
        let samples = self.handle.take()?.join().ok()?;
        summarize(&samples)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// `memory.method` when the figures are proportional set sizes.
pub const MEMORY_PSS: &str = "pss";
/// `memory.method` when the figures are resident set sizes (PSS unreadable).
pub const MEMORY_RSS: &str = "rss";

const MIB: f64 = 1024.0 * 1024.0;

fn sample_loop(root: i32, pgid: Option<i32>, interval: Duration, stop: &AtomicBool) -> Vec<Sample> {
    let tck = procfs::ticks_per_sec();
    let mut prev: HashMap<(i32, u64), u64> = HashMap::new();
    let mut prev_t = Instant::now();
    let mut samples = Vec::new();
    let read = |prev: &mut HashMap<(i32, u64), u64>| {
        let procs = tree(&snapshot(), root, pgid);
        let live = || procs.iter().filter(|p| !p.zombie);
        let rss: u64 = live().map(|p| p.rss_bytes).sum();
        let pss: Option<u64> = live().map(|p| pss_bytes(p.pid)).sum();
        let mut delta_ticks = 0u64;
        let mut next = HashMap::new();
        for p in &procs {
            let key = (p.pid, p.start_ticks);
            // A process born since the last sample counts from zero: its ticks all fall in this interval.
            delta_ticks += p.cpu_ticks.saturating_sub(prev.get(&key).copied().unwrap_or(0));
            next.insert(key, p.cpu_ticks);
        }
        *prev = next;
        (delta_ticks, rss, pss)
    };
    read(&mut prev);
    let mut next_at = prev_t + interval;
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now < next_at {
            std::thread::sleep((next_at - now).min(Duration::from_millis(20)));
            continue;
        }
        let (ticks, rss, pss) = read(&mut prev);
        let now = Instant::now();
        let secs = now.duration_since(prev_t).as_secs_f64();
        prev_t = now;
        next_at += interval;
        if secs > 0.0 {
            samples.push(Sample {
                cpu_percent: ticks as f64 / tck / secs * 100.0,
                memory_mb: rss as f64 / MIB,
                pss_mb: pss.map(|b| b as f64 / MIB),
            });
        }
    }
    samples
}

/// Average, peak and 95th percentile of the samples. Memory is PSS when every sample has
/// it (shared pages counted once across a prefork server's workers), else RSS; the figure
/// says which in `memory.method`.
pub fn summarize(samples: &[Sample]) -> Option<Resources> {
    if samples.is_empty() {
        return None;
    }
    let stats = |mut v: Vec<f64>| -> (f64, f64, f64) {
        v.sort_by(f64::total_cmp);
        let avg = v.iter().sum::<f64>() / v.len() as f64;
        let idx = ((v.len() as f64 * 0.95).ceil() as usize).clamp(1, v.len()) - 1;
        (round_to(avg, 2), round_to(*v.last().unwrap_or(&0.0), 2), round_to(v[idx], 2))
    };
    let (ca, cp, c95) = stats(samples.iter().map(|s| s.cpu_percent).collect());
    let pss: Option<Vec<f64>> = samples.iter().map(|s| s.pss_mb).collect();
    let (method, memory) = match pss {
        Some(v) => (MEMORY_PSS, v),
        None => (MEMORY_RSS, samples.iter().map(|s| s.memory_mb).collect()),
    };
    let (ma, mp, m95) = stats(memory);
    Some(Resources {
        cpu: CpuStats { avg_percent: ca, peak_percent: cp, p95_percent: c95 },
        memory: MemoryStats { avg_mb: ma, peak_mb: mp, p95_mb: m95, method: Some(method.into()) },
        samples: samples.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_samples() {
        let mut s: Vec<Sample> = (1..=20)
            .map(|i| Sample { cpu_percent: i as f64 * 10.0, memory_mb: 100.0 + i as f64, pss_mb: None })
            .collect();
        let r = summarize(&s).unwrap();
        assert_eq!(r.cpu.avg_percent, 105.0);
        assert_eq!(r.cpu.peak_percent, 200.0);
        assert_eq!(r.cpu.p95_percent, 190.0);
        assert_eq!(r.memory.peak_mb, 120.0);
        assert_eq!(r.samples, 20);
        assert_eq!(r.memory.method.as_deref(), Some("rss"));
        assert!(summarize(&[]).is_none());
        // PSS in every sample: the figures are PSS.
        for x in s.iter_mut() {
            x.pss_mb = Some(x.memory_mb / 2.0);
        }
        let r = summarize(&s).unwrap();
        assert_eq!((r.memory.peak_mb, r.memory.method.as_deref()), (60.0, Some("pss")));
        // One sample without it: RSS throughout, never a mix.
        s[3].pss_mb = None;
        assert_eq!(summarize(&s).unwrap().memory.method.as_deref(), Some("rss"));
    }

    #[test]
    fn a_busy_child_is_seen_busy() {
        // A child that spins for a while: its tree must show CPU well above zero.
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg("i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done")
            .spawn()
            .unwrap();
        let m = Monitor::start(child.id() as i32, None, Duration::from_millis(100));
        std::thread::sleep(Duration::from_millis(500));
        let r = m.finish();
        let _ = child.kill();
        let _ = child.wait();
        let r = r.expect("samples were taken");
        assert!(r.samples >= 2, "{r:?}");
        assert!(r.cpu.peak_percent > 1.0, "{r:?}");
        assert!(r.memory.peak_mb > 0.0, "{r:?}");
    }

    #[test]
    fn pss_counts_memory_shared_by_forked_workers_once() {
        if pss_bytes(std::process::id() as i32).is_none() {
            // No smaps_rollup (Linux < 4.14 or not Linux): the monitor reports RSS and says so.
            assert_eq!(
                summarize(&[Sample { cpu_percent: 0.0, memory_mb: 1.0, pss_mb: None }])
                    .unwrap()
                    .memory
                    .method
                    .as_deref(),
                Some("rss")
            );
            return;
        }
        // A "prefork server": 64 MiB touched, then three forked workers that share it.
        let script = "import os, time\n\
                      data = b'x' * (64 << 20)\n\
                      for _ in range(3):\n    if os.fork() == 0:\n        time.sleep(30); os._exit(0)\n\
                      print('ready', flush=True)\n\
                      time.sleep(30)\n";
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        let root = child.id() as i32;
        let procs: Vec<ProcInfo> = tree(&snapshot(), root, None).into_iter().filter(|p| !p.zombie).collect();
        let rss: u64 = procs.iter().map(|p| p.rss_bytes).sum();
        let pss: Option<u64> = procs.iter().map(|p| pss_bytes(p.pid)).sum();
        for p in &procs {
            // SAFETY: plain kill(2) of processes this test started.
            unsafe { libc::kill(p.pid, libc::SIGKILL) };
        }
        let _ = child.wait();
        let (rss_mb, pss_mb) =
            (rss as f64 / MIB, pss.expect("our children's smaps_rollup is readable") as f64 / MIB);
        assert_eq!(procs.len(), 4, "{procs:?}");
        assert!(rss_mb > 4.0 * 60.0, "RSS counts the 64 MiB in every process: {rss_mb:.0} MiB");
        assert!(
            pss_mb > 60.0 && pss_mb < 2.0 * 64.0,
            "PSS counts it about once: {pss_mb:.0} MiB (RSS {rss_mb:.0})"
        );
    }
}
