//! GC counters dumped by the injected `sitecustomize.py` (one JSON file per server process):
//! collections by generation, total and longest pause. Reads files.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::schema::PythonMetrics;

/// The GC dump of one process: `(collections by generation, total ms, longest pause ms)`.
fn parse_gc_dump(text: &str) -> Option<([u64; 3], f64, f64)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let c = v["collections"].as_array()?;
    let mut gens = [0u64; 3];
    for (g, n) in gens.iter_mut().zip(c) {
        *g = n.as_u64()?;
    }
    Some((gens, v["total_ms"].as_f64()?, v["max_ms"].as_f64()?))
}

/// Wait (up to 3 s) for the dumps the processes were just asked for, and sum them into
/// `python`; a process that did not answer makes both figures null, with a note.
pub fn read_dumps(files: &[PathBuf], python: &mut PythonMetrics, notes: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !files.iter().all(|f| f.exists()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut gens, mut total, mut longest, mut answered) = ([0u64; 3], 0.0, 0.0f64, 0);
    for f in files {
        let Some((g, t, m)) = std::fs::read_to_string(f).ok().and_then(|t| parse_gc_dump(&t)) else {
            continue;
        };
        gens.iter_mut().zip(g).for_each(|(a, b)| *a += b);
        total += t;
        longest = longest.max(m);
        answered += 1;
    }
    if answered < files.len() {
        notes.push(format!(
            "python: gc_collections and gc_time_ms are null: {} of {} server processes did not write their GC counters",
            files.len() - answered,
            files.len()
        ));
        return;
    }
    python.gc_collections = Some(gens.iter().sum());
    python.gc_time_ms = Some(total);
    notes.push(format!(
        "python gc (measurement window, {answered} process(es)): collections by generation {gens:?}, longest pause {longest:.3} ms"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gc_dump_is_parsed() {
        let (g, t, m) =
            parse_gc_dump(r#"{"pid": 7, "collections": [12, 3, 1], "total_ms": 4.5, "max_ms": 2.25}"#)
                .unwrap();
        assert_eq!((g, t, m), ([12, 3, 1], 4.5, 2.25));
        assert!(parse_gc_dump("{}").is_none());
    }

    #[test]
    fn dumps_are_summed_and_a_missing_one_makes_the_figures_null() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("gc-1.json"), dir.path().join("gc-2.json"));
        std::fs::write(&a, r#"{"collections": [2, 1, 0], "total_ms": 1.5, "max_ms": 1.0}"#).unwrap();
        std::fs::write(&b, r#"{"collections": [1, 0, 0], "total_ms": 0.5, "max_ms": 0.5}"#).unwrap();
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        read_dumps(&[a.clone(), b], &mut py, &mut notes);
        assert_eq!((py.gc_collections, py.gc_time_ms), (Some(4), Some(2.0)));
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        std::fs::write(&a, "not json").unwrap();
        read_dumps(&[a], &mut py, &mut notes);
        assert_eq!(py.gc_collections, None);
        assert!(notes[0].contains("1 of 1"), "{notes:?}");
    }
}
