//! Checks of the shipped Grafana files (`grafana/`), compiled as a test module of
//! `history`: every dashboard parses and has what Grafana needs, each panel, annotation and
//! variable query names only tables and columns of the store's schema, and each returns
//! the columns its panel reads. Grafana itself is not run here (it is not packaged).
//!
//! `queries()`, `output_columns()` and `expand_for_postgres()` are for the store's
//! PostgreSQL test, which runs every query against imported results.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The uid of the provisioned data source, which every panel must use.
pub(crate) const DATASOURCE_UID: &str = "benchmark-harness-pg";

fn grafana_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana")
}

/// Every dashboard file, parsed.
pub(crate) fn dashboards() -> Vec<(String, Value)> {
    let dir = grafana_dir().join("dashboards");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

/// One SQL query of a dashboard and what reads it.
#[derive(Debug, Clone)]
pub(crate) struct DashboardQuery {
    /// `file: panel 'title'`, `file: annotation 'name'` or `file: variable 'name'`.
    pub source: String,
    pub sql: String,
    /// `time_series` (a `time`, a `metric` and value columns), `table`, `annotation`
    /// (`time`, `text`, `tags`) or `variable` (one column, or `__text` and `__value`).
    pub kind: String,
}

/// Every SQL query of every dashboard.
pub(crate) fn queries() -> Vec<DashboardQuery> {
    let mut out = Vec::new();
    for (file, d) in dashboards() {
        for p in d["panels"].as_array().into_iter().flatten() {
            for t in p["targets"].as_array().into_iter().flatten() {
                out.push(DashboardQuery {
                    source: format!("{file}: panel '{}'", p["title"].as_str().unwrap_or("?")),
                    sql: t["rawSql"].as_str().unwrap_or("").to_string(),
                    kind: t["format"].as_str().unwrap_or("?").to_string(),
                });
            }
        }
        for a in d["annotations"]["list"].as_array().into_iter().flatten().filter(|a| a["builtIn"] != 1) {
            out.push(DashboardQuery {
                source: format!("{file}: annotation '{}'", a["name"].as_str().unwrap_or("?")),
                sql: a["target"]["rawSql"].as_str().unwrap_or("").to_string(),
                kind: "annotation".into(),
            });
        }
        for v in d["templating"]["list"].as_array().into_iter().flatten().filter(|v| v["type"] == "query") {
            out.push(DashboardQuery {
                source: format!("{file}: variable '{}'", v["name"].as_str().unwrap_or("?")),
                sql: v["query"].as_str().unwrap_or("").to_string(),
                kind: "variable".into(),
            });
        }
    }
    out
}

/// Grafana's macros and variables replaced as Grafana does for PostgreSQL, so that a
/// query can be run with `psql` or a client: `$__timeFilter(col)` → `col BETWEEN 'from'
/// AND 'to'`, `$__timeFrom()`/`$__timeTo()` → the quoted times, `$var`/`${var}`/
/// `${var:fmt}` → the values quoted and comma-separated (an unknown variable is left).
pub(crate) fn expand_for_postgres(
    sql: &str,
    vars: &BTreeMap<&str, Vec<String>>,
    from: &str,
    to: &str,
) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut out = String::new();
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(args) = rest.strip_prefix("$__timeFilter(") {
            let close = args.find(')').expect("$__timeFilter without ')'");
            out.push_str(&format!("{} BETWEEN {} AND {}", &args[..close], quote(from), quote(to)));
            rest = &args[close + 1..];
        } else if let Some(r) = rest.strip_prefix("$__timeFrom()") {
            out.push_str(&quote(from));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("$__timeTo()") {
            out.push_str(&quote(to));
            rest = r;
        } else {
            let (name, len) = if let Some(braced) = rest.strip_prefix("${") {
                let close = braced.find('}').expect("${ without }");
                (braced[..close].split(':').next().unwrap(), close + 3)
            } else {
                let n = rest[1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len() - 1);
                (&rest[1..1 + n], n + 1)
            };
            match vars.get(name) {
                Some(values) => out.push_str(&values.iter().map(|v| quote(v)).collect::<Vec<_>>().join(",")),
                None => out.push_str(&rest[..len]),
            }
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    out
}

/// Tables and their columns.
type Schema = BTreeMap<String, BTreeSet<String>>;

/// The store's schema as of the `history` branch's first migration (commit 8ab7c9d), for
/// a checkout without `src/history/migrations.rs`; with it, that file is read instead.
const SCHEMA_SNAPSHOT: &str = "
CREATE TABLE runs (id {id}, kind TEXT NOT NULL, git_commit TEXT, branch TEXT, dirty {bool},
    run_time {time} NOT NULL, host_fingerprint TEXT NOT NULL, host TEXT NOT NULL,
    config_fingerprint TEXT NOT NULL, configuration TEXT NOT NULL, harness_version TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE, source TEXT, imported_at {time} NOT NULL);
CREATE TABLE measurements (run_id BIGINT NOT NULL REFERENCES runs (id), run_time {time} NOT NULL,
    framework TEXT NOT NULL, suite TEXT NOT NULL, workload TEXT NOT NULL, round BIGINT NOT NULL,
    status TEXT NOT NULL, requests_per_sec {float}, p50_ms {float}, p90_ms {float}, p99_ms {float},
    p999_ms {float}, total_requests BIGINT, errors BIGINT NOT NULL, cpu_percent {float},
    memory_mb {float}, PRIMARY KEY (run_id, framework, suite, workload, round, run_time));
CREATE TABLE change_points (framework TEXT NOT NULL, suite TEXT NOT NULL, workload TEXT NOT NULL,
    metric TEXT NOT NULL, host_fingerprint TEXT NOT NULL, config_fingerprint TEXT NOT NULL,
    git_commit TEXT NOT NULL, run_time {time} NOT NULL, mean_before {float} NOT NULL,
    mean_after {float} NOT NULL, change_percent {float} NOT NULL, p_value {float} NOT NULL,
    detected_at {time} NOT NULL,
    PRIMARY KEY (framework, suite, workload, metric, host_fingerprint, config_fingerprint, git_commit));
";

/// The schema from the migrations source (or the snapshot), and where it came from.
fn store_schema() -> (Schema, &'static str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/history/migrations.rs");
    match std::fs::read_to_string(path) {
        Ok(text) => (parse_schema(&text), "src/history/migrations.rs"),
        Err(_) => (parse_schema(SCHEMA_SNAPSHOT), "the schema snapshot in grafana/tests.rs"),
    }
}

/// Tables and columns of every `CREATE TABLE name (…)` and `ALTER TABLE name ADD [COLUMN]
/// col` in `text` (SQL, or Rust source holding it).
fn parse_schema(text: &str) -> Schema {
    let mut schema = Schema::new();
    let mut rest = text;
    while let Some(at) = rest.find("CREATE TABLE ") {
        rest = &rest[at + 13..];
        let name = rest.trim_start().trim_start_matches("IF NOT EXISTS ").split(['(', ' ']).next().unwrap();
        let body_start = rest.find('(').unwrap() + 1;
        let (mut depth, mut end) = (1, body_start);
        for (i, c) in rest[body_start..].char_indices() {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if depth == 0 {
                end = body_start + i;
                break;
            }
        }
        let mut items = Vec::new();
        let (mut depth, mut start) = (0, body_start);
        for (i, c) in rest[body_start..end].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&rest[start..body_start + i]);
                    start = body_start + i + 1;
                }
                _ => {}
            }
        }
        items.push(&rest[start..end]);
        let columns = schema.entry(name.to_lowercase()).or_default();
        for item in items {
            let first = item.split_whitespace().next().unwrap_or("");
            if !["PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT", "CHECK", ""].contains(&first) {
                columns.insert(first.to_lowercase());
            }
        }
    }
    for line in text.split(';') {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(at) = words.windows(2).position(|w| w == ["ALTER", "TABLE"]) {
            let table = words.get(at + 2).map(|t| t.to_lowercase()).unwrap_or_default();
            if let Some(add) = words.iter().position(|w| *w == "ADD") {
                let col = if words.get(add + 1) == Some(&"COLUMN") {
                    words.get(add + 2)
                } else {
                    words.get(add + 1)
                };
                if let Some(col) = col {
                    schema.entry(table).or_default().insert(col.to_lowercase());
                }
            }
        }
    }
    schema
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted identifier or keyword, lowercased (as PostgreSQL folds it).
    Ident(String),
    /// A "quoted identifier".
    Quoted(String),
    Punct(char),
    /// `::`
    Cast,
    /// A literal, an operator, a Grafana macro or variable.
    Other,
}

