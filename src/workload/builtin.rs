//! The built-in suites and their fixture bodies, embedded into the binary at build time; calls nothing.
//!
//! The TOML files under `suites/` are the source: users can read and copy them. Body
//! files are looked up here by their path relative to the suite file, so the binary
//! works from any directory.

/// Built-in suites, in the order shown to users.
const SUITES: &[(&str, &str)] = &[
    ("all", include_str!("../../suites/all.toml")),
    ("json-bodies", include_str!("../../suites/json-bodies.toml")),
    ("path-params", include_str!("../../suites/path-params.toml")),
    ("query-params", include_str!("../../suites/query-params.toml")),
    ("forms", include_str!("../../suites/forms.toml")),
    ("baseline", include_str!("../../suites/baseline.toml")),
    ("multipart", include_str!("../../suites/multipart.toml")),
    ("streaming", include_str!("../../suites/streaming.toml")),
    ("mixed", include_str!("../../suites/mixed.toml")),
];

/// Fixture files, keyed by their path relative to `suites/`.
const FIXTURES: &[(&str, &[u8])] = &[
    ("fixtures/json-small.json", include_bytes!("../../suites/fixtures/json-small.json")),
    ("fixtures/json-medium.json", include_bytes!("../../suites/fixtures/json-medium.json")),
    ("fixtures/json-large.json", include_bytes!("../../suites/fixtures/json-large.json")),
    ("fixtures/json-very-large.json", include_bytes!("../../suites/fixtures/json-very-large.json")),
    ("fixtures/json-medium-variant.json", include_bytes!("../../suites/fixtures/json-medium-variant.json")),
    ("fixtures/json-large-variant.json", include_bytes!("../../suites/fixtures/json-large-variant.json")),
    (
        "fixtures/json-very-large-variant.json",
        include_bytes!("../../suites/fixtures/json-very-large-variant.json"),
    ),
];

/// Names of the built-in suites.
pub fn names() -> Vec<&'static str> {
    SUITES.iter().map(|(name, _)| *name).collect()
}

/// The TOML text of a built-in suite.
pub fn source(name: &str) -> Option<&'static str> {
    SUITES.iter().find(|(suite, _)| *suite == name).map(|(_, text)| *text)
}

/// An embedded fixture by its path relative to the suite file (`fixtures/x.json`,
/// also accepted as `./fixtures/x.json`).
pub(crate) fn fixture(relative: &str) -> Option<&'static [u8]> {
    let relative = relative.strip_prefix("./").unwrap_or(relative);
    FIXTURES.iter().find(|(path, _)| *path == relative).map(|(_, bytes)| *bytes)
}

