//! The store's queries, shared by every SQL store: filters turned into parameterised SQL
//! (`$1`, `$2`, … placeholders; values are never spliced into the text), the values bound,
//! and the rows read back. Pure: no connection here.

use chrono::{DateTime, Utc};

use super::StoreError;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl From<&str> for Param {
    fn from(s: &str) -> Self {
        Param::Text(s.to_string())
    }
}

impl From<Option<&str>> for Param {
    fn from(s: Option<&str>) -> Self {
        s.map_or(Param::Null, Param::from)
    }
}

impl From<Option<f64>> for Param {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Param::Null, Param::Float)
    }
}

impl From<Option<bool>> for Param {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Param::Null, Param::Bool)
    }
}

/// A value read back from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// The text form of times in SQLite: fixed width, so that text order is time order.
pub fn time_text(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl Cell {
    fn bad(&self, want: &str) -> StoreError {
        StoreError::Decode(format!("expected {want}, found {self:?}"))
    }
    pub fn text(&self) -> Result<String, StoreError> {
        self.opt_text()?.ok_or_else(|| self.bad("text"))
    }
    pub fn opt_text(&self) -> Result<Option<String>, StoreError> {
        match self {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s.clone())),
            _ => Err(self.bad("text")),
        }
    }
    pub fn int(&self) -> Result<i64, StoreError> {
        self.opt_int()?.ok_or_else(|| self.bad("an integer"))
    }
    pub fn opt_int(&self) -> Result<Option<i64>, StoreError> {
        match self {
            Cell::Null => Ok(None),
            Cell::Int(i) => Ok(Some(*i)),
            _ => Err(self.bad("an integer")),
        }
    }
    pub fn opt_float(&self) -> Result<Option<f64>, StoreError> {
        match self {
            Cell::Null => Ok(None),
            Cell::Float(f) => Ok(Some(*f)),
            Cell::Int(i) => Ok(Some(*i as f64)),
            _ => Err(self.bad("a number")),
        }
    }
    pub fn opt_bool(&self) -> Result<Option<bool>, StoreError> {
        match self {
            Cell::Null => Ok(None),
            Cell::Bool(b) => Ok(Some(*b)),
            Cell::Int(i) => Ok(Some(*i != 0)),
            _ => Err(self.bad("a boolean")),
        }
    }
    pub fn time(&self) -> Result<DateTime<Utc>, StoreError> {
        match self {
            Cell::Time(t) => Ok(*t),
            Cell::Text(s) => DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::Decode(format!("time '{s}': {e}"))),
            _ => Err(self.bad("a time")),
        }
    }
}

/// Which rows a query covers; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub framework: Option<String>,
    pub suite: Option<String>,
    pub workload: Option<String>,
    pub branch: Option<String>,
    /// Runs at or after this time.
    pub since: Option<DateTime<Utc>>,
}

/// A column a filter value must exist in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Framework,
    Suite,
    Workload,
    Branch,
}

impl Dimension {
    /// The flag that filters on it.
    pub fn flag(self) -> &'static str {
        match self {
            Dimension::Framework => "--framework",
            Dimension::Suite => "--suite",
            Dimension::Workload => "--workload",
            Dimension::Branch => "--branch",
        }
    }

    /// Its distinct stored values, sorted.
    pub fn distinct_sql(self) -> &'static str {
        match self {
            Dimension::Framework => {
                "SELECT framework FROM measurements UNION SELECT framework FROM check_verdicts ORDER BY 1"
            }
            Dimension::Suite => "SELECT DISTINCT suite FROM measurements ORDER BY 1",
            Dimension::Workload => {
                "SELECT workload FROM measurements UNION SELECT workload FROM check_verdicts ORDER BY 1"
            }
            Dimension::Branch => "SELECT DISTINCT branch FROM runs WHERE branch IS NOT NULL ORDER BY 1",
        }
    }
}

/// SQL with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub sql: String,
    pub params: Vec<Param>,
}

/// `AND`-joined conditions on `m` (measurements or verdicts) and `r` (runs), numbered from `$first`.
fn conditions(f: &Filter, with_suite: bool, params: &mut Vec<Param>) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |column: &str, value: Param, op: &str| {
        params.push(value);
        out.push(format!("{column} {op} ${}", params.len()));
    };
    if let Some(v) = &f.framework {
        add("m.framework", Param::Text(v.clone()), "=");
    }
    if let (Some(v), true) = (&f.suite, with_suite) {
        add("m.suite", Param::Text(v.clone()), "=");
    }
    if let Some(v) = &f.workload {
        add("m.workload", Param::Text(v.clone()), "=");
    }
    if let Some(v) = &f.branch {
        add("r.branch", Param::Text(v.clone()), "=");
    }
    if let Some(t) = f.since {
        add("r.run_time", Param::Time(t), ">=");
    }
    out
}

fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

pub const RUN_COLUMNS: &str =
    "r.id, r.kind, r.git_commit, r.branch, r.dirty, r.run_time, r.host_fingerprint, \
     r.config_fingerprint, r.harness_version, r.content_hash, r.source";

/// Runs with at least one measurement or verdict matching `f`, oldest first.
pub fn runs(f: &Filter) -> Query {
    let mut params = Vec::new();
    let measured = where_clause(&conditions(f, true, &mut params)).replacen(" WHERE ", " AND ", 1);
    let verdict_filter = Filter { suite: None, ..f.clone() };
    let checked =
        where_clause(&conditions(&verdict_filter, false, &mut params)).replacen(" WHERE ", " AND ", 1);
    let sql = format!(
        "SELECT {RUN_COLUMNS}, \
         (SELECT count(*) FROM measurements c WHERE c.run_id = r.id), \
         (SELECT count(*) FROM check_verdicts c WHERE c.run_id = r.id) \
         FROM runs r WHERE EXISTS (SELECT 1 FROM measurements m WHERE m.run_id = r.id{measured}) \
         OR EXISTS (SELECT 1 FROM check_verdicts m WHERE m.run_id = r.id{checked}) \
         ORDER BY r.run_time, r.id"
    );
    Query { sql, params }
}

pub const MEASUREMENT_COLUMNS: &str =
    "m.framework, m.suite, m.workload, m.round, m.status, m.requests_per_sec, \
     m.p50_ms, m.p90_ms, m.p99_ms, m.p999_ms, m.total_requests, m.errors, m.cpu_percent, m.memory_mb, h.data";

/// Measurements matching `f` with their run and histogram, oldest run first.
pub fn measurements(f: &Filter) -> Query {
    let mut params = Vec::new();
    let w = where_clause(&conditions(f, true, &mut params));
    let sql = format!(
        "SELECT {RUN_COLUMNS}, {MEASUREMENT_COLUMNS} FROM measurements m JOIN runs r ON r.id = m.run_id \
         LEFT JOIN histograms h ON h.run_id = m.run_id AND h.framework = m.framework AND h.suite = m.suite \
         AND h.workload = m.workload AND h.round = m.round{w} \
         ORDER BY r.run_time, r.id, m.framework, m.suite, m.workload, m.round"
    );
    Query { sql, params }
}

pub const VERDICT_COLUMNS: &str = "m.framework, m.workload, m.severity, m.baseline_rps, m.current_rps, \
     m.rps_change_percent, m.baseline_p99_ms, m.current_p99_ms, m.p99_change_percent, m.p_value, \
     m.significant, m.reason, m.baseline_commit, r.configuration";

/// Check verdicts matching `f` (suite does not apply), oldest first.
pub fn verdicts(f: &Filter) -> Query {
    let mut params = Vec::new();
    let w = where_clause(&conditions(&Filter { suite: None, ..f.clone() }, false, &mut params));
    let sql = format!(
        "SELECT {RUN_COLUMNS}, {VERDICT_COLUMNS} FROM check_verdicts m JOIN runs r ON r.id = m.run_id{w} \
         ORDER BY r.run_time, r.id, m.framework, m.workload"
    );
    Query { sql, params }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_placeholders_never_text() {
        let f = Filter {
            framework: Some("x' OR 1=1 --".into()),
            branch: Some("main".into()),
            ..Filter::default()
        };
        let q = measurements(&f);
        assert!(q.sql.contains("m.framework = $1 AND r.branch = $2"), "{}", q.sql);
        assert!(!q.sql.contains("OR 1=1"));
        assert_eq!(q.params, vec![Param::Text("x' OR 1=1 --".into()), Param::Text("main".into())]);
        let q = runs(&f);
        assert_eq!(q.params.len(), 4, "{}", q.sql);
        assert!(q.sql.contains("$4"), "{}", q.sql);
    }

    #[test]
    fn cells_decode_both_dialects_forms() {
        assert_eq!(Cell::Int(1).opt_bool().unwrap(), Some(true));
        assert_eq!(Cell::Int(3).opt_float().unwrap(), Some(3.0));
        let t = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(Cell::Text(time_text(&t)).time().unwrap(), t);
        assert!(Cell::Text("x".into()).int().is_err());
    }
}
