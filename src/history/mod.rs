//! The results store: every run, profile, compare and check result in a database (embedded
//! SQLite by default, PostgreSQL for teams), trends over commits, exports. Talks to `schema`
//! and `stats`; never prints (the `history` command in `cli` does).
//!
//! [`HistoryStore`] is the plug point; [`SqliteStore`] and [`PostgresStore`] implement it
//! with the same schema ([`migrations`]) and the same parameterised SQL ([`query`]).
//! [`changepoint`] finds persistent shifts in a series (pure functions).

pub mod alert;
pub mod changepoint;
pub mod changes;
pub mod export;
/// Checks of the Grafana dashboards and provisioning files in `grafana/`.
#[cfg(test)]
#[path = "../../grafana/tests.rs"]
pub(crate) mod grafana_check;
pub mod migrations;
pub mod notify;
mod ops;
mod postgres;
pub mod query;
pub mod record;
pub mod rows;
pub mod shards;
mod sqlite;
pub mod trend;
pub mod trend_html;

#[cfg(test)]
mod pg_cluster;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_parse;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub use self::postgres::PostgresStore;
pub use changes::ChangeRecord;
pub use query::{Dimension, Filter};
pub use record::{record, RunRecord};
pub use rows::{MeasurementRow, RunRow, RunSummary, VerdictRow};
pub use sqlite::SqliteStore;

/// The environment variable naming the database when `--db` is not given.
pub const DB_ENV: &str = "BENCHMARK_HARNESS_DB";

/// A results store.
pub trait HistoryStore {
    /// Where the store is, for messages (a password never appears).
    fn location(&self) -> String;
    /// Remarks on the store, e.g. that TimescaleDB was not available so plain tables are used.
    fn notes(&self) -> Vec<String>;
    /// The database's schema version.
    fn schema_version(&mut self) -> Result<u32, StoreError>;
    /// Store one result (one transaction); a result already stored (same content hash) is a no-op.
    fn import(&mut self, record: &RunRecord) -> Result<Imported, StoreError>;
    /// Hold a shard of a sharded run (one transaction); when it completes its run, store the
    /// merge that `assemble` makes (see [`shards`]).
    fn import_shard(
        &mut self,
        shard: &shards::NewShard,
        assemble: shards::Assemble<'_>,
    ) -> Result<shards::ShardImported, StoreError>;
    /// Runs with a measurement or verdict matching `filter`, oldest first.
    fn runs(&mut self, filter: &Filter) -> Result<Vec<RunSummary>, StoreError>;
    /// Measurements matching `filter` with their runs and histograms, oldest first.
    fn measurements(&mut self, filter: &Filter) -> Result<Vec<MeasurementRow>, StoreError>;
    /// Check verdicts matching `filter`, oldest first.
    fn verdicts(&mut self, filter: &Filter) -> Result<Vec<VerdictRow>, StoreError>;
    /// The distinct stored values of a column, sorted.
    fn distinct(&mut self, dimension: Dimension) -> Result<Vec<String>, StoreError>;
    /// Remove runs (one transaction).
    fn prune(&mut self, rule: &PruneRule) -> Result<Pruned, StoreError>;
    /// Remember change points (one transaction); for each, true when it was not stored yet.
    fn record_changes(&mut self, changes: &[ChangeRecord]) -> Result<Vec<bool>, StoreError>;
    /// The ids of the alert events already mailed.
    fn sent_alerts(&mut self) -> Result<BTreeSet<String>, StoreError>;
    /// Remember mailed alert events (one transaction).
    fn record_alerts(&mut self, sent: &[SentAlert]) -> Result<(), StoreError>;
}

/// An alert event that was mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentAlert {
    /// `AlertEvent::id`.
    pub id: String,
    /// `change_point` or `check_regression`.
    pub kind: String,
    pub subject: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    New {
        run_id: i64,
        measurements: usize,
        verdicts: usize,
    },
    /// The same content was already stored as this run: nothing was written.
    Duplicate {
        run_id: i64,
    },
}

/// Which runs `prune` removes: older than `before`, or past the `keep` newest.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PruneRule {
    pub before: Option<DateTime<Utc>>,
    pub keep: Option<u32>,
    /// Count only; delete nothing.
    pub dry_run: bool,
}

