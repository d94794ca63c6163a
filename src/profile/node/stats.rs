//! The preload's counter dumps (one per Node process) combined into `NodeMetrics`. Pure.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::schema::{LagStats, NodeMetrics};

/// One process's dump (`dump` command of `preload.js`).
#[derive(Debug, Clone, Deserialize)]
pub struct Dump {
    pub pid: i32,
    pub role: String,
    pub heap: Heap,
    pub event_loop: EventLoop,
    pub gc: Gc,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Heap {
    pub samples: u64,
    pub used_mean_bytes: f64,
    pub used_peak_bytes: f64,
    pub total_mean_bytes: f64,
    pub total_peak_bytes: f64,
}

/// `monitorEventLoopDelay` figures in nanoseconds, as recorded: each value is a whole timer
/// interval (`resolution_ms`) plus the delay.
#[derive(Debug, Clone, Deserialize)]
pub struct EventLoop {
    pub resolution_ms: f64,
    pub count: u64,
    pub mean_ns: Option<f64>,
    pub p99_ns: Option<f64>,
    pub max_ns: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Gc {
    pub count: u64,
    pub total_ms: f64,
    #[serde(default)]
    pub by_kind: BTreeMap<String, GcKind>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GcKind {
    pub count: u64,
    pub ms: f64,
}

const MB: f64 = 1024.0 * 1024.0;

/// Lag in ms from a recorded value in ns: the timer interval subtracted, never below 0.
pub fn lag_ms(recorded_ns: f64, resolution_ms: f64) -> f64 {
    (recorded_ns / 1e6 - resolution_ms).max(0.0)
}

/// Combine the dumps of the server's processes. Heap: the sum over processes of each one's
/// mean (the server's V8 heap); GC: sums; lag: mean weighted by timer ticks, p99 and max the
/// largest of any process. Returns the metrics and notes (peaks, GC by kind, processes).
pub fn combine(dumps: &[Dump]) -> (NodeMetrics, Vec<String>) {
    let mut notes = Vec::new();
    if dumps.is_empty() {
        return (NodeMetrics::default(), notes);
    }
    let heaped: Vec<&Dump> = dumps.iter().filter(|d| d.heap.samples > 0).collect();
    let sum = |f: fn(&Heap) -> f64| heaped.iter().map(|d| f(&d.heap)).sum::<f64>() / MB;
    let (used, total) = if heaped.is_empty() {
        notes.push("node: no heap sample was taken in the window; heap figures are null".into());
        (None, None)
    } else {
        notes.push(format!(
            "node: V8 heap peak in the measurement window {:.1} MB used, {:.1} MB total (sampled every 100 ms)",
            sum(|h| h.used_peak_bytes),
            sum(|h| h.total_peak_bytes)
        ));
        (Some(sum(|h| h.used_mean_bytes)), Some(sum(|h| h.total_mean_bytes)))
    };
    let ticked: Vec<&EventLoop> =
        dumps.iter().map(|d| &d.event_loop).filter(|e| e.count > 0 && e.mean_ns.is_some()).collect();
    let lag = if ticked.is_empty() {
        notes.push("node: the event-loop delay monitor recorded nothing in the window; lag is null".into());
        None
    } else {
        let n: u64 = ticked.iter().map(|e| e.count).sum();
        let mean = ticked
            .iter()
            .map(|e| lag_ms(e.mean_ns.unwrap_or(0.0), e.resolution_ms) * e.count as f64)
            .sum::<f64>()
            / n as f64;
        let worst = |f: fn(&EventLoop) -> Option<f64>| {
            ticked.iter().map(|e| lag_ms(f(e).unwrap_or(0.0), e.resolution_ms)).fold(0.0, f64::max)
        };
        Some(LagStats { mean, p99: worst(|e| e.p99_ns), max: worst(|e| e.max_ns) })
    };
    let mut kinds: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
    for d in dumps {
        for (k, v) in &d.gc.by_kind {
            let e = kinds.entry(k.as_str()).or_default();
            e.0 += v.count;
            e.1 += v.ms;
        }
    }
    if !kinds.is_empty() {
        let parts: Vec<String> = kinds.iter().map(|(k, (n, ms))| format!("{k} {n} ({ms:.1} ms)")).collect();
        notes.push(format!("node: GC by kind: {}", parts.join(", ")));
    }
    if dumps.len() > 1 {
        let who: Vec<String> = dumps.iter().map(|d| format!("{} {}", d.role, d.pid)).collect();
        notes.push(format!(
            "node: figures combine {} processes ({}): heap and GC summed, lag mean weighted by ticks, p99 and max the worst process",
            dumps.len(),
            who.join(", ")
        ));
    }
    let metrics = NodeMetrics {
        v8_heap_used_mb: used,
        v8_heap_total_mb: total,
        event_loop_lag_ms: lag,
        gc_count: Some(dumps.iter().map(|d| d.gc.count).sum()),
        gc_time_ms: Some(dumps.iter().map(|d| d.gc.total_ms).sum()),
    };
    (metrics, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(pid: i32, count: u64, mean_ms: f64, p99_ms: f64, max_ms: f64, used_mb: f64) -> Dump {
        Dump {
            pid,
            role: "worker".into(),
            heap: Heap {
                samples: 10,
                used_mean_bytes: used_mb * MB,
                used_peak_bytes: 2.0 * used_mb * MB,
                total_mean_bytes: 3.0 * used_mb * MB,
                total_peak_bytes: 4.0 * used_mb * MB,
            },
            event_loop: EventLoop {
                resolution_ms: 10.0,
                count,
                mean_ns: Some(mean_ms * 1e6),
                p99_ns: Some(p99_ms * 1e6),
                max_ns: Some(max_ms * 1e6),
            },
            gc: Gc {
                count: 3,
                total_ms: 1.5,
                by_kind: [("minor".to_string(), GcKind { count: 3, ms: 1.5 })].into(),
            },
        }
    }

    #[test]
    fn the_timer_interval_is_subtracted_and_never_goes_negative() {
        assert!((lag_ms(10_400_000.0, 10.0) - 0.4).abs() < 1e-12);
        assert_eq!(lag_ms(9_990_000.0, 10.0), 0.0);
    }

    #[test]
    fn one_process_gives_its_own_figures() {
        let (m, notes) = combine(&[dump(7, 100, 10.5, 12.0, 30.0, 8.0)]);
        assert_eq!(m.v8_heap_used_mb, Some(8.0));
        assert_eq!(m.v8_heap_total_mb, Some(24.0));
        let lag = m.event_loop_lag_ms.unwrap();
        assert!(
            (lag.mean - 0.5).abs() < 1e-9 && (lag.p99 - 2.0).abs() < 1e-9 && (lag.max - 20.0).abs() < 1e-9
        );
        assert_eq!((m.gc_count, m.gc_time_ms), (Some(3), Some(1.5)));
        assert!(notes.iter().any(|n| n.contains("16.0 MB used, 32.0 MB total")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("minor 3 (1.5 ms)")), "{notes:?}");
    }

    #[test]
    fn processes_combine_sums_weighted_mean_and_worst_tail() {
        // Lag means 1 ms (100 ticks) and 4 ms (300 ticks): weighted mean (100 + 1200)/400 = 3.25.
        let (m, notes) = combine(&[dump(1, 100, 11.0, 12.0, 13.0, 8.0), dump(2, 300, 14.0, 15.0, 11.0, 4.0)]);
        assert_eq!(m.v8_heap_used_mb, Some(12.0));
        let lag = m.event_loop_lag_ms.unwrap();
        assert!((lag.mean - 3.25).abs() < 1e-9, "{lag:?}");
        assert!((lag.p99 - 5.0).abs() < 1e-9 && (lag.max - 3.0).abs() < 1e-9, "{lag:?}");
        assert_eq!((m.gc_count, m.gc_time_ms), (Some(6), Some(3.0)));
        assert!(notes.iter().any(|n| n.contains("2 processes (worker 1, worker 2)")), "{notes:?}");
    }

    #[test]
    fn an_empty_window_gives_null_lag_and_a_reason() {
        let mut d = dump(1, 0, 0.0, 0.0, 0.0, 1.0);
        d.event_loop.mean_ns = None;
        let (m, notes) = combine(&[d]);
        assert!(m.event_loop_lag_ms.is_none());
        assert!(notes.iter().any(|n| n.contains("lag is null")));
    }

    #[test]
    fn a_preload_dump_parses() {
        let text = r#"{"pid":798,"role":"main","window_ms":1199.2,"heap":{"samples":13,"used_mean_bytes":6759982.1,"used_peak_bytes":7333832,"total_mean_bytes":10441019.0,"total_peak_bytes":10723328},"event_loop":{"resolution_ms":10,"count":119,"mean_ns":10047212.6,"p99_ns":10977279,"max_ns":11730943},"gc":{"count":12,"total_ms":3.9,"by_kind":{"minor":{"count":12,"ms":3.9}}}}"#;
        let d: Dump = serde_json::from_str(text).unwrap();
        assert_eq!((d.pid, d.gc.count, d.event_loop.count), (798, 12, 119));
    }
}
