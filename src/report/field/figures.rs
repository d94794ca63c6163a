//! The profile figures BENCHMARK_RESULTS.md tabulates per language, and the insights drawn
//! from them. Every insight names the figure (its JSON path under `profiling`), the
//! workload and the file it came from; a figure that is null everywhere yields no insight
//! (it is listed under "could not be measured" instead). Pure.

use super::super::markdown::esc;
use crate::schema::{Measurement, Profiling, RunResult, WorkloadStatus};

/// Which metrics block a profile result carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Python,
    Node,
    Ruby,
    /// Rust and other native servers under perf.
    Native,
}

impl Lang {
    /// From the metrics present, else from the app's language.
    pub fn of(r: &RunResult) -> Lang {
        let any = |f: fn(&Profiling) -> bool| {
            r.workloads().filter_map(|w| w.results.as_ref()?.profiling.as_ref()).any(f)
        };
        if any(|p| p.python.is_some()) {
            return Lang::Python;
        }
        if any(|p| p.node.is_some()) {
            return Lang::Node;
        }
        if any(|p| p.ruby.is_some()) {
            return Lang::Ruby;
        }
        match r.metadata.language.as_deref() {
            Some("python") => Lang::Python,
            Some("node" | "javascript" | "typescript") => Lang::Node,
            Some("ruby") => Lang::Ruby,
            _ => Lang::Native,
        }
    }
}

/// One figure of a metrics block.
pub(super) struct Figure {
    /// Path under `profiling`, e.g. `python.handler_time_ms`.
    pub path: &'static str,
    /// Column heading.
    pub label: &'static str,
    pub get: fn(&Profiling) -> Option<f64>,
}

fn f(path: &'static str, label: &'static str, get: fn(&Profiling) -> Option<f64>) -> Figure {
    Figure { path, label, get }
}

fn u(v: Option<u64>) -> Option<f64> {
    v.map(|v| v as f64)
}

/// The figures of `lang`, in table order.
pub(super) fn figures(lang: Lang) -> Vec<Figure> {
    match lang {
        Lang::Python => vec![
            f("python.sampled_cpu_ms", "sampled CPU ms/req", |p| p.python.as_ref()?.sampled_cpu_ms),
            f("python.gil_held_percent", "GIL held %", |p| p.python.as_ref()?.gil_held_percent),
            f("python.handler_time_ms", "handler ms/req", |p| p.python.as_ref()?.handler_time_ms),
            f("python.serialization_time_ms", "serialization ms/req", |p| {
                p.python.as_ref()?.serialization_time_ms
            }),
            f("python.ffi_overhead_ms", "FFI ms/req (≤)", |p| p.python.as_ref()?.ffi_overhead_ms),
            f("python.ffi_gil_wait_ms", "FFI GIL wait", |p| p.python.as_ref()?.ffi_gil_wait_ms),
            f("python.ffi_conversion_ms", "FFI conversion", |p| p.python.as_ref()?.ffi_conversion_ms),
            f("python.ffi_call_ms", "FFI call", |p| p.python.as_ref()?.ffi_call_ms),
            f("python.gil_contention_percent", "GIL contention %", |p| {
                p.python.as_ref()?.gil_contention_percent
            }),
            f("python.gil_wait_time_ms", "GIL wait ms", |p| p.python.as_ref()?.gil_wait_time_ms),
            f("python.gc_collections", "GC collections", |p| u(p.python.as_ref()?.gc_collections)),
            f("python.gc_time_ms", "GC ms", |p| p.python.as_ref()?.gc_time_ms),
        ],
        Lang::Node => vec![
            f("node.event_loop_lag_ms.mean", "loop lag mean ms", |p| {
                p.node.as_ref()?.event_loop_lag_ms.as_ref().map(|l| l.mean)
            }),
            f("node.event_loop_lag_ms.p99", "loop lag p99 ms", |p| {
                p.node.as_ref()?.event_loop_lag_ms.as_ref().map(|l| l.p99)
            }),
            f("node.gc_count", "GC count", |p| u(p.node.as_ref()?.gc_count)),
            f("node.gc_time_ms", "GC ms", |p| p.node.as_ref()?.gc_time_ms),
            f("node.v8_heap_used_mb", "heap used MB", |p| p.node.as_ref()?.v8_heap_used_mb),
            f("node.v8_heap_total_mb", "heap total MB", |p| p.node.as_ref()?.v8_heap_total_mb),
        ],
        Lang::Ruby => vec![
            f("ruby.gc_count", "GC count", |p| u(p.ruby.as_ref()?.gc_count)),
            f("ruby.gc_time_ms", "GC ms", |p| p.ruby.as_ref()?.gc_time_ms),
            f("ruby.heap_allocated_pages", "heap pages", |p| u(p.ruby.as_ref()?.heap_allocated_pages)),
            f("ruby.heap_live_slots", "live slots", |p| u(p.ruby.as_ref()?.heap_live_slots)),
        ],
        Lang::Native => vec![
            f("rust.allocations_per_request", "allocs/req", |p| p.rust.as_ref()?.allocations_per_request),
            f("rust.heap_allocations", "allocations", |p| u(p.rust.as_ref()?.heap_allocations)),
            f("rust.heap_allocated_mb", "allocated MiB", |p| p.rust.as_ref()?.heap_allocated_mb),
            f("rust.heap_peak_mb", "heap peak MiB", |p| p.rust.as_ref()?.heap_peak_mb),
            f("rust.samples", "perf samples", |p| u(p.rust.as_ref()?.samples)),
        ],
    }
}

