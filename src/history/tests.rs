//! The store test suite: one generic function per behaviour, run against [`SqliteStore`]
//! (one test each, in a temp dir) and [`PostgresStore`] (`pg_cluster`: a throwaway cluster,
//! one database per behaviour, stopped afterwards even when a behaviour fails).

use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;
use serde_json::Value;

use super::export::{export, ExportFormat, CSV_COLUMNS};
use super::tests_parse::{parse_csv, parse_influx};
use super::*;
use crate::report::fixtures;
use crate::schema::{hdr, CompareResult, RunResult};

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

pub(super) fn rec<T: serde::Serialize>(result: &T, source: &str) -> RunRecord {
    record(&serde_json::to_value(result).unwrap(), Some(source)).unwrap()
}

/// A run of `framework` at `commit` on `branch`, at `when`, throughput scaled by `scale`.
pub(super) fn run(framework: &str, commit: &str, branch: &str, when: &str, scale: f64) -> RunResult {
    let mut r = fixtures::run();
    r.metadata.framework = Some(framework.into());
    r.metadata.git_commit = Some(commit.into());
    r.metadata.git_branch = Some(branch.into());
    r.metadata.timestamp = when.into();
    for w in r.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()) {
        if let Some(m) = &mut w.results {
            m.throughput.requests_per_sec *= scale;
        }
    }
    r
}

/// A histogram of `fast` values at `at_us` and `slow` values at `slow_us`.
fn histogram(at_us: u64, fast: u64, slow_us: u64, slow: u64) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    h.record_n(at_us, fast).unwrap();
    h.record_n(slow_us, slow).unwrap();
    h
}

/// compare3 at `when` with five real rounds per framework; axum's small-json rounds carry
/// histograms of different shapes.
fn compare(when: &str, commit: &str) -> (CompareResult, Vec<Histogram<u64>>) {
    let mut c = fixtures::compare3();
    c.metadata.timestamp = when.into();
    c.metadata.git_commit = Some(commit.into());
    let mut hists = Vec::new();
    let base = fixtures::run().suites[0].workloads[0].results.clone().unwrap();
    for w in c.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()) {
        for f in &mut w.results {
            for (i, rps) in f.samples.iter().enumerate() {
                let mut m = base.clone();
                m.throughput.requests_per_sec = *rps;
                if w.name == "small-json" && f.framework == "axum-baseline" {
                    let h = histogram(500 + 100 * i as u64, 1000, 20_000 * (i as u64 + 1), 5 + 4 * i as u64);
                    m.latency.as_mut().unwrap().p99_ms = h.value_at_quantile(0.99) as f64 / 1000.0;
                    m.latency_histogram = hdr::encode(&h);
                    hists.push(h);
                }
                f.rounds.push(m);
            }
        }
    }
    (c, hists)
}

fn all(store: &mut dyn HistoryStore) -> Vec<MeasurementRow> {
    store.measurements(&Filter::default()).unwrap()
}

fn b_import_and_read_back(store: &mut dyn HistoryStore) {
    assert_eq!(store.schema_version().unwrap(), migrations::LATEST);
    let r = rec(&run("fastapi", "aaaa1111", "main", "2025-06-01T12:00:00Z", 1.0), "a.json");
    let Imported::New { run_id, measurements, .. } = store.import(&r).unwrap() else { panic!("not new") };
    assert_eq!(measurements, 5);
    let (c, _) = compare("2025-06-02T12:00:00Z", "bbbb2222");
    assert!(matches!(store.import(&rec(&c, "c.json")).unwrap(), Imported::New { measurements: 56, .. }));
    let runs = store.runs(&Filter::default()).unwrap();
    assert_eq!(runs.len(), 2);
    let first = &runs[0];
    assert_eq!((first.run.id, first.run.kind.as_str(), first.measurements), (run_id, "run", 5));
    assert_eq!(first.run.git_commit.as_deref(), Some("aaaa1111"));
    assert_eq!(first.run.dirty, Some(false));
    assert_eq!(first.run.time, time("2025-06-01T12:00:00Z"));
    assert_eq!(first.run.source.as_deref(), Some("a.json"));
    assert_eq!(runs[1].run.kind, "compare");
    let rows = all(store);
    assert_eq!(rows.len(), 61);
    let small = rows.iter().find(|m| m.run.id == run_id && m.workload == "small-json").unwrap();
    assert_eq!(
        (small.requests_per_sec, small.p99_ms, small.status.as_str()),
        (Some(12040.0), Some(11.9), "ok")
    );
    let failed = rows.iter().find(|m| m.run.id == run_id && m.workload == "stream-body").unwrap();
    assert_eq!((failed.status.as_str(), failed.requests_per_sec), ("failed", None));
    assert_eq!(rows.iter().filter(|m| m.histogram.is_some()).count(), 5);
}

