//! The pinning and machine-state words every renderer's metadata section shows the same way:
//! where the server and the generator ran (and why), governors and load average, and the
//! busy-machine warning.
//!
//! Pure functions of the result types; the callers escape the words for their format.

use crate::schema::{Configuration, MachineState, Metadata, PinSource};

/// "server on 0, load generator on 1 (default split)", "not pinned (--no-pin)", …;
/// `None` for older files without pinning facts and without pinned CPUs.
pub fn pinning_words(conf: &Configuration) -> Option<String> {
    let pin = |c: &Option<String>| c.clone().unwrap_or_else(|| "not pinned".into());
    let sets = format!("server on {}, load generator on {}", pin(&conf.server_cpus), pin(&conf.loadgen_cpus));
    let Some(p) = &conf.pinning else {
        return (conf.server_cpus.is_some() || conf.loadgen_cpus.is_some()).then_some(sets);
    };
    let why = p.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
    Some(match p.source {
        PinSource::Default => format!("{sets} (default split{why})"),
        PinSource::Flags => format!("{sets} (--server-cpus/--loadgen-cpus{why})"),
        PinSource::Off => format!("not pinned{why}"),
    })
}

/// "load average 0.52 → 1.90 (1 min); governor performance on CPUs 0,1; other processes took
/// up to 3% of CPUs 0,1 while measuring"; `None` for older files.
pub fn machine_words(meta: &Metadata) -> Option<String> {
    let m = meta.machine.as_ref()?;
    let load = |v: Option<f64>| v.map_or("unknown".to_string(), |v| format!("{v:.2}"));
    let mut parts =
        vec![format!("load average {} → {} (1 min)", load(m.load_avg_1m_start), load(m.load_avg_1m_end))];
    parts.push(governor_words(m));
    if let Some(max) = m.other_cpu_percent_max {
        parts.push(format!(
            "other processes took up to {max:.0}% of CPUs {} while measuring ({} of {} windows busy)",
            m.cpus, m.busy_windows, m.windows
        ));
    }
    Some(parts.join("; "))
}

fn governor_words(m: &MachineState) -> String {
    let mut kinds: Vec<(String, Vec<u32>)> = Vec::new();
    for g in &m.cpu_governors {
        let name = g.governor.clone().unwrap_or_else(|| "unknown".into());
        match kinds.iter_mut().find(|(k, _)| *k == name) {
            Some((_, cpus)) => cpus.push(g.cpu),
            None => kinds.push((name, vec![g.cpu])),
        }
    }
    if kinds.is_empty() {
        return "governor unknown".into();
    }
    let each: Vec<String> = kinds
        .iter()
        .map(|(k, cpus)| {
            let list = cpus.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            format!("{k} on CPUs {list}")
        })
        .collect();
    format!("governor {}", each.join(", "))
}

/// The busy-machine warning of the metadata, if the machine was busy.
pub fn busy_warning(meta: &Metadata) -> Option<&str> {
    let m = meta.machine.as_ref().filter(|m| m.busy)?;
    m.notes.iter().find(|n| n.starts_with("machine busy")).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CpuGovernor, PinningInfo};

    fn conf(server: Option<&str>, loadgen: Option<&str>, pinning: Option<PinningInfo>) -> Configuration {
        let mut c = crate::report::fixtures::run().configuration;
        c.server_cpus = server.map(Into::into);
        c.loadgen_cpus = loadgen.map(Into::into);
        c.pinning = pinning;
        c
    }

    #[test]
    fn pinning_says_where_and_why() {
        let default = PinningInfo { source: PinSource::Default, reason: None };
        assert_eq!(
            pinning_words(&conf(Some("0"), Some("1"), Some(default))).unwrap(),
            "server on 0, load generator on 1 (default split)"
        );
        let off = PinningInfo { source: PinSource::Off, reason: Some("--no-pin".into()) };
        assert_eq!(pinning_words(&conf(None, None, Some(off))).unwrap(), "not pinned: --no-pin");
        assert_eq!(
            pinning_words(&conf(Some("0"), None, None)).unwrap(),
            "server on 0, load generator on not pinned"
        );
        assert_eq!(pinning_words(&conf(None, None, None)), None);
    }

    #[test]
    fn machine_words_and_the_busy_warning() {
        let mut meta = crate::report::fixtures::run().metadata;
        assert_eq!(machine_words(&meta), None);
        meta.machine = Some(MachineState {
            cpus: "0,1".into(),
            cpu_governors: vec![
                CpuGovernor { cpu: 0, governor: None },
                CpuGovernor { cpu: 1, governor: None },
            ],
            load_avg_1m_start: Some(0.5),
            load_avg_1m_end: None,
            windows: 4,
            busy_windows: 1,
            other_cpu_percent_max: Some(23.4),
            other_cpu_percent_mean: Some(8.0),
            busy_threshold_percent: 10.0,
            busy: true,
            notes: vec!["cpu_governors: null …".into(), "machine busy: in 1 of 4 …".into()],
        });
        assert_eq!(
            machine_words(&meta).unwrap(),
            "load average 0.50 → unknown (1 min); governor unknown on CPUs 0,1; other processes took up to 23% of CPUs 0,1 while measuring (1 of 4 windows busy)"
        );
        assert_eq!(busy_warning(&meta), Some("machine busy: in 1 of 4 …"));
        meta.machine.as_mut().unwrap().busy = false;
        assert_eq!(busy_warning(&meta), None);
    }
}
