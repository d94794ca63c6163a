//! Tests of `format.rs` (a child module of it, so they see its private items).

use super::*;
use serde_json::json;

fn expect_json(text: &str) -> Result<serde_json::Value, String> {
    let expect: RawExpect = toml::from_str(text).map_err(|e| e.to_string())?;
    toml_to_json(expect.json.unwrap().get_ref(), "expect.json")
}

#[test]
fn json_keeps_integers_floats_and_order() {
    let value =
        expect_json("json = { id = 42, price = 19.99, tags = [\"a\", true], nested = { z = 1, a = 0.5 } }")
            .unwrap();
    assert_eq!(value, json!({"id": 42, "price": 19.99, "tags": ["a", true], "nested": {"z": 1, "a": 0.5}}));
    assert!(value["id"].is_i64());
    assert!(value["price"].is_f64());
    let keys: Vec<_> = value["nested"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["z", "a"]);
}

#[test]
fn json_accepts_non_table_values() {
    assert_eq!(expect_json("json = [1, 2]").unwrap(), json!([1, 2]));
    assert_eq!(expect_json("json = \"ok\"").unwrap(), json!("ok"));
}

#[test]
fn json_rejects_datetimes_with_their_location() {
    let error = expect_json("json = { a = [1, 2024-01-15] }").unwrap_err();
    assert!(error.contains("expect.json.a[1]"), "{error}");
    assert!(error.contains("2024-01-15"), "{error}");
    assert!(error.contains("quote it"), "{error}");
}

#[test]
fn json_rejects_non_finite_floats() {
    let error = expect_json("json = { x = nan }").unwrap_err();
    assert!(error.contains("expect.json.x is NaN"), "{error}");
}

#[test]
fn the_schema_lists_the_methods_validate_accepts() {
    let schema: serde_json::Value = serde_json::from_str(&suite_schema()).unwrap();
    let methods = &schema["$defs"]["Workload"]["properties"]["method"]["enum"];
    assert_eq!(methods, &json!(crate::workload::METHODS), "{schema:#}");
    assert_eq!(schema["required"], json!(["name", "workloads"]));
    assert!(!suite_schema().contains("null"), "TOML has no null");
}

#[test]
fn headers_keep_file_order_and_require_strings() {
    #[derive(Deserialize)]
    struct H {
        headers: RawHeaders,
    }
    let h: H = toml::from_str("headers = { \"X-B\" = \"2\", \"X-A\" = \"1\" }").unwrap();
    assert_eq!(h.headers.0, [("X-B".into(), "2".into()), ("X-A".into(), "1".into())]);
    assert!(toml::from_str::<H>("headers = { \"X-A\" = 1 }").is_err());
}
