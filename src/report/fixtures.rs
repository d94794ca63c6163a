//! Test-only builders of the fixed result files under `tests/fixtures/`, so that the
//! files always deserialize into the current types.
//!
//! `BLESS_FIXTURES=1 cargo test report::fixtures` rewrites the files from the builders.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::schema::*;

/// Path of a fixture file.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn metadata(framework: Option<(&str, &str, &str, &str)>) -> Metadata {
    let (framework, version, language, runtime) = match framework {
        Some((f, v, l, r)) => (Some(f.into()), Some(v.into()), Some(l.into()), Some(r.into())),
        None => (None, None, None, None),
    };
    Metadata {
        framework,
        language,
        version,
        runtime,
        timestamp: "2025-06-01T12:00:00Z".into(),
        git_commit: Some("3f2c1a9e5b7d4c6e8f0a1b2c3d4e5f6a7b8c9d0e".into()),
        git_branch: Some("main".into()),
        git_dirty: Some(false),
        harness_version: "0.1.0".into(),
        host: Host {
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu_model: Some("AMD EPYC 7B13".into()),
            cpu_cores: 2,
            memory_gb: Some(7.8),
            kernel: Some("6.8.0-1015-gcp".into()),
        },
        machine: None,
    }
}

fn configuration() -> Configuration {
    Configuration {
        duration_secs: 10.0,
        concurrency: 64,
        warmup_secs: 2.0,
        rate: None,
        timeout_secs: 5.0,
        load_generator: "benchmark-harness loadgen 0.1.0".into(),
        workers: 1,
        verified: true,
        target_url: None,
        server_cpus: Some("0".into()),
        loadgen_cpus: Some("1".into()),
        pinning: None,
        sharding: None,
    }
}

/// Rounded to three decimals, so that the files read cleanly.
fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn latency(p50: f64, p99: f64) -> Latency {
    Latency {
        mean_ms: r3(p50 * 1.12),
        median_ms: p50,
        p90_ms: r3(p50 + (p99 - p50) * 0.4),
        p95_ms: r3(p50 + (p99 - p50) * 0.6),
        p99_ms: p99,
        p999_ms: r3(p99 * 1.6),
        min_ms: r3(p50 * 0.3),
        max_ms: r3(p99 * 2.5),
        stddev_ms: r3((p99 - p50) / 2.5),
    }
}

fn throughput(rps: f64, duration: f64, body: f64) -> Throughput {
    let total = (rps * duration).round() as u64;
    Throughput {
        requests_per_sec: rps,
        bytes_per_sec: r3(rps * body),
        total_requests: total,
        successful_requests: total,
        failed_requests: 0,
        success_rate: 1.0,
    }
}

fn resources(cpu: f64, mem: f64) -> Resources {
    Resources {
        cpu: CpuStats { avg_percent: cpu, peak_percent: r3(cpu * 1.08), p95_percent: r3(cpu * 1.04) },
        memory: MemoryStats { avg_mb: mem, peak_mb: r3(mem * 1.1), p95_mb: r3(mem * 1.05), method: None },
        samples: 100,
    }
}

fn measurement(rps: f64, p50: f64, p99: f64, cpu: f64, mem: f64, body: f64) -> Measurement {
    Measurement {
        throughput: throughput(rps, 10.0, body),
        latency: Some(latency(p50, p99)),
        errors: ErrorCounts::default(),
        timeline: (0..3)
            .map(|t| TimelinePoint {
                t,
                requests: (rps * (0.98 + 0.01 * t as f64)).round() as u64,
                errors: 0,
                p50_ms: Some(p50),
                p99_ms: Some(p99),
            })
            .collect(),
        resources: Some(resources(cpu, mem)),
        load: LoadInfo {
            target_rate: None,
            achieved_rate: rps,
            generator_cpu_percent: Some(41.0),
            generator_bound: false,
            threads: 1,
            connections: 64,
            latency_uncorrected: None,
            censored_timeouts: 0,
            censored_in_flight: 0,
            censored_unsent: 0,
            protocol: None,
            streams_per_connection: None,
            ttfb_p50_ms: None,
            ttfb_p99_ms: None,
            header_bytes_per_response: None,
            latency_uncorrected_histogram: None,
        },
        notes: Vec::new(),
        profiling: None,
        latency_histogram: None,
        streaming: None,
    }
}

