//! Versioned schema migrations, embedded in the binary: one schema for SQLite and
//! PostgreSQL, rendered per dialect (only column types differ). Pure text; talks to nothing.
//!
//! A migration is never edited once released: a change to the schema is a new entry at the
//! end of [`MIGRATIONS`]. A store refuses a database whose newest applied version is above
//! [`LATEST`] (written by a newer harness).

/// The SQL dialect a migration is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first; versions are 1, 2, 3, … without gaps.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "runs, measurements, histograms, verdicts, change points", sql: V1 },
    Migration { version: 2, name: "shards held until their run is complete", sql: V2 },
];

/// The newest schema version this harness knows.
pub const LATEST: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// The bookkeeping table, created before anything else (same text in both dialects).
pub const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

// The shards of a sharded run (`run --segment`), held until every segment is there; then the
// merge is stored as one run and `merged_run_id` points at it. `group_key` names the run: the
// facts all its shards share (see `shard::group_key`).
const V2: &str = "
CREATE TABLE shards (
    group_key TEXT NOT NULL,
    segment TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    source TEXT,
    imported_at {time} NOT NULL,
    merged_run_id BIGINT REFERENCES runs (id)
);
CREATE INDEX shards_by_group ON shards (group_key);
";

// Types per dialect: {id} an auto-incrementing key, {time} a point in time (TIMESTAMPTZ in
// PostgreSQL; fixed-width RFC 3339 UTC text in SQLite, so text order is time order),
// {float} a double, {bool} a boolean (0/1 in SQLite). Every integer is BIGINT.
const V1: &str = "
CREATE TABLE runs (
    id {id},
    kind TEXT NOT NULL,
    git_commit TEXT,
    branch TEXT,
    dirty {bool},
    run_time {time} NOT NULL,
    host_fingerprint TEXT NOT NULL,
    host TEXT NOT NULL,
    config_fingerprint TEXT NOT NULL,
    configuration TEXT NOT NULL,
    harness_version TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    source TEXT,
    imported_at {time} NOT NULL
);
CREATE INDEX runs_by_time ON runs (run_time);
CREATE TABLE measurements (
    run_id BIGINT NOT NULL REFERENCES runs (id),
    run_time {time} NOT NULL,
    framework TEXT NOT NULL,
    suite TEXT NOT NULL,
    workload TEXT NOT NULL,
    round BIGINT NOT NULL,
    status TEXT NOT NULL,
    requests_per_sec {float},
    p50_ms {float},
    p90_ms {float},
    p99_ms {float},
    p999_ms {float},
    total_requests BIGINT,
    errors BIGINT NOT NULL,
    cpu_percent {float},
    memory_mb {float},
    PRIMARY KEY (run_id, framework, suite, workload, round, run_time)
);
CREATE INDEX measurements_by_series ON measurements (framework, suite, workload, run_time);
CREATE TABLE histograms (
    run_id BIGINT NOT NULL REFERENCES runs (id),
    framework TEXT NOT NULL,
    suite TEXT NOT NULL,
    workload TEXT NOT NULL,
    round BIGINT NOT NULL,
    encoding TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, framework, suite, workload, round)
);
CREATE TABLE check_verdicts (
    run_id BIGINT NOT NULL REFERENCES runs (id),
    framework TEXT NOT NULL,
    workload TEXT NOT NULL,
    severity TEXT NOT NULL,
    baseline_rps {float} NOT NULL,
    current_rps {float} NOT NULL,
    rps_change_percent {float} NOT NULL,
    baseline_p99_ms {float},
    current_p99_ms {float},
    p99_change_percent {float},
    p_value {float},
    significant {bool},
    reason TEXT NOT NULL,
    baseline_commit TEXT,
    PRIMARY KEY (run_id, framework, workload)
);
CREATE TABLE change_points (
    framework TEXT NOT NULL,
    suite TEXT NOT NULL,
    workload TEXT NOT NULL,
    metric TEXT NOT NULL,
    host_fingerprint TEXT NOT NULL,
    config_fingerprint TEXT NOT NULL,
    git_commit TEXT NOT NULL,
    run_time {time} NOT NULL,
    mean_before {float} NOT NULL,
    mean_after {float} NOT NULL,
    change_percent {float} NOT NULL,
    p_value {float} NOT NULL,
    detected_at {time} NOT NULL,
    PRIMARY KEY (framework, suite, workload, metric, host_fingerprint, config_fingerprint, git_commit)
);
CREATE TABLE alerts_sent (
    event_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    sent_at {time} NOT NULL
)
";

impl Migration {
    /// The statements of this migration for `dialect`, in order (no trailing `;`).
    pub fn statements(&self, dialect: Dialect) -> Vec<String> {
        let (id, time, float, boolean) = match dialect {
            Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "REAL", "INTEGER"),
            Dialect::Postgres => (
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                "TIMESTAMPTZ",
                "DOUBLE PRECISION",
                "BOOLEAN",
            ),
        };
        self.sql
            .replace("{id}", id)
            .replace("{time}", time)
            .replace("{float}", float)
            .replace("{bool}", boolean)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
        }
        assert_eq!(LATEST as usize, MIGRATIONS.len());
    }

    #[test]
    fn every_placeholder_is_rendered_in_both_dialects() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let all = MIGRATIONS.iter().flat_map(|m| m.statements(dialect)).collect::<Vec<_>>();
            assert!(all.iter().all(|s| !s.contains('{') && !s.contains('$')), "{all:?}");
            assert_eq!(all.iter().filter(|s| s.starts_with("CREATE TABLE")).count(), 7);
        }
        let pg = MIGRATIONS[0].statements(Dialect::Postgres).join("\n");
        assert!(pg.contains("run_time TIMESTAMPTZ NOT NULL"), "{pg}");
    }
}
