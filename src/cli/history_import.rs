//! `history import`: store result files; a shard of a sharded run is held until every segment
//! of its run is in the store, and then its merge is stored as one run (`history::shards`).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::history::open;
use crate::history::shards::ShardImported;
use crate::history::{self, HistoryError, Imported};

/// Import `files` into the store `db`.
pub(super) fn import(db: Option<&str>, files: &[PathBuf], quiet: bool) -> anyhow::Result<i32> {
    // Every file is read before anything is stored: one bad file stores nothing.
    let records: Vec<Incoming> = files.iter().map(|f| incoming(f)).collect::<Result<_, _>>()?;
    let mut store = open(db)?;
    if !quiet {
        for note in store.notes() {
            eprintln!("note: {note}");
        }
    }
    let (mut new, mut old) = (0, 0);
    for (file, rec) in files.iter().zip(&records) {
        let name = file.display();
        let context = || format!("importing {name}");
        let (stored, line) = match rec {
            Incoming::Run(rec) => stored_line(store.import(rec).with_context(context)?),
            Incoming::Shard(shard) => {
                let segment = &shard.segment;
                match store.import_shard(shard, &history::shards::assemble).with_context(context)? {
                    ShardImported::Duplicate => (false, format!("shard {segment} already held; nothing written")),
                    ShardImported::Waiting { held, missing } => (
                        true,
                        format!("shard {segment} held ({held} of its run in the store); waiting for segment(s) {missing}"),
                    ),
                    ShardImported::Merged { shards, run } => {
                        let (_, line) = stored_line(run);
                        (true, format!("shard {segment} completes its run: the merge of {shards} shards {line}"))
                    }
                }
            }
        };
        if stored {
            new += 1;
        } else {
            old += 1;
        }
        println!("{name}: {line}");
    }
    if !quiet {
        eprintln!("{new} imported, {old} already stored, in {}", store.location());
    }
    Ok(0)
}

/// Whether `imported` wrote anything, and the words for it.
fn stored_line(imported: Imported) -> (bool, String) {
    match imported {
        Imported::New { run_id, measurements, verdicts } => {
            let what = if verdicts > 0 {
                format!("{verdicts} verdict(s)")
            } else {
                format!("{measurements} measurement(s)")
            };
            (true, format!("stored as run {run_id} ({what})"))
        }
        Imported::Duplicate { run_id } => (false, format!("already stored as run {run_id}; nothing written")),
    }
}

/// A file to import: a result, or a shard of a sharded run (held until its run is complete).
enum Incoming {
    Run(history::RunRecord),
    Shard(history::shards::NewShard),
}

fn incoming(path: &Path) -> Result<Incoming, HistoryError> {
    let file = path.display().to_string();
    let value: serde_json::Value = crate::schema::read_result(path)
        .map_err(|e| HistoryError::BadFile { file: file.clone(), reason: e.to_string() })?;
    Ok(match history::shards::as_shard(&value, &file)? {
        Some(shard) => Incoming::Shard(shard),
        None => Incoming::Run(history::record(&value, Some(&file))?),
    })
}
