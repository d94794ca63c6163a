//! Stand-in CLI for `benchmark-harness run --url` until the real CLI exists:
//! runs the load generator against a URL and prints requests/sec.
//!
//! Usage: `loadgen_cli --url http://127.0.0.1:8080/ [-c 50] [-d 5] [--warmup 1]
//! [--rate N] [-t THREADS] [--cpus 1,2]`

use std::net::ToSocketAddrs;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use benchmark_harness::loadgen::{self, LoadPlan, Pacing, Protocol, RequestSpec, ResponseCheck, Target};

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), String> {
    let mut url = None;
    let (mut connections, mut secs, mut warmup, mut rate) = (50usize, 5f64, 1f64, None);
    let (mut threads, mut cpus) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: String| v.parse::<f64>().map_err(|e| format!("invalid number '{v}': {e}"));
        match flag.as_str() {
            "--url" => url = Some(value()?),
            "-c" | "--connections" => connections = num(value()?)? as usize,
            "-d" | "--duration" => secs = num(value()?)?,
            "--warmup" => warmup = num(value()?)?,
            "--rate" => rate = Some(num(value()?)?),
            "-t" | "--threads" => threads = Some(num(value()?)? as usize),
            "--cpus" => {
                let list: Result<Vec<usize>, _> = value()?.split(',').map(str::parse).collect();
                cpus = Some(list.map_err(|e| format!("invalid --cpus: {e}"))?);
            }
            _ => return Err(format!("unknown flag '{flag}'")),
        }
    }
    let url = url.ok_or("--url is required, e.g. --url http://127.0.0.1:8080/")?;
    let rest = url.strip_prefix("http://").ok_or("only http:// urls are supported")?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let authority = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve '{authority}': {e}"))?
        .next()
        .ok_or_else(|| format!("'{authority}' has no address"))?;
    let plan = LoadPlan {
        target: Target { addr, host_header: authority },
        request: RequestSpec {
            method: "GET".into(),
            path: path.into(),
            headers: vec![],
            content_type: None,
            body: vec![],
        },
        connections,
        pacing: rate.map_or(Pacing::Closed, |per_sec| Pacing::FixedRate { per_sec }),
        warmup: Duration::from_secs_f64(warmup),
        duration: Duration::from_secs_f64(secs),
        timeout: Duration::from_secs(10),
        threads,
        cpus,
        check: ResponseCheck::default(),
        protocol: Protocol::Http1,
        rotation: Vec::new(),
        stream: None,
        mix: None,
    };
    let report =
        loadgen::run(&plan, &Arc::new(AtomicBool::new(false)), &|_| {}).map_err(|e| e.to_string())?;
    let l = &report.latency;
    println!(
        "{} requests in {:.2}s, {} errors, {} threads, generator cpu {:.0}%",
        report.total_requests,
        report.elapsed.as_secs_f64(),
        report.failed_requests,
        report.threads,
        report.generator_cpu_percent.unwrap_or(f64::NAN)
    );
    println!(
        "latency p50 {}us p99 {}us max {}us",
        l.value_at_quantile(0.5),
        l.value_at_quantile(0.99),
        l.max()
    );
    println!(
        "censored in latency: {} timeouts, {} in flight at the end, {} never sent",
        report.censored_timeouts, report.censored_in_flight, report.censored_unsent
    );
    println!("Requests/sec: {:.2}", report.achieved_rate);
    Ok(())
}
