//! From the load generator's report to the result file's measurement.

use crate::stats::round_to;
use hdrhistogram::Histogram;

use crate::loadgen::LoadReport;
use crate::schema::{Latency, LoadInfo, Measurement, Resources, Throughput, TimelinePoint};

/// Microseconds to milliseconds, kept to the histogram's microsecond resolution.
fn ms(us: f64) -> f64 {
    round_to(us / 1000.0, 3)
}

/// Latency summary (milliseconds) of a microsecond histogram; `None` when it is empty.
pub fn latency_of(h: &Histogram<u64>) -> Option<Latency> {
    if h.is_empty() {
        return None;
    }
    let q = |p: f64| ms(h.value_at_quantile(p) as f64);
    Some(Latency {
        mean_ms: ms(h.mean()),
        median_ms: q(0.5),
        p90_ms: q(0.9),
        p95_ms: q(0.95),
        p99_ms: q(0.99),
        p999_ms: q(0.999),
        min_ms: ms(h.min() as f64),
        max_ms: ms(h.max() as f64),
        stddev_ms: ms(h.stdev()),
    })
}

/// The measurement of one window.
pub fn measurement_of(
    r: &LoadReport,
    resources: Option<Resources>,
    connections: usize,
    notes: Vec<String>,
) -> Measurement {
    let secs = r.elapsed.as_secs_f64().max(f64::EPSILON);
    Measurement {
        throughput: Throughput {
            requests_per_sec: round_to(r.successful_requests as f64 / secs, 2),
            bytes_per_sec: round_to(r.bytes_received as f64 / secs, 1),
            total_requests: r.total_requests,
            successful_requests: r.successful_requests,
            failed_requests: r.failed_requests,
            success_rate: if r.total_requests == 0 {
                0.0
            } else {
                round_to(r.successful_requests as f64 / r.total_requests as f64, 6)
            },
        },
        latency: latency_of(&r.latency),
        errors: r.errors,
        timeline: r
            .timeline
            .iter()
            .map(|s| TimelinePoint {
                t: s.t,
                requests: s.requests,
                errors: s.errors,
                p50_ms: s.p50_us.map(|v| ms(v as f64)),
                p99_ms: s.p99_us.map(|v| ms(v as f64)),
            })
            .collect(),
        resources,
        load: LoadInfo {
            target_rate: r.target_rate,
            achieved_rate: round_to(r.achieved_rate, 2),
            generator_cpu_percent: r.generator_cpu_percent.map(|v| round_to(v, 1)),
            generator_bound: r.generator_bound,
            threads: r.threads as u32,
            connections: connections as u32,
            latency_uncorrected: r.latency_uncorrected.as_ref().and_then(latency_of),
            censored_timeouts: r.censored_timeouts,
            censored_in_flight: r.censored_in_flight,
            censored_unsent: r.censored_unsent,
            protocol: None,
            streams_per_connection: None,
            ttfb_p50_ms: (!r.ttfb.is_empty()).then(|| ms(r.ttfb.value_at_quantile(0.5) as f64)),
            ttfb_p99_ms: (!r.ttfb.is_empty()).then(|| ms(r.ttfb.value_at_quantile(0.99) as f64)),
            header_bytes_per_response: (r.responses > 0).then(|| {
                round_to(r.bytes_received.saturating_sub(r.body_bytes) as f64 / r.responses as f64, 1)
            }),
            latency_uncorrected_histogram: r
                .latency_uncorrected
                .as_ref()
                .filter(|h| !h.is_empty())
                .and_then(crate::schema::hdr::encode),
        },
        notes,
        profiling: None,
        latency_histogram: (!r.latency.is_empty()).then(|| crate::schema::hdr::encode(&r.latency)).flatten(),
        streaming: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_summary_in_milliseconds() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        for v in [1000u64, 2000, 3000, 4000] {
            h.record(v).unwrap();
        }
        let l = latency_of(&h).unwrap();
        // HDR histograms keep 3 significant digits: values agree within 0.1 %.
        let near = |a: f64, b: f64| (a - b).abs() <= b * 0.002;
        assert!(near(l.min_ms, 1.0) && near(l.max_ms, 4.0) && near(l.mean_ms, 2.5), "{l:?}");
        assert!(latency_of(&Histogram::<u64>::new(3).unwrap()).is_none());
    }
}