fn tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '\'' || c == '"' {
            let mut j = i + 1;
            let mut s = String::new();
            while j < chars.len() {
                if chars[j] == c && chars.get(j + 1) == Some(&c) {
                    s.push(c);
                    j += 2;
                } else if chars[j] == c {
                    break;
                } else {
                    s.push(chars[j]);
                    j += 1;
                }
            }
            out.push(if c == '"' { Tok::Quoted(s) } else { Tok::Other });
            i = j + 1;
        } else if c == '$' {
            i += 1;
            if chars.get(i) == Some(&'{') {
                while i < chars.len() && chars[i] != '}' {
                    i += 1;
                }
                i += 1;
            } else {
                while i < chars.len() && word(chars[i]) {
                    i += 1;
                }
            }
            out.push(Tok::Other);
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (word(chars[i]) || chars[i] == '.' || (chars[i] == '-' && chars[i - 1] == 'e'))
            {
                i += 1;
            }
            out.push(Tok::Other);
        } else if word(c) {
            let start = i;
            while i < chars.len() && word(chars[i]) {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(Tok::Cast);
            i += 2;
        } else if "().,".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            out.push(Tok::Other);
            i += 1;
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "cross",
    "desc",
    "distinct",
    "else",
    "end",
    "exists",
    "false",
    "filter",
    "first",
    "from",
    "full",
    "group",
    "having",
    "ilike",
    "in",
    "inner",
    "interval",
    "is",
    "join",
    "last",
    "left",
    "like",
    "limit",
    "not",
    "null",
    "nulls",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "over",
    "partition",
    "right",
    "select",
    "some",
    "then",
    "true",
    "union",
    "using",
    "when",
    "where",
    "with",
    "within",
];

