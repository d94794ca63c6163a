//! `benchmark-harness history …`: the results store (import, list, trend, export, prune),
//! and `--history`, which records a run/profile/compare/check result as it finishes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};

use super::Usage;
use crate::history::changepoint::ChangePointOptions;
use crate::history::export::{export, ExportFormat};
use crate::history::{
    self, changes, check_filter, trend, trend_html, DbSpec, Filter, HistoryError, HistoryStore, Imported,
    PruneRule,
};

/// `history` flags and subcommands.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// The store: a SQLite file, or a postgres://user:password@host:port/db URL
    /// (default: $BENCHMARK_HARNESS_DB, else history.db in ~/.cache/benchmark-harness).
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum HistoryCommand {
    /// Store result files (run, profile, compare, check); a file already stored is skipped.
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the stored runs.
    List(FilterArgs),
    /// Throughput and p99 over commits: a table, and with --html a page of charts.
    Trend {
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        options: ChangeArgs,
        /// Also write a self-contained HTML page with one chart per workload.
        #[arg(long, value_name = "FILE.html")]
        html: Option<PathBuf>,
    },
    /// Change points (E-divisive means, t-test) per framework/workload and host/config
    /// segment, on req/s and p99 over commits; remembered in the store, new ones flagged.
    Changes {
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        options: ChangeArgs,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Mail each new change point and stored check regression once (SMTP from flags or
    /// [alerts] in benchmark-harness.toml); --dry-run prints the mails.
    Alert(super::history_alert::AlertArgs),
    /// Write the stored measurements as csv, json or influx (InfluxDB line protocol).
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// csv, json or influx.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Remove old runs with everything they hold.
    Prune {
        /// Remove runs older than this (YYYY-MM-DD, an RFC 3339 time, or 30d for 30 days ago).
        #[arg(long, value_name = "DATE")]
        before: Option<String>,
        /// Keep only the N newest runs.
        #[arg(long, value_name = "N")]
        keep: Option<u32>,
        /// Say what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Filters shared by list, trend and export.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    #[arg(long, value_name = "NAME")]
    pub framework: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub workload: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Only runs at or after this (YYYY-MM-DD, an RFC 3339 time, or 30d for 30 days ago).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

/// Change-point search options (defaults: Otava's window 50 and p < 0.001, with at least
/// 3 points on each side).
#[derive(Debug, Clone, Args)]
pub struct ChangeArgs {
    /// Points per sliding window.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub window: usize,
    /// Keep change points with a p-value below this.
    #[arg(long, default_value_t = 0.001, value_name = "P")]
    pub max_p: f64,
    /// Keep change points of at least this size, percent.
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    pub min_change: f64,
}

impl ChangeArgs {
    pub(super) fn options(&self) -> Result<ChangePointOptions, Usage> {
        let opts = ChangePointOptions {
            window: self.window,
            max_p_value: self.max_p,
            min_magnitude: self.min_change / 100.0,
            ..ChangePointOptions::default()
        };
        opts.validate().map_err(|e| Usage(e.to_string()))?;
        Ok(opts)
    }
}

/// `--history[=DB]` on run, profile, compare and check.
#[derive(Debug, Clone, Default, Args)]
pub struct HistoryFlag {
    /// Record the result in the history store when it is written (the store of `history --db`,
    /// $BENCHMARK_HARNESS_DB or the default; `--history=PATH|URL` names one).
    #[arg(long, value_name = "PATH|URL", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub history: Option<String>,
}

/// A date flag: `YYYY-MM-DD` (midnight UTC), an RFC 3339 time, or `Nd` (N days ago).
pub fn parse_date(flag: &str, text: &str) -> Result<DateTime<Utc>, Usage> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    if let Some(days) = t.strip_suffix('d').and_then(|n| n.parse::<u32>().ok()) {
        return Ok(Utc::now() - chrono::Duration::days(days.into()));
    }
    Err(Usage(format!(
        "invalid {flag} '{text}'; expected YYYY-MM-DD, an RFC 3339 time (2025-06-01T12:00:00Z) or days ago (30d)"
    )))
}

impl FilterArgs {
    pub(super) fn filter(&self) -> Result<Filter, Usage> {
        Ok(Filter {
            framework: self.framework.clone(),
            suite: self.suite.clone(),
            workload: self.workload.clone(),
            branch: self.branch.clone(),
            since: self.since.as_deref().map(|s| parse_date("--since", s)).transpose()?,
        })
    }
}

pub(super) fn open(db: Option<&str>) -> Result<Box<dyn HistoryStore>, HistoryError> {
    Ok(history::open(&DbSpec::choose(db))?)
}

/// Run a `history` subcommand.
pub fn run(args: HistoryArgs, quiet: bool) -> anyhow::Result<i32> {
    let db = args.db.as_deref();
    match args.command {
        HistoryCommand::Import { files } => super::history_import::import(db, &files, quiet),
        HistoryCommand::List(f) => {
            let filter = f.filter()?;
            let mut store = open(db)?;
            check_filter(store.as_mut(), &filter)?;
            let runs = store.runs(&filter)?;
            println!(
                "{:>5}  {:<8} {:<20} {:<9} {:<14} {:>6} {:>8}  source",
                "id", "kind", "time (UTC)", "commit", "branch", "meas.", "verdicts"
            );
            for r in &runs {
                let commit: String = r.run.git_commit.as_deref().unwrap_or("–").chars().take(8).collect();
                let dirty = if r.run.dirty == Some(true) { "+" } else { "" };
                println!(
                    "{:>5}  {:<8} {:<20} {:<9} {:<14} {:>6} {:>8}  {}",
                    r.run.id,
                    r.run.kind,
                    r.run.time.format("%Y-%m-%d %H:%M:%S"),
                    format!("{commit}{dirty}"),
                    r.run.branch.as_deref().unwrap_or("–"),
                    r.measurements,
                    r.verdicts,
                    r.run.source.as_deref().unwrap_or("–")
                );
            }
            if !quiet {
                eprintln!("{} run(s) in {}", runs.len(), store.location());
            }
            Ok(0)
        }
        HistoryCommand::Trend { filter, options, html } => {
            let (filter, options) = (filter.filter()?, options.options()?);
            let mut store = open(db)?;
            check_filter(store.as_mut(), &filter)?;
            let mut series = trend::series(&store.measurements(&filter)?);
            changes::detect(&mut series, &options).map_err(|e| Usage(e.to_string()))?;
            print!("{}", trend::table(&series));
            if series.is_empty() && !quiet {
                eprintln!("no measured workloads match in {}", store.location());
            }
            if let Some(path) = html {
                let context = format!(
                    "Store: {}. Generated {}.",
                    store.location(),
                    Utc::now().format("%Y-%m-%d %H:%M UTC")
                );
                std::fs::write(&path, trend_html::page(&series, &context))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                if !quiet {
                    eprintln!("trend page written to {}", path.display());
                }
            }
            Ok(0)
        }
        HistoryCommand::Changes { filter, options, json } => {
            let (filter, options) = (filter.filter()?, options.options()?);
            let mut store = open(db)?;
            check_filter(store.as_mut(), &filter)?;
            let mut series = trend::series(&store.measurements(&filter)?);
            let found = changes::detect(&mut series, &options).map_err(|e| Usage(e.to_string()))?;
            let new = store.record_changes(&found)?;
            if json {
                let rows: Vec<_> =
                    found.iter().zip(&new).map(|(c, n)| serde_json::json!({"change": c, "new": n})).collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                print!("{}", changes::table(&found, &new));
            }
            if !quiet {
                let fresh = new.iter().filter(|n| **n).count();
                eprintln!("{} change point(s), {fresh} new, in {}", found.len(), store.location());
            }
            Ok(0)
        }
        HistoryCommand::Alert(alert) => super::history_alert::run(db, alert, quiet),
        HistoryCommand::Export { filter, format, output } => {
            let Some(format) = ExportFormat::parse(&format) else {
                return Err(Usage(format!(
                    "unknown --format '{format}'; valid formats: {}",
                    ExportFormat::NAMES
                ))
                .into());
            };
            let filter = filter.filter()?;
            let mut store = open(db)?;
            check_filter(store.as_mut(), &filter)?;
            let text = export(&store.measurements(&filter)?, format);
            match output {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?
                }
                None => print!("{text}"),
            }
            Ok(0)
        }
        HistoryCommand::Prune { before, keep, dry_run } => {
            if before.is_none() && keep.is_none() {
                return Err(Usage("prune needs --before DATE or --keep N (or both)".into()).into());
            }
            let before = before.as_deref().map(|b| parse_date("--before", b)).transpose()?;
            let mut store = open(db)?;
            let p = store.prune(&PruneRule { before, keep, dry_run })?;
            let verb = if dry_run { "would remove" } else { "removed" };
            println!(
                "{verb} {} run(s) with {} measurement(s); {} run(s) kept",
                p.runs, p.measurements, p.kept
            );
            Ok(0)
        }
    }
}

/// With `--history`, store `result` (whose file, if any, is `file`); reports a failure on
/// stderr and returns false, the result itself being already written.
pub fn record_after<T: serde::Serialize>(
    flag: &HistoryFlag,
    result: &T,
    file: Option<&Path>,
    quiet: bool,
) -> bool {
    let Some(db) = &flag.history else { return true };
    let spec = DbSpec::choose(Some(db.as_str()).filter(|d| !d.is_empty()));
    let stored = (|| -> Result<Imported, HistoryError> {
        let value = serde_json::to_value(result)
            .map_err(|e| HistoryError::BadFile { file: "(result)".into(), reason: e.to_string() })?;
        let source = file.map(|f| f.display().to_string());
        let rec = history::record(&value, source.as_deref())?;
        Ok(history::open(&spec)?.import(&rec)?)
    })();
    match stored {
        Ok(Imported::New { run_id, .. }) => {
            if !quiet {
                eprintln!("recorded in the history store {} as run {run_id}", spec.display());
            }
            true
        }
        Ok(Imported::Duplicate { run_id }) => {
            if !quiet {
                eprintln!("already in the history store {} as run {run_id}", spec.display());
            }
            true
        }
        Err(e) => {
            let kept = match file {
                Some(f) => format!(
                    "the result is kept in {}; store it later with `history import {}`",
                    f.display(),
                    f.display()
                ),
                None => "the result was written to stdout".into(),
            };
            eprintln!("error: could not record the result in history: {e}; {kept}");
            false
        }
    }
}

/// The exit code once `--history` is done: a failed recording turns success into 1 (the
/// result is written either way); any other code stays.
pub fn exit_with(code: i32, recorded: bool) -> i32 {
    if recorded || code != 0 {
        code
    } else {
        1
    }
}