fn b_reimport_is_a_no_op(store: &mut dyn HistoryStore) {
    let r = rec(&run("fastapi", "aaaa1111", "main", "2025-06-01T12:00:00Z", 1.0), "a.json");
    let Imported::New { run_id, .. } = store.import(&r).unwrap() else { panic!("not new") };
    let again = rec(&run("fastapi", "aaaa1111", "main", "2025-06-01T12:00:00Z", 1.0), "elsewhere.json");
    assert_eq!(store.import(&again).unwrap(), Imported::Duplicate { run_id });
    assert_eq!((store.runs(&Filter::default()).unwrap().len(), all(store).len()), (1, 5));
    // One figure different: a different result.
    let other = rec(&run("fastapi", "aaaa1111", "main", "2025-06-01T12:00:00Z", 1.01), "b.json");
    assert!(matches!(store.import(&other).unwrap(), Imported::New { .. }));
}

fn b_list_filters(store: &mut dyn HistoryStore) {
    store.import(&rec(&run("fastapi", "a1", "main", "2025-06-01T00:00:00Z", 1.0), "a")).unwrap();
    store.import(&rec(&run("axum", "b2", "feature", "2025-06-03T00:00:00Z", 1.0), "b")).unwrap();
    store.import(&rec(&compare("2025-06-05T00:00:00Z", "c3").0, "c")).unwrap();
    let ids = |store: &mut dyn HistoryStore, f: Filter| -> Vec<String> {
        store.runs(&f).unwrap().into_iter().map(|r| r.run.source.unwrap()).collect()
    };
    let f = |framework: Option<&str>, workload: Option<&str>, branch: Option<&str>| Filter {
        framework: framework.map(String::from),
        workload: workload.map(String::from),
        branch: branch.map(String::from),
        ..Filter::default()
    };
    assert_eq!(ids(store, Filter::default()), ["a", "b", "c"]);
    assert_eq!(ids(store, f(Some("fastapi"), None, None)), ["a", "c"]);
    assert_eq!(ids(store, f(Some("axum"), None, None)), ["b"]);
    assert_eq!(ids(store, f(None, None, Some("feature"))), ["b"]);
    assert_eq!(
        ids(store, f(Some("fastapi"), Some("deep-route"), None)),
        ["a", "c"],
        "c holds fastapi's invalid deep-route"
    );
    let since = Filter { since: Some(time("2025-06-02T00:00:00Z")), ..Filter::default() };
    assert_eq!(ids(store, since.clone()), ["b", "c"]);
    let routing = Filter { suite: Some("routing".into()), framework: Some("fastify".into()), ..since };
    assert_eq!(ids(store, routing.clone()), ["c"]);
    assert!(store
        .measurements(&routing)
        .unwrap()
        .iter()
        .all(|m| m.suite == "routing" && m.framework == "fastify"));
    assert_eq!(store.distinct(Dimension::Branch).unwrap(), ["feature", "main"]);
    let err = check_filter(store, &f(Some("axm"), None, None)).unwrap_err();
    assert!(err.is_bad_input());
    assert_eq!(err.to_string(), "unknown --framework 'axm'; stored: axum, axum-baseline, fastapi, fastify");
    check_filter(store, &f(Some("axum"), Some("small-json"), Some("main"))).unwrap();
}

