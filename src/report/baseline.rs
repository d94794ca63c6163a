//! The `--baseline` section of a profile/run report: per-workload ratios against the
//! baseline result, what each ratio can and cannot say, and the analysis lines.
//!
//! Pure: reads the result types only.

use std::fmt::Write;

use crate::schema::{BaselineComparison, WorkloadRatio};

/// What the ratio of one workload can say, in words.
pub fn qualifier(w: &WorkloadRatio) -> String {
    let mut parts = Vec::new();
    if w.within_noise {
        parts.push("within single-window noise".to_string());
    }
    match w.bound.as_deref() {
        Some("upper") => parts.push("at most (baseline generator-bound)".into()),
        Some("lower") => parts.push("at least (this run generator-bound)".into()),
        Some(_) => parts.push("both generator-bound: not comparable".into()),
        None => {}
    }
    parts.join("; ")
}

fn who(c: &BaselineComparison) -> String {
    c.baseline.framework.clone().unwrap_or_else(|| c.baseline.file.clone())
}

/// The markdown section.
pub fn markdown(c: &BaselineComparison, esc: impl Fn(&str) -> String) -> String {
    let mut out = format!("## Against the baseline: {}\n\n", esc(&who(c)));
    for line in &c.analysis {
        let _ = writeln!(out, "- {}", esc(line));
    }
    out.push_str("\n| Workload | Throughput ratio | p99 ratio | Note |\n|---|---:|---:|---|\n");
    for w in &c.workloads {
        let _ = writeln!(
            out,
            "| {} | {:.3}× | {} | {} |",
            esc(&w.name),
            w.ratio,
            w.p99_ratio.map_or("–".into(), |r| format!("{r:.3}×")),
            esc(&qualifier(w))
        );
    }
    out.push('\n');
    out
}

/// The HTML section.
pub fn html(c: &BaselineComparison, esc: impl Fn(&str) -> String) -> String {
    let mut out = format!("<h2>Against the baseline: {}</h2>\n<ul>", esc(&who(c)));
    for line in &c.analysis {
        let _ = write!(out, "<li>{}</li>", esc(line));
    }
    out.push_str(
        "</ul>\n<table><tr><th>Workload</th><th>Throughput ratio</th><th>p99 ratio</th><th>Note</th></tr>\n",
    );
    for w in &c.workloads {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{:.3}×</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&w.name),
            w.ratio,
            w.p99_ratio.map_or("–".into(), |r| format!("{r:.3}×")),
            esc(&qualifier(w))
        );
    }
    out.push_str("</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use crate::report::{fixtures, AnyResult, HtmlReport, MarkdownReport, Report};
    use crate::schema::{BaselineComparison, BaselineRef, WorkloadRatio};

    #[test]
    fn profile_reports_show_the_baseline_ratios_and_their_limits() {
        let mut r = fixtures::run();
        r.comparison = Some(BaselineComparison {
            baseline: BaselineRef { framework: Some("spikard-rust".into()), file: "rust.json".into() },
            workloads: vec![WorkloadRatio {
                name: "json-small".into(),
                category: "json-bodies".into(),
                ratio: 0.42,
                p99_ratio: Some(2.5),
                bound: Some("upper".into()),
                within_noise: false,
            }],
            only_in_current: vec![],
            only_in_baseline: vec![],
            overall_ratio: Some(0.42),
            analysis: vec!["x reaches 42.0 % of spikard-rust's throughput".into()],
        });
        let any = AnyResult::Run(r);
        let md = MarkdownReport.render(&any);
        assert!(md.contains("## Against the baseline: spikard-rust"), "{md}");
        assert!(md.contains("| json-small | 0.420× | 2.500× | at most (baseline generator-bound) |"), "{md}");
        let html = HtmlReport.render(&any);
        assert!(html.contains("at most (baseline generator-bound)"));
    }
}