/// One framework over five rounds: mean and t-based 95 % CI from the samples.
fn measured(framework: &str, samples: &[f64], p50: f64, p99: f64, cpu: f64, mem: f64) -> FrameworkResult {
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let sd = (samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = 2.776 * sd / n.sqrt(); // qt(0.975, 4)
    let half = (half * 10.0).round() / 10.0;
    let mean = (mean * 10.0).round() / 10.0;
    FrameworkResult {
        framework: framework.into(),
        status: WorkloadStatus::Ok,
        reason: None,
        throughput: Some(throughput(mean, 50.0, 300.0)),
        latency: Some(latency(p50, p99)),
        resources: Some(resources(cpu, mem)),
        samples: samples.to_vec(),
        requests_per_sec_ci: Some(Interval { low: mean - half, high: mean + half }),
        rounds: Vec::new(),
    }
}

fn invalid(framework: &str, reason: &str) -> FrameworkResult {
    FrameworkResult {
        framework: framework.into(),
        status: WorkloadStatus::Invalid,
        reason: Some(reason.into()),
        throughput: None,
        latency: None,
        resources: None,
        samples: Vec::new(),
        requests_per_sec_ci: None,
        rounds: Vec::new(),
    }
}

fn workload(name: &str, category: &str, size: u64, method: &str, path: &str) -> CompareWorkload {
    CompareWorkload {
        name: name.into(),
        category: category.into(),
        payload_size_bytes: size,
        endpoint: Endpoint { method: method.into(), path: path.into() },
        results: Vec::new(),
        comparison: None,
        unranked_because: BTreeMap::new(),
    }
}

const INVALID_REASON: &str =
    "answer differs from the contract:\n  expected status 200, got 404\n  body: {\"detail\":\"Not Found\"}";

/// Three frameworks, two suites: a clear winner, a tie, and a workload left unranked.
pub fn compare3() -> CompareResult {
    let (ax, fa, fy) = ("axum-baseline", "fastapi", "fastify");
    let mut small = workload("small-json", "json", 256, "POST", "/json/small");
    small.results = vec![
        measured(ax, &[97850.0, 98420.0, 99010.0, 98130.0, 97640.0], 0.58, 1.91, 96.0, 14.2),
        measured(fa, &[12010.0, 11870.0, 12240.0, 12090.0, 11960.0], 5.12, 11.8, 99.0, 61.5),
        measured(fy, &[41230.0, 40880.0, 41510.0, 40970.0, 41350.0], 1.49, 4.32, 98.0, 72.4),
    ];
    let mut large = workload("large-json", "json", 65536, "POST", "/json/large");
    large.results = vec![
        measured(ax, &[5210.0, 5020.0, 5400.0, 4900.0, 5300.0], 11.9, 32.5, 97.0, 21.7),
        measured(fa, &[2110.0, 2060.0, 2150.0, 2090.0, 2120.0], 29.8, 71.2, 99.0, 88.1),
        measured(fy, &[5350.0, 5180.0, 5420.0, 5090.0, 5260.0], 12.1, 30.9, 98.0, 95.3),
    ];
    let mut params = workload("path-params", "routing", 0, "GET", "/users/{id}");
    params.results = vec![
        measured(ax, &[120400.0, 119800.0, 121100.0, 120900.0, 119600.0], 0.47, 1.52, 95.0, 13.9),
        measured(fa, &[15020.0, 14890.0, 15210.0, 15110.0, 14970.0], 4.09, 9.7, 99.0, 60.8),
        measured(fy, &[55120.0, 54630.0, 55480.0, 54970.0, 55300.0], 1.11, 3.28, 97.0, 70.1),
    ];
    let mut deep = workload("deep-route", "routing", 0, "GET", "/a/b/c/d/e/f");
    deep.results = vec![
        measured(ax, &[118200.0, 117900.0, 118800.0, 118500.0, 117700.0], 0.49, 1.58, 95.0, 14.0),
        invalid(fa, INVALID_REASON),
        measured(fy, &[53900.0, 53420.0, 54210.0, 53780.0, 54050.0], 1.14, 3.37, 97.0, 70.3),
    ];

    let mut result = CompareResult {
        mode: Mode::Compare,
        schema_version: SCHEMA_VERSION,
        complete: true,
        metadata: metadata(None),
        configuration: CompareConfiguration {
            load: configuration(),
            rounds: 5,
            rounds_completed: 5,
            alpha: 0.05,
            noise_floor_percent: 2.0,
            target_precision_percent: Some(2.0),
            max_rounds: Some(20),
            precision_reached_percent: Some(1.6),
            round_orders: (0..5)
                .map(|i| (0..3).map(|j| [ax, fa, fy][(i + j) % 3].to_string()).collect())
                .collect(),
            round_design: None,
            block_rounds: None,
            time_budget_secs: Some(900.0),
            stopped_because: Some("precision".into()),
        },
        frameworks: vec![
            framework(ax, "0.7.9", "rust", "rustc 1.83.0"),
            framework(fa, "0.115.6", "python", "CPython 3.12.3"),
            framework(fy, "5.2.0", "javascript", "node 22.11.0"),
        ],
        suites: vec![
            CompareSuite { name: "json-bodies".into(), workloads: vec![small, large] },
            CompareSuite { name: "routing".into(), workloads: vec![params, deep] },
        ],
        summary: CompareSummary::default(),
        notes: vec!["deep-route: fastapi answered 404; the workload is shown but not ranked".into()],
    };
    let active: Vec<String> = [ax, fa, fy].iter().map(|s| s.to_string()).collect();
    let settings = crate::compare::Settings {
        alpha: 0.05,
        noise_floor: 2.0,
        confidence: 0.95,
        stage: None,
        paired: false,
    };
    let mut refs: Vec<&mut CompareWorkload> =
        result.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()).collect();
    result.summary = crate::compare::analyze(&mut refs, &active, settings);
    result.summary.total_duration_secs = 812.4;
    result
}

