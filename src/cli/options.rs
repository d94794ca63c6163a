//! Options shared by run / profile / compare, and their validation into `LoadOptions`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::Usage;
use crate::loadgen::Protocol;
use crate::run::{LoadOptions, MachineLog, PinRequest, Pinning};

/// The form of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    JsonPretty,
    Table,
}

/// The HTTP version the load generator speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// HTTP/1.1 keep-alive.
    Http1,
    /// HTTP/2 with prior knowledge over cleartext (h2c).
    Http2,
}

/// Load and output options (CLI.md "Options shared by run / profile / compare").
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Built-in suite names or TOML suite files, comma-separated.
    #[arg(long, default_value = "all", value_name = "NAME|FILE[,…]")]
    pub suite: String,
    /// Only these workloads of the suite (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "NAME[,NAME]")]
    pub workload: Vec<String>,
    /// Measured seconds per workload.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub duration: f64,
    /// Unmeasured seconds of load before each measurement.
    #[arg(long, default_value_t = 3.0, value_name = "SECS")]
    pub warmup: f64,
    /// Open connections (closed loop).
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub concurrency: usize,
    /// Open loop at a fixed request rate; latency from the intended send time.
    #[arg(long, value_name = "RPS")]
    pub rate: Option<f64>,
    /// The HTTP version: http1, or http2 (prior knowledge over cleartext, h2c).
    #[arg(long, value_enum, default_value_t = ProtocolArg::Http1, value_name = "PROTOCOL")]
    pub protocol: ProtocolArg,
    /// Shorthand for `--protocol http2`.
    #[arg(long, conflicts_with = "protocol")]
    pub http2: bool,
    /// HTTP/2: concurrent streams per connection (h2load's -m; default 1 as in h2load), so
    /// --concurrency × --streams requests in flight.
    #[arg(long, default_value_t = 1, value_name = "M")]
    pub streams: usize,
    /// Per-request timeout.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// Where app folders are found by name.
    #[arg(long, default_value = "apps", value_name = "DIR")]
    pub apps: PathBuf,
    /// The server's worker processes/threads (`{workers}` in the manifest).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub workers: u32,
    /// Write the result JSON here (atomically).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The form of the result (and of stdout when no --output).
    #[arg(long, value_enum, default_value_t = Format::JsonPretty)]
    pub format: Format,
    /// Skip the answer check (results are then marked unverified).
    #[arg(long)]
    pub no_verify: bool,
    /// Pin the server to these CPUs (Linux), e.g. 0 or 0-1 [default on Linux with 2+ CPUs:
    /// all but the generator's share; the generator then gets the rest].
    #[arg(long, value_name = "LIST")]
    pub server_cpus: Option<String>,
    /// Pin the load generator to these CPUs (Linux), e.g. 1 [default on Linux with 2+ CPUs:
    /// half of them, at least 1, the highest-numbered].
    #[arg(long, value_name = "LIST")]
    pub loadgen_cpus: Option<String>,
    /// Do not pin the server and the load generator to separate CPUs (the default on Linux
    /// with 2 or more usable CPUs when the harness starts the server).
    #[arg(long, conflicts_with_all = ["server_cpus", "loadgen_cpus"])]
    pub no_pin: bool,
    #[command(flatten)]
    pub history: super::history::HistoryFlag,
}

fn secs(flag: &str, v: f64, allow_zero: bool) -> Result<Duration, Usage> {
    let ok = v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) && v <= 86_400.0;
    if !ok {
        let want = if allow_zero { "0 or more" } else { "more than 0" };
        return Err(Usage(format!(
            "invalid {flag} {v}; expected a number of seconds, {want} (at most 86400)"
        )));
    }
    Ok(Duration::from_secs_f64(v))
}

impl LoadArgs {
    /// Validate into the library's load options, for a server the harness starts.
    pub fn load_options(&self) -> Result<LoadOptions, Usage> {
        self.load_options_for(true)
    }

