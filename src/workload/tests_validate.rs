//! Tests of `validate.rs` (a child module of it, so they see its private items).

use super::*;

const HEAD: &str = "name = \"t\"\ndescription = \"d\"\n\n[[workloads]]\n";
const GET: &str = "name = \"a\"\ncategory = \"c\"\nmethod = \"GET\"\npath = \"/a\"\n";

fn parse(text: &str) -> Result<Suite, WorkloadError> {
    build_suite(text, "suites/x.toml", "suites/x.toml", Fixtures::Embedded)
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

/// A suite with one GET workload named `a` (lines 4-8), then `extra`.
fn one(extra: &str) -> String {
    format!("{HEAD}{GET}{extra}")
}

#[test]
fn unknown_key_points_at_the_key() {
    let text = "name = \"t\"\n[[workloads]]\nname = \"a\"\nmethd = \"GET\"\n";
    let error = parse(text).unwrap_err();
    assert!(matches!(error, WorkloadError::Syntax { line: 4, column: 1, .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("suites/x.toml:4:1: unknown field `methd`, expected one of `name`"),
        "{message}"
    );
    assert!(message.contains("`method`"), "{message}");
}

#[test]
fn unknown_key_in_expect_and_top_level_are_errors() {
    let message = error(&one("[workloads.expect]\nstatuss = 200\n"));
    assert!(message.starts_with("suites/x.toml:10:1: unknown field `statuss`"), "{message}");
    let message = error("nme = \"t\"\n");
    assert!(message.starts_with("suites/x.toml:1:1: unknown field `nme`"), "{message}");
}

#[test]
fn syntax_errors_and_wrong_types_carry_line_and_column() {
    let message = error("name = \"t\"\n[[workloads]\n");
    assert!(message.starts_with("suites/x.toml:2:12: invalid table header"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    let message = error(&one("headers = { a = 1 }\n"));
    assert!(
        message.starts_with("suites/x.toml:9:17: invalid type: integer `1`, expected a string"),
        "{message}"
    );
    let message = error(&format!("{HEAD}name = \"a\"\n"));
    assert!(message.starts_with("suites/x.toml:4:1: missing field `category`"), "{message}");
}

#[test]
fn defaults_are_status_200_weight_1_and_any_body() {
    let suite = parse(&one("")).unwrap();
    let w = &suite.workloads[0];
    assert_eq!((w.weight, w.expect.status), (1, 200));
    assert_eq!(w.expect.body, ExpectBody::Any);
    assert!(w.body.is_empty() && w.headers.is_empty() && w.content_type.is_none());
}

#[test]
fn duplicate_names_point_at_the_second_one() {
    let text = format!("{}\n[[workloads]]\n{GET}", one(""));
    let message = error(&text);
    assert_eq!(
        message,
        "suites/x.toml:11:8: duplicate workload name 'a' (first defined on line 5); names must be unique within a suite"
    );
}

#[test]
fn body_and_body_file_together_are_rejected() {
    let message = error(&one("body = \"x\"\nbody_file = \"fixtures/json-small.json\"\n"));
    assert_eq!(message, "suites/x.toml:10:13: workload 'a' sets both body and body_file; keep one of them");
}

#[test]
fn a_missing_body_file_names_where_it_was_looked_for() {
    let message = error(&one("body_file = \"fixtures/nope.json\"\n"));
    assert!(message.starts_with("suites/x.toml:9:13: no embedded fixture 'fixtures/nope.json' for body_file; embedded fixtures: fixtures/json-small.json"), "{message}");
    let dir = tempfile::tempdir().unwrap();
    let error =
        build_suite(&one("body_file = \"nope.json\"\n"), "x.toml", "x.toml", Fixtures::Dir(dir.path()))
            .unwrap_err()
            .to_string();
    assert!(error.starts_with("x.toml:9:13: cannot read body_file 'nope.json' (resolved to '"), "{error}");
    assert!(error.contains("paths are relative to the suite file"), "{error}");
}

#[test]
fn echo_body_needs_a_json_body() {
    let message = error(&one("[workloads.expect]\necho_body = true\n"));
    assert_eq!(
        message,
        "suites/x.toml:10:13: echo_body = true needs a request body; add body or body_file to workload 'a'"
    );
    let message = error(&one("body = \"a=1\"\n[workloads.expect]\necho_body = true\n"));
    assert!(
        message.starts_with(
            "suites/x.toml:9:8: echo_body compares JSON, but the body of workload 'a' is not valid JSON"
        ),
        "{message}"
    );
}

#[test]
fn bad_method_and_path_list_what_is_valid() {
    let text = one("").replace("\"GET\"", "\"get\"");
    assert_eq!(
        error(&text),
        "suites/x.toml:7:10: unknown method 'get'; valid methods: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
    );
    let text = one("").replace("\"/a\"", "\"a\"");
    assert_eq!(error(&text), "suites/x.toml:8:8: path 'a' must start with '/', e.g. \"/a\"");
    let text = one("").replace("\"/a\"", "\"/a b\"");
    assert!(error(&text).contains("percent-encode"));
}

#[test]
fn an_empty_suite_is_rejected() {
    assert_eq!(
        error("name = \"t\"\n"),
        "suites/x.toml:1:1: suite 't' has no workloads; add at least one [[workloads]] table"
    );
    assert!(
        error("name = \"t\"\nworkloads = []\n").starts_with("suites/x.toml:2:13: suite 't' has no workloads")
    );
}

#[test]
fn at_most_one_expect_kind() {
    let message = error(&one("[workloads.expect]\ntext = \"x\"\njson = 1\n"));
    assert_eq!(
        message,
        "suites/x.toml:11:8: expect sets both text and json; use at most one of echo_body, json, json_file, text, multipart_summary"
    );
    // echo_body = false is the same as leaving it out.
    let suite = parse(&one("[workloads.expect]\necho_body = false\ntext = \"x\"\n")).unwrap();
    assert_eq!(suite.workloads[0].expect.body, ExpectBody::Text("x".into()));
}

#[test]
fn a_mixed_suite_takes_no_streaming_workload() {
    let text = format!(
        "mode = \"mixed\"\n{}",
        one("protocol = \"websocket\"\n").replace("\"/a\"", "\"/stream/ws\"")
    );
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("suites/x.toml:10:12: workload 'a' streams, and a mixed suite"), "{err}");
}

#[test]
fn mode_is_separate_or_mixed() {
    let mixed = parse(&format!("mode = \"mixed\"\n{}", one(""))).unwrap();
    assert_eq!(mixed.workloads[0].mix.as_deref(), Some("t"));
    let separate = parse(&format!("mode = \"separate\"\n{}", one(""))).unwrap();
    assert_eq!(separate.workloads[0].mix, None);
    let err = error(&format!("mode = \"interleaved\"\n{}", one("")));
    assert_eq!(err, "suites/x.toml:1:8: mode 'interleaved' is not known; use \"separate\" or \"mixed\"");
}

#[test]
fn out_of_range_numbers_are_rejected() {
    assert_eq!(
        error(&one("weight = 0\n")),
        "suites/x.toml:9:10: weight 0 is out of range; use an integer from 1 to 4294967295"
    );
    assert_eq!(
        error(&one("[workloads.expect]\nstatus = 1000\n")),
        "suites/x.toml:10:10: status 1000 is not an HTTP status; use 100 to 599"
    );
}

#[test]
fn inline_json_converts_and_datetimes_are_rejected() {
    let suite = parse(&one("[workloads.expect]\njson = { id = 42, price = 2.5, tags = [\"x\"] }\n")).unwrap();
    let ExpectBody::Json(value) = &suite.workloads[0].expect.body else {
        panic!("expected json");
    };
    assert_eq!(*value, serde_json::json!({"id": 42, "price": 2.5, "tags": ["x"]}));
    assert_eq!(value["id"].as_i64(), Some(42));
    let message = error(&one("[workloads.expect]\njson = { day = 2024-01-15 }\n"));
    assert!(
        message.starts_with("suites/x.toml:10:8: expect.json.day is the TOML datetime 2024-01-15"),
        "{message}"
    );
}

#[test]
fn headers_are_checked() {
    let message = error(&one("headers = { \"Content-Length\" = \"3\" }\n"));
    assert!(message.contains("Content-Length' is computed from the body"), "{message}");
    let message = error(&one("headers = { \"X Y\" = \"3\" }\n"));
    assert!(message.starts_with("suites/x.toml:9:11: invalid header name 'X Y'"), "{message}");
    let message = error(&one("content_type = \"a/b\"\nheaders = { \"content-type\" = \"c/d\" }\n"));
    assert!(message.contains("Content-Type is set twice"), "{message}");
}
