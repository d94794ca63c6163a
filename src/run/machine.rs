//! The machine's state over a command: load average at start and end, the used CPUs'
//! frequency governors, and how much of those CPUs other processes took in each measured
//! window; summarised into `metadata.machine`, with a warning when the machine was busy.
//!
//! Busy means: in a measured window, processes other than the harness and what it started
//! (and the hypervisor's steal) took more than [`BUSY_PERCENT`] of the used CPUs' time
//! (`/proc/stat` minus our processes, see [`crate::monitor::system`]). The load average is
//! recorded but does not raise the warning: it also counts our own recent work (a build, the
//! previous workload), so it cannot tell others' load from ours.

use std::sync::{Arc, Mutex};

use crate::monitor::system::WindowLoad;
use crate::schema::{CpuGovernor, MachineState};
use crate::stats::round_to;

/// Above this share of the used CPUs' time taken by others, a window counts as busy.
pub const BUSY_PERCENT: f64 = 10.0;

#[derive(Debug, Default)]
struct Readings {
    cpus: Vec<usize>,
    load_start: Option<f64>,
    windows: Vec<WindowLoad>,
    /// Windows whose machine load could not be read.
    unread: u32,
}

/// Shared (cheap to clone) record of the machine over one command.
#[derive(Debug, Clone, Default)]
pub struct MachineLog(Arc<Mutex<Readings>>);

impl MachineLog {
    /// Start the record now: `cpus` are the CPUs the measurement runs on.
    pub fn start(cpus: Vec<usize>) -> MachineLog {
        MachineLog(Arc::new(Mutex::new(Readings {
            cpus,
            load_start: crate::host::load_avg_1m(),
            ..Readings::default()
        })))
    }

    /// The CPUs the measurement runs on.
    pub fn cpus(&self) -> Vec<usize> {
        self.0.lock().map(|r| r.cpus.clone()).unwrap_or_default()
    }

    /// Add one measured window (`None`: it could not be read). Returns the warning for this
    /// window when it was busy.
    pub fn record(&self, window: Option<WindowLoad>) -> Option<String> {
        let mut r = self.0.lock().ok()?;
        let Some(w) = window else {
            r.unread += 1;
            return None;
        };
        r.windows.push(w);
        busy_warning(&w, &crate::host::format_cpu_list(&r.cpus))
    }

    /// The summary for `metadata.machine`, reading the load average and governors now.
    pub fn state(&self) -> MachineState {
        let (cpus, load_start, windows, unread) = match self.0.lock() {
            Ok(r) => (r.cpus.clone(), r.load_start, r.windows.clone(), r.unread),
            Err(_) => (Vec::new(), None, Vec::new(), 0),
        };
        let governors: Vec<(usize, Result<String, String>)> =
            cpus.iter().map(|&c| (c, crate::host::cpu_governor(c))).collect();
        summarize(&cpus, load_start, crate::host::load_avg_1m(), &governors, &windows, unread)
    }
}

/// The warning for one busy window, or `None`.
pub fn busy_warning(w: &WindowLoad, cpus: &str) -> Option<String> {
    (w.others_percent > BUSY_PERCENT).then(|| {
        let steal = if w.steal_percent >= 1.0 {
            format!(", {:.0}% of it the hypervisor's steal", w.steal_percent)
        } else {
            String::new()
        };
        format!(
            "machine busy: other processes took {:.0}% of CPUs {cpus} during this measurement{steal} \
             (threshold {BUSY_PERCENT:.0}%); its figures may be low and noisy",
            w.others_percent
        )
    })
}

