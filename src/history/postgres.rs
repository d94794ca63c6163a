//! [`PostgresStore`]: the shared store for teams (the synchronous `postgres` crate: the
//! harness is a CLI making a handful of queries, so no async runtime is needed here).
//! Migrations run under an advisory lock, so several CI runners may start at once. When the
//! server has TimescaleDB, `measurements` becomes a hypertable on `run_time`; otherwise the
//! same plain tables are used and [`HistoryStore::notes`] says so.

use std::collections::HashMap;
use std::error::Error as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, Config, NoTls, Statement, Transaction};

use super::migrations::Dialect;
use super::ops::{self, SqlExec};
use super::query::{Cell, Dimension, Filter, Param};
use super::{
    redact, ChangeRecord, HistoryStore, Imported, MeasurementRow, PruneRule, Pruned, RunRecord, RunSummary,
    StoreError, VerdictRow,
};

/// Key of the advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x6268_6869_7374;

/// The results store in a PostgreSQL database.
pub struct PostgresStore {
    client: Client,
    location: String,
    statements: HashMap<String, Statement>,
    notes: Vec<String>,
}

/// A NULL that any column type accepts.
#[derive(Debug)]
struct AnyNull;

impl ToSql for AnyNull {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

fn boxed(p: &Param) -> Box<dyn ToSql + Sync> {
    match p {
        Param::Null => Box::new(AnyNull),
        Param::Int(i) => Box::new(*i),
        Param::Float(f) => Box::new(*f),
        Param::Text(s) => Box::new(s.clone()),
        Param::Bool(b) => Box::new(*b),
        Param::Time(t) => Box::new(*t),
    }
}

fn cell(row: &postgres::Row, i: usize) -> Result<Cell, postgres::Error> {
    let ty = row.columns()[i].type_().clone();
    Ok(match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
        Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map_or(Cell::Null, |v| Cell::Int(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map_or(Cell::Null, |v| Cell::Int(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map_or(Cell::Null, Cell::Float),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(i)?.map_or(Cell::Null, |v| Cell::Float(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map_or(Cell::Null, Cell::Bool),
        Type::TIMESTAMPTZ => row.try_get::<_, Option<DateTime<Utc>>>(i)?.map_or(Cell::Null, Cell::Time),
        _ => row.try_get::<_, Option<String>>(i)?.map_or(Cell::Null, Cell::Text),
    })
}

/// An open transaction and the statement cache.
struct Exec<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    statements: &'a mut HashMap<String, Statement>,
    location: &'a str,
}

impl Exec<'_, '_> {
    fn err(&self, e: postgres::Error) -> StoreError {
        let reason = match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        };
        StoreError::Sql { location: self.location.to_string(), reason }
    }
    fn prepared(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(|e| self.err(e))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl SqlExec for Exec<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn location(&self) -> String {
        self.location.to_string()
    }
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        if params.is_empty() && !sql.contains('$') {
            return self.tx.batch_execute(sql).map(|_| 0).map_err(|e| self.err(e));
        }
        let stmt = self.prepared(sql)?;
        let values: Vec<Box<dyn ToSql + Sync>> = params.iter().map(boxed).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        self.tx.execute(&stmt, &refs).map_err(|e| self.err(e))
    }
    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Cell>>, StoreError> {
        let stmt = self.prepared(sql)?;
        let values: Vec<Box<dyn ToSql + Sync>> = params.iter().map(boxed).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let rows = self.tx.query(&stmt, &refs).map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| cell(r, i)).collect::<Result<Vec<_>, _>>())
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }
}

impl PostgresStore {
    /// Connect to `url` (`postgres://user:password@host:port/db`), migrate, and use
    /// TimescaleDB when the server has it.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let location = redact(url);
        let mut config: Config = url.parse().map_err(|e: postgres::Error| StoreError::Open {
            location: location.clone(),
            reason: format!(
                "not a valid PostgreSQL URL ({})",
                e.source().map_or(e.to_string(), |s| s.to_string())
            ),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let client = config.connect(NoTls).map_err(|e| match e.as_db_error() {
            // The server answered but refused (no such database, authentication failed).
            Some(db) => StoreError::Open { location: location.clone(), reason: db.message().to_string() },
            None => StoreError::Unreachable {
                location: location.clone(),
                reason: e.source().map_or(e.to_string(), |s| s.to_string()),
            },
        })?;
        let mut store = PostgresStore { client, location, statements: HashMap::new(), notes: Vec::new() };
        store.write(|db| {
            db.exec(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"), &[])?;
            ops::migrate(db)
        })?;
        let note = store.timescale()?;
        store.notes.push(note);
        Ok(store)
    }

    /// Make `measurements` a hypertable when TimescaleDB can be enabled; the note says what happened.
    fn timescale(&mut self) -> Result<String, StoreError> {
        let location = self.location.clone();
        let err = |e: postgres::Error| StoreError::Sql { location: location.clone(), reason: e.to_string() };
        let available: i64 = self
            .client
            .query_one("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'", &[])
            .map_err(err)?
            .get(0);
        if available == 0 {
            return Ok("TimescaleDB is not available on this server: plain tables".into());
        }
        let mut tx = self.client.transaction().map_err(err)?;
        let done = tx.batch_execute(
            "CREATE EXTENSION IF NOT EXISTS timescaledb; \
             SELECT create_hypertable('measurements', 'run_time', if_not_exists => TRUE, migrate_data => TRUE)",
        );
        Ok(match done {
            Ok(()) => {
                tx.commit().map_err(err)?;
                "measurements is a TimescaleDB hypertable on run_time".into()
            }
            Err(e) => format!("TimescaleDB could not be enabled ({e}): plain tables"),
        })
    }

    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn SqlExec) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let PostgresStore { client, location, statements, .. } = self;
        let sql_err =
            |e: postgres::Error| StoreError::Sql { location: location.clone(), reason: e.to_string() };
        let mut tx = client.transaction().map_err(sql_err)?;
        let out = f(&mut Exec { tx: &mut tx, statements, location })?;
        tx.commit().map_err(sql_err)?;
        Ok(out)
    }
}

impl HistoryStore for PostgresStore {
    fn location(&self) -> String {
        self.location.clone()
    }
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
    fn schema_version(&mut self) -> Result<u32, StoreError> {
        self.write(ops::schema_version)
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
        self.write(|db| ops::runs(db, filter))
    }
    fn measurements(&mut self, filter: &Filter) -> Result<Vec<MeasurementRow>, StoreError> {
        self.write(|db| ops::measurements(db, filter))
    }
    fn verdicts(&mut self, filter: &Filter) -> Result<Vec<VerdictRow>, StoreError> {
        self.write(|db| ops::verdicts(db, filter))
    }
    fn distinct(&mut self, dimension: Dimension) -> Result<Vec<String>, StoreError> {
        self.write(|db| ops::distinct(db, dimension))
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