fn framework(name: &str, version: &str, language: &str, runtime: &str) -> FrameworkInfo {
    FrameworkInfo {
        name: name.into(),
        version: Some(version.into()),
        language: Some(language.into()),
        runtime: Some(runtime.into()),
        app_dir: Some(format!("apps/{name}")),
        status: WorkloadStatus::Ok,
        reason: None,
    }
}

fn run_workload(name: &str, category: &str, size: u64, path: &str, m: Option<Measurement>) -> WorkloadResult {
    WorkloadResult {
        name: name.into(),
        category: category.into(),
        payload_size_bytes: size,
        endpoint: Endpoint { method: if size > 0 { "POST" } else { "GET" }.into(), path: path.into() },
        status: WorkloadStatus::Ok,
        reason: None,
        verified: true,
        results: m,
    }
}

/// One framework's run: three workloads measured, one invalid, one failed.
pub fn run() -> RunResult {
    let mut deep = run_workload("deep-route", "routing", 0, "/a/b/c/d/e/f", None);
    deep.status = WorkloadStatus::Invalid;
    deep.reason = Some(INVALID_REASON.into());
    let mut stream = run_workload("stream-body", "streaming", 1 << 20, "/stream", None);
    stream.status = WorkloadStatus::Failed;
    stream.reason = Some("the server exited with status 137 during the measurement (out of memory?)".into());
    let mut r = RunResult {
        comparison: None,
        mode: Mode::Run,
        schema_version: SCHEMA_VERSION,
        complete: true,
        metadata: metadata(Some(("fastapi", "0.115.6", "python", "CPython 3.12.3"))),
        configuration: configuration(),
        suites: vec![
            SuiteResult {
                name: "json-bodies".into(),
                workloads: vec![
                    run_workload(
                        "small-json",
                        "json",
                        256,
                        "/json/small",
                        Some(measurement(12040.0, 5.1, 11.9, 99.0, 61.0, 300.0)),
                    ),
                    run_workload(
                        "large-json",
                        "json",
                        65536,
                        "/json/large",
                        Some(measurement(2105.0, 29.6, 70.8, 99.0, 88.0, 65600.0)),
                    ),
                    stream,
                ],
                mixed: None,
            },
            SuiteResult {
                name: "routing".into(),
                workloads: vec![
                    run_workload(
                        "path-params",
                        "routing",
                        0,
                        "/users/{id}",
                        Some(measurement(15030.0, 4.1, 9.6, 98.0, 60.5, 40.0)),
                    ),
                    deep,
                ],
                mixed: None,
            },
        ],
        summary: Summary {
            total_workloads: 0,
            total_requests: 0,
            overall_success_rate: 0.0,
            avg_requests_per_sec: 0.0,
            total_duration_secs: 0.0,
        },
        notes: Vec::new(),
    };
    r.summarize(61.3);
    r
}

/// The check's default options (warn 5 %, fail 10 %), on throughput only.
pub fn check_options() -> crate::check::CheckOptions {
    crate::check::CheckOptions { metric: crate::check::Metric::Rps, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_fixtures_on_disk_match_their_builders() {
        let bless = std::env::var_os("BLESS_FIXTURES").is_some();
        let check = |name: &str, built: String| {
            let p = path(name);
            if bless || !p.exists() {
                std::fs::write(&p, &built).unwrap();
            }
            let on_disk = std::fs::read_to_string(&p).unwrap();
            assert!(on_disk == built, "{name} differs from its builder; rerun with BLESS_FIXTURES=1");
        };
        check("compare-3.json", serde_json::to_string_pretty(&compare3()).unwrap() + "\n");
        check("run.json", serde_json::to_string_pretty(&run()).unwrap() + "\n");
        // Both parse into the result types, through the same reader as the renderers.
        let _: CompareResult = crate::schema::read_result(&path("compare-3.json")).unwrap();
        let _: RunResult = crate::schema::read_result(&path("run.json")).unwrap();
    }
}