fn ident(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Problems with the tables and columns `sql` names: unknown tables, unknown columns of a
/// known table (qualified or not), unknown qualifiers. Functions, type casts, keywords,
/// literals, Grafana macros/variables and the query's own `AS` aliases are not columns.
fn schema_problems(sql: &str, schema: &Schema) -> Vec<String> {
    let t = tokens(sql);
    let mut problems = Vec::new();
    let mut qualifiers: BTreeMap<String, String> = BTreeMap::new();
    let mut tables: BTreeSet<String> = BTreeSet::new();
    let mut aliases: BTreeSet<String> = BTreeSet::new();
    let mut skip: BTreeSet<usize> = BTreeSet::new();
    for i in 0..t.len() {
        if matches!(ident(t.get(i)), Some("from" | "join")) {
            let Some(table) = ident(t.get(i + 1)) else { continue };
            skip.insert(i + 1);
            if !schema.contains_key(table) {
                problems.push(format!("unknown table '{table}'"));
            }
            tables.insert(table.to_string());
            qualifiers.insert(table.to_string(), table.to_string());
            let mut a = i + 2;
            if ident(t.get(a)) == Some("as") {
                a += 1;
            }
            if let Some(alias) = ident(t.get(a)).filter(|a| !KEYWORDS.contains(a)) {
                qualifiers.insert(alias.to_string(), table.to_string());
                skip.insert(a);
            }
        }
        if ident(t.get(i)) == Some("as") {
            if let Some(Tok::Ident(a) | Tok::Quoted(a)) = t.get(i + 1) {
                aliases.insert(a.clone());
                skip.insert(i + 1);
            }
        }
    }
    let known_anywhere =
        |c: &str| tables.iter().any(|tb| schema.get(tb).is_some_and(|cols| cols.contains(c)));
    let mut i = 0;
    while i < t.len() {
        let next_is = |k: usize, p: char| t.get(k) == Some(&Tok::Punct(p));
        match &t[i] {
            Tok::Ident(x) if !skip.contains(&i) && !KEYWORDS.contains(&x.as_str()) => {
                if i > 0 && t[i - 1] == Tok::Cast || next_is(i + 1, '(') {
                    // A type name or a function.
                } else if next_is(i + 1, '.') {
                    let col = ident(t.get(i + 2)).unwrap_or("");
                    match qualifiers.get(x) {
                        None => problems.push(format!("unknown table or alias '{x}' in '{x}.{col}'")),
                        Some(table) => {
                            if schema.get(table).is_some_and(|cols| !cols.contains(col)) {
                                problems.push(format!("table '{table}' has no column '{col}' ('{x}.{col}')"));
                            }
                        }
                    }
                    i += 2;
                } else if !known_anywhere(x) && !aliases.contains(x) {
                    problems.push(format!("unknown column '{x}' (tables: {tables:?})"));
                }
            }
            Tok::Quoted(x) if !skip.contains(&i) && !known_anywhere(x) && !aliases.contains(x) => {
                problems.push(format!("unknown column or alias \"{x}\""));
            }
            _ => {}
        }
        i += 1;
    }
    problems
}

/// The column names of the outermost `SELECT` list: each item's `AS` alias, or the (last
/// part of the) bare column name.
pub(crate) fn output_columns(sql: &str) -> Vec<String> {
    let t = tokens(sql);
    let mut out = Vec::new();
    let mut depth = 0;
    let mut item: Vec<&Tok> = Vec::new();
    let mut flush = |item: &mut Vec<&Tok>| {
        let name = match item.iter().rposition(|t| **t == Tok::Ident("as".into())) {
            Some(a) => match item.get(a + 1) {
                Some(Tok::Ident(s) | Tok::Quoted(s)) => Some(s.clone()),
                _ => None,
            },
            None => match item.last() {
                Some(Tok::Ident(s) | Tok::Quoted(s)) => Some(s.clone()),
                _ => None,
            },
        };
        out.extend(name);
        item.clear();
    };
    for tok in t.iter().skip_while(|t| **t != Tok::Ident("select".into())).skip(1) {
        match tok {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                flush(&mut item);
                continue;
            }
            Tok::Ident(k) if depth == 0 && k == "from" => break,
            Tok::Ident(k) if depth == 0 && k == "distinct" && item.is_empty() => continue,
            _ => {}
        }
        item.push(tok);
    }
    flush(&mut item);
    out
}