fn b_merged_percentiles_are_exact(store: &mut dyn HistoryStore) {
    let (c, hists) = compare("2025-06-02T12:00:00Z", "cccc3333");
    store.import(&rec(&c, "c.json")).unwrap();
    let filter = Filter {
        framework: Some("axum-baseline".into()),
        workload: Some("small-json".into()),
        ..Filter::default()
    };
    let series = trend::series(&store.measurements(&filter).unwrap());
    let point = &series[0].segments[0].points[0];
    let want = hdr::merge(hists.iter()).unwrap().value_at_quantile(0.99) as f64 / 1000.0;
    assert_eq!((point.p99_ms, point.p99_exact, point.samples.len()), (Some(want), true, 5));
    let mean_of_p99s = hists.iter().map(|h| h.value_at_quantile(0.99) as f64 / 1000.0).sum::<f64>() / 5.0;
    assert!(
        (want - mean_of_p99s).abs() > 1.0,
        "merged {want} vs averaged {mean_of_p99s}: the test would not tell"
    );
    let (lo, hi) = point.rps_ci.unwrap();
    assert!(lo < point.rps && point.rps < hi);
}

fn b_exports_parse_back(store: &mut dyn HistoryStore) {
    store
        .import(&rec(&run("fast api,v=2 \"x\"", "a1", "main", "2025-06-01T00:00:00.25Z", 1.0), "a,b.json"))
        .unwrap();
    store.import(&rec(&compare("2025-06-05T00:00:00Z", "c3").0, "c")).unwrap();
    let rows = all(store);
    let csv = parse_csv(&export(&rows, ExportFormat::Csv));
    assert_eq!(csv[0], CSV_COLUMNS);
    assert_eq!(csv.len(), rows.len() + 1);
    for (line, row) in csv[1..].iter().zip(&rows) {
        assert_eq!(
            (line[9].as_str(), line[11].as_str(), line[23].as_str()),
            (row.framework.as_str(), row.workload.as_str(), row.run.source.as_deref().unwrap())
        );
        assert_eq!(line[14].parse::<f64>().ok(), row.requests_per_sec);
        assert_eq!(time(&line[5]), row.run.time);
    }
    let json: Vec<Value> = serde_json::from_str(&export(&rows, ExportFormat::Json)).unwrap();
    assert_eq!(json.len(), rows.len());
    assert_eq!(json[0]["framework"], "fast api,v=2 \"x\"");
    assert_eq!(json[0]["requests_per_sec"].as_f64(), rows[0].requests_per_sec);
    let points = parse_influx(&export(&rows, ExportFormat::Influx));
    assert_eq!(points.len(), rows.len());
    for (p, row) in points.iter().zip(&rows) {
        assert_eq!(p.measurement, "benchmark");
        assert_eq!(p.tags["framework"], row.framework);
        assert_eq!(p.tags["round"], row.round.to_string());
        assert_eq!(p.fields.get("requests_per_sec").map(|v| v.parse::<f64>().unwrap()), row.requests_per_sec);
        assert_eq!(p.fields["errors"], format!("{}i", row.errors));
        assert_eq!(p.timestamp, row.run.time.timestamp_nanos_opt().unwrap());
    }
    assert_eq!(points[0].fields["commit"], "\"a1\"");
}

fn b_prune(store: &mut dyn HistoryStore) {
    let when = ["2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z"];
    let recs: Vec<RunRecord> = when.iter().map(|w| rec(&run("fastapi", w, "main", w, 1.0), w)).collect();
    for r in &recs {
        store.import(r).unwrap();
    }
    let dry = store.prune(&PruneRule { keep: Some(1), dry_run: true, ..PruneRule::default() }).unwrap();
    assert_eq!((dry.runs, dry.measurements, dry.kept, all(store).len()), (2, 10, 1, 15));
    let cut = store.prune(&PruneRule { before: Some(time(when[1])), ..PruneRule::default() }).unwrap();
    assert_eq!((cut.runs, cut.kept), (1, 2));
    let kept = store.prune(&PruneRule { keep: Some(1), ..PruneRule::default() }).unwrap();
    assert_eq!((kept.runs, kept.measurements, kept.kept), (1, 5, 1));
    let left = store.runs(&Filter::default()).unwrap();
    assert_eq!(left.iter().map(|r| r.run.time).collect::<Vec<_>>(), [time(when[2])]);
    assert_eq!(all(store).len(), 5);
    // Everything of a pruned run is gone: importing it again stores it anew.
    assert!(matches!(store.import(&recs[0]).unwrap(), Imported::New { measurements: 5, .. }));
}

