//! `report --field DIR`: BENCHMARK_RESULTS.md from a directory of saved results, through the
//! real binary; a directory without a compare result is bad input (exit 2).

use crate::helpers::{repo, text, Tag};

#[test]
fn report_field_renders_a_directory_and_refuses_an_empty_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("results/field");
    std::fs::create_dir_all(&dir).unwrap();
    let doc = tmp.path().join("BENCHMARK_RESULTS.md");
    let tag = Tag::new();
    let args = |d: &std::path::Path| {
        let mut c = tag.command();
        c.args(["report", "--field"]).arg(d).arg("--markdown").arg(&doc);
        c
    };
    let out = args(&dir).output().unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has no compare.json") && err.contains("field-results.sh"), "{err}");
    std::fs::copy(repo().join("tests/fixtures/compare-3.json"), dir.join("compare.json")).unwrap();
    let out = args(&dir).output().unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let md = std::fs::read_to_string(&doc).unwrap();
    assert!(md.starts_with("# Benchmark results\n"), "{md}");
    assert!(md.contains("[compare.json](results/field/compare.json)"), "{md}");
    assert!(md.contains("No profile results in"), "{md}");
    // A file and --field together are refused by the parser (exit 2).
    let out = tag.command().args(["report", "x.json", "--field"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    tag.assert_no_leftovers();
}
