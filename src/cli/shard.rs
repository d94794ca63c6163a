//! `run --segment …` (one shard of a run spread over several load generators) and
//! `benchmark-harness merge FILE…` (the shards folded into one result).

use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;

use super::options::Format;
use crate::run::LoadOptions;
use crate::schema::{read_result, write_atomic, RunResult};
use crate::shard::{MergeError, ShardError, ShardFile, ShardPlan};

/// The sharding flags of `run`.
#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Run only this execution segment of the load (k6's model), e.g. 1/4:1/2: its share of
    /// --concurrency and --rate. Needs --url (every shard loads the same server).
    #[arg(long, value_name = "FROM:TO")]
    pub segment: Option<String>,
    /// Every shard's segment as increasing points, e.g. 0,1/4,1/2,3/4,1: the integer shares
    /// are split across it so that the shards' shares sum to exactly the totals.
    #[arg(long, value_name = "POINTS", requires = "segment")]
    pub segment_sequence: Option<String>,
    /// Sleep until this time (RFC 3339 or unix seconds) before starting, so that the shards
    /// start together; at most 5 s in the past.
    #[arg(long, value_name = "TIME", requires = "segment")]
    pub start_at: Option<String>,
}

impl ShardArgs {
    /// The validated shard, with `load` cut down to its share; `None` without `--segment`.
    pub fn apply(&self, url: Option<&str>, load: &mut LoadOptions) -> Result<Option<ShardPlan>, ShardError> {
        let Some(segment) = &self.segment else { return Ok(None) };
        if url.is_none() {
            return Err(ShardError::NeedsUrl);
        }
        let plan = ShardPlan::parse(
            segment,
            self.segment_sequence.as_deref(),
            self.start_at.as_deref(),
            SystemTime::now(),
        )?;
        load.concurrency = plan.connections(load.concurrency)?;
        load.rate = load.rate.map(|r| plan.rate(r)).transpose()?;
        Ok(Some(plan))
    }
}

/// Wait for `--start-at` (telling the user); false on Ctrl-C.
pub fn wait_for_start(plan: &ShardPlan, stop: &std::sync::atomic::AtomicBool, quiet: bool) -> bool {
    let Some(at) = plan.start_at else { return true };
    if !quiet {
        let secs = at.duration_since(SystemTime::now()).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        eprintln!(
            "shard {} of {}: starting at {} (in {secs:.1} s)",
            plan.segment,
            plan.sequence,
            crate::shard::rfc3339(at)
        );
    }
    crate::shard::wait_until(at, stop)
}

/// `merge` flags.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The result files of every shard of one run (`run --segment`), in any order.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Write the merged result JSON here (atomically).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The form of the result (and of stdout when no --output).
    #[arg(long, value_enum, default_value_t = Format::JsonPretty)]
    pub format: Format,
}

/// Run the `merge` command: exit 0, or 1 when a workload is not ok in some shard.
pub fn run(args: MergeArgs, quiet: bool) -> anyhow::Result<i32> {
    use anyhow::Context;
    let files = args
        .files
        .iter()
        .map(|path| Ok(ShardFile { path: path.clone(), result: read_result::<RunResult>(path)? }))
        .collect::<Result<Vec<_>, MergeError>>()?;
    let merged = crate::shard::merge(&files)?;
    let table = crate::report::run_table(&merged);
    match &args.output {
        Some(path) => {
            write_atomic(path, &merged, args.format != Format::Json)
                .with_context(|| format!("cannot write the merged result to {}", path.display()))?;
            print!("{table}");
            if !quiet {
                eprintln!("merged {} shards into {}", files.len(), path.display());
            }
        }
        None => match args.format {
            Format::Table => print!("{table}"),
            Format::Json => println!("{}", serde_json::to_string(&merged)?),
            Format::JsonPretty => {
                println!("{}", serde_json::to_string_pretty(&merged)?);
                if !quiet {
                    eprint!("{table}");
                }
            }
        },
    }
    Ok(super::run::exit_of(&merged))
}
