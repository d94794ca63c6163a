//! Bad input: exit 2 with a message that names the bad value and lists the valid ones.

use crate::helpers::{mock_apps, text, Tag};

fn run(args: &[&str]) -> (i32, String, String) {
    let tag = Tag::new();
    let out = tag.command().args(args).output().unwrap();
    let (o, e) = text(&out);
    tag.assert_no_leftovers();
    (out.status.code().unwrap_or(-1), o, e)
}

#[test]
fn unknown_suite_lists_the_valid_ones() {
    let (code, _, err) =
        run(&["run", "--framework", "mock-ok", "--apps", "tests/apps", "--suite", "jsn-bodies"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'jsn-bodies'") && err.contains("all, json-bodies"), "{err}");
}

#[test]
fn unknown_workload_lists_the_valid_ones() {
    let (code, _, err) = run(&[
        "run",
        "--framework",
        "mock-ok",
        "--apps",
        "tests/apps",
        "--suite",
        "baseline",
        "--workload",
        "plain",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'plain'") && err.contains("plaintext") && err.contains("json-hello"), "{err}");
}

#[test]
fn unknown_app_lists_the_valid_ones() {
    let (code, _, err) =
        run(&["run", "--framework", "mock-okk", "--apps", "tests/apps", "--suite", "baseline"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'mock-okk'") && err.contains("mock-ok,"), "{err}");
}

#[test]
fn malformed_suite_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "name = \"x\"\n\n[[workloads]]\nname = \"a\"\ncategory = \"c\"\nmethod = \"GET\"\npath = \"/\"\nmethd = 1\n").unwrap();
    let p = path.to_str().unwrap();
    let (code, _, err) = run(&["suites", "validate", p]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{p}:8:1")) && err.contains("methd"), "{err}");
    let (code, _, err) = run(&["run", "--framework", "mock-ok", "--apps", "tests/apps", "--suite", p]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn malformed_manifest_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("benchmark.toml"),
        "[app]\nname = \"x\"\nlanguage = \"cobol\"\nframework = \"X\"\n\n[start]\ncommand = \"true\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["run", "--app-dir", dir.path().to_str().unwrap(), "--suite", "baseline"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("benchmark.toml:3:12") && err.contains("cobol") && err.contains("python"), "{err}");
}

#[test]
fn bad_numbers_are_usage_errors() {
    let (code, _, err) = run(&["run", "--framework", "mock-ok", "--apps", "tests/apps", "--duration", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--duration 0"), "{err}");
    let (code, _, err) =
        run(&["run", "--framework", "mock-ok", "--apps", "tests/apps", "--concurrency", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--concurrency 0"), "{err}");
    let (code, _, err) =
        run(&["run", "--framework", "mock-ok", "--apps", "tests/apps", "--loadgen-cpus", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'x'"), "{err}");
    let (code, _, err) =
        run(&["compare", "--frameworks", "mock-ok,mock-lag", "--apps", "tests/apps", "--time-budget", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--time-budget 0"), "{err}");
    let (code, _, err) =
        run(&["compare", "--frameworks", "mock-ok,mock-lag", "--apps", "tests/apps", "--max-rounds", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--max-rounds 3") && err.contains("the default floor (5)"), "{err}");
}

#[test]
fn a_node_sampler_is_checked() {
    let (code, _, err) =
        run(&["profile", "--framework", "mock-ok", "--apps", "tests/apps", "--node-sampler", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cpu-prof") && err.contains("prof"), "{err}");
    let args = ["profile", "--framework", "mock-ok", "--apps", "tests/apps", "--profiler", "none"];
    let (code, _, err) = run(&[&args[..], &["--node-sampler", "prof"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--node-sampler applies to the node profiler"), "{err}");
}

#[test]
fn nothing_to_measure_is_a_usage_error() {
    let (code, _, err) = run(&["run", "--suite", "baseline"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--framework") && err.contains("--url"), "{err}");
}

#[test]
fn unreachable_url_is_a_runtime_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, _, err) = run(&["run", "--url", &url, "--suite", "baseline", "--duration", "1"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("cannot reach {url}")), "{err}");
}

#[test]
fn unknown_schema_lists_the_available_ones() {
    let (code, _, err) = run(&["schema", "nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'nope'") && err.contains("run, profile, compare, check, suite, app"), "{err}");
}

#[test]
fn suites_list_and_show_work() {
    let (code, out, _) = run(&["suites", "list"]);
    assert_eq!(code, 0);
    for s in ["all", "json-bodies", "path-params", "query-params", "forms", "baseline"] {
        assert!(out.contains(s), "{out}");
    }
    let (code, out, _) = run(&["suites", "show", "path-params"]);
    assert_eq!(code, 0);
    assert!(out.contains("GET /path/int/42") && out.contains("{\"id\":42}"), "{out}");
    let _ = mock_apps();
}
