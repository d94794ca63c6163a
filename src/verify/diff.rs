//! Structural difference of two JSON values, as readable `$.path: …` lines.

use serde_json::Value;

/// Every difference between `expected` and `got`, numbers compared by value (`100` = `100.0`).
pub fn json_diff(expected: &Value, got: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("$", expected, got, &mut out);
    out
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y || ((x - y).abs() <= f64::EPSILON * x.abs().max(y.abs()) * 4.0),
        _ => false,
    }
}

fn walk(path: &str, e: &Value, g: &Value, out: &mut Vec<String>) {
    match (e, g) {
        (Value::Number(a), Value::Number(b)) => {
            if !numbers_equal(a, b) {
                out.push(format!("{path}: expected {a}, got {b}"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = child(path, k);
                match b.get(k) {
                    Some(w) => walk(&p, v, w, out),
                    None => out.push(format!("{p}: missing (expected {})", short(v))),
                }
            }
            for (k, v) in b {
                if !a.contains_key(k) {
                    out.push(format!("{}: unexpected (got {})", child(path, k), short(v)));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!("{path}: expected {} items, got {}", a.len(), b.len()));
            }
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ if e == g => {}
        _ => out.push(format!("{path}: expected {}, got {}", short(e), short(g))),
    }
}

fn child(path: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_diff() {
        let v = json!({"a": [1, {"b": null, "c": "é"}], "d": true});
        assert!(json_diff(&v, &v.clone()).is_empty());
        assert!(json_diff(&json!(100), &json!(100.0)).is_empty());
        assert!(json_diff(&json!(19.99), &json!(19.99)).is_empty());
    }

    #[test]
    fn paths_point_at_the_difference() {
        let d = json_diff(&json!({"a": [1, {"b": 2}], "x y": 1}), &json!({"a": [1, {"b": 3}, 4]}));
        assert_eq!(
            d,
            vec![
                "$.a: expected 2 items, got 3".to_string(),
                "$.a[1].b: expected 2, got 3".to_string(),
                "$[\"x y\"]: missing (expected 1)".to_string(),
            ]
        );
    }

    #[test]
    fn booleans_are_not_strings() {
        assert_eq!(
            json_diff(&json!(true), &json!("true")),
            vec!["$: expected true, got \"true\"".to_string()]
        );
    }
}
