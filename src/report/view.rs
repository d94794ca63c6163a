//! Figures derived from a compare result that every renderer shows the same way:
//! rankings, ratios to the best, category scores, and number formatting.
//!
//! Pure functions of the result types; calls nothing else.

use crate::schema::{
    CompareResult, CompareWorkload, Comparison, FrameworkResult, Significance, WorkloadStatus,
};

/// Where one framework stands on a workload, relative to the fastest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict<'a> {
    /// The fastest, significantly and meaningfully faster than every other.
    Winner,
    /// The fastest by mean, but not significantly ahead of every other.
    Fastest,
    /// Significantly and meaningfully slower than the fastest.
    Behind(&'a Significance),
    /// Not significantly (or not meaningfully) slower than the fastest.
    Level(&'a Significance),
    /// Ranked but without a test against the fastest in the file.
    Untested,
    /// The workload is not ranked, or this framework has no valid measurement.
    Unranked,
}

/// One framework's row on one workload, in ranking order.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub result: &'a FrameworkResult,
    /// Mean requests per second, when measured.
    pub rps: Option<f64>,
    /// Mean req/s ÷ the best mean req/s on the workload.
    pub ratio: Option<f64>,
    /// Half-width of the 95 % CI of the mean req/s.
    pub ci_half: Option<f64>,
    pub verdict: Verdict<'a>,
    /// The load generator was saturated in some round: `rps` is a lower bound.
    pub bound: bool,
}

/// The test of `a` against `b` on a workload, in whichever order the file stores it.
pub fn significance<'a>(c: &'a Comparison, a: &str, b: &str) -> Option<&'a Significance> {
    c.statistical_significance
        .get(&format!("{a}_vs_{b}"))
        .or_else(|| c.statistical_significance.get(&format!("{b}_vs_{a}")))
}

fn measured(r: &FrameworkResult) -> Option<f64> {
    match (r.status, &r.throughput) {
        (WorkloadStatus::Ok, Some(t)) => Some(t.requests_per_sec),
        _ => None,
    }
}