/// What `prune` removed (or would remove).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub runs: usize,
    pub measurements: usize,
    pub kept: usize,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be opened: a bad path, a file that is not a database, a bad URL.
    #[error("cannot open the history database {location}: {reason}")]
    Open { location: String, reason: String },
    /// The server did not answer.
    #[error("cannot reach the history database {location}: {reason}")]
    Unreachable { location: String, reason: String },
    #[error("the history database {location} has schema version {found}, newer than this harness understands ({known}); upgrade benchmark-harness")]
    TooNew { location: String, found: u32, known: u32 },
    #[error("history database {location}: {reason}")]
    Sql { location: String, reason: String },
    #[error("cannot read a stored value: {0}")]
    Decode(String),
    /// A shard that cannot join the shards held for its run (overlap, not of its sequence).
    #[error("{0}")]
    Refused(String),
}

/// A failure of the history commands' inputs or store.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{file}: {reason}")]
    BadFile { file: String, reason: String },
    #[error("unknown {flag} '{value}'; {valid}")]
    Unknown { flag: &'static str, value: String, valid: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HistoryError {
    /// True for bad input (exit 2); false for a run-time failure such as an unreachable server.
    pub fn is_bad_input(&self) -> bool {
        match self {
            HistoryError::BadFile { .. } | HistoryError::Unknown { .. } => true,
            HistoryError::Store(e) => e.is_bad_input(),
        }
    }
}

impl StoreError {
    /// True for bad input (exit 2): a database that cannot be opened, a newer schema, a refused
    /// shard.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, StoreError::Open { .. } | StoreError::TooNew { .. } | StoreError::Refused(_))
    }
}

/// Which database to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbSpec {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl DbSpec {
    /// `postgres://…` / `postgresql://…` is PostgreSQL; anything else a SQLite file path.
    pub fn parse(text: &str) -> DbSpec {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            DbSpec::Postgres(text.to_string())
        } else {
            DbSpec::Sqlite(PathBuf::from(text))
        }
    }

    /// `--db` if given, else `$BENCHMARK_HARNESS_DB`, else `history.db` in the harness cache.
    pub fn choose(flag: Option<&str>) -> DbSpec {
        match flag.map(String::from).or_else(|| std::env::var(DB_ENV).ok().filter(|v| !v.is_empty())) {
            Some(text) => DbSpec::parse(&text),
            None => DbSpec::Sqlite(default_path()),
        }
    }

    /// For messages: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            DbSpec::Sqlite(p) => p.display().to_string(),
            DbSpec::Postgres(url) => redact(url),
        }
    }
}

/// `~/.cache/benchmark-harness/history.db` (the harness cache, `$BENCHMARK_HARNESS_CACHE`).
pub fn default_path() -> PathBuf {
    crate::app::cache_dir().join("history.db")
}

/// The URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{host}"),
        None => url.to_string(),
    }
}

/// Open (and migrate) the store `spec` names.
pub fn open(spec: &DbSpec) -> Result<Box<dyn HistoryStore>, StoreError> {
    Ok(match spec {
        DbSpec::Sqlite(path) => Box::new(SqliteStore::open(path)?),
        DbSpec::Postgres(url) => Box::new(PostgresStore::connect(url)?),
    })
}

/// Read and parse a result file into a record (checks `schema_version` like every reader).
pub fn read_record(path: &Path) -> Result<RunRecord, HistoryError> {
    let file = path.display().to_string();
    let value: serde_json::Value = crate::schema::read_result(path)
        .map_err(|e| HistoryError::BadFile { file: file.clone(), reason: e.to_string() })?;
    record(&value, Some(&file))
}

/// Check that each filter value exists in the store; the error names the stored values.
pub fn check_filter(store: &mut dyn HistoryStore, filter: &Filter) -> Result<(), HistoryError> {
    let wanted = [
        (Dimension::Framework, &filter.framework),
        (Dimension::Suite, &filter.suite),
        (Dimension::Workload, &filter.workload),
        (Dimension::Branch, &filter.branch),
    ];
    for (dimension, value) in wanted {
        let Some(value) = value else { continue };
        let known = store.distinct(dimension)?;
        if !known.contains(value) {
            let valid = if known.is_empty() {
                format!("the store at {} holds none yet", store.location())
            } else {
                format!("stored: {}", known.join(", "))
            };
            return Err(HistoryError::Unknown { flag: dimension.flag(), value: value.clone(), valid });
        }
    }
    Ok(())
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(
            redact("postgres://bench:p%40ss:w@db.example:5432/h"),
            "postgres://bench:***@db.example:5432/h"
        );
        assert_eq!(redact("postgresql://bench@db/h"), "postgresql://bench@db/h");
        assert_eq!(DbSpec::parse("postgres://a:b@h/d").display(), "postgres://a:***@h/d");
        assert_eq!(DbSpec::parse("x/history.db"), DbSpec::Sqlite("x/history.db".into()));
    }
}
