//! Heap figures of profile mode: the counting allocator's nulls on a server without it,
//! `--heaptrack` on the Rust baseline, and its usage errors.

use crate::helpers::{profile_short, text, Tag};

#[test]
fn a_server_without_the_counting_allocator_gets_null_heap_figures_and_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--apps", "tests/apps", "--framework", "mock-ok", "--suite", "baseline", "--workload"];
    let r = profile_short(&[&args[..], &["plaintext", "--profiler", "perf"]].concat(), dir.path());
    let p = &r["suites"][0]["workloads"][0]["results"]["profiling"];
    assert!(p["rust"]["heap_allocations"].is_null(), "{p}");
    assert!(p["rust"]["heap_peak_mb"].is_null(), "{p}");
    let notes: Vec<&str> = p["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("not built with the counting allocator") && n.contains("alloc-stats")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("not built in yet")), "{notes:?}");
}

#[test]
fn heaptrack_needs_the_perf_profiler() {
    let tag = Tag::new();
    let output = tag
        .command()
        .args(["profile", "--apps", "tests/apps", "--framework", "mock-ok", "--profiler", "none"])
        .arg("--heaptrack")
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("--heaptrack") && err.contains("--profiler perf"), "{err}");
}

/// Slow: builds the [profile] build of axum-baseline (cached after the first time) and starts
/// the server twice per workload. Short windows; no timing is asserted.
#[test]
fn heaptrack_pass_on_axum_finds_peak_allocations_and_call_sites() {
    let dir = tempfile::tempdir().unwrap();
    let r = profile_short(
        &["--framework", "axum-baseline", "--suite", "baseline", "--workload", "json-hello"]
            .into_iter()
            .chain(["--profiler", "perf", "--heaptrack"])
            .collect::<Vec<_>>(),
        dir.path(),
    );
    let w = &r["suites"][0]["workloads"][0];
    assert_eq!(w["status"], "ok", "{w}");
    let p = &w["results"]["profiling"];
    let h = &p["rust"]["heaptrack"];
    assert!(h.is_object(), "{p}");
    assert!(std::path::Path::new(h["file"].as_str().unwrap()).is_file(), "{h}");
    assert!(h["peak_mb"].as_f64().unwrap() > 0.0, "{h}");
    assert!(h["allocations"].as_u64().unwrap() > 0, "{h}");
    let sites = h["top_sites"].as_array().unwrap();
    assert!(!sites.is_empty() && sites[0]["calls"].as_u64().unwrap() > 0, "{h}");
    let notes = p["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains("never used")), "{notes:?}");
}

#[test]
fn the_profile_build_is_started_by_a_profiler_and_never_by_profiler_none_or_normal_build() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("mock-profiled");
    std::fs::create_dir_all(&app).unwrap();
    let server = crate::helpers::mock_apps().join("mock_server.py");
    std::fs::write(
        app.join("benchmark.toml"),
        format!(
            "[app]\nname = \"mock-profiled\"\nlanguage = \"other\"\nframework = \"mock\"\n\n\
[start]\ncommand = \"exec python3 {s}\"\nenv = {{ MOCK_MODE = \"ok\" }}\n\n\
[profile]\ncommand = \"exec python3 {s} --profile-build\"\ndescription = \"the mock's profile build\"\n",
            s = server.display()
        ),
    )
    .unwrap();
    for (profiler, normal, used) in [("none", false, false), ("perf", false, true), ("perf", true, false)] {
        let app = app.display().to_string();
        let mut args = vec!["--app-dir", &app, "--suite", "baseline", "--workload", "plaintext"];
        args.extend(["--profiler", profiler]);
        args.extend(normal.then_some("--normal-build"));
        let r = profile_short(&args, dir.path());
        let notes = r["notes"].to_string();
        assert_eq!(notes.contains("[profile] build: the mock's profile build"), used, "{profiler}: {notes}");
        assert_eq!(
            notes.contains("--normal-build: the app's [profile] build was not started"),
            normal,
            "{notes}"
        );
    }
}
