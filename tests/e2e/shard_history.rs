//! Shards in the history store: each shard of a run imported on its own (in any order, as the
//! jobs of a CI matrix would) is held until the run is complete, then the store holds exactly
//! the result `merge` makes; a duplicate is a no-op and an overlapping shard is refused (exit 2).

use std::path::{Path, PathBuf};

use crate::helpers::{read_json, text, MockServer, Tag};

fn history(tag: &Tag, db: &Path, args: &[&str], files: &[&PathBuf]) -> (i32, String, String) {
    let out = tag
        .command()
        .args(["history", "--db"])
        .arg(db)
        .args(args)
        .args(files)
        .env_remove("BENCHMARK_HARNESS_DB")
        .output()
        .unwrap();
    let (o, e) = text(&out);
    (out.status.code().unwrap_or(-1), o, e)
}

/// Runs shard `segment` of `sequence` against `url` into `out`.
fn shard(tag: &Tag, url: &str, segment: &str, sequence: &str, out: &Path) {
    let output = tag
        .command()
        .args(["run", "--url", url, "--suite", "baseline", "--workload", "plaintext", "--quiet"])
        .args(["--duration", "1", "--warmup", "0", "--concurrency", "4", "--segment", segment])
        .args(["--segment-sequence", sequence, "--output"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
}

#[test]
fn the_store_holds_shards_until_their_run_is_complete_and_stores_the_merge() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start(&tag);
    let url = server.url();
    let seq = "0,1/3,2/3,1";
    let files: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("shard{i}.json"))).collect();
    for (i, file) in files.iter().enumerate() {
        shard(&tag, &url, &format!("{i}/3:{}/3", i + 1), seq, file);
    }
    // Another run's shard of the same segment as shard 0, but another sequence: a separate run.
    let other = dir.path().join("other.json");
    shard(&tag, &url, "0:1/2", "0,1/2,1", &other);
    drop(server);
    let db = dir.path().join("h.db");

    let (code, out, err) = history(&tag, &db, &["import"], &[&files[2], &files[0]]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("shard 2/3:1 held (1 of its run in the store); waiting for segment(s) 0:1/3, 1/3:2/3"),
        "{out}"
    );
    assert!(
        out.contains("shard 0:1/3 held (2 of its run in the store); waiting for segment(s) 1/3:2/3"),
        "{out}"
    );
    let (_, out, _) = history(&tag, &db, &["import"], &[&files[0], &other]);
    assert!(out.contains("shard 0:1/3 already held; nothing written"), "{out}");
    assert!(out.contains("shard 0:1/2 held (1 of its run"), "{out}");
    let (_, list, _) = history(&tag, &db, &["list"], &[]);
    assert!(!list.contains("run 1") && !list.contains("plaintext"), "no run until complete: {list}");

    let (code, out, err) = history(&tag, &db, &["import"], &[&files[1]]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("shard 1/3:2/3 completes its run: the merge of 3 shards stored as run 1"), "{out}");

    // The stored run is exactly what `merge` makes of the same files: importing merge's output
    // finds the same content already stored.
    let merged = dir.path().join("merged.json");
    let m = tag.command().args(["merge", "--quiet", "--output"]).arg(&merged).args(&files).output().unwrap();
    assert_eq!(m.status.code(), Some(0), "{}", text(&m).1);
    let (_, out, _) = history(&tag, &db, &["import"], &[&merged]);
    assert!(out.contains("already stored as run 1; nothing written"), "{out}");
    let total = read_json(&merged)["summary"]["total_requests"].as_u64().unwrap();
    let shard_sum: u64 =
        files.iter().map(|f| read_json(f)["summary"]["total_requests"].as_u64().unwrap()).sum();
    assert_eq!(total, shard_sum);

    // The next run of the same configuration starts a new set of shards; a second, different
    // file for a segment already held in it is refused (exit 2) and not stored.
    let again = |n: u32| {
        let mut r = read_json(&files[0]);
        r["metadata"]["timestamp"] = format!("2030-01-01T00:00:0{n}Z").into();
        let path = dir.path().join(format!("again{n}.json"));
        std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
        path
    };
    let (first, second) = (again(1), again(2));
    let (_, out, _) = history(&tag, &db, &["import"], &[&first]);
    assert!(out.contains("shard 0:1/3 held (1 of its run in the store)"), "{out}");
    let (code, out, err) = history(&tag, &db, &["import"], &[&second]);
    tag.assert_no_leftovers();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("both cover segment 0:1/3"), "{err}");
    let (_, out, _) = history(&tag, &db, &["import"], &[&first]);
    assert!(out.contains("already held"), "the refused file changed nothing: {out}");
}
