//! The operations every SQL store shares (migrate, import, read, prune), written once
//! against [`SqlExec`], the small surface a connection or transaction of either database
//! gives. Each store runs them inside its own transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::changes::ChangeRecord;
use super::migrations::{Dialect, BOOKKEEPING, LATEST, MIGRATIONS};
use super::query::{self, Cell, Dimension, Filter, Param};
use super::record::{RunRecord, HISTOGRAM_ENCODING};
use super::rows::{self, MeasurementRow, RunSummary, VerdictRow};
use super::{Imported, PruneRule, Pruned, SentAlert, StoreError};

/// What a store's connection (or open transaction) can do: run SQL with `$n` placeholders.
pub trait SqlExec {
    fn dialect(&self) -> Dialect;
    /// Where the database is, for messages (never with a password).
    fn location(&self) -> String;
    /// Run a statement; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError>;
    /// Run a query; every row's cells.
    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Cell>>, StoreError>;
}

pub(super) fn first_int(
    db: &mut dyn SqlExec,
    sql: &str,
    params: &[Param],
) -> Result<Option<i64>, StoreError> {
    let rows = db.rows(sql, params)?;
    rows.first().and_then(|r| r.first()).map_or(Ok(None), Cell::opt_int)
}

/// The newest applied schema version (0 for an empty database).
pub fn schema_version(db: &mut dyn SqlExec) -> Result<u32, StoreError> {
    db.exec(BOOKKEEPING, &[])?;
    Ok(first_int(db, "SELECT max(version) FROM schema_migrations", &[])?.unwrap_or(0) as u32)
}

/// Apply every migration newer than the database's; the number applied. Refuses a database
/// of a newer harness. Run inside one transaction: all or nothing.
pub fn migrate(db: &mut dyn SqlExec) -> Result<u32, StoreError> {
    let found = schema_version(db)?;
    if found > LATEST {
        return Err(StoreError::TooNew { location: db.location(), found, known: LATEST });
    }
    let mut applied = 0;
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        for statement in m.statements(db.dialect()) {
            db.exec(&statement, &[])?;
        }
        let params = [Param::Int(m.version.into()), m.name.into(), Param::Text(Utc::now().to_rfc3339())];
        db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", &params)?;
        applied += 1;
    }
    Ok(applied)
}

/// Store one record (inside the caller's transaction); a record whose content hash is
/// already stored is left alone.
pub fn import(db: &mut dyn SqlExec, rec: &RunRecord) -> Result<Imported, StoreError> {
    // Looked up first so that a duplicate does not use up an id; the ON CONFLICT below
    // covers a concurrent import of the same file.
    let hash = [rec.content_hash.as_str().into()];
    if let Some(run_id) = first_int(db, "SELECT id FROM runs WHERE content_hash = $1", &hash)? {
        return Ok(Imported::Duplicate { run_id });
    }
    let params = vec![
        rec.kind.as_str().into(),
        rec.git_commit.as_deref().into(),
        rec.branch.as_deref().into(),
        rec.dirty.into(),
        Param::Time(rec.time),
        rec.host_fingerprint.as_str().into(),
        rec.host_json.as_str().into(),
        rec.config_fingerprint.as_str().into(),
        rec.config_json.as_str().into(),
        rec.harness_version.as_str().into(),
        rec.content_hash.as_str().into(),
        rec.source.as_deref().into(),
        Param::Time(Utc::now()),
    ];
    let sql = "INSERT INTO runs (kind, git_commit, branch, dirty, run_time, host_fingerprint, host, \
               config_fingerprint, configuration, harness_version, content_hash, source, imported_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
               ON CONFLICT (content_hash) DO NOTHING RETURNING id";
    let inserted = db.rows(sql, &params)?;
    let Some(run_id) = inserted.first().and_then(|r| r.first()).map(Cell::int).transpose()? else {
        let id = first_int(db, "SELECT id FROM runs WHERE content_hash = $1", &hash)?
            .ok_or_else(|| StoreError::Decode("a duplicate run vanished during import".into()))?;
        return Ok(Imported::Duplicate { run_id: id });
    };
    for m in &rec.measurements {
        let key = |p: &mut Vec<Param>| {
            p.extend([
                Param::Int(run_id),
                m.framework.as_str().into(),
                m.suite.as_str().into(),
                m.workload.as_str().into(),
                Param::Int(m.round.into()),
            ])
        };
        let mut p = Vec::with_capacity(16);
        key(&mut p);
        p.extend([
            Param::Time(rec.time),
            m.status.as_str().into(),
            m.requests_per_sec.into(),
            m.p50_ms.into(),
            m.p90_ms.into(),
            m.p99_ms.into(),
            m.p999_ms.into(),
            m.total_requests.map_or(Param::Null, |n| Param::Int(n as i64)),
            Param::Int(m.errors as i64),
            m.cpu_percent.into(),
            m.memory_mb.into(),
        ]);
        db.exec(
            "INSERT INTO measurements (run_id, framework, suite, workload, round, run_time, status, \
             requests_per_sec, p50_ms, p90_ms, p99_ms, p999_ms, total_requests, errors, cpu_percent, memory_mb) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            &p,
        )?;
        if let Some(h) = &m.histogram {
            let mut p = Vec::with_capacity(7);
            key(&mut p);
            p.extend([HISTOGRAM_ENCODING.into(), h.as_str().into()]);
            db.exec(
                "INSERT INTO histograms (run_id, framework, suite, workload, round, encoding, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &p,
            )?;
        }
    }
    for v in &rec.verdicts {
        let p = vec![
            Param::Int(run_id),
            v.framework.as_str().into(),
            v.workload.as_str().into(),
            v.severity.as_str().into(),
            Param::Float(v.baseline_rps),
            Param::Float(v.current_rps),
            Param::Float(v.rps_change_percent),
            v.baseline_p99_ms.into(),
            v.current_p99_ms.into(),
            v.p99_change_percent.into(),
            v.p_value.into(),
            v.significant.into(),
            v.reason.as_str().into(),
            v.baseline_commit.as_deref().into(),
        ];
        db.exec(
            "INSERT INTO check_verdicts (run_id, framework, workload, severity, baseline_rps, current_rps, \
             rps_change_percent, baseline_p99_ms, current_p99_ms, p99_change_percent, p_value, significant, \
             reason, baseline_commit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            &p,
        )?;
    }
    Ok(Imported::New { run_id, measurements: rec.measurements.len(), verdicts: rec.verdicts.len() })
}

