//! The result files, the committed fixtures and the bundled suites validated against the
//! committed schema/*.schema.json by Python's `jsonschema` (tests/validate_schema.py): a
//! validator independent of the Rust types that write the files and the schemas. The
//! results come from the real binary against the test doubles in tests/apps.
//!
//! The validator lives in a venv made by scripts/install-deps.sh; without it these tests fail.

use std::path::{Path, PathBuf};

use crate::helpers::{read_json, repo, text, Tag};

/// The venv's Python, or a failure saying how to make it.
fn python() -> PathBuf {
    let cache = std::env::var_os("BENCHMARK_HARNESS_CACHE")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/benchmark-harness"));
    let python = cache.join("tools/jsonschema-venv/bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "no Python jsonschema at {}: run scripts/install-deps.sh (it makes that venv)",
        python.display()
    );
    python
}

/// Validate `files` against schema/NAME.schema.json: (exit code, validator output).
fn validate(name: &str, files: &[&Path]) -> (Option<i32>, String) {
    let out = std::process::Command::new(python())
        .arg(repo().join("tests/validate_schema.py"))
        .arg(repo().join(format!("schema/{name}.schema.json")))
        .args(files)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    (out.status.code(), format!("{stdout}{stderr}"))
}

#[track_caller]
fn assert_valid(name: &str, files: &[&Path]) {
    let (code, out) = validate(name, files);
    assert_eq!(code, Some(0), "not valid against schema/{name}.schema.json:\n{out}");
    assert!(out.starts_with("validator Draft202012Validator (jsonschema "), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("ok ")).count(), files.len(), "{out}");
}

/// `run` of a test double on the baseline suite with one-second windows; `args` add flags.
fn run(tag: &Tag, app: &str, args: &[&str]) -> std::process::Output {
    let out = tag
        .command()
        .args(["run", "--apps", "tests/apps", "--framework", app, "--suite", "baseline"])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", "2"])
        .args(args)
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    out
}