/// The frameworks of a workload, fastest first; those without a valid measurement last.
pub fn ranking(w: &CompareWorkload) -> Vec<Row<'_>> {
    let best =
        w.results.iter().filter_map(measured).fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let mut rows: Vec<Row> = w
        .results
        .iter()
        .map(|r| {
            let rps = measured(r);
            let verdict = match (&w.comparison, rps) {
                (Some(c), Some(_)) if c.fastest == r.framework => {
                    if c.winner.as_deref() == Some(r.framework.as_str()) {
                        Verdict::Winner
                    } else {
                        Verdict::Fastest
                    }
                }
                (Some(c), Some(_)) => match significance(c, &c.fastest, &r.framework) {
                    Some(s) if s.significant && s.meaningful => Verdict::Behind(s),
                    Some(s) => Verdict::Level(s),
                    None => Verdict::Untested,
                },
                _ => Verdict::Unranked,
            };
            Row {
                result: r,
                rps,
                ratio: rps.zip(best).map(|(v, b)| if b > 0.0 { v / b } else { 0.0 }),
                ci_half: r.requests_per_sec_ci.map(|ci| (ci.high - ci.low) / 2.0),
                verdict,
                bound: r.rounds.iter().any(|m| m.load.generator_bound),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.rps.unwrap_or(-1.0).total_cmp(&a.rps.unwrap_or(-1.0)));
    rows
}

/// Requests per second as shown: `≥ 80,184` when the figure is the generator's limit.
pub fn rps_text(row: &Row) -> Option<String> {
    row.rps.map(|v| format!("{}{}", if row.bound { "≥ " } else { "" }, super::thousands(v)))
}

/// Frameworks that were set up and measured, in file order.
pub fn framework_names(r: &CompareResult) -> Vec<&str> {
    r.frameworks.iter().filter(|f| f.status == WorkloadStatus::Ok).map(|f| f.name.as_str()).collect()
}

/// Every ranked workload of the result with its suite name.
pub fn workloads(r: &CompareResult) -> impl Iterator<Item = (&str, &CompareWorkload)> {
    r.suites.iter().flat_map(|s| s.workloads.iter().map(move |w| (s.name.as_str(), w)))
}

/// Per category (in order of first appearance), each framework's geometric mean of its
/// per-workload ratio to the best, divided by the highest such mean: 1 for the category's best.
pub fn category_scores(r: &CompareResult) -> Vec<(String, Vec<Option<f64>>)> {
    let names = framework_names(r);
    let mut out: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
    for (_, w) in workloads(r).filter(|(_, w)| w.comparison.is_some()) {
        let idx = match out.iter().position(|(c, _)| *c == w.category) {
            Some(i) => i,
            None => {
                out.push((w.category.clone(), vec![Vec::new(); names.len()]));
                out.len() - 1
            }
        };
        for row in ranking(w) {
            if let (Some(ratio), Some(i)) = (row.ratio, names.iter().position(|n| *n == row.result.framework))
            {
                if ratio > 0.0 {
                    out[idx].1[i].push(ratio.ln());
                }
            }
        }
    }
    out.into_iter()
        .map(|(cat, logs)| {
            let means: Vec<Option<f64>> = logs
                .iter()
                .map(|l| (!l.is_empty()).then(|| (l.iter().sum::<f64>() / l.len() as f64).exp()))
                .collect();
            let top = means.iter().flatten().fold(0.0f64, |m, v| m.max(*v));
            (cat, means.into_iter().map(|m| m.map(|v| if top > 0.0 { v / top } else { 0.0 })).collect())
        })
        .collect()
}

/// The framework the standings are measured against: the overall verdict's fastest (the
/// winner when there is one); older files without `summary.overall` use `overall_winner`.
pub fn leader(r: &CompareResult) -> Option<&str> {
    r.summary.overall.as_ref().map(|o| o.fastest.as_str()).or(r.summary.overall_winner.as_deref())
}

/// Geometric-mean throughput of `name` relative to the leader (1 for the leader).
pub fn relative_to_winner(r: &CompareResult, name: &str) -> Option<f64> {
    if let Some(o) = &r.summary.overall {
        return o.relative.get(name).map(|g| g.ratio);
    }
    let winner = leader(r)?;
    if winner == name {
        return Some(1.0);
    }
    let m = &r.summary.geometric_mean_ratios;
    m.get(&format!("{name}_vs_{winner}"))
        .copied()
        .or_else(|| m.get(&format!("{winner}_vs_{name}")).map(|v| 1.0 / v))
}

/// The interval of [`relative_to_winner`], when the overall verdict has one.
pub fn relative_interval(r: &CompareResult, name: &str) -> Option<(f64, f64)> {
    let g = r.summary.overall.as_ref()?.relative.get(name)?;
    g.ratio_confidence_interval.map(|i| (i.low, i.high))
}

/// The overall verdict in words (plain text; callers escape it) and whether it names a winner.
pub fn overall_words(r: &CompareResult) -> (String, bool) {
    let s = &r.summary;
    match &s.overall {
        Some(o) => (o.verdict.clone(), o.winner.is_some()),
        None if s.ranked_workloads == 0 => ("no overall winner: no workload could be ranked".into(), false),
        None => match &s.overall_winner {
            Some(w) => {
                (format!("{w} is the overall winner (an older result file: no interval recorded)"), true)
            }
            None => ("no overall winner".into(), false),
        },
    }
}

/// Frameworks in order of their overall standing: winner first, then by geometric mean.
pub fn standings(r: &CompareResult) -> Vec<(&str, Option<f64>)> {
    let mut v: Vec<(&str, Option<f64>)> =
        framework_names(r).into_iter().map(|n| (n, relative_to_winner(r, n))).collect();
    v.sort_by(|a, b| b.1.unwrap_or(-1.0).total_cmp(&a.1.unwrap_or(-1.0)));
    v
}

/// A latency in milliseconds with 2–3 significant digits.
/// The git facts of a result in words, each part passed through `esc`, the commit through
/// `code` (backticks in markdown, `<code>` in HTML).
pub fn git_words(
    meta: &crate::schema::Metadata,
    esc: impl Fn(&str) -> String,
    code: impl Fn(&str) -> String,
) -> String {
    match &meta.git_commit {
        Some(c) => {
            let short: String = c.chars().take(12).collect();
            let branch = meta.git_branch.as_deref().map(|b| format!(" on {}", esc(b))).unwrap_or_default();
            let dirty = if meta.git_dirty == Some(true) { " (with uncommitted changes)" } else { "" };
            format!("{}{branch}{dirty}", code(&esc(&short)))
        }
        None => "not in a git repository".to_string(),
    }
}

pub fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// A ratio such as `0.62×`.
pub fn ratio(v: f64) -> String {
    format!("{v:.2}×")
}

/// A p-value: three decimals, or `<0.001`.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p < 0.001 => "<0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

/// A bar of `width` cells for a ratio in 0..=1, e.g. `██████░░░░` for 0.6.
pub fn ratio_bar(v: f64, width: usize) -> String {
    let filled = ((v.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// The readable name of a status.
pub fn status_word(s: WorkloadStatus) -> &'static str {
    match s {
        WorkloadStatus::Ok => "ok",
        WorkloadStatus::Invalid => "invalid",
        WorkloadStatus::Failed => "failed",
        WorkloadStatus::Skipped => "skipped",
    }
}

/// A byte count such as `64 KiB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

/// How the rounds were run, in words (the methodology's "Rounds" line).
pub fn rounds_text(c: &crate::schema::CompareConfiguration) -> String {
    let order = match (c.round_design.as_deref(), c.block_rounds) {
        (Some("williams"), Some(b)) => format!(
            "balanced order (Williams design): each block of {b} rounds puts every framework in every position once"
        ),
        _ => "the order of frameworks rotates each round".to_string(),
    };
    let asked = match (c.target_precision_percent, c.max_rounds) {
        (Some(_), Some(m)) => format!("adaptive, {} to {m} rounds", c.rounds),
        (Some(_), None) => format!("adaptive, at least {} rounds", c.rounds),
        _ => format!("{} asked", c.rounds),
    };
    let why = stop_reason(c).map(|w| format!("; {w}")).unwrap_or_default();
    format!("{asked}, {} completed; {order}{why}", c.rounds_completed)
}

/// Why the rounds stopped, in a few words (`None` for files that do not say).
fn stop_reason(c: &crate::schema::CompareConfiguration) -> Option<String> {
    Some(match c.stopped_because.as_deref()? {
        "precision" => "stopped at the target precision".into(),
        "max_rounds" => "stopped at the most rounds, before the target precision".into(),
        "time_budget" => match c.time_budget_secs {
            Some(b) => format!("stopped by the {b:.0} s time budget (another block would have overshot it)"),
            None => "stopped by the time budget".into(),
        },
        "interrupted" => "interrupted".into(),
        "rounds" => "the number asked".into(),
        other => other.to_string(),
    })
}

/// The rounds in one line for the console and the markdown summary: how many, why they
/// stopped, the precision reached (and the target of an adaptive run).
pub fn stop_text(c: &crate::schema::CompareConfiguration) -> String {
    let precision = match (c.precision_reached_percent, c.target_precision_percent) {
        (Some(p), Some(t)) => format!("; widest ratio interval ±{p:.1} % (target ±{t:.1} %)"),
        (Some(p), None) => format!("; widest ratio interval ±{p:.1} %"),
        (None, Some(t)) => format!("; target ±{t:.1} % not reached"),
        (None, None) => String::new(),
    };
    let kind = if c.target_precision_percent.is_some() { "adaptive" } else { "fixed" };
    let why = stop_reason(c).map(|w| format!(", {w}")).unwrap_or_default();
    format!("{} ({kind}){why}{precision}", c.rounds_completed)
}

/// The statistical method, in words (the methodology's "Statistics" line).
pub fn statistics_text(c: &crate::schema::CompareConfiguration) -> String {
    let staged = if c.target_precision_percent.is_some() {
        " (adaptive rounds: standard errors from the spread of the first rounds, up to the floor, only: \
         Stein's two-stage test, so stopping on precision cannot make noise significant)"
    } else {
        ""
    };
    format!(
        "t-tests on the logarithms of per-round req/s (ratios of geometric means with 95 % intervals; paired on \
         the rounds' ratios from 6 complete rounds, else Welch's){staged}, \
         two-sided, α = {}; p-values Holm-adjusted within each workload and Benjamini–Bogomolov across workloads; \
         overall and category winners only when significantly ahead of every other framework; differences below \
         the noise floor of {} % are not called wins",
        c.alpha, c.noise_floor_percent
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_numbers() {
        assert_eq!(ratio_bar(0.62, 10), "██████░░░░");
        assert_eq!(ratio_bar(1.4, 4), "████");
        assert_eq!(p_value(Some(0.0004)), "<0.001");
        assert_eq!(p_value(Some(0.0412)), "0.041");
        assert_eq!(ms(0.4123), "0.41");
        assert_eq!(ms(123.4), "123");
        assert_eq!(bytes(65536), "64 KiB");
        assert_eq!(bytes(100), "100 B");
    }
}
