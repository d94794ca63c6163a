//! Caveats on a measurement that every renderer shows the same way: the load generator was
//! the bottleneck, or a fixed-rate schedule fell behind its target. A figure with a caveat is
//! a limit of the setup, not (only) of the framework, and must never read as a plain result.
//!
//! Pure functions of the result types; calls nothing else.

use std::fmt;

use super::console::thousands;
use crate::schema::{CompareResult, LoadInfo, RunResult};

/// A fixed-rate window that achieved less than this share of its target fell behind.
pub const RATE_SHORTFALL: f64 = 0.95;

/// One thing wrong with how a window's load was generated.
#[derive(Debug, Clone, PartialEq)]
pub enum Caveat {
    /// The generator's threads were near saturation: the figure is (partly) its limit.
    GeneratorBound { cpu_percent: Option<f64>, threads: u32 },
    /// Open loop: fewer requests completed than the schedule asked for.
    RateShortfall { achieved: f64, target: f64, unsent: u64, connections: u32, generator_bound: bool },
}

impl Caveat {
    fn kind(&self) -> u8 {
        match self {
            Caveat::GeneratorBound { .. } => 0,
            Caveat::RateShortfall { .. } => 1,
        }
    }
}

impl fmt::Display for Caveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caveat::GeneratorBound { cpu_percent, threads } => {
                let cpu = cpu_percent.map(|p| format!(" at {p:.0} % CPU")).unwrap_or_default();
                write!(
                    f,
                    "load generator saturated{cpu} ({threads} thread{}): the server may be faster than \
                     measured; give the generator more cores (--loadgen-cpus)",
                    if *threads == 1 { "" } else { "s" }
                )
            }
            Caveat::RateShortfall { achieved, target, unsent, connections, generator_bound } => {
                write!(
                    f,
                    "achieved {} of the {} req/s target ({:.0} %): ",
                    thousands(*achieved),
                    thousands(*target),
                    achieved / target * 100.0
                )?;
                if *generator_bound {
                    f.write_str("the load generator could not keep up")?;
                } else {
                    write!(f, "the server did not answer fast enough on {connections} connections")?;
                }
                if *unsent > 0 {
                    write!(
                        f,
                        "; {unsent} requests due were never sent (in the latency as censored samples)"
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// What is wrong with how one window's load was generated (empty when nothing).
pub fn load_caveats(load: &LoadInfo) -> Vec<Caveat> {
    let mut out = Vec::new();
    if load.generator_bound {
        out.push(Caveat::GeneratorBound { cpu_percent: load.generator_cpu_percent, threads: load.threads });
    }
    if let Some(target) = load.target_rate.filter(|t| *t > 0.0) {
        if load.achieved_rate < target * RATE_SHORTFALL {
            out.push(Caveat::RateShortfall {
                achieved: load.achieved_rate,
                target,
                unsent: load.censored_unsent,
                connections: load.connections,
                generator_bound: load.generator_bound,
            });
        }
    }
    out
}

/// Every caveat of a run or profile result: `(workload, caveat)`, in file order.
pub fn run_caveats(r: &RunResult) -> Vec<(String, String)> {
    r.workloads()
        .filter_map(|w| w.results.as_ref().map(|m| (w, m)))
        .flat_map(|(w, m)| load_caveats(&m.load).into_iter().map(move |c| (w.name.clone(), c.to_string())))
        .collect()
}

/// Every caveat of a compare result's rounds: `(suite/workload, framework, caveat)`. A caveat
/// of the same kind in several rounds is listed once, as it was in its first round, with the
/// rounds it applied to.
pub fn compare_caveats(r: &CompareResult) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in &r.suites {
        for w in &s.workloads {
            for fr in &w.results {
                let mut kinds: Vec<(Caveat, Vec<usize>)> = Vec::new();
                for (i, m) in fr.rounds.iter().enumerate() {
                    for c in load_caveats(&m.load) {
                        match kinds.iter_mut().find(|(k, _)| k.kind() == c.kind()) {
                            Some((_, rounds)) => rounds.push(i + 1),
                            None => kinds.push((c, vec![i + 1])),
                        }
                    }
                }
                for (c, rounds) in kinds {
                    let which: Vec<String> = rounds.iter().map(usize::to_string).collect();
                    let plural = if rounds.len() == 1 { "" } else { "s" };
                    out.push((
                        format!("{}/{}", s.name, w.name),
                        fr.framework.clone(),
                        format!("round{plural} {} of {}: {c}", which.join(", "), fr.rounds.len()),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn load() -> LoadInfo {
        fixtures::run().suites[0].workloads[0].results.as_ref().unwrap().load.clone()
    }

    #[test]
    fn a_clean_window_has_no_caveat() {
        assert!(load_caveats(&load()).is_empty());
    }

    #[test]
    fn a_saturated_generator_is_named_with_its_cpu() {
        let mut l = load();
        l.generator_bound = true;
        l.generator_cpu_percent = Some(97.4);
        let c = load_caveats(&l);
        assert_eq!(c.len(), 1);
        let text = c[0].to_string();
        assert!(text.starts_with("load generator saturated at 97 % CPU"), "{text}");
        assert!(text.contains("--loadgen-cpus"), "{text}");
    }

    #[test]
    fn a_fixed_rate_shortfall_is_named_and_blamed_right() {
        let mut l = load();
        l.target_rate = Some(2000.0);
        l.achieved_rate = 1530.0;
        l.censored_unsent = 412;
        l.connections = 50;
        let text = load_caveats(&l)[0].to_string();
        assert_eq!(
            text,
            "achieved 1,530 of the 2,000 req/s target (76 %): the server did not answer fast enough \
             on 50 connections; 412 requests due were never sent (in the latency as censored samples)"
        );
        l.generator_bound = true;
        let all = load_caveats(&l);
        assert_eq!(all.len(), 2);
        assert!(all[1].to_string().contains("the load generator could not keep up"));
        // 96 % of the target is within the tolerance.
        l.achieved_rate = 1920.0;
        l.generator_bound = false;
        assert!(load_caveats(&l).is_empty());
    }

    #[test]
    fn compare_caveats_name_the_rounds() {
        let mut r = fixtures::compare3();
        let fr = &mut r.suites[0].workloads[0].results[0];
        let window = fixtures::run().suites[0].workloads[0].results.clone().unwrap();
        let n = 5;
        fr.rounds = vec![window; n];
        for i in [0, n - 1] {
            fr.rounds[i].load.generator_bound = true;
            fr.rounds[i].load.generator_cpu_percent = Some(90.0);
        }
        let framework = fr.framework.clone();
        let c = compare_caveats(&r);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].1, framework);
        assert!(
            c[0].2.starts_with(&format!("rounds 1, {n} of {n}: load generator saturated at 90 % CPU")),
            "{c:?}"
        );
    }

    #[test]
    fn every_renderer_shows_a_run_caveat() {
        use crate::report::{run_table, AnyResult, HtmlReport, MarkdownReport, Report};
        let mut r = fixtures::run();
        let name = r.suites[0].workloads[0].name.clone();
        let m = r.suites[0].workloads[0].results.as_mut().unwrap();
        m.load.generator_bound = true;
        m.load.generator_cpu_percent = Some(96.0);
        let console = run_table(&r);
        assert!(console.contains(&format!("- {name}: load generator saturated at 96 % CPU")), "{console}");
        let any = AnyResult::Run(r);
        let md = MarkdownReport.render(&any);
        assert!(md.contains("> 1 figure is limited by the load generator"), "{md}");
        assert!(
            md.contains("## Caveats") && md.contains(&format!("- **{name}**: load generator saturated")),
            "{md}"
        );
        let html = HtmlReport.render(&any);
        assert!(html.contains("<h2>Caveats</h2>") && html.contains("load generator saturated at 96 % CPU"));
    }

    #[test]
    fn every_renderer_shows_a_compare_caveat() {
        use crate::report::{compare_table, AnyResult, HtmlReport, MarkdownReport, Report};
        let mut r = fixtures::compare3();
        let mut window = fixtures::run().suites[0].workloads[0].results.clone().unwrap();
        window.load.target_rate = Some(2000.0);
        window.load.achieved_rate = 1000.0;
        r.suites[0].workloads[0].results[1].rounds = vec![window; 3];
        let who = r.suites[0].workloads[0].results[1].framework.clone();
        let text = "rounds 1, 2, 3 of 3: achieved 1,000 of the 2,000 req/s target (50 %)";
        let console = compare_table(&r);
        assert!(console.contains(&format!("/ {who}: {text}")), "{console}");
        let any = AnyResult::Compare(r);
        let md = MarkdownReport.render(&any);
        assert!(md.contains("## Caveats") && md.contains(text), "{md}");
        let html = HtmlReport.render(&any);
        assert!(html.contains("<h2>Caveats</h2>") && html.contains(text));
    }
}
