//! BENCHMARK_RESULTS.md on fixed inputs: a snapshot, and checks that every verdict line
//! follows the figures (change a figure, the sentence changes).

use super::render::{
    default_load_secs, DEFAULT_DURATION_SECS, DEFAULT_WARMUP_SECS, FIELD_APPS, FIELD_WORKLOADS,
};
use super::*;
use crate::report::fixtures;
use crate::schema::*;

/// A profile result of `app` from the run fixture, with `figures` set on every measured
/// workload (the workload's index passed in).
fn profile(app: &str, language: &str, figures: impl Fn(usize, &mut Profiling)) -> RunResult {
    let mut r = fixtures::run();
    r.mode = Mode::Profile;
    r.metadata.framework = Some(app.into());
    r.metadata.language = Some(language.into());
    let mut i = 0;
    for w in r.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()) {
        if let Some(m) = w.results.as_mut() {
            let mut p = Profiling {
                profiler: "py-spy 0.4.1".into(),
                profile_duration_secs: 5.0,
                ..Default::default()
            };
            figures(i, &mut p);
            m.profiling = Some(p);
            i += 1;
        }
    }
    r
}

fn python_profile() -> RunResult {
    // Workloads in order: small-json, large-json, path-params.
    let mut r = profile("fastapi", "python", |i, p| {
        p.python = Some(PythonMetrics {
            handler_time_ms: Some([0.031, 0.052, 0.024][i]),
            serialization_time_ms: Some([0.012, 0.210, 0.004][i]),
            ffi_overhead_ms: Some([0.020, 0.030, 0.010][i]),
            ffi_gil_wait_ms: Some([0.002, 0.003, 0.001][i]),
            ffi_conversion_ms: Some([0.006, 0.007, 0.002][i]),
            ffi_call_ms: Some([0.012, 0.020, 0.007][i]),
            gil_contention_percent: Some([4.2, 11.8, 2.5][i]),
            gil_wait_time_ms: Some([40.0, 118.0, 25.0][i]),
            gc_collections: if i == 1 { None } else { Some([14, 0, 9][i]) },
            gc_time_ms: if i == 1 { None } else { Some([3.5, 0.0, 1.2][i]) },
            sampled_cpu_ms: Some([0.103, 0.190, 0.081][i]),
            gil_held_percent: Some([83.5, 88.0, 79.0][i]),
        });
        if i == 1 {
            p.notes.push(
                "python: gc_collections and gc_time_ms are null: 1 of 1 server processes did not write their GC counters"
                    .into(),
            );
        }
    });
    let base = axum_profile();
    r.comparison =
        Some(crate::profile::compare_with_baseline(&r, &base, "results/field/profile-axum-baseline.json"));
    r
}

fn axum_profile() -> RunResult {
    let mut r = profile("axum-baseline", "rust", |i, p| {
        p.profiler = "perf 6.1".into();
        p.rust = Some(RustMetrics {
            samples: Some([4210, 3980, 4400][i]),
            heap_allocations: Some([120_400, 240_800, 60_200][i]),
            heap_peak_mb: Some([1.4, 9.8, 0.9][i]),
            heap_allocated_mb: Some([12.0, 310.5, 4.1][i]),
            allocations_per_request: if i == 2 { None } else { Some([10.0, 114.4][i]) },
            heaptrack: None,
        });
    });
    // Faster than fastapi by a factor that differs per workload.
    for (w, k) in r.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).zip([8.0, 2.5, 8.0, 1.0, 1.0]) {
        if let Some(m) = w.results.as_mut() {
            m.throughput.requests_per_sec *= k;
        }
    }
    r
}

fn field() -> FieldResults {
    FieldResults {
        link_dir: "results/field".into(),
        compare: fixtures::compare3(),
        html: true,
        profiles: vec![
            ProfileFile { file: "profile-axum-baseline.json".into(), result: axum_profile() },
            ProfileFile { file: "profile-fastapi.json".into(), result: python_profile() },
        ],
        run: Some(FieldRun {
            command: "APPS=axum-baseline,fastapi,fastify ./scripts/field-results.sh".into(),
            wall_secs: 1234.0,
            finished: Some("2025-06-01T12:20:34Z".into()),
        }),
    }
}

