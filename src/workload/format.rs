//! Serde types of the suite TOML file exactly as written, and TOML → JSON conversion; calls nothing.
//!
//! Every value that a later check may reject is `Spanned`, so that `validate` can
//! point at its line and column. Unknown keys are rejected by serde itself.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

/// The top level of a suite file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuite {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub workloads: Option<Spanned<Vec<RawWorkload>>>,
}

/// One `[[workloads]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWorkload {
    pub name: Spanned<String>,
    pub category: Spanned<String>,
    pub method: Spanned<String>,
    pub path: Spanned<String>,
    #[serde(default)]
    pub content_type: Option<Spanned<String>>,
    #[serde(default)]
    pub body: Option<Spanned<String>>,
    #[serde(default)]
    pub body_file: Option<Spanned<String>>,
    #[serde(default)]
    pub headers: Option<Spanned<RawHeaders>>,
    #[serde(default)]
    pub weight: Option<Spanned<i64>>,
    #[serde(default)]
    pub expect: Option<RawExpect>,
}

/// The `[workloads.expect]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    #[serde(default)]
    pub status: Option<Spanned<i64>>,
    #[serde(default)]
    pub echo_body: Option<Spanned<bool>>,
    #[serde(default)]
    pub json: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub json_file: Option<Spanned<String>>,
    #[serde(default)]
    pub text: Option<Spanned<String>>,
}

/// `headers = { "X-Name" = "value" }`, in file order; values must be strings.
#[derive(Debug, Default)]
pub(crate) struct RawHeaders(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for RawHeaders {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeadersVisitor;

        impl<'de> Visitor<'de> for HeadersVisitor {
            type Value = RawHeaders;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of header names to string values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeaders, A::Error> {
                let mut headers = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    headers.push((name, value));
                }
                Ok(RawHeaders(headers))
            }
        }

        deserializer.deserialize_map(HeadersVisitor)
    }
}

/// Converts an inline `expect.json` value to JSON. `at` names the value in messages
/// (`expect.json`, then `expect.json.items[2]` and so on as it descends).
///
/// Integers stay integers and floats stay floats. TOML datetimes and non-finite
/// floats have no JSON form and are rejected with a message saying how to write them.
pub(crate) fn toml_to_json(value: &toml::Value, at: &str) -> Result<serde_json::Value, String> {
    use serde_json::Value as Json;
    Ok(match value {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::Number((*i).into()),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(number) => Json::Number(number),
            None => {
                return Err(format!(
                    "{at} is {f}, which JSON cannot represent; use a finite number or a string"
                ))
            }
        },
        toml::Value::Datetime(d) => {
            return Err(format!(
                "{at} is the TOML datetime {d}, which JSON cannot represent; \
                 quote it to expect a string: \"{d}\""
            ))
        }
        toml::Value::Array(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| toml_to_json(item, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Json::Object(
            table
                .iter()
                .map(|(key, item)| Ok((key.clone(), toml_to_json(item, &format!("{at}.{key}"))?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expect_json(text: &str) -> Result<serde_json::Value, String> {
        let expect: RawExpect = toml::from_str(text).map_err(|e| e.to_string())?;
        toml_to_json(expect.json.unwrap().get_ref(), "expect.json")
    }

    #[test]
    fn json_keeps_integers_floats_and_order() {
        let value = expect_json(
            "json = { id = 42, price = 19.99, tags = [\"a\", true], nested = { z = 1, a = 0.5 } }",
        )
        .unwrap();
        assert_eq!(
            value,
            json!({"id": 42, "price": 19.99, "tags": ["a", true], "nested": {"z": 1, "a": 0.5}})
        );
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
    fn headers_keep_file_order_and_require_strings() {
        #[derive(Deserialize)]
        struct H {
            headers: RawHeaders,
        }
        let h: H = toml::from_str("headers = { \"X-B\" = \"2\", \"X-A\" = \"1\" }").unwrap();
        assert_eq!(h.headers.0, [("X-B".into(), "2".into()), ("X-A".into(), "1".into())]);
        assert!(toml::from_str::<H>("headers = { \"X-A\" = 1 }").is_err());
    }
}
