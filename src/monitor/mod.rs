//! CPU and memory sampling of a server's whole process tree (workers and children too).
//!
//! Reads `/proc` only. A [`Monitor`] samples every 100 ms from [`Monitor::start`] to
//! [`Monitor::finish`], i.e. during the measured window only.

mod procfs;

pub use procfs::{descendants, group_members, parse_stat, snapshot, tree, ProcInfo};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::schema::{CpuStats, MemoryStats, Resources};
use crate::stats::round_to;

/// One sample: CPU percent since the previous sample, resident memory now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub cpu_percent: f64,
    pub memory_mb: f64,
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

fn sample_loop(root: i32, pgid: Option<i32>, interval: Duration, stop: &AtomicBool) -> Vec<Sample> {
    let tck = procfs::ticks_per_sec();
    let mut prev: HashMap<(i32, u64), u64> = HashMap::new();
    let mut prev_t = Instant::now();
    let mut samples = Vec::new();
    let read = |prev: &mut HashMap<(i32, u64), u64>| {
        let procs = tree(&snapshot(), root, pgid);
        let rss: u64 = procs.iter().filter(|p| !p.zombie).map(|p| p.rss_bytes).sum();
        let mut delta_ticks = 0u64;
        let mut next = HashMap::new();
        for p in &procs {
            let key = (p.pid, p.start_ticks);
            // A process born since the last sample counts from zero: its ticks all fall in this interval.
            delta_ticks += p.cpu_ticks.saturating_sub(prev.get(&key).copied().unwrap_or(0));
            next.insert(key, p.cpu_ticks);
        }
        *prev = next;
        (delta_ticks, rss)
    };
    read(&mut prev);
    let mut next_at = prev_t + interval;
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now < next_at {
            std::thread::sleep((next_at - now).min(Duration::from_millis(20)));
            continue;
        }
        let (ticks, rss) = read(&mut prev);
        let now = Instant::now();
        let secs = now.duration_since(prev_t).as_secs_f64();
        prev_t = now;
        next_at += interval;
        if secs > 0.0 {
            samples.push(Sample {
                cpu_percent: ticks as f64 / tck / secs * 100.0,
                memory_mb: rss as f64 / (1024.0 * 1024.0),
            });
        }
    }
    samples
}

/// Average, peak and 95th percentile of the samples.
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
    let (ma, mp, m95) = stats(samples.iter().map(|s| s.memory_mb).collect());
    Some(Resources {
        cpu: CpuStats { avg_percent: ca, peak_percent: cp, p95_percent: c95 },
        memory: MemoryStats { avg_mb: ma, peak_mb: mp, p95_mb: m95 },
        samples: samples.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_samples() {
        let s: Vec<Sample> =
            (1..=20).map(|i| Sample { cpu_percent: i as f64 * 10.0, memory_mb: 100.0 + i as f64 }).collect();
        let r = summarize(&s).unwrap();
        assert_eq!(r.cpu.avg_percent, 105.0);
        assert_eq!(r.cpu.peak_percent, 200.0);
        assert_eq!(r.cpu.p95_percent, 190.0);
        assert_eq!(r.memory.peak_mb, 120.0);
        assert_eq!(r.samples, 20);
        assert!(summarize(&[]).is_none());
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
}
