//! One profiled app in BENCHMARK_RESULTS.md: what it costs against its baseline (the
//! compare run's ratios and tests, the profile's single-window ratios), where the time goes
//! (its language's figures per workload, and the insights drawn from them), and what could
//! not be measured, with the notes that say why. Pure.

use std::fmt::Write;

use super::super::markdown::esc;
use super::super::thousands;
use super::super::view::{ratio, status_word};
use super::figures::{figures, num, Lang, ProfileView};
use super::{FieldResults, ProfileFile, COMPARE_FILE};
use crate::schema::{CompareResult, WorkloadStatus};

/// `[file](dir/file)`.
pub(super) fn link(f: &FieldResults, file: &str) -> String {
    format!("[{file}]({}/{file})", f.link_dir)
}

/// The section of one profile file.
pub(super) fn section(out: &mut String, f: &FieldResults, p: &ProfileFile) {
    let r = &p.result;
    let app = r.metadata.framework.clone().unwrap_or_else(|| p.file.clone());
    let language = r.metadata.language.clone().unwrap_or_else(|| "unknown language".into());
    let base = r.comparison.as_ref().and_then(|c| c.baseline.framework.clone());
    let view = ProfileView { result: r, link: link(f, &p.file), lang: Lang::of(r) };
    match &base {
        Some(b) => {
            let _ = writeln!(out, "### {} ({}) against {}\n", esc(&app), esc(&language), esc(b));
        }
        None => {
            let _ = writeln!(out, "### {} ({})\n", esc(&app), esc(&language));
        }
    }
    let mut profilers: Vec<&str> = view
        .measured()
        .iter()
        .filter_map(|(_, m)| m.profiling.as_ref().map(|p| p.profiler.as_str()))
        .collect();
    profilers.dedup();
    let _ = writeln!(
        out,
        "From {}: profiler {}; {} s measurement windows (cheap in-process counters only), then a profiling window \
         with the sampler attached.\n",
        view.link,
        if profilers.is_empty() { "none recorded".to_string() } else { esc(&profilers.join(", ")) },
        r.configuration.duration_secs
    );
    let mut lines = Vec::new();
    if let Some(b) = &base {
        lines.extend(pair_lines(&f.compare, &app, b, &link(f, COMPARE_FILE)));
    }
    if let Some(c) = &r.comparison {
        if let Some(o) = c.overall_ratio {
            lines.push(format!(
                "In the profile's own windows (one per side, so a ratio within ±10 % is noise): **{}** of {}'s \
                 throughput (`comparison.overall_ratio`, {} against {})",
                ratio(o),
                esc(base.as_deref().unwrap_or("the baseline")),
                view.link,
                esc(&c.baseline.file)
            ));
        }
    }
    lines.extend(view.insights());
    for l in &lines {
        let _ = writeln!(out, "- {l}");
    }
    if !lines.is_empty() {
        out.push('\n');
    }
    if let Some(c) = &r.comparison {
        if !c.analysis.is_empty() {
            let _ = writeln!(out, "The profile's own analysis (`comparison.analysis`):\n");
            for a in &c.analysis {
                let _ = writeln!(out, "> {}", esc(a));
            }
            out.push('\n');
        }
    }
    table(out, &view);
    unmeasured(out, &view);
}

/// The compare run's verdict on `a` against `b`: geometric mean, extremes, tests.
pub(super) fn pair_lines(c: &CompareResult, a: &str, b: &str, compare_link: &str) -> Vec<String> {
    let key = format!("{a}_vs_{b}");
    let Some(gm) = c.summary.geometric_mean_ratios.get(&key) else {
        return vec![format!(
            "{} and {} were not ranked together in {compare_link}: no compare ratio",
            esc(a),
            esc(b)
        )];
    };
    let mut out = vec![format!(
        "In the compare run, **{}** has **{}** the throughput of **{}** (geometric mean over the ranked workloads, \
         `summary.geometric_mean_ratios[\"{}\"]` in {compare_link})",
        esc(a),
        ratio(*gm),
        esc(b),
        key.replace('`', "'")
    )];
    let mut per: Vec<(&str, f64)> = Vec::new();
    let (mut b_faster, mut a_faster, mut level) = (0, 0, 0);
    for w in c.suites.iter().flat_map(|s| &s.workloads) {
        let Some(cmp) = &w.comparison else { continue };
        if let Some(v) = cmp.performance_ratios.get(&key) {
            per.push((&w.name, *v));
        }
        let sig = cmp
            .statistical_significance
            .get(&key)
            .map(|s| (s, true))
            .or_else(|| cmp.statistical_significance.get(&format!("{b}_vs_{a}")).map(|s| (s, false)));
        match sig {
            Some((s, a_first))
                if s.significant && s.meaningful && s.generator_bound.as_deref() != Some("withheld") =>
            {
                if a_first {
                    a_faster += 1
                } else {
                    b_faster += 1
                }
            }
            Some(_) => level += 1,
            None => {}
        }
    }
    let lo = per.iter().min_by(|x, y| x.1.total_cmp(&y.1));
    let hi = per.iter().max_by(|x, y| x.1.total_cmp(&y.1));
    if let (Some(lo), Some(hi)) = (lo, hi) {
        out.push(format!(
            "Per workload it ranges from {} on {} to {} on {} (`performance_ratios[\"{}\"]`)",
            ratio(lo.1),
            esc(lo.0),
            ratio(hi.1),
            esc(hi.0),
            key.replace('`', "'")
        ));
    }
    let tested = a_faster + b_faster + level;
    if tested > 0 {
        out.push(format!(
            "Tested per workload (`statistical_significance`, α = {}): {} significantly and meaningfully faster on \
             {b_faster}, {} on {a_faster}, no verdict on {level} of {tested}",
            c.configuration.alpha,
            esc(b),
            esc(a)
        ));
    }
    out
}