    /// Validate into the library's load options; `starts_server` is false for `run --url`
    /// (no default pinning there, see `run::pinning`).
    pub fn load_options_for(&self, starts_server: bool) -> Result<LoadOptions, Usage> {
        if self.concurrency == 0 || self.concurrency > 100_000 {
            return Err(Usage(format!(
                "invalid --concurrency {}; expected 1 to 100000 connections",
                self.concurrency
            )));
        }
        if let Some(r) = self.rate {
            if !(r.is_finite() && r > 0.0) {
                return Err(Usage(format!("invalid --rate {r}; expected requests per second, more than 0")));
            }
        }
        let protocol = self.protocol()?;
        if self.workers == 0 {
            return Err(Usage("invalid --workers 0; expected 1 or more".into()));
        }
        let pinning = self.pinning(starts_server)?;
        let machine = MachineLog::start(pinning.used_cpus(&crate::host::affinity_cpus()));
        Ok(LoadOptions {
            duration: secs("--duration", self.duration, false)?,
            warmup: secs("--warmup", self.warmup, true)?,
            concurrency: self.concurrency,
            rate: self.rate,
            timeout: secs("--timeout", self.timeout, false)?,
            loadgen_cpus: pinning.loadgen.clone(),
            pinning: pinning.info(),
            machine,
            protocol,
        })
    }

    /// `--protocol`/`--http2` and `--streams`, validated.
    pub fn protocol(&self) -> Result<Protocol, Usage> {
        let http2 = self.http2 || self.protocol == ProtocolArg::Http2;
        if self.streams == 0 || self.streams > 10_000 {
            return Err(Usage(format!(
                "invalid --streams {}; expected 1 to 10000 streams per connection",
                self.streams
            )));
        }
        match http2 {
            true => Ok(Protocol::Http2 { streams: self.streams }),
            false if self.streams != 1 => Err(Usage(format!(
                "--streams {} needs --http2 (or --protocol http2): http/1.1 sends one request at a time per connection",
                self.streams
            ))),
            false => Ok(Protocol::Http1),
        }
    }

    /// The pinning to apply: the flags (validated), else the default split, else off.
    pub fn pinning(&self, starts_server: bool) -> Result<Pinning, Usage> {
        let parse = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(crate::host::parse_cpu_list)
                .transpose()
                .map_err(|e| Usage(format!("{flag}: {e}")))
        };
        let request = PinRequest {
            server: parse("--server-cpus", &self.server_cpus)?,
            loadgen: parse("--loadgen-cpus", &self.loadgen_cpus)?,
            no_pin: self.no_pin,
            starts_server,
        };
        Ok(crate::run::pinning::resolve_here(&request))
    }

    /// With `--history`, record the written result; false when that failed (reported).
    pub fn record<T: serde::Serialize>(&self, result: &T, quiet: bool) -> bool {
        super::history::record_after(&self.history, result, self.output.as_deref(), quiet)
    }

    /// The CPUs to pin a server the harness starts to: `--server-cpus`, else the default split.
    pub fn server_cpus(&self) -> Result<Option<Vec<usize>>, Usage> {
        Ok(self.pinning(true)?.server)
    }
}

/// Usage error when the options cannot run the chosen streaming workloads (`--http2`, or
/// `--rate` with SSE).
pub fn refuse_streaming_conflicts(
    workloads: &[crate::workload::Workload],
    load: &LoadOptions,
) -> Result<(), Usage> {
    match crate::run::streaming_conflict(workloads, load) {
        Some(message) => Err(Usage(message)),
        None => Ok(()),
    }
}

/// Write `result` where `--output`/`--format` ask, and `table` for people: the JSON to the
/// file (pretty unless `--format json`) and the table to stdout; without `--output`, stdout
/// gets the chosen format (and stderr the table, for pretty JSON).
pub fn emit<T: serde::Serialize>(
    result: &T,
    table: &str,
    load: &LoadArgs,
    quiet: bool,
) -> anyhow::Result<()> {
    use crate::schema::write_atomic;
    use anyhow::Context;
    match &load.output {
        Some(path) => {
            write_atomic(path, result, load.format != Format::Json)
                .with_context(|| format!("cannot write the result to {}", path.display()))?;
            print!("{table}");
            if !quiet {
                eprintln!("result written to {}", path.display());
            }
        }
        None => match load.format {
            Format::Table => print!("{table}"),
            Format::Json => println!("{}", serde_json::to_string(result)?),
            Format::JsonPretty => {
                println!("{}", serde_json::to_string_pretty(result)?);
                if !quiet {
                    eprint!("{table}");
                }
            }
        },
    }
    Ok(())
}