#[test]
fn run_compare_and_check_results_validate_against_the_committed_schemas() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);

    // run: --format json on stdout, and --output (json-pretty) for a measured and for an
    // app whose answers are wrong (workloads invalid, their results null).
    let stdout = run(&tag, "mock-ok", &["--format", "json"]);
    let (json, err) = text(&stdout);
    assert_eq!(stdout.status.code(), Some(0), "{err}");
    assert_eq!(json.trim().lines().count(), 1, "--format json is one line: {json}");
    std::fs::write(p("run-stdout.json"), &json).unwrap();
    let ok = run(&tag, "mock-ok", &["--output", p("run.json").to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok).1);
    let wrong = run(&tag, "mock-wrong", &["--output", p("run-wrong.json").to_str().unwrap()]);
    assert!(p("run-wrong.json").exists(), "{}", text(&wrong).1);
    let statuses: Vec<String> = read_json(&p("run-wrong.json"))["suites"][0]["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["status"].as_str().unwrap().to_string())
        .collect();
    assert!(statuses.iter().any(|s| s != "ok"), "mock-wrong should fail its answers: {statuses:?}");
    assert_valid("run", &[&p("run-stdout.json"), &p("run.json"), &p("run-wrong.json")]);

    // compare: two rounds of two doubles, the result with --output.
    let compare = tag
        .command()
        .args(["compare", "--apps", "tests/apps", "--frameworks", "mock-ok,mock-lag", "--suite", "baseline"])
        .args(["--rounds", "2", "--duration", "1", "--warmup", "0", "--concurrency", "2", "--output"])
        .arg(p("compare.json"))
        .output()
        .unwrap();
    tag.assert_no_leftovers();
    assert_eq!(compare.status.code(), Some(0), "{}", text(&compare).1);
    assert_eq!(read_json(&p("compare.json"))["mode"], "compare");
    assert_valid("compare", &[&p("compare.json")]);

    // check: the two measured runs against each other (--json), and a 20 % slowdown.
    let check = |base: &Path, cur: &Path, out: &Path| {
        let o = tag
            .command()
            .args(["check", "--allow-mismatch", "--baseline"])
            .arg(base)
            .arg("--current")
            .arg(cur)
            .arg("--json")
            .arg(out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    };
    check(&p("run-stdout.json"), &p("run.json"), &p("check.json"));
    check(&repo().join("tests/fixtures/run.json"), &slowed(dir.path()), &p("check-slow.json"));
    assert_eq!(read_json(&p("check-slow.json"))["verdict"], "regression");
    assert_valid("check", &[&p("check.json"), &p("check-slow.json")]);
}

/// The run fixture with small-json 20 % slower.
fn slowed(dir: &Path) -> PathBuf {
    let mut r = read_json(&repo().join("tests/fixtures/run.json"));
    let w = &mut r["suites"][0]["workloads"][0];
    assert_eq!(w["name"], "small-json");
    let rps = w["results"]["throughput"]["requests_per_sec"].as_f64().unwrap();
    w["results"]["throughput"]["requests_per_sec"] = serde_json::json!(rps * 0.8);
    let path = dir.join("slow.json");
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    path
}

#[test]
fn committed_fixtures_and_bundled_suites_validate() {
    // The result files among tests/fixtures/*.json, each against its mode's schema.
    let mut seen = 0;
    for entry in std::fs::read_dir(repo().join("tests/fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let mode = read_json(&path)["mode"].as_str().map(String::from);
        let schema = match mode.as_deref() {
            Some("run" | "profile") => "run",
            Some("compare") => "compare",
            Some("check") => "check",
            _ => continue,
        };
        assert_valid(schema, &[&path]);
        seen += 1;
    }
    assert!(seen >= 2, "run.json and compare-3.json are result files");

    let suites: Vec<PathBuf> = std::fs::read_dir(repo().join("suites"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(suites.len() >= 6, "{suites:?}");
    assert_valid("suite", &suites.iter().map(PathBuf::as_path).collect::<Vec<_>>());
}

/// The validator can fail: a damaged result and suites that the loader rejects are invalid,
/// each error pointing at its place.
#[test]
fn the_validator_rejects_damaged_results_and_bad_suites() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = read_json(&repo().join("tests/fixtures/run.json"));
    r["schema_version"] = serde_json::json!("1");
    r["suites"][0]["workloads"][0]["status"] = serde_json::json!("fine");
    r.as_object_mut().unwrap().remove("metadata");
    let damaged = dir.path().join("damaged.json");
    std::fs::write(&damaged, serde_json::to_string(&r).unwrap()).unwrap();
    let (code, out) = validate("run", &[&damaged]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("at schema_version: '1' is not of type 'integer'"), "{out}");
    assert!(
        out.contains("at suites/0/workloads/0/status: 'fine' is not valid under any of the given schemas"),
        "{out}"
    );
    assert!(out.contains("at (root): 'metadata' is a required property"), "{out}");

    // A workload table: `name`, `category`, `method` and `path`, then `extra` lines.
    let suite = |name: &str, method: &str, extra: &str| {
        let path = dir.path().join(name);
        let text = format!(
            "name = \"s\"\n\n[[workloads]]\nname = \"w\"\ncategory = \"c\"\nmethod = \"{method}\"\npath = \"/a\"\n{extra}"
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    let cases = [
        (
            "unknown-key.toml",
            "GET",
            "speed = 1\n",
            "Additional properties are not allowed ('speed' was unexpected)",
        ),
        ("both-bodies.toml", "POST", "body = \"{}\"\nbody_file = \"b.json\"\n", "should not be valid"),
        ("method.toml", "FETCH", "", "'FETCH' is not one of ['GET'"),
        ("two-expects.toml", "GET", "[workloads.expect]\ntext = \"a\"\njson = 1\n", "should not be valid"),
        ("weight.toml", "GET", "weight = 0\n", "0 is less than the minimum of 1"),
        (
            "multipart-body.toml",
            "POST",
            "body = \"x\"\n[workloads.multipart]\nfiles = [{ size = 1 }]\n",
            "should not be valid",
        ),
        (
            "multipart-file-key.toml",
            "POST",
            "[workloads.multipart]\nfiles = [{ size = 1, name = \"f\" }]\n",
            "Additional properties are not allowed ('name' was unexpected)",
        ),
        (
            "multipart-two-expects.toml",
            "POST",
            "[workloads.multipart]\nfiles = [{ size = 1 }]\n[workloads.expect]\njson = 1\nmultipart_summary = true\n",
            "should not be valid",
        ),
    ];
    for (name, method, extra, message) in cases {
        let path = suite(name, method, extra);
        let (code, out) = validate("suite", &[&path]);
        assert_eq!(code, Some(1), "{name}: {out}");
        assert!(out.contains(message), "{name}: {out}");
        // The loader rejects each of them too (exit 2).
        let loader = Tag::new().command().args(["suites", "validate"]).arg(&path).output().unwrap();
        assert_eq!(loader.status.code(), Some(2), "{name}: {}", text(&loader).1);
    }
    let fine = suite("fine.toml", "GET", "weight = 2\n[workloads.expect]\nstatus = 200\ntext = \"a\"\n");
    assert_valid("suite", &[&fine]);
}