fn b_check_verdicts_and_atomic_import(store: &mut dyn HistoryStore) {
    let check = check_json("cur2");
    store.import(&record(&check, Some("check.json")).unwrap()).unwrap();
    let v = store.verdicts(&Filter { framework: Some("axum".into()), ..Filter::default() }).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].severity.as_str(), v[0].rps_change_percent, v[0].current_p99_ms),
        ("regression", -15.0, Some(1.01))
    );
    assert_eq!(
        (v[0].run.kind.as_str(), v[0].run.git_commit.as_deref(), v[0].baseline_commit.as_deref()),
        ("check", Some("cur2"), Some("base1"))
    );
    assert_eq!(v[0].significant, Some(true));
    // A record that fails half-way (the same measurement twice) leaves nothing behind.
    let mut bad = rec(&run("fastapi", "x", "main", "2025-06-03T00:00:00Z", 1.0), "bad.json");
    bad.measurements.push(bad.measurements[0].clone());
    assert!(store.import(&bad).is_err());
    assert_eq!((store.runs(&Filter::default()).unwrap().len(), all(store).len()), (1, 0));
    bad.measurements.pop();
    assert!(matches!(store.import(&bad).unwrap(), Imported::New { .. }));
}

fn b_change_points_are_found_and_remembered_once(store: &mut dyn HistoryStore) {
    for i in 0..16u32 {
        let wobble = 1.0 + 0.005 * f64::from(i * 7 % 5) - 0.01;
        let scale = if i < 9 { 1.0 } else { 0.9 } * wobble;
        let when = format!("2025-06-{:02}T00:00:00Z", i + 1);
        store.import(&rec(&run("fastapi", &format!("commit{i:02}"), "main", &when, scale), &when)).unwrap();
    }
    let filter = Filter { workload: Some("small-json".into()), ..Filter::default() };
    let mut series = trend::series(&store.measurements(&filter).unwrap());
    let found = changes::detect(&mut series, &changepoint::ChangePointOptions::default()).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].git_commit.as_str(), found[0].metric.as_str(), found[0].regression),
        ("commit09", "requests_per_sec", true)
    );
    assert_eq!(store.record_changes(&found).unwrap(), [true]);
    assert_eq!(store.record_changes(&found).unwrap(), [false]);
}

fn check_json(commit: &str) -> Value {
    serde_json::json!({
        "mode": "check", "schema_version": 1, "verdict": "regression",
        "baseline": {"file": "b.json", "mode": "run", "git_commit": "base1", "timestamp": "2025-06-01T00:00:00Z"},
        "current": {"file": "c.json", "mode": "run", "git_commit": commit, "timestamp": "2025-06-02T00:00:00Z"},
        "thresholds": {"warn_percent": 5.0, "fail_percent": 10.0, "metric": "both", "alpha": 0.05},
        "workloads": [{"framework": "axum", "workload": "plaintext", "baseline_rps": 1000.0, "current_rps": 850.0,
            "rps_change_percent": -15.0, "baseline_p99_ms": 1.0, "current_p99_ms": 1.01, "p99_change_percent": 1.0,
            "p_value": 0.001, "significant": true, "severity": "regression", "warn_percent": 5.0, "fail_percent": 10.0,
            "reason": "15 % slower"}],
        "only_in_baseline": [], "only_in_current": []
    })
}

/// Sample results for the dashboards: a series with a change point (remembered), a compare
/// of three frameworks and a check.
pub(super) fn dashboard_samples(store: &mut dyn HistoryStore) {
    b_change_points_are_found_and_remembered_once(store);
    store.import(&rec(&compare("2025-06-20T00:00:00Z", "cmp1").0, "c.json")).unwrap();
    store.import(&record(&check_json("head2"), Some("check.json")).unwrap()).unwrap();
}

