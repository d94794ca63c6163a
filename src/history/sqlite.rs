//! [`SqliteStore`]: the embedded default store, one file (rusqlite, SQLite compiled in).
//! Every change runs in one transaction; times are fixed-width RFC 3339 text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{params_from_iter, Connection, Transaction};

use super::migrations::Dialect;
use super::ops::{self, SqlExec};
use super::query::{time_text, Cell, Dimension, Filter, Param};
use super::{
    ChangeRecord, HistoryStore, Imported, MeasurementRow, PruneRule, Pruned, RunRecord, RunSummary,
    StoreError, VerdictRow,
};

/// The results store in a SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

/// `$n` placeholders as SQLite's numbered `?n`.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

fn value(p: &Param) -> Value {
    match p {
        Param::Null => Value::Null,
        Param::Int(i) => Value::Integer(*i),
        Param::Float(f) => Value::Real(*f),
        Param::Text(s) => Value::Text(s.clone()),
        Param::Bool(b) => Value::Integer(i64::from(*b)),
        Param::Time(t) => Value::Text(time_text(t)),
    }
}

fn cell(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Float(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
    }
}

/// A connection or transaction, with where it is for messages.
struct Exec<'a> {
    conn: &'a Connection,
    location: &'a str,
}

impl Exec<'_> {
    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Sql { location: self.location.to_string(), reason: e.to_string() }
    }
}

impl SqlExec for Exec<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn location(&self) -> String {
        self.location.to_string()
    }
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(&sqlite_sql(sql)).map_err(|e| self.err(e))?;
        stmt.execute(params_from_iter(params.iter().map(value))).map(|n| n as u64).map_err(|e| self.err(e))
    }
    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Cell>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&sqlite_sql(sql)).map_err(|e| self.err(e))?;
        let width = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(params.iter().map(value))).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            out.push((0..width).map(|i| row.get_ref(i).map(cell).unwrap_or(Cell::Null)).collect());
        }
        Ok(out)
    }
}

impl SqliteStore {
    /// Open (creating the file and its folder if needed) and migrate.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let location = path.display().to_string();
        let open_err = |reason: String| StoreError::Open { location: location.clone(), reason };
        if path.is_dir() {
            return Err(open_err("it is a folder; give a file path such as history.db".into()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(|e| open_err(e.to_string()))?;
        // Not a database (or not SQLite): the first read fails; say so as an open error.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|e| open_err(e.to_string()))?;
        let mut store = SqliteStore { conn, path: path.to_path_buf() };
        store.write(|db| ops::migrate(db).map(|_| ()))?;
        Ok(store)
    }

    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn SqlExec) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let location = self.path.display().to_string();
        let sql_err =
            |e: rusqlite::Error| StoreError::Sql { location: location.clone(), reason: e.to_string() };
        let tx: Transaction<'_> =
            self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql_err)?;
        let out = f(&mut Exec { conn: &tx, location: &location })?;
        tx.commit().map_err(sql_err)?;
        Ok(out)
    }

    fn read<T>(
        &mut self,
        f: impl FnOnce(&mut dyn SqlExec) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let location = self.path.display().to_string();
        f(&mut Exec { conn: &self.conn, location: &location })
    }
}

impl HistoryStore for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    fn schema_version(&mut self) -> Result<u32, StoreError> {
        self.read(ops::schema_version)
    }
    fn import(&mut self, record: &RunRecord) -> Result<Imported, StoreError> {
        self.write(|db| ops::import(db, record))
    }
    fn import_shard(
        &mut self,
        shard: &super::shards::NewShard,
        assemble: super::shards::Assemble<'_>,
    ) -> Result<super::shards::ShardImported, StoreError> {
        self.write(|db| super::shards::import_shard(db, shard, assemble))
    }
    fn runs(&mut self, filter: &Filter) -> Result<Vec<RunSummary>, StoreError> {
        self.read(|db| ops::runs(db, filter))
    }
    fn measurements(&mut self, filter: &Filter) -> Result<Vec<MeasurementRow>, StoreError> {
        self.read(|db| ops::measurements(db, filter))
    }
    fn verdicts(&mut self, filter: &Filter) -> Result<Vec<VerdictRow>, StoreError> {
        self.read(|db| ops::verdicts(db, filter))
    }
    fn distinct(&mut self, dimension: Dimension) -> Result<Vec<String>, StoreError> {
        self.read(|db| ops::distinct(db, dimension))
    }
    fn prune(&mut self, rule: &PruneRule) -> Result<Pruned, StoreError> {
        self.write(|db| ops::prune(db, rule))
    }
    fn record_changes(&mut self, changes: &[ChangeRecord]) -> Result<Vec<bool>, StoreError> {
        self.write(|db| ops::record_changes(db, changes))
    }
    fn sent_alerts(&mut self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        self.write(ops::sent_alerts)
    }
    fn record_alerts(&mut self, sent: &[super::SentAlert]) -> Result<(), StoreError> {
        self.write(|db| ops::record_alerts(db, sent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_or_a_non_database_file_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let err = SqliteStore::open(dir.path()).err().unwrap();
        assert!(err.is_bad_input() && err.to_string().contains("it is a folder"), "{err}");
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "these are not the tables you are looking for, not at all, no").unwrap();
        let err = SqliteStore::open(&file).err().unwrap();
        assert!(matches!(err, StoreError::Open { .. }), "{err}");
        assert!(err.to_string().contains("notes.txt"), "{err}");
    }

    #[test]
    fn a_database_of_a_newer_harness_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x')", []).unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }) && err.is_bad_input(), "{err}");
        let conn = Connection::open(&path).unwrap();
        let n: i64 = conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(n, i64::from(super::super::migrations::LATEST) + 1);
    }
}