fn python_metrics(f: &mut FieldResults) -> impl Iterator<Item = &mut PythonMetrics> {
    f.profiles[1]
        .result
        .suites
        .iter_mut()
        .flat_map(|s| s.workloads.iter_mut())
        .filter_map(|w| w.results.as_mut()?.profiling.as_mut()?.python.as_mut())
}

#[test]
fn field_markdown_snapshot() {
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("field_markdown", field_markdown(&field()));
    });
}

#[test]
fn field_host_and_versions_come_first() {
    let md = field_markdown(&field());
    let host = md.find("## Host and versions").unwrap();
    for later in ["## Ranking", "## What each binding costs", "## What this machine", "## How to reproduce"] {
        assert!(md.find(later).unwrap() > host, "{later} before the host");
    }
    assert!(md.contains("AMD EPYC 7B13"), "{md}");
    assert!(md.contains("[compare.html](results/field/compare.html)"), "{md}");
}

#[test]
fn field_largest_share_follows_the_figures() {
    let mut f = field();
    // Medians: handler 0.031, serialization 0.012, FFI 0.020.
    let md = field_markdown(&f);
    assert!(md.contains("the largest measured share is **the app's handler**"), "{md}");
    for p in python_metrics(&mut f) {
        p.serialization_time_ms = p.serialization_time_ms.map(|v| v * 10.0);
    }
    let md = field_markdown(&f);
    assert!(md.contains("the largest measured share is **serialization**"), "{md}");
}

#[test]
fn field_ffi_split_follows_the_figures() {
    let mut f = field();
    let md = field_markdown(&f);
    // Sums: GIL wait 0.006, conversion 0.015, call 0.039 of 0.060.
    assert!(
        md.contains("Of the FFI time, **the extension's own code** is the largest part: 0.0390 of 0.0600 ms"),
        "{md}"
    );
    for p in python_metrics(&mut f) {
        p.ffi_conversion_ms = Some(0.5);
    }
    let md = field_markdown(&f);
    assert!(md.contains("Of the FFI time, **converting Python objects** is the largest part"), "{md}");
}

#[test]
fn field_binding_ratio_comes_from_the_compare_result() {
    let mut f = field();
    let key = "fastapi_vs_axum-baseline";
    let gm = f.compare.summary.geometric_mean_ratios[key];
    let md = field_markdown(&f);
    let line = |v: f64| format!("**fastapi** has **{:.2}×** the throughput of **axum-baseline**", v);
    assert!(md.contains(&line(gm)), "{md}");
    f.compare.summary.geometric_mean_ratios.insert(key.into(), 0.5);
    let md = field_markdown(&f);
    assert!(md.contains(&line(0.5)) && !md.contains(&line(gm)), "{md}");
    // axum-baseline is significantly faster on every workload both were ranked on.
    assert!(
        md.contains(
            "axum-baseline significantly and meaningfully faster on 3, fastapi on 0, no verdict on 0 of 3"
        ),
        "{md}"
    );
    f.compare.summary.geometric_mean_ratios.remove(key);
    assert!(field_markdown(&f).contains("fastapi and axum-baseline were not ranked together"));
}

#[test]
fn field_sampled_cpu_line_follows_the_figures() {
    let mut f = field();
    assert!(field_markdown(&f).contains("py-spy saw 0.103 ms of CPU per request (median over 3 workloads"));
    assert!(field_markdown(&f).contains("held the GIL 83.5 % of the time"));
    for p in python_metrics(&mut f) {
        p.sampled_cpu_ms = p.sampled_cpu_ms.map(|v| v * 2.0);
        p.gil_held_percent = None;
    }
    let md = field_markdown(&f);
    assert!(md.contains("py-spy saw 0.206 ms of CPU per request"), "{md}");
    assert!(!md.contains("held the GIL"), "{md}");
}

