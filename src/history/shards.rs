//! Sharded runs in the store. `history import` of a shard (a `run --segment` result) holds it
//! aside until every segment of its run is there, then stores the merge as one run, exactly as
//! `merge` would make it (counts summed, percentiles from the summed HDR histograms, never
//! averaged): so the shards of a CI matrix or a Kubernetes Job can each import their own file
//! into a shared store, in any order, and trends see one whole run. A shard alone is never a
//! run of its own (it carries only part of the load).
//!
//! Shards of one run are those with the same facts (`shard::group_key`). A shard that overlaps
//! one already held, or that does not belong to its sequence, is refused and nothing is
//! stored. PostgreSQL takes an exclusive lock on the shards table for the import, SQLite an
//! immediate transaction, so two shards imported at once cannot both wait for the other.

use super::migrations::Dialect;
use super::ops::{self, SqlExec};
use super::query::{Cell, Param};
use super::record::RunRecord;
use super::{Imported, StoreError};

/// A shard as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShard {
    /// Where it was imported from (the file name, for messages and the merged run's source).
    pub source: String,
    /// The shard's result, as JSON text.
    pub body: String,
}

/// A shard to import.
#[derive(Debug, Clone)]
pub struct NewShard {
    pub group_key: String,
    pub segment: String,
    pub content_hash: String,
    pub shard: StoredShard,
}

/// What the held shards of a run (the new one last) make.
#[derive(Debug)]
pub enum Assembled {
    /// Not every segment yet: these are missing (e.g. `1/2:3/4, 3/4:1`).
    Incomplete { missing: String },
    /// All there: the merged run to store.
    Complete(Box<RunRecord>),
}

/// Builds the merge of held shards, or says what is missing; an error refuses the new shard.
pub type Assemble<'a> = &'a dyn Fn(&[StoredShard]) -> Result<Assembled, StoreError>;

/// What became of an imported shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardImported {
    /// The same shard was already imported: nothing written.
    Duplicate,
    /// Held; `held` shards of its run are in the store now, `missing` segments are not.
    Waiting { held: usize, missing: String },
    /// It completed its run: the merge of `shards` shards is stored as `run`.
    Merged { shards: usize, run: Imported },
}

/// Import `new` (inside the caller's transaction): hold it, and store the merge when it
/// completes its run.
pub fn import_shard(
    db: &mut dyn SqlExec,
    new: &NewShard,
    assemble: Assemble<'_>,
) -> Result<ShardImported, StoreError> {
    if db.dialect() == Dialect::Postgres {
        db.exec("LOCK TABLE shards IN EXCLUSIVE MODE", &[])?;
    }
    let hash = [new.content_hash.as_str().into()];
    if ops::first_int(db, "SELECT count(*) FROM shards WHERE content_hash = $1", &hash)?.unwrap_or(0) > 0 {
        return Ok(ShardImported::Duplicate);
    }
    let sql =
        "SELECT source, body FROM shards WHERE group_key = $1 AND merged_run_id IS NULL ORDER BY segment";
    let mut held: Vec<StoredShard> = db
        .rows(sql, &[new.group_key.as_str().into()])?
        .iter()
        .map(|row| {
            let cell = |i: usize| row.get(i).cloned().unwrap_or(Cell::Null);
            Ok(StoredShard { source: cell(0).opt_text()?.unwrap_or_default(), body: cell(1).text()? })
        })
        .collect::<Result<_, StoreError>>()?;
    held.push(new.shard.clone());
    let assembled = assemble(&held)?;
    let insert = "INSERT INTO shards (group_key, segment, content_hash, body, source, imported_at) \
                  VALUES ($1, $2, $3, $4, $5, $6)";
    let params: Vec<Param> = vec![
        new.group_key.as_str().into(),
        new.segment.as_str().into(),
        new.content_hash.as_str().into(),
        new.shard.body.as_str().into(),
        new.shard.source.as_str().into(),
        Param::Time(chrono::Utc::now()),
    ];
    db.exec(insert, &params)?;
    match assembled {
        Assembled::Incomplete { missing } => Ok(ShardImported::Waiting { held: held.len(), missing }),
        Assembled::Complete(record) => {
            let run = ops::import(db, &record)?;
            let run_id = match run {
                Imported::New { run_id, .. } | Imported::Duplicate { run_id } => run_id,
            };
            let update =
                "UPDATE shards SET merged_run_id = $1 WHERE group_key = $2 AND merged_run_id IS NULL";
            db.exec(update, &[Param::Int(run_id), new.group_key.as_str().into()])?;
            Ok(ShardImported::Merged { shards: held.len(), run })
        }
    }
}

