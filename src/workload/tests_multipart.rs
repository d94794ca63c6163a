//! Tests of the `[workloads.multipart]` suite keys and `expect.multipart_summary`.

use serde_json::json;

use super::multipart::{self, FilePart};
use super::{parse_suite_str, ExpectBody, Suite, WorkloadError};

const HEAD: &str = "name = \"t\"\n\n[[workloads]]\nname = \"up\"\ncategory = \"multipart\"\nmethod = \"POST\"\npath = \"/up\"\n";

fn parse(rest: &str) -> Result<Suite, WorkloadError> {
    parse_suite_str(&format!("{HEAD}{rest}"), "x.toml", None)
}

fn error(rest: &str) -> String {
    parse(rest).unwrap_err().to_string()
}

#[test]
fn files_become_the_body_the_content_type_and_the_answer() {
    let suite = parse(
        "[workloads.multipart]\nboundary = \"b-1\"\n\
         files = [{ size = 10 }, { field = \"doc\", filename = \"a.txt\", content_type = \"text/plain\", size = 5 }]\n\
         [workloads.expect]\nmultipart_summary = true\n",
    )
    .unwrap();
    let w = &suite.workloads[0];
    let files = [
        FilePart::new("file-1.bin", 10),
        FilePart {
            field: "doc".into(),
            filename: "a.txt".into(),
            content_type: "text/plain".into(),
            size: 5,
        },
    ];
    assert_eq!(w.body, multipart::body("b-1", &files));
    assert_eq!(w.content_type.as_deref(), Some("multipart/form-data; boundary=b-1"));
    assert_eq!(w.expect.body, ExpectBody::Json(json!({"files_received": 2, "total_bytes": 15})));
    // No variant_files: the default variant adds a file of 333 bytes.
    assert_eq!(w.variants.len(), 1);
    let variant = &w.variants[0];
    assert_eq!(variant.body, multipart::body("b-1", &multipart::default_variant(&files)));
    assert_eq!(variant.expect.body, ExpectBody::Json(json!({"files_received": 3, "total_bytes": 348})));
    assert_eq!(variant.label, "variant with 3 files, 348 bytes");
}

#[test]
fn explicit_variant_files_and_status_carry_over() {
    let suite = parse(
        "[workloads.multipart]\nfiles = [{ size = 10 }]\nvariant_files = [{ size = 4 }]\n\
         [workloads.expect]\nstatus = 201\nmultipart_summary = true\n",
    )
    .unwrap();
    let variant = &suite.workloads[0].variants[0];
    assert_eq!(variant.expect.status, 201);
    assert_eq!(variant.expect.body, ExpectBody::Json(json!({"files_received": 1, "total_bytes": 4})));
    assert_eq!(variant.body, multipart::body(multipart::DEFAULT_BOUNDARY, &[FilePart::new("file-1.bin", 4)]));
}

#[test]
fn without_multipart_summary_there_is_no_variant() {
    let suite = parse("[workloads.multipart]\nfiles = [{ size = 10 }]\n").unwrap();
    assert!(suite.workloads[0].variants.is_empty());
    assert_eq!(suite.workloads[0].expect.body, ExpectBody::Any);
}

#[test]
fn unknown_keys_in_the_multipart_table_and_its_files_are_errors() {
    let message = error("[workloads.multipart]\nfiles = [{ size = 1 }]\nboundry = \"x\"\n");
    assert!(
        message.starts_with("x.toml:10:1: unknown field `boundry`, expected one of `boundary`"),
        "{message}"
    );
    let message = error("[workloads.multipart]\nfiles = [{ size = 1, name = \"f\" }]\n");
    assert!(message.starts_with("x.toml:9:22: unknown field `name`, expected one of `field`"), "{message}");
    let message = error("[workloads.multipart]\nfiles = [{ field = \"f\" }]\n");
    assert!(message.contains("missing field `size`"), "{message}");
}

#[test]
fn multipart_excludes_body_body_file_and_content_type() {
    for (line, key) in [
        ("body = \"x\"\n", "body"),
        ("body_file = \"fixtures/json-small.json\"\n", "body_file"),
        ("content_type = \"a/b\"\n", "content_type"),
    ] {
        let message = error(&format!("{line}[workloads.multipart]\nfiles = [{{ size = 1 }}]\n"));
        assert!(message.starts_with("x.toml:8:"), "{message}");
        assert!(message.contains(&format!("sets both {key} and [workloads.multipart]")), "{message}");
    }
    let message =
        error("headers = { \"Content-Type\" = \"a/b\" }\n[workloads.multipart]\nfiles = [{ size = 1 }]\n");
    assert!(message.contains("Content-Type is set by [workloads.multipart]"), "{message}");
}

#[test]
fn bad_values_point_at_themselves() {
    let message = error("[workloads.multipart]\nfiles = []\n");
    assert_eq!(message, "x.toml:9:9: multipart.files is empty; list at least one file");
    let message = error("[workloads.multipart]\nfiles = [{ size = 1 }, { size = -1 }]\n");
    assert_eq!(message, "x.toml:9:33: multipart.files[1].size -1 is out of range; use 0 to 67108864 bytes");
    let message = error("[workloads.multipart]\nfiles = [{ filename = \"a\\\"b\", size = 1 }]\n");
    assert!(
        message.starts_with("x.toml:9:23: multipart.files[0].filename \"a\\\"b\" contains a quote"),
        "{message}"
    );
    let message = error("[workloads.multipart]\nboundary = \"a b\"\nfiles = [{ size = 1 }]\n");
    assert!(message.starts_with("x.toml:9:12: boundary \"a b\" contains ' '"), "{message}");
}

#[test]
fn multipart_summary_needs_files_and_excludes_other_answers() {
    let message = error("[workloads.expect]\nmultipart_summary = true\n");
    assert_eq!(
        message,
        "x.toml:9:21: multipart_summary = true needs a [workloads.multipart] table in workload 'up'"
    );
    let message =
        error("[workloads.multipart]\nfiles = [{ size = 1 }]\n[workloads.expect]\njson = 1\nmultipart_summary = true\n");
    assert!(message.starts_with("x.toml:12:21: expect sets both json and multipart_summary"), "{message}");
}

#[test]
fn variant_files_must_be_checkable_and_differ() {
    let message = error("[workloads.multipart]\nfiles = [{ size = 1 }]\nvariant_files = [{ size = 2 }]\n");
    assert!(
        message.starts_with("x.toml:10:17: variant_files of workload 'up' need expect.multipart_summary"),
        "{message}"
    );
    // Another split of the same count and total is no variant: a constant answer would pass.
    let message = error(
        "[workloads.multipart]\nfiles = [{ size = 1 }, { size = 3 }]\nvariant_files = [{ size = 2 }, { size = 2 }]\n\
         [workloads.expect]\nmultipart_summary = true\n",
    );
    assert!(message.contains("same file count and total size as files"), "{message}");
}

#[test]
fn a_one_file_variant_is_named_in_the_singular() {
    let suite = parse(
        "[workloads.multipart]\nfiles = [{ size = 10 }, { size = 1 }]\nvariant_files = [{ size = 300 }]\n\
         [workloads.expect]\nmultipart_summary = true\n",
    )
    .unwrap();
    assert_eq!(suite.workloads[0].variants[0].label, "variant with 1 file, 300 bytes");
}