#[test]
fn field_nulls_are_listed_with_their_notes() {
    let mut f = field();
    let md = field_markdown(&f);
    assert!(
        md.contains("- `python.gc_collections`, `python.gc_time_ms`: null on 1 of 3 workloads (large-json)"),
        "{md}"
    );
    assert!(md.contains("did not write their GC counters"), "{md}");
    assert!(md.contains("- `rust.allocations_per_request`: null on 1 of 3 workloads (path-params): no note in the file names it"), "{md}");
    assert!(md.contains("- workload deep-route: not profiled (invalid)"), "{md}");
    for p in python_metrics(&mut f) {
        p.gc_time_ms = Some(1.0);
    }
    assert!(
        !field_markdown(&f).contains("`python.gc_time_ms`: null")
            && field_markdown(&f).contains("- `python.gc_collections`: null on 1 of 3")
    );
}

#[test]
fn field_generator_bound_workloads_are_named() {
    let mut f = field();
    assert!(field_markdown(&f).contains("the load generator was never saturated"));
    let w = &mut f.compare.suites[1].workloads[0];
    let name = w.name.clone();
    let mut window = fixtures::run().suites[0].workloads[0].results.clone().unwrap();
    window.load.generator_bound = true;
    w.results[0].rounds = vec![window.clone(), window];
    w.results[0].rounds[1].load.generator_bound = false;
    let md = field_markdown(&f);
    assert!(md.contains(&format!("- {name}: axum-baseline (1 of 2 rounds)")), "{md}");
    assert!(!md.contains("never saturated"), "{md}");
}

#[test]
fn field_estimate_is_the_default_design() {
    // 13 apps: the floor of 5 rounded up to one Williams block of 13; 13 s per window.
    assert_eq!(default_load_secs(13, 17), (13, 13.0 * 13.0 * 17.0 * 13.0));
    assert_eq!(default_load_secs(2, 2), (6, 6.0 * 2.0 * 2.0 * 13.0));
    let md = field_markdown(&field());
    assert!(md.contains("3 apps on 4 workloads measure at least 6 rounds"), "{md}");
    assert!(md.contains("measure 13 rounds, **10.4 h of load**"), "{md}");
}

#[test]
fn field_constants_match_the_cli_suites_and_apps() {
    use crate::cli::{Cli, Command};
    use clap::Parser;
    let Command::Compare(args) =
        Cli::try_parse_from(["benchmark-harness", "compare", "--frameworks", "a,b"]).unwrap().command
    else {
        unreachable!()
    };
    assert_eq!((args.load.duration, args.load.warmup), (DEFAULT_DURATION_SECS, DEFAULT_WARMUP_SECS));
    let selection = crate::workload::select_from("all,baseline", &[]).unwrap();
    assert_eq!(selection.workloads.len(), FIELD_WORKLOADS);
    let apps =
        crate::app::discover(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("apps")).unwrap();
    assert_eq!(apps.len(), FIELD_APPS, "{:?}", apps.iter().map(|a| a.name()).collect::<Vec<_>>());
}

#[test]
fn field_reads_a_directory_and_refuses_wrong_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("results/field");
    std::fs::create_dir_all(&d).unwrap();
    let doc = dir.path().join("BENCHMARK_RESULTS.md");
    assert!(matches!(read_field(&d, &doc), Err(FieldError::NoCompare { .. })));
    let f = field();
    let write = |name: &str, json: String| std::fs::write(d.join(name), json).unwrap();
    write(COMPARE_FILE, serde_json::to_string(&f.compare).unwrap());
    for p in &f.profiles {
        write(&p.file, serde_json::to_string(&p.result).unwrap());
    }
    write(RUN_FILE, serde_json::to_string(f.run.as_ref().unwrap()).unwrap());
    let read = read_field(&d, &doc).unwrap();
    assert_eq!(read.link_dir, "results/field");
    assert!(!read.html);
    assert_eq!(read.profiles, f.profiles);
    assert_eq!(read.run, f.run);
    write("profile-x.json", serde_json::to_string(&fixtures::run()).unwrap());
    let e = read_field(&d, &doc).unwrap_err().to_string();
    assert!(e.contains("profile-x.json is a run result; expected profile"), "{e}");
}