/// Paths of the embedded fixtures, for error messages.
pub(crate) fn fixture_paths() -> Vec<&'static str> {
    FIXTURES.iter().map(|(path, _)| *path).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{load_suite, Suite, Workload};

    fn builtin(name: &str) -> Suite {
        load_suite(name).unwrap_or_else(|e| panic!("built-in suite {name}: {e}"))
    }

    #[test]
    fn every_builtin_suite_parses() {
        assert_eq!(
            names(),
            [
                "all",
                "json-bodies",
                "path-params",
                "query-params",
                "forms",
                "baseline",
                "multipart",
                "streaming",
                "mixed"
            ]
        );
        for name in names() {
            let suite = builtin(name);
            assert_eq!(suite.name, name);
            assert_eq!(suite.origin, "built-in");
            assert!(!suite.description.is_empty(), "{name}");
            assert!(!suite.workloads.is_empty(), "{name}");
        }
    }

    #[test]
    fn all_has_the_fifteen_contract_workloads_in_order() {
        let names: Vec<_> = builtin("all").workloads.into_iter().map(|w| w.name).collect();
        assert_eq!(
            names,
            [
                "json-small",
                "json-medium",
                "json-large",
                "json-very-large",
                "path-simple",
                "path-multiple",
                "path-deep",
                "path-int",
                "path-uuid",
                "path-date",
                "query-few",
                "query-medium",
                "query-many",
                "urlencoded-simple",
                "urlencoded-complex",
            ]
        );
    }

    #[test]
    fn category_suites_equal_the_all_workloads_of_their_category() {
        let all = builtin("all");
        for category in ["json-bodies", "path-params", "query-params", "forms"] {
            let expected: Vec<_> = all.workloads.iter().filter(|w| w.category == category).cloned().collect();
            assert!(!expected.is_empty(), "{category}");
            assert_eq!(builtin(category).workloads, expected, "{category}");
        }
    }

    #[test]
    fn the_mixed_suite_is_all_workloads_with_weights_measured_together() {
        let all = builtin("all");
        let mixed = builtin("mixed");
        let got: Vec<_> = mixed.workloads.iter().map(|w| (w.name.as_str(), w.weight)).collect();
        assert_eq!(got, [("path-simple", 4), ("query-few", 3), ("json-small", 2), ("urlencoded-simple", 1)]);
        for w in &mixed.workloads {
            assert_eq!(w.mix.as_deref(), Some("mixed"), "{}", w.name);
            let same = all.workloads.iter().find(|a| a.name == w.name).expect("in all");
            assert_eq!(&Workload { weight: same.weight, mix: None, ..w.clone() }, same);
        }
        assert!(all.workloads.iter().all(|w| w.mix.is_none()));
    }

    #[test]
    fn fixtures_are_json_within_ten_percent_of_their_target_size() {
        let targets = [
            ("fixtures/json-small.json", 86),
            ("fixtures/json-medium.json", 1536),
            ("fixtures/json-large.json", 15 * 1024),
            ("fixtures/json-very-large.json", 150 * 1024),
            ("fixtures/json-medium-variant.json", 1536),
            ("fixtures/json-large-variant.json", 15 * 1024),
            ("fixtures/json-very-large-variant.json", 150 * 1024),
        ];
        assert_eq!(fixture_paths().len(), targets.len());
        for (path, target) in targets {
            let bytes = fixture(path).unwrap();
            let size = bytes.len() as f64;
            assert!(
                (size - target as f64).abs() <= target as f64 * 0.1,
                "{path}: {size} B, target {target} B"
            );
            serde_json::from_slice::<serde_json::Value>(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }

    #[test]
    fn json_workloads_send_their_fixture_and_expect_an_echo() {
        use crate::workload::ExpectBody;
        for workload in builtin("json-bodies").workloads {
            let path = format!("fixtures/{}.json", workload.name);
            assert_eq!(workload.body, fixture(&path).unwrap(), "{}", workload.name);
            assert_eq!(workload.payload_size_bytes(), workload.body.len() as u64);
            assert_eq!(workload.expect.body, ExpectBody::Echo);
            assert_eq!(workload.content_type.as_deref(), Some("application/json"));
        }
    }

    fn expected_json(suite: &Suite, name: &str) -> serde_json::Value {
        let workload = suite.workloads.iter().find(|w| w.name == name).unwrap();
        match &workload.expect.body {
            crate::workload::ExpectBody::Json(value) => value.clone(),
            other => panic!("{name}: expected json, got {other:?}"),
        }
    }

    #[test]
    fn typed_answers_match_the_contract() {
        use serde_json::json;
        let all = builtin("all");
        assert_eq!(expected_json(&all, "path-int"), json!({"id": 42}));
        assert!(expected_json(&all, "path-int")["id"].is_i64());
        assert_eq!(expected_json(&all, "query-few"), json!({"q": "search", "page": 1, "limit": 20}));
        let many = expected_json(&all, "query-many");
        let many = many.as_object().unwrap();
        assert_eq!(many.len(), 16);
        for (key, value) in many {
            let kind = match key.as_str() {
                "page" | "limit" | "min_price" | "max_price" | "rating" => value.is_i64(),
                "verified" | "in_stock" => value == &json!(true),
                _ => value.is_string(),
            };
            assert!(kind, "query-many {key} = {value}");
        }
        let baseline = builtin("baseline");
        assert_eq!(expected_json(&baseline, "json-hello"), json!({"message": "Hello, World!"}));
        let plaintext = &baseline.workloads[0];
        assert_eq!((plaintext.method.as_str(), plaintext.path.as_str()), ("GET", "/plaintext"));
        assert_eq!(plaintext.expect.body, crate::workload::ExpectBody::Text("Hello, World!".into()));
    }

    /// Decodes `application/x-www-form-urlencoded` the way a server would.
    fn decode_form(body: &[u8]) -> serde_json::Map<String, serde_json::Value> {
        let decode = |part: &str| {
            let bytes = part.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'+' => out.push(b' '),
                    b'%' => {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                        out.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 2;
                    }
                    b => out.push(b),
                }
                i += 1;
            }
            String::from_utf8(out).unwrap()
        };
        std::str::from_utf8(body)
            .unwrap()
            .split('&')
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap();
                (decode(key), serde_json::Value::String(decode(value)))
            })
            .collect()
    }

    #[test]
    fn form_answers_are_the_decoded_bodies() {
        let forms = builtin("forms");
        for workload in &forms.workloads {
            let decoded = decode_form(&workload.body);
            assert_eq!(
                serde_json::Value::Object(decoded),
                expected_json(&forms, &workload.name),
                "{}",
                workload.name
            );
            assert_eq!(workload.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
        }
        let complex = &forms.workloads[1];
        assert_eq!(decode_form(&complex.body).len(), 18);
        let size = complex.payload_size_bytes();
        assert!((270..=330).contains(&size), "urlencoded-complex is {size} B");
        let body = String::from_utf8_lossy(&complex.body);
        for escape in ["+", "%40", "%2C", "%26", "%3D", "%C3%A9"] {
            assert!(body.contains(escape), "urlencoded-complex lacks {escape}");
        }
        assert_eq!(forms.workloads[0].payload_size_bytes(), 60);
    }

    #[test]
    fn multipart_workloads_match_the_contract_and_carry_a_differing_variant() {
        use serde_json::json;
        let suite = builtin("multipart");
        let contract = [
            ("multipart-small", "/multipart/small", 1, 1024),
            ("multipart-medium", "/multipart/medium", 2, 10240),
            ("multipart-large", "/multipart/large", 5, 102_400),
        ];
        assert_eq!(suite.workloads.len(), contract.len());
        for (workload, (name, path, files, bytes)) in suite.workloads.iter().zip(contract) {
            assert_eq!((workload.name.as_str(), workload.path.as_str()), (name, path));
            let expected = json!({"files_received": files, "total_bytes": bytes});
            assert_eq!(expected_json(&suite, name), expected);
            let content_type = workload.content_type.as_deref().unwrap();
            assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
            // Every file is one part in the field `files`; the body carries their bytes.
            let body = String::from_utf8(workload.body.clone()).unwrap();
            assert_eq!(body.matches("name=\"files\"; filename=").count(), files, "{name}");
            assert!(workload.payload_size_bytes() > bytes as u64, "{name}");
            assert_eq!(workload.variants.len(), 1, "{name}");
            let variant = &workload.variants[0];
            let crate::workload::ExpectBody::Json(answer) = &variant.expect.body else {
                panic!("{name}: the variant expects JSON");
            };
            assert_ne!(answer, &expected, "{name}: the variant must expect another answer");
            assert_ne!(answer["files_received"], expected["files_received"], "{name}");
            assert_eq!(variant.content_type.as_deref(), Some(content_type));
        }
        assert!(!builtin("all").workloads.iter().any(|w| w.category == "multipart"), "all stays the 15 seed");
    }

    #[test]
    fn fixture_lookup_accepts_a_leading_dot_slash() {
        assert!(fixture("./fixtures/json-small.json").is_some());
        assert!(fixture("fixtures/nope.json").is_none());
    }
}