/// A number for a table cell or a sentence: whole numbers with separators, others to three
/// significant digits (per-request times are often hundredths of a millisecond).
pub(super) fn num(v: f64) -> String {
    if (v.fract() == 0.0 && v.abs() >= 1.0) || v.abs() >= 1000.0 {
        return super::super::thousands(v);
    }
    if v == 0.0 {
        return "0".into();
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

/// One profile result seen through its language's figures.
pub(super) struct ProfileView<'a> {
    pub result: &'a RunResult,
    /// Markdown link to the file, e.g. `[profile-fastapi.json](results/field/profile-fastapi.json)`.
    pub link: String,
    pub lang: Lang,
}

impl<'a> ProfileView<'a> {
    /// Measured workloads with their measurement, in file order.
    pub fn measured(&self) -> Vec<(&'a str, &'a Measurement)> {
        self.result
            .workloads()
            .filter(|w| w.status == WorkloadStatus::Ok)
            .filter_map(|w| Some((w.name.as_str(), w.results.as_ref()?)))
            .collect()
    }

    /// Non-null values of `fig`, per workload.
    pub fn values(&self, fig: &Figure) -> Vec<(&'a str, f64)> {
        self.measured()
            .into_iter()
            .filter_map(|(w, m)| Some((w, (fig.get)(m.profiling.as_ref()?)?)))
            .filter(|(_, v)| v.is_finite())
            .collect()
    }

    fn fig(&self, path: &str) -> Option<Figure> {
        figures(self.lang).into_iter().find(|f| f.path == path)
    }

    /// The workload with the highest value of the figure at `path`.
    fn max(&self, path: &str) -> Option<(&'a str, f64)> {
        self.values(&self.fig(path)?).into_iter().max_by(|a, b| a.1.total_cmp(&b.1))
    }

    fn min(&self, path: &str) -> Option<(&'a str, f64)> {
        self.values(&self.fig(path)?).into_iter().min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Median over workloads and how many workloads it is of.
    fn median(&self, path: &str) -> Option<(f64, usize)> {
        let mut v: Vec<f64> = self.values(&self.fig(path)?).into_iter().map(|(_, v)| v).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        (n > 0).then(|| (if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }, n))
    }

    /// The value of `path` on `workload`.
    fn on(&self, path: &str, workload: &str) -> Option<f64> {
        let fig = self.fig(path)?;
        self.values(&fig).into_iter().find(|(w, _)| *w == workload).map(|(_, v)| v)
    }

    /// Requests of `workload`'s measurement window.
    fn requests(&self, workload: &str) -> Option<u64> {
        self.measured()
            .into_iter()
            .find(|(w, _)| *w == workload)
            .map(|(_, m)| m.throughput.total_requests)
            .filter(|n| *n > 0)
    }

    /// The insights of this profile: plain sentences, each citing its figures and file.
    pub fn insights(&self) -> Vec<String> {
        let lines = match self.lang {
            Lang::Python => self.python(),
            Lang::Node => self.gc_and("node", |s| s.node_extra()),
            Lang::Ruby => self.gc_and("ruby", |s| s.ruby_extra()),
            Lang::Native => self.native(),
        };
        lines.into_iter().map(|l| format!("{l} ({})", self.link)).collect()
    }

    fn python(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((cpu, n)) = self.median("python.sampled_cpu_ms") {
            let held = self
                .median("python.gil_held_percent")
                .map(|(h, _)| {
                    format!(
                        "; a thread held the GIL {h:.1} % of the time (median, `python.gil_held_percent`)"
                    )
                })
                .unwrap_or_default();
            out.push(format!(
                "py-spy saw {} ms of CPU per request (median over {n} workloads, `python.sampled_cpu_ms`){held}",
                num(cpu)
            ));
        }
        let parts = [
            ("python.handler_time_ms", "in the app's handler", "the app's handler"),
            ("python.serialization_time_ms", "serializing", "serialization"),
            ("python.ffi_overhead_ms", "in native extension code (an upper bound)", "native extension code"),
        ];
        let medians: Vec<(&str, &str, &str, f64, usize)> = parts
            .iter()
            .filter_map(|(p, what, short)| self.median(p).map(|(m, n)| (*p, *what, *short, m, n)))
            .collect();
        if let Some(top) = medians.iter().max_by(|a, b| a.3.total_cmp(&b.3)) {
            let list: Vec<String> = medians
                .iter()
                .map(|(p, what, _, m, n)| format!("{} ms {what} (`{p}`, {n} workloads)", num(*m)))
                .collect();
            out.push(format!(
                "Per request, the medians over the workloads are {}: the largest measured share is **{}**",
                list.join(", "),
                top.2
            ));
        }
        let split = [
            ("python.ffi_gil_wait_ms", "waiting for the GIL"),
            ("python.ffi_conversion_ms", "converting Python objects"),
            ("python.ffi_call_ms", "the extension's own code"),
        ];
        let sums: Vec<(&str, &str, f64)> = split
            .iter()
            .filter_map(|(p, what)| {
                let v = self.values(&self.fig(p)?);
                (!v.is_empty()).then(|| (*p, *what, v.iter().map(|(_, x)| x).sum::<f64>()))
            })
            .collect();
        let total: f64 = sums.iter().map(|s| s.2).sum();
        if let Some(top) = sums.iter().max_by(|a, b| a.2.total_cmp(&b.2)).filter(|_| total > 0.0) {
            let rest: Vec<String> = sums
                .iter()
                .filter(|s| s.0 != top.0)
                .map(|(p, _, v)| format!("`{p}` {} ms", num(*v)))
                .collect();
            out.push(format!(
                "Of the FFI time, **{}** is the largest part: {} of {} ms per request summed over the workloads \
                 ({:.0} %, `{}`; {})",
                top.1,
                num(top.2),
                num(total),
                100.0 * top.2 / total,
                top.0,
                rest.join(", ")
            ));
        }
        if let Some((w, pct)) = self.max("python.gil_contention_percent") {
            let wait = self
                .on("python.gil_wait_time_ms", w)
                .map(|v| format!(", {} ms of GIL wait in the window (`python.gil_wait_time_ms`)", num(v)))
                .unwrap_or_default();
            out.push(format!(
                "GIL contention is highest on {}: {pct:.1} % (`python.gil_contention_percent`){wait}",
                esc(w)
            ));
        }
        out.extend(self.gc("python", "python.gc_collections"));
        out
    }

    /// GC: the workload with the most GC time, its collections, and the time per request.
    fn gc(&self, block: &str, count_path: &str) -> Option<String> {
        let time_path = format!("{block}.gc_time_ms");
        let (w, t) = self.max(&time_path)?;
        let count = self.on(count_path, w).map(|c| format!("{} collections (`{count_path}`), ", num(c)));
        let per = self
            .requests(w)
            .map(|n| {
                format!(", {} µs per request over {} requests", num(t * 1000.0 / n as f64), num(n as f64))
            })
            .unwrap_or_default();
        Some(format!(
            "GC costs most on {}: {}{} ms in the measurement window (`{time_path}`){per}",
            esc(w),
            count.unwrap_or_default(),
            num(t)
        ))
    }

    fn gc_and(&self, block: &str, extra: impl Fn(&Self) -> Vec<String>) -> Vec<String> {
        let mut out = extra(self);
        out.extend(self.gc(block, &format!("{block}.gc_count")));
        out
    }

    fn node_extra(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((w, p99)) = self.max("node.event_loop_lag_ms.p99") {
            let mean = self
                .on("node.event_loop_lag_ms.mean", w)
                .map(|m| format!(" (mean {} ms)", num(m)))
                .unwrap_or_default();
            out.push(format!(
                "Event-loop lag is worst on {}: p99 {} ms{mean} (`node.event_loop_lag_ms.p99`)",
                esc(w),
                num(p99)
            ));
        }
        if let Some((w, used)) = self.max("node.v8_heap_used_mb") {
            let total = self
                .on("node.v8_heap_total_mb", w)
                .map(|t| format!(" of {} MB (`node.v8_heap_total_mb`)", num(t)))
                .unwrap_or_default();
            out.push(format!(
                "The V8 heap peaks on {}: {} MB used (`node.v8_heap_used_mb`){total}",
                esc(w),
                num(used)
            ));
        }
        out
    }

    fn ruby_extra(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((w, slots)) = self.max("ruby.heap_live_slots") {
            out.push(format!(
                "The Ruby heap holds most live objects on {}: {} slots (`ruby.heap_live_slots`)",
                esc(w),
                num(slots)
            ));
        }
        out
    }

    fn native(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some((lo_w, lo)), Some((hi_w, hi))) =
            (self.min("rust.allocations_per_request"), self.max("rust.allocations_per_request"))
        {
            out.push(format!(
                "Allocations per request range from {} on {} to {} on {} (`rust.allocations_per_request`)",
                num(lo),
                esc(lo_w),
                num(hi),
                esc(hi_w)
            ));
        }
        if let Some((w, peak)) = self.max("rust.heap_peak_mb") {
            out.push(format!("The live heap peaks at {} MiB on {} (`rust.heap_peak_mb`)", num(peak), esc(w)));
        }
        out
    }
}