/// [`MachineLog::state`] from its readings (pure).
pub fn summarize(
    cpus: &[usize],
    load_start: Option<f64>,
    load_end: Option<f64>,
    governors: &[(usize, Result<String, String>)],
    windows: &[WindowLoad],
    unread: u32,
) -> MachineState {
    let mut notes = Vec::new();
    let unreadable: Vec<usize> = governors.iter().filter(|(_, g)| g.is_err()).map(|(c, _)| *c).collect();
    if let Some((_, Err(why))) = governors.iter().find(|(_, g)| g.is_err()) {
        notes.push(format!(
            "cpu_governors: null for CPUs {} because {why}",
            crate::host::format_cpu_list(&unreadable)
        ));
    }
    let slow: Vec<String> = governors
        .iter()
        .filter_map(|(c, g)| g.as_ref().ok().filter(|g| *g != "performance").map(|g| format!("{c} ({g})")))
        .collect();
    if !slow.is_empty() {
        notes.push(format!(
            "CPU frequency scaling is on for CPUs {}: the clock may change under load; the `performance` governor gives steadier figures",
            slow.join(", ")
        ));
    }
    if load_start.is_none() {
        notes.push("load_avg_1m_start/end: null because /proc/loadavg is unreadable".into());
    }
    let busy: Vec<&WindowLoad> = windows.iter().filter(|w| w.others_percent > BUSY_PERCENT).collect();
    let max = windows
        .iter()
        .map(|w| w.others_percent)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let mean = (!windows.is_empty())
        .then(|| windows.iter().map(|w| w.others_percent).sum::<f64>() / windows.len() as f64);
    if windows.is_empty() && unread > 0 {
        notes.push("other_cpu_percent: null because /proc/stat could not be read".into());
    }
    if !busy.is_empty() {
        notes.push(format!(
            "machine busy: in {} of {} measured windows other processes took more than {BUSY_PERCENT:.0}% of CPUs {} (up to {:.0}%); figures may be low and noisy: rerun on a quiet machine",
            busy.len(),
            windows.len(),
            crate::host::format_cpu_list(cpus),
            max.unwrap_or(0.0)
        ));
    }
    MachineState {
        cpus: crate::host::format_cpu_list(cpus),
        cpu_governors: governors
            .iter()
            .map(|(c, g)| CpuGovernor { cpu: *c as u32, governor: g.as_ref().ok().cloned() })
            .collect(),
        load_avg_1m_start: load_start,
        load_avg_1m_end: load_end,
        windows: windows.len() as u32,
        busy_windows: busy.len() as u32,
        other_cpu_percent_max: max.map(|v| round_to(v, 1)),
        other_cpu_percent_mean: mean.map(|v| round_to(v, 1)),
        busy_threshold_percent: BUSY_PERCENT,
        busy: !busy.is_empty(),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(others: f64, steal: f64) -> WindowLoad {
        WindowLoad { others_percent: others, steal_percent: steal, secs: 10.0 }
    }

    #[test]
    fn a_quiet_machine_is_not_busy() {
        let govs = [(0, Ok("performance".to_string())), (1, Ok("performance".to_string()))];
        let s = summarize(&[0, 1], Some(0.1), Some(1.2), &govs, &[window(1.0, 0.0), window(3.0, 0.0)], 0);
        assert!(!s.busy);
        assert_eq!((s.windows, s.busy_windows), (2, 0));
        assert_eq!((s.other_cpu_percent_max, s.other_cpu_percent_mean), (Some(3.0), Some(2.0)));
        assert_eq!(s.cpus, "0,1");
        assert!(s.notes.is_empty(), "{:?}", s.notes);
        assert_eq!(s.cpu_governors[1].governor.as_deref(), Some("performance"));
    }

    #[test]
    fn a_busy_window_warns_and_says_how_busy() {
        let govs = [(0, Err("no cpufreq here".to_string())), (1, Ok("powersave".to_string()))];
        let s = summarize(&[0, 1], Some(2.5), Some(3.0), &govs, &[window(2.0, 0.0), window(35.0, 5.0)], 0);
        assert!(s.busy);
        assert_eq!((s.windows, s.busy_windows, s.other_cpu_percent_max), (2, 1, Some(35.0)));
        assert_eq!(s.cpu_governors[0].governor, None);
        let notes = s.notes.join("\n");
        assert!(notes.contains("cpu_governors: null for CPUs 0 because no cpufreq here"), "{notes}");
        assert!(notes.contains("1 (powersave)"), "{notes}");
        assert!(notes.contains("in 1 of 2 measured windows") && notes.contains("up to 35%"), "{notes}");
        let w = busy_warning(&window(35.0, 5.0), "0,1").unwrap();
        assert!(w.contains("35% of CPUs 0,1") && w.contains("5% of it the hypervisor's steal"), "{w}");
        assert_eq!(busy_warning(&window(BUSY_PERCENT, 0.0), "0"), None, "at the threshold is not busy");
    }

    #[test]
    fn nothing_measured_or_unreadable_is_null_with_a_reason() {
        let s = summarize(&[0], None, None, &[], &[], 2);
        assert_eq!(
            (s.other_cpu_percent_max, s.other_cpu_percent_mean, s.load_avg_1m_start),
            (None, None, None)
        );
        assert!(!s.busy);
        assert!(s.notes.iter().any(|n| n.contains("/proc/stat could not be read")), "{:?}", s.notes);
        assert!(s.notes.iter().any(|n| n.contains("/proc/loadavg")), "{:?}", s.notes);
    }

    #[test]
    fn the_log_keeps_windows_across_clones() {
        let log = MachineLog::start(vec![0, 1]);
        let clone = log.clone();
        assert!(clone.record(Some(window(50.0, 0.0))).is_some());
        assert_eq!(log.record(None), None);
        let s = log.state();
        assert_eq!((s.windows, s.busy_windows, s.busy), (1, 1, true));
        assert_eq!(s.cpu_governors.len(), 2);
        assert!(s.load_avg_1m_start.is_some() && s.load_avg_1m_end.is_some());
    }
}
