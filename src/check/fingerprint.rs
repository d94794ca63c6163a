//! How a result was measured, as `check` compares it: the load configuration
//! (concurrency, rate, duration, warmup, workers, timeout, CPU pinning), the host (CPU
//! model, cores, OS, architecture) and the harness version. Numbers measured differently
//! are not comparable: `check` refuses a configuration or host difference unless told
//! (`--allow-mismatch`), and notes a harness difference.
//!
//! Pure; reads result types only.

use crate::report::AnyResult;
use crate::schema::{Configuration, Metadata, Mismatch, MismatchKind};

/// One field of the fingerprint.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    name: &'static str,
    label: &'static str,
    kind: MismatchKind,
    /// `None` when the file does not say (then it is not compared).
    value: Option<String>,
}

/// How a measurement was made; `None` for a check result (which `check_rounds` refuses).
fn parts(any: &AnyResult) -> Option<(&Metadata, &Configuration)> {
    match any {
        AnyResult::Run(r) => Some((&r.metadata, &r.configuration)),
        AnyResult::Compare(c) => Some((&c.metadata, &c.configuration.load)),
        AnyResult::Check(_) => None,
    }
}

fn fields(any: &AnyResult) -> Vec<Field> {
    use MismatchKind::*;
    let Some((m, c)) = parts(any) else {
        return Vec::new();
    };
    let f = |name, label, kind, value: Option<String>| Field { name, label, kind, value };
    let secs = |s: f64| Some(format!("{s} s"));
    let cpus = |s: &Option<String>| Some(s.clone().unwrap_or_else(|| "unpinned".into()));
    vec![
        f("concurrency", "concurrency", Configuration, Some(c.concurrency.to_string())),
        f("rate", "rate", Configuration, Some(c.rate.map_or("closed loop".into(), |r| format!("{r} req/s")))),
        f("duration_secs", "duration", Configuration, secs(c.duration_secs)),
        f("warmup_secs", "warmup", Configuration, secs(c.warmup_secs)),
        f("workers", "workers", Configuration, Some(c.workers.to_string())),
        f("timeout_secs", "timeout", Configuration, secs(c.timeout_secs)),
        f("server_cpus", "server CPUs", Configuration, cpus(&c.server_cpus)),
        f("loadgen_cpus", "load generator CPUs", Configuration, cpus(&c.loadgen_cpus)),
        f("cpu_model", "CPU model", Host, m.host.cpu_model.clone()),
        f("cpu_cores", "cores", Host, Some(m.host.cpu_cores.to_string())),
        f("os", "OS", Host, Some(m.host.os.clone())),
        f("arch", "architecture", Host, Some(m.host.arch.clone())),
        f("harness_version", "harness version", Harness, Some(m.harness_version.clone())),
        f("load_generator", "load generator", Harness, Some(c.load_generator.clone())),
    ]
}

/// Differences between `a` and `b`, worded by `say(label, value of a, value of b)`.
fn differences(
    a: &AnyResult,
    b: &AnyResult,
    scope: &str,
    say: impl Fn(&str, &str, &str) -> String,
) -> Vec<Mismatch> {
    fields(a)
        .into_iter()
        .zip(fields(b))
        .filter_map(|(x, y)| match (&x.value, &y.value) {
            (Some(p), Some(q)) if p != q => Some(Mismatch {
                kind: x.kind,
                field: x.name.to_string(),
                scope: scope.to_string(),
                message: say(x.label, p, q),
            }),
            _ => None,
        })
        .collect()
}

/// Every difference within each side (its files against its first file) and between the
/// sides (first file against first file).
pub fn mismatches(baseline: &[(AnyResult, String)], current: &[(AnyResult, String)]) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (side, files) in [("baseline", baseline), ("current", current)] {
        let Some((first, first_name)) = files.first() else { continue };
        for (other, name) in &files[1..] {
            out.extend(differences(first, other, &format!("within_{side}"), |label, p, q| {
                format!("{side} files differ in {label}: {first_name} {p}, {name} {q}")
            }));
        }
    }
    if let (Some((b, _)), Some((c, _))) = (baseline.first(), current.first()) {
        out.extend(differences(b, c, "between_sides", |label, p, q| {
            format!("baseline {label} {p}, current {q}")
        }));
    }
    out
}

/// True for a difference that makes the numbers incomparable (refused without the flag).
pub fn refuses(m: &Mismatch) -> bool {
    m.kind != MismatchKind::Harness
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::RunResult;

    fn run() -> RunResult {
        serde_json::from_str(include_str!("../../tests/fixtures/run.json")).unwrap()
    }

    fn side(r: RunResult, name: &str) -> Vec<(AnyResult, String)> {
        vec![(AnyResult::Run(r), name.to_string())]
    }

    #[test]
    fn the_same_setup_has_no_mismatch() {
        assert!(mismatches(&side(run(), "a.json"), &side(run(), "b.json")).is_empty());
    }

    #[test]
    fn each_difference_is_named_with_both_values() {
        let mut cur = run();
        cur.configuration.concurrency = 100;
        cur.configuration.server_cpus = None;
        cur.metadata.host.cpu_model = Some("Intel(R) Xeon(R) Platinum 8370C".into());
        cur.metadata.harness_version = "0.2.0".into();
        let mut base = run();
        base.configuration.concurrency = 50;
        let m = mismatches(&side(base, "a.json"), &side(cur, "b.json"));
        let said: Vec<&str> = m.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(
            said,
            [
                "baseline concurrency 50, current 100",
                "baseline server CPUs 0, current unpinned",
                "baseline CPU model AMD EPYC 7B13, current Intel(R) Xeon(R) Platinum 8370C",
                "baseline harness version 0.1.0, current 0.2.0",
            ]
        );
        let refused: Vec<bool> = m.iter().map(refuses).collect();
        assert_eq!(refused, [true, true, true, false], "a harness version difference is only a note");
        assert!(m.iter().all(|m| m.scope == "between_sides"));
    }

    #[test]
    fn the_files_of_one_side_must_agree() {
        let mut other = run();
        other.configuration.duration_secs = 5.0;
        let base = vec![(AnyResult::Run(run()), "b1.json".into()), (AnyResult::Run(other), "b2.json".into())];
        let m = mismatches(&base, &side(run(), "c.json"));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].message, "baseline files differ in duration: b1.json 10 s, b2.json 5 s");
        assert_eq!((m[0].scope.as_str(), m[0].kind), ("within_baseline", MismatchKind::Configuration));
    }

    #[test]
    fn an_unknown_cpu_model_is_not_a_difference() {
        let mut cur = run();
        cur.metadata.host.cpu_model = None;
        assert!(mismatches(&side(run(), "a"), &side(cur, "b")).is_empty());
    }
}