fn b_alerts_are_mailed_once(store: &mut dyn HistoryStore) {
    use super::alert::{sink::Sink, AlertConfig, AlertEvent, AlertFlags};
    b_change_points_are_found_and_remembered_once(store);
    store.import(&record(&check_json("head2"), Some("check.json")).unwrap()).unwrap();
    let small = Filter { workload: Some("small-json".into()), ..Filter::default() };
    let mut series = trend::series(&store.measurements(&small).unwrap());
    let found = changes::detect(&mut series, &changepoint::ChangePointOptions::default()).unwrap();
    let mut events: Vec<AlertEvent> =
        found.iter().map(|c| notify::change_event(c, Some("https://ci/1"))).collect();
    let checks = notify::check_events(&store.verdicts(&Filter::default()).unwrap(), None);
    let direct: CheckResultAlias = serde_json::from_value(check_json("head2")).unwrap();
    let ids = |e: &[AlertEvent]| e.iter().map(AlertEvent::id).collect::<Vec<_>>();
    assert_eq!(ids(&checks), ids(&AlertEvent::from_check(&direct, None)), "the same ids as check --alert");
    events.extend(checks);
    assert_eq!(events.len(), 2, "{events:?}");
    let sink = Sink::start(None);
    let flags = AlertFlags {
        server: Some("127.0.0.1".into()),
        port: Some(sink.port),
        tls: Some("none".into()),
        from: Some("bench@example.com".into()),
        to: vec!["team@example.com".into()],
        ..AlertFlags::default()
    };
    let config = AlertConfig::resolve(None, &flags, None).unwrap();
    assert!(notify::dry_run(store, &events, Some(&config)).unwrap().starts_with("2 new alert events"));
    assert_eq!(notify::send_new(store, &events, &config).unwrap().len(), 2);
    assert_eq!(notify::send_new(store, &events, &config).unwrap().len(), 0, "sent once");
    assert!(notify::dry_run(store, &events, None)
        .unwrap()
        .starts_with("no new alert events (2 already sent)"));
    let mails = sink.messages();
    assert_eq!(mails.len(), 2);
    assert!(mails[0].data.contains("commit09") && mails[0].data.contains("small-json"), "{}", mails[0].data);
    assert!(mails[1].data.contains("head2") && mails[1].data.contains("plaintext"), "{}", mails[1].data);
}

type CheckResultAlias = crate::schema::CheckResult;

pub(super) type Behaviour = fn(&mut dyn HistoryStore);

pub(super) const BEHAVIOURS: &[(&str, Behaviour)] = &[
    ("import_and_read_back", b_import_and_read_back),
    ("reimport_is_a_no_op", b_reimport_is_a_no_op),
    ("list_filters", b_list_filters),
    ("merged_percentiles_are_exact", b_merged_percentiles_are_exact),
    ("exports_parse_back", b_exports_parse_back),
    ("prune", b_prune),
    ("check_verdicts_and_atomic_import", b_check_verdicts_and_atomic_import),
    ("change_points_are_found_and_remembered_once", b_change_points_are_found_and_remembered_once),
    ("alerts_are_mailed_once", b_alerts_are_mailed_once),
    ("shards_wait_then_merge", super::shards::b_shards_wait_then_merge),
];

fn on_sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("sub/history.db")).unwrap();
    let (_, behaviour) = BEHAVIOURS.iter().find(|(n, _)| *n == name).unwrap();
    behaviour(&mut store);
}

macro_rules! sqlite_tests {
    ($($name:ident),*) => { mod sqlite_store { $(#[test] fn $name() { super::on_sqlite(stringify!($name)); })* } };
}
sqlite_tests!(
    import_and_read_back,
    reimport_is_a_no_op,
    list_filters,
    merged_percentiles_are_exact,
    exports_parse_back,
    prune,
    check_verdicts_and_atomic_import,
    change_points_are_found_and_remembered_once,
    alerts_are_mailed_once,
    shards_wait_then_merge
);

#[test]
fn the_content_hash_ignores_key_order_and_whitespace() {
    let r = run("fastapi", "a1", "main", "2025-06-01T00:00:00Z", 1.0);
    let compact = serde_json::to_string(&r).unwrap();
    let value: Value = serde_json::from_str(&serde_json::to_string_pretty(&r).unwrap()).unwrap();
    let a = record(&serde_json::from_str(&compact).unwrap(), None).unwrap();
    // Reverse the key order of the top-level object.
    let map = value.as_object().unwrap();
    let reversed: serde_json::Map<String, Value> = map.clone().into_iter().rev().collect();
    let b = record(&Value::Object(reversed), None).unwrap();
    assert_eq!(a.content_hash, b.content_hash);
    assert_eq!(a.host_fingerprint, b.host_fingerprint);
    let other_host = {
        let mut r = r.clone();
        r.metadata.host.cpu_cores = 4;
        rec(&r, "x")
    };
    assert_ne!(other_host.host_fingerprint, a.host_fingerprint);
    assert_eq!(other_host.config_fingerprint, a.config_fingerprint);
}