/// Per workload: throughput, the ratio to the baseline, and the language's figures.
fn table(out: &mut String, view: &ProfileView) {
    let figs = figures(view.lang);
    let measured = view.measured();
    if measured.is_empty() {
        return;
    }
    let ratios = view.result.comparison.as_ref().map(|c| &c.workloads);
    let _ = write!(out, "| Workload | req/s | vs baseline |");
    for f in &figs {
        let _ = write!(out, " {} |", f.label);
    }
    let _ = writeln!(out, "\n|---|---:|---:|{}", "---:|".repeat(figs.len()));
    for (w, m) in measured {
        let vs = ratios.and_then(|rs| rs.iter().find(|x| x.name == w)).map_or("–".into(), |x| {
            let mark = match x.bound.as_deref() {
                Some("upper") => "≤ ",
                Some("lower") => "≥ ",
                Some(_) => "? ",
                None => "",
            };
            format!("{mark}{}", ratio(x.ratio))
        });
        let _ = write!(out, "| {} | {} | {vs} |", esc(w), thousands(m.throughput.requests_per_sec));
        for f in &figs {
            let cell = m.profiling.as_ref().and_then(|p| (f.get)(p)).map_or("null".into(), num);
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\nColumns are the fields of `results.profiling` ({}); `null` figures are explained below.\n",
        figs.iter().map(|f| format!("`{}`", f.path)).collect::<Vec<_>>().join(", ")
    );
}

/// Figures (paths) null on the same workloads, of how many profiled, and the notes naming them.
type NullGroup<'a> = (Vec<&'static str>, Vec<&'a str>, usize, Vec<&'a str>);

/// Null figures and unprofiled workloads, with the notes that name them.
fn unmeasured(out: &mut String, view: &ProfileView) {
    let mut items: Vec<String> = Vec::new();
    for w in view.result.workloads().filter(|w| w.status != WorkloadStatus::Ok) {
        let why = w.reason.as_deref().unwrap_or("no reason recorded");
        items.push(format!(
            "- workload {}: not profiled ({}): {}",
            esc(&w.name),
            status_word(w.status),
            esc(why)
        ));
    }
    let measured = view.measured();
    for (w, m) in &measured {
        if m.profiling.is_none() {
            items.push(format!("- workload {}: no profiling figures in the result", esc(w)));
        }
    }
    // Figures null on the same workloads for the same reasons are listed together.
    let mut groups: Vec<NullGroup> = Vec::new();
    let with: Vec<_> = measured.iter().filter(|(_, m)| m.profiling.is_some()).collect();
    for fig in figures(view.lang) {
        let nulls: Vec<_> =
            with.iter().filter(|(_, m)| m.profiling.as_ref().and_then(|p| (fig.get)(p)).is_none()).collect();
        if nulls.is_empty() {
            continue;
        }
        let key = fig.path.split('.').nth(1).unwrap_or(fig.path);
        let mut notes: Vec<&str> = Vec::new();
        for (_, m) in &nulls {
            for n in m.profiling.iter().flat_map(|p| &p.notes).chain(&m.notes) {
                if n.contains(key) && !notes.contains(&n.as_str()) {
                    notes.push(n);
                }
            }
        }
        let names: Vec<&str> = nulls.iter().map(|(w, _)| *w).collect();
        match groups.last_mut() {
            Some(g) if g.1 == names && g.3 == notes && !notes.is_empty() => g.0.push(fig.path),
            _ => groups.push((vec![fig.path], names, with.len(), notes)),
        }
    }
    for (paths, names, of, notes) in groups {
        let shown: Vec<String> = names.iter().take(5).map(|w| esc(w)).collect();
        let more = if names.len() > 5 { ", …" } else { "" };
        let mut item = format!(
            "- {}: null on {} of {of} workloads ({}{more})",
            paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
            names.len(),
            shown.join(", ")
        );
        if notes.is_empty() {
            item.push_str(": no note in the file names it");
        }
        for n in notes {
            let _ = write!(item, "\n  - {}", esc(n));
        }
        items.push(item);
    }
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "**Could not be measured** ({}):\n", view.link);
    for i in items {
        let _ = writeln!(out, "{i}");
    }
    out.push('\n');
}