#[test]
fn every_dashboard_has_what_grafana_needs() {
    let all = dashboards();
    assert!(!all.is_empty(), "no dashboard in grafana/dashboards");
    for (file, d) in &all {
        for key in ["uid", "title"] {
            assert!(d[key].as_str().is_some_and(|s| !s.is_empty()), "{file}: no {key}");
        }
        assert!(d["schemaVersion"].as_u64().is_some(), "{file}: no schemaVersion");
        let panels = d["panels"].as_array().unwrap_or_else(|| panic!("{file}: no panels"));
        let mut ids = BTreeSet::new();
        for p in panels {
            let title = p["title"].as_str().unwrap_or_else(|| panic!("{file}: a panel without a title"));
            assert!(ids.insert(p["id"].as_u64().unwrap()), "{file}: panel id {} twice", p["id"]);
            assert!(["timeseries", "barchart", "table", "stat", "bargauge"]
                .contains(&p["type"].as_str().unwrap()));
            for k in ["h", "w", "x", "y"] {
                assert!(p["gridPos"][k].as_u64().is_some(), "{file}: '{title}' gridPos.{k}");
            }
            assert_eq!(p["datasource"]["uid"], DATASOURCE_UID, "{file}: '{title}'");
            let targets = p["targets"].as_array().filter(|t| !t.is_empty());
            for t in targets.unwrap_or_else(|| panic!("{file}: '{title}' has no query")) {
                assert_eq!(t["datasource"]["uid"], DATASOURCE_UID, "{file}: '{title}'");
                assert_eq!(t["rawQuery"], true, "{file}: '{title}'");
                assert!(t["refId"].as_str().is_some(), "{file}: '{title}'");
                assert!(
                    ["time_series", "table"].contains(&t["format"].as_str().unwrap_or("")),
                    "{file}: '{title}'"
                );
            }
        }
        let vars: Vec<&str> =
            d["templating"]["list"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
        for want in ["framework", "suite", "workload"] {
            assert!(vars.contains(&want), "{file}: no ${want} variable in {vars:?}");
        }
        let change_points = d["annotations"]["list"].as_array().unwrap().iter().any(|a| {
            a["datasource"]["uid"] == DATASOURCE_UID
                && a["target"]["rawSql"].as_str().is_some_and(|s| s.contains("FROM change_points"))
        });
        assert!(change_points, "{file}: no change-point annotation from the store");
    }
}

#[test]
fn every_query_names_only_the_stores_tables_and_columns() {
    let (schema, from) = store_schema();
    for table in ["runs", "measurements", "change_points"] {
        assert!(schema.contains_key(table), "{from}: no table {table}: {schema:?}");
    }
    let all = queries();
    assert!(all.len() >= 8, "{all:?}");
    for q in &all {
        assert!(!q.sql.trim().is_empty(), "{}: empty query", q.source);
        let problems = schema_problems(&q.sql, &schema);
        assert!(problems.is_empty(), "{} (schema from {from}): {problems:?}\n{}", q.source, q.sql);
    }
}

#[test]
fn every_query_returns_the_columns_its_panel_reads() {
    for q in queries() {
        let cols = output_columns(&q.sql);
        let has = |c: &str| cols.iter().any(|x| x == c);
        let ok = match q.kind.as_str() {
            "time_series" => has("time") && has("metric") && cols.len() >= 3,
            "annotation" => has("time") && has("text") && has("tags"),
            "variable" => cols.len() == 1 || (has("__text") && has("__value") && cols.len() == 2),
            "table" => !cols.is_empty(),
            other => panic!("{}: unknown kind {other}", q.source),
        };
        assert!(ok, "{} ({}): columns {cols:?}", q.source, q.kind);
    }
}

#[test]
fn the_schema_check_catches_wrong_names() {
    let schema = parse_schema(SCHEMA_SNAPSHOT);
    assert_eq!(schema["runs"].len(), 14);
    assert!(schema["measurements"].contains("p99_ms") && !schema["measurements"].contains("primary"));
    let ok = "SELECT m.run_time AS \"time\", avg(m.requests_per_sec) AS rps FROM measurements m \
              JOIN runs r ON r.id = m.run_id WHERE $__timeFilter(m.run_time) AND r.host_fingerprint IN ($host) \
              AND m.p99_ms::float > 0 GROUP BY 1 ORDER BY \"time\", rps";
    assert_eq!(schema_problems(ok, &schema), Vec::<String>::new());
    let bad = [
        ("SELECT m.p99 FROM measurements m", "no column 'p99'"),
        ("SELECT x FROM measurements", "unknown column 'x'"),
        ("SELECT 1 FROM results", "unknown table 'results'"),
        ("SELECT q.framework FROM measurements m", "unknown table or alias 'q'"),
        ("SELECT framework FROM measurements ORDER BY \"when\"", "\"when\""),
        ("SELECT git_commit FROM measurements", "unknown column 'git_commit'"),
    ];
    for (sql, want) in bad {
        let p = schema_problems(sql, &schema);
        assert!(p.iter().any(|s| s.contains(want)), "{sql}: {p:?}");
    }
    // ALTER TABLE … ADD COLUMN extends a table.
    let more = parse_schema("CREATE TABLE t (a TEXT); ALTER TABLE t ADD COLUMN b TEXT;");
    assert_eq!(more["t"], ["a".to_string(), "b".to_string()].into());
}

#[test]
fn output_columns_and_macro_expansion() {
    let sql = "SELECT DISTINCT m.run_time AS \"time\", a || b AS metric, percentile_cont(0.5) WITHIN GROUP \
               (ORDER BY m.p99_ms) AS \"p99 ms\", m.workload FROM measurements m";
    assert_eq!(output_columns(sql), ["time", "metric", "p99 ms", "workload"]);
    let vars: BTreeMap<&str, Vec<String>> = [("framework", vec!["a".into(), "o'k".into()])].into();
    let got = expand_for_postgres(
        "WHERE $__timeFilter(m.run_time) AND f IN ($framework) AND g IN (${framework:csv}) AND h = $other",
        &vars,
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    );
    assert_eq!(
        got,
        "WHERE m.run_time BETWEEN '2026-01-01T00:00:00Z' AND '2026-02-01T00:00:00Z' AND f IN ('a','o''k') \
         AND g IN ('a','o''k') AND h = $other"
    );
}

#[test]
fn the_provisioning_files_point_at_the_dashboards_and_keep_secrets_out() {
    let ds = std::fs::read_to_string(grafana_dir().join("provisioning/datasources/benchmark-harness.yaml"))
        .unwrap();
    let value = |text: &str, key: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(&format!("{key}:")).map(|v| v.trim().to_string()))
    };
    assert_eq!(value(&ds, "uid").as_deref(), Some(DATASOURCE_UID));
    assert_eq!(value(&ds, "type").as_deref(), Some("grafana-postgresql-datasource"));
    // Connection settings and the password come from the environment, never the file.
    for (key, var) in [
        ("url", "BENCHMARK_HARNESS_PG_HOST"),
        ("user", "BENCHMARK_HARNESS_PG_USER"),
        ("password", "BENCHMARK_HARNESS_PG_PASSWORD"),
        ("database", "BENCHMARK_HARNESS_PG_DATABASE"),
    ] {
        assert_eq!(value(&ds, key), Some(format!("${{{var}}}")), "{key}");
    }
    let dash = std::fs::read_to_string(grafana_dir().join("provisioning/dashboards/benchmark-harness.yaml"))
        .unwrap();
    assert_eq!(value(&dash, "type").as_deref(), Some("file"));
    assert!(value(&dash, "path").is_some_and(|p| p.starts_with('/')));
}
