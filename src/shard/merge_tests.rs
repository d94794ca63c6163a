//! Tests of `merge` on shard files built from the report fixtures.

use super::*;
use crate::report::fixtures;
use crate::schema::hdr;
use hdrhistogram::Histogram;

const SEQ: &str = "0,1/4,1/2,3/4,1";

fn hist(values: &[u64]) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for &v in values {
        h.record(v).unwrap();
    }
    h
}

/// A shard of a one-workload run against a URL whose latencies (µs) are `values`.
fn shard(segment: &str, values: &[u64]) -> ShardFile {
    let mut r = fixtures::run();
    r.suites.truncate(1);
    r.suites[0].workloads.truncate(1);
    r.configuration.target_url = Some("http://10.0.0.5:8080".into());
    r.configuration.concurrency = 16;
    r.configuration.sharding = Some(Sharding {
        segment: segment.into(),
        segment_sequence: SEQ.into(),
        start_at: Some("2025-06-15T15:06:50.000Z".into()),
        total_concurrency: 64,
        total_rate: None,
        shards: Vec::new(),
    });
    let m = r.suites[0].workloads[0].results.as_mut().unwrap();
    let h = hist(values);
    m.latency = crate::run::latency_of(&h);
    m.latency_histogram = hdr::encode(&h);
    m.throughput.total_requests = values.len() as u64;
    m.throughput.successful_requests = values.len() as u64;
    m.throughput.failed_requests = 0;
    m.throughput.requests_per_sec = values.len() as f64 / 10.0;
    m.load.connections = 16;
    r.summarize(10.0);
    ShardFile { path: format!("shard-{}.json", segment.replace(['/', ':'], "_")).into(), result: r }
}

fn four() -> Vec<ShardFile> {
    // One slow shard: its tail dominates the merged p99, which an average of p99s would hide.
    let fast: Vec<u64> = (1..=1000).map(|i| 1_000 + i).collect();
    let slow: Vec<u64> = (1..=1000).map(|i| 1_000 + i * 40).collect();
    vec![shard("1/2:3/4", &fast), shard("0:1/4", &fast), shard("3/4:1", &slow), shard("1/4:1/2", &fast)]
}

#[test]
fn shards_merge_exactly_summing_counts_and_histograms() {
    let files = four();
    let merged = merge(&files).unwrap();
    let w = &merged.suites[0].workloads[0];
    let m = w.results.as_ref().unwrap();
    assert_eq!(m.throughput.total_requests, 4000);
    assert_eq!(m.throughput.requests_per_sec, 400.0);
    assert_eq!(m.load.connections, 64);
    assert_eq!(merged.configuration.concurrency, 64);
    let s = merged.configuration.sharding.as_ref().unwrap();
    assert_eq!(s.segment, "0:1");
    let order: Vec<&str> = s.shards.iter().map(|x| x.segment.as_str()).collect();
    assert_eq!(order, ["0:1/4", "1/4:1/2", "1/2:3/4", "3/4:1"]);
    // p99 of the summed histograms, exactly what hdr::merge of the shards' own gives.
    let parts: Vec<Histogram<u64>> = files
        .iter()
        .map(|f| {
            hdr::decode(
                f.result.suites[0].workloads[0].results.as_ref().unwrap().latency_histogram.as_ref().unwrap(),
            )
            .unwrap()
        })
        .collect();
    let direct = crate::run::latency_of(&hdr::merge(parts.iter()).unwrap()).unwrap();
    let p99 = m.latency.as_ref().unwrap().p99_ms;
    assert_eq!(p99, direct.p99_ms);
    // The slow shard's tail: the true p99 is near 40.6 ms, the mean of the shards' p99s is ~11 ms.
    let mean_of_p99s: f64 = files
        .iter()
        .map(|f| f.result.suites[0].workloads[0].results.as_ref().unwrap().latency.as_ref().unwrap().p99_ms)
        .sum::<f64>()
        / 4.0;
    assert!(p99 > 30.0 && mean_of_p99s < 15.0, "p99 {p99}, mean of p99s {mean_of_p99s}");
    assert_eq!(merged.summary.total_requests, 4000);
    assert!(m.timeline.iter().all(|p| p.p50_ms.is_none()));
    assert!(m.load.generator_cpu_percent.is_none());
}

#[test]
fn a_shard_of_another_configuration_is_refused_naming_file_and_field() {
    let mut files = four();
    files[2].result.configuration.target_url = Some("http://10.0.0.6:8080".into());
    let err = merge(&files).unwrap_err().to_string();
    assert!(err.contains("shard-3_4_1.json") && err.contains("configuration.target_url"), "{err}");
    assert!(err.contains("http://10.0.0.6:8080") && err.contains("http://10.0.0.5:8080"), "{err}");
    let mut files = four();
    files[1].result.configuration.duration_secs = 30.0;
    let err = merge(&files).unwrap_err().to_string();
    assert!(err.contains("configuration.duration_secs is 30"), "{err}");
    let mut files = four();
    files[1].result.configuration.load_generator =
        crate::run::load_generator_name(crate::loadgen::Protocol::Http2 { streams: 4 });
    let err = merge(&files).unwrap_err().to_string();
    assert!(err.contains("configuration.load_generator") && err.contains("HTTP/2"), "{err}");
    let mut files = four();
    files[3].result.suites[0].workloads[0].name = "other".into();
    assert!(merge(&files).unwrap_err().to_string().contains("the workloads"));
}

#[test]
fn overlapping_and_missing_segments_are_refused() {
    let mut files = four();
    files[3] = shard("0:1/4", &[1000]);
    let err = merge(&files).unwrap_err().to_string();
    assert!(err.contains("both cover segment 0:1/4"), "{err}");
    let mut files = four();
    files.remove(0);
    let err = merge(&files).unwrap_err().to_string();
    assert!(err.contains("segment(s) 1/2:3/4") && err.contains("missing"), "{err}");
}

#[test]
fn a_result_that_is_not_a_shard_is_refused() {
    let mut files = four();
    files[0].result.configuration.sharding = None;
    assert!(matches!(merge(&files), Err(MergeError::NotShard { .. })));
    assert!(matches!(merge(&[]), Err(MergeError::NoFiles)));
}

#[test]
fn a_shard_without_histograms_makes_latency_null_with_the_reason() {
    let mut files = four();
    files[1].result.suites[0].workloads[0].results.as_mut().unwrap().latency_histogram = None;
    let merged = merge(&files).unwrap();
    let m = merged.suites[0].workloads[0].results.as_ref().unwrap();
    assert!(m.latency.is_none());
    assert!(m.notes.iter().any(|n| n.starts_with("latency: null because shard-0_1_4.json")), "{:?}", m.notes);
    assert_eq!(m.throughput.total_requests, 4000);
}

#[test]
fn a_failed_shard_makes_the_workload_failed_naming_the_shard() {
    let mut files = four();
    let w = &mut files[0].result.suites[0].workloads[0];
    w.status = WorkloadStatus::Failed;
    w.reason = Some("no answer".into());
    w.results = None;
    let merged = merge(&files).unwrap();
    let w = &merged.suites[0].workloads[0];
    assert_eq!(w.status, WorkloadStatus::Failed);
    assert!(
        w.reason.as_deref().unwrap().starts_with("shard 1/2:3/4 (shard-1_2_3_4.json): no answer"),
        "{w:?}"
    );
    let m = w.results.as_ref().unwrap();
    assert_eq!(m.throughput.total_requests, 3000);
    assert!(m.notes.iter().any(|n| n.starts_with("only 3 of the 4 shards")));
}