/// Runs matching `f`, oldest first.
pub fn runs(db: &mut dyn SqlExec, f: &Filter) -> Result<Vec<RunSummary>, StoreError> {
    let q = query::runs(f);
    db.rows(&q.sql, &q.params)?.iter().map(|r| rows::run_summary(r)).collect()
}

/// Measurements matching `f`, oldest run first.
pub fn measurements(db: &mut dyn SqlExec, f: &Filter) -> Result<Vec<MeasurementRow>, StoreError> {
    let q = query::measurements(f);
    db.rows(&q.sql, &q.params)?.iter().map(|r| rows::measurement_row(r)).collect()
}

/// Check verdicts matching `f`, oldest first.
pub fn verdicts(db: &mut dyn SqlExec, f: &Filter) -> Result<Vec<VerdictRow>, StoreError> {
    let q = query::verdicts(f);
    db.rows(&q.sql, &q.params)?.iter().map(|r| rows::verdict_row(r)).collect()
}

/// The distinct stored values of a column.
pub fn distinct(db: &mut dyn SqlExec, d: Dimension) -> Result<Vec<String>, StoreError> {
    db.rows(d.distinct_sql(), &[])?.iter().filter_map(|r| r.first()).map(Cell::text).collect()
}

/// Store change points (inside the caller's transaction); for each, whether it was new.
pub fn record_changes(db: &mut dyn SqlExec, changes: &[ChangeRecord]) -> Result<Vec<bool>, StoreError> {
    let now = Utc::now();
    changes
        .iter()
        .map(|c| {
            let p = vec![
                c.framework.as_str().into(),
                c.suite.as_str().into(),
                c.workload.as_str().into(),
                c.metric.as_str().into(),
                c.host_fingerprint.as_str().into(),
                c.config_fingerprint.as_str().into(),
                c.git_commit.as_str().into(),
                Param::Time(c.run_time),
                Param::Float(c.mean_before),
                Param::Float(c.mean_after),
                Param::Float(c.change_percent),
                Param::Float(c.p_value),
                Param::Time(now),
            ];
            let sql = "INSERT INTO change_points (framework, suite, workload, metric, host_fingerprint, \
                       config_fingerprint, git_commit, run_time, mean_before, mean_after, change_percent, p_value, \
                       detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                       ON CONFLICT DO NOTHING RETURNING git_commit";
            Ok(!db.rows(sql, &p)?.is_empty())
        })
        .collect()
}

/// The ids of the alert events already mailed.
pub fn sent_alerts(db: &mut dyn SqlExec) -> Result<BTreeSet<String>, StoreError> {
    db.rows("SELECT event_key FROM alerts_sent", &[])?
        .iter()
        .filter_map(|r| r.first())
        .map(Cell::text)
        .collect()
}

/// Remember mailed alert events (inside the caller's transaction).
pub fn record_alerts(db: &mut dyn SqlExec, sent: &[SentAlert]) -> Result<(), StoreError> {
    for a in sent {
        let p = [
            a.id.as_str().into(),
            a.kind.as_str().into(),
            a.subject.as_str().into(),
            Param::Time(Utc::now()),
        ];
        db.exec(
            "INSERT INTO alerts_sent (event_key, kind, subject, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &p,
        )?;
    }
    Ok(())
}

/// The runs `rule` removes (inside the caller's transaction), with everything they hold.
pub fn prune(db: &mut dyn SqlExec, rule: &PruneRule) -> Result<Pruned, StoreError> {
    let all = db.rows("SELECT id, run_time FROM runs ORDER BY run_time DESC, id DESC", &[])?;
    let mut victims: Vec<(i64, DateTime<Utc>)> = Vec::new();
    for (i, row) in all.iter().enumerate() {
        let (id, time) = (row[0].int()?, row[1].time()?);
        let old = rule.before.is_some_and(|b| time < b);
        let surplus = rule.keep.is_some_and(|k| i >= k as usize);
        if old || surplus {
            victims.push((id, time));
        }
    }
    let mut out = Pruned { runs: victims.len(), measurements: 0, kept: all.len() - victims.len() };
    for (id, _) in &victims {
        let p = [Param::Int(*id)];
        out.measurements +=
            first_int(db, "SELECT count(*) FROM measurements WHERE run_id = $1", &p)?.unwrap_or(0) as usize;
        if rule.dry_run {
            continue;
        }
        for table in ["histograms", "measurements", "check_verdicts"] {
            db.exec(&format!("DELETE FROM {table} WHERE run_id = $1"), &p)?;
        }
        db.exec("DELETE FROM shards WHERE merged_run_id = $1", &p)?;
        db.exec("DELETE FROM runs WHERE id = $1", &p)?;
    }
    Ok(out)
}