/// `value` (a result file's JSON, imported from `source`) as a shard to hold, or None when it
/// is not a shard (no `configuration.sharding`, or already a merge of shards).
pub fn as_shard(value: &serde_json::Value, source: &str) -> Result<Option<NewShard>, super::HistoryError> {
    let bad = |reason: String| super::HistoryError::BadFile { file: source.to_string(), reason };
    let sharding = &value["configuration"]["sharding"];
    let is_shard = sharding.is_object() && !sharding["shards"].as_array().is_some_and(|s| !s.is_empty());
    if !is_shard || value["mode"] != "run" {
        return Ok(None);
    }
    let result: crate::schema::RunResult =
        serde_json::from_value(value.clone()).map_err(|e| bad(e.to_string()))?;
    let group_key = crate::shard::group_key(&result).map_err(|e| bad(e.to_string()))?;
    let body = serde_json::to_string(value).map_err(|e| bad(e.to_string()))?;
    let record = super::record(value, Some(source))?;
    Ok(Some(NewShard {
        group_key,
        segment: sharding["segment"].as_str().unwrap_or_default().to_string(),
        content_hash: record.content_hash,
        shard: StoredShard { source: source.to_string(), body },
    }))
}

/// The [`Assemble`] of the `merge` command: the held shards merged into one run when they
/// cover 0..1, what is missing when they do not, refused when they overlap or do not belong.
pub fn assemble(held: &[StoredShard]) -> Result<Assembled, StoreError> {
    use crate::shard::{merge, MergeError, ShardFile};
    let files = held
        .iter()
        .map(|s| {
            let result = serde_json::from_str(&s.body)
                .map_err(|e| StoreError::Decode(format!("{}: {e}", s.source)))?;
            Ok(ShardFile { path: s.source.clone().into(), result })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    match merge(&files) {
        Ok(merged) => {
            let value = serde_json::to_value(&merged).map_err(|e| StoreError::Decode(e.to_string()))?;
            let sources: Vec<&str> = held.iter().map(|s| s.source.as_str()).collect();
            let source = format!("merged from shards: {}", sources.join(", "));
            let record =
                super::record(&value, Some(&source)).map_err(|e| StoreError::Refused(e.to_string()))?;
            Ok(Assembled::Complete(Box::new(record)))
        }
        Err(MergeError::Missing { missing, .. }) => Ok(Assembled::Incomplete { missing }),
        Err(e) => Err(StoreError::Refused(format!("shard not stored: {e}"))),
    }
}

/// Store behaviour (run on SQLite and PostgreSQL by `history::tests`): shards are held until
/// their run is complete, a duplicate is a no-op, the merge is stored once, and pruning the
/// run removes its shards.
#[cfg(test)]
pub(super) fn b_shards_wait_then_merge(store: &mut dyn super::HistoryStore) {
    use super::{Filter, PruneRule};
    let shard = |segment: &str| NewShard {
        group_key: "g1".into(),
        segment: segment.into(),
        content_hash: format!("hash-{segment}"),
        shard: StoredShard { source: format!("{segment}.json"), body: format!("{{\"s\":\"{segment}\"}}") },
    };
    let merged =
        super::tests::rec(&super::tests::run("fastapi", "a1", "main", "2025-06-01T00:00:00Z", 1.0), "m");
    let assemble = |held: &[StoredShard]| -> Result<Assembled, StoreError> {
        Ok(match held.len() {
            3 => Assembled::Complete(Box::new(merged.clone())),
            n => Assembled::Incomplete { missing: format!("{} more", 3 - n) },
        })
    };
    let waiting = |held: usize, missing: &str| ShardImported::Waiting { held, missing: missing.into() };
    assert_eq!(store.import_shard(&shard("a"), &assemble).unwrap(), waiting(1, "2 more"));
    assert_eq!(store.import_shard(&shard("a"), &assemble).unwrap(), ShardImported::Duplicate);
    assert_eq!(store.import_shard(&shard("b"), &assemble).unwrap(), waiting(2, "1 more"));
    assert!(store.runs(&Filter::default()).unwrap().is_empty(), "no run before the last shard");
    match store.import_shard(&shard("c"), &assemble).unwrap() {
        ShardImported::Merged { shards: 3, run: Imported::New { .. } } => {}
        other => panic!("expected the merge of 3 shards, got {other:?}"),
    }
    assert_eq!(store.runs(&Filter::default()).unwrap().len(), 1);
    // The group starts afresh: the merged shards are not held any more.
    assert_eq!(store.import_shard(&shard("d"), &assemble).unwrap(), waiting(1, "2 more"));
    let refuse =
        |_: &[StoredShard]| -> Result<Assembled, StoreError> { Err(StoreError::Refused("overlap".into())) };
    assert!(matches!(store.import_shard(&shard("e"), &refuse), Err(StoreError::Refused(_))));
    assert_eq!(store.import_shard(&shard("e"), &assemble).unwrap(), waiting(2, "1 more"), "e was not stored");
    let before = Some("2030-01-01T00:00:00Z".parse().unwrap());
    let pruned = store.prune(&PruneRule { before, keep: None, dry_run: false }).unwrap();
    assert_eq!(pruned.runs, 1, "the run and its shards are removed together");
}
