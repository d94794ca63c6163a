//! `benchmark-harness run`: one app (or a running URL), plain measurement.

use std::path::PathBuf;

use clap::Args;

use super::options::LoadArgs;
use super::progress::StderrProgress;
use super::Usage;
use crate::run::{execute, RunPlan, RunTarget};
use crate::schema::{RunResult, WorkloadStatus};

/// `run` flags.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The app to measure, by name (found under --apps).
    #[arg(long, value_name = "NAME")]
    pub framework: Option<String>,
    /// The app folder to measure (a folder with benchmark.toml).
    #[arg(long, value_name = "DIR")]
    pub app_dir: Option<PathBuf>,
    /// Measure a server that is already running (nothing is started; resources are not sampled).
    #[arg(long, value_name = "URL", conflicts_with_all = ["framework", "app_dir", "workers", "server_cpus"])]
    pub url: Option<String>,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
}

/// The app (or URL) that `--framework`, `--app-dir` or `--url` names.
pub fn target_of(
    framework: Option<&str>,
    app_dir: Option<&PathBuf>,
    url: Option<&str>,
    load: &LoadArgs,
) -> anyhow::Result<RunTarget> {
    if let Some(url) = url {
        return Ok(RunTarget::Url { url: url.to_string() });
    }
    let app = match (framework, app_dir) {
        (_, Some(dir)) => {
            let app = crate::app::load(dir)?;
            if let Some(name) = framework {
                if name != app.name() {
                    return Err(Usage(format!(
                        "--framework '{name}' does not match the app in {} (named '{}')",
                        dir.display(),
                        app.name()
                    ))
                    .into());
                }
            }
            app
        }
        (Some(name), None) => crate::app::find(&load.apps, name)?,
        (None, None) => {
            return Err(
                Usage("nothing to measure; give --framework NAME, --app-dir DIR or --url URL".into()).into()
            )
        }
    };
    Ok(RunTarget::App {
        app: Box::new(app),
        workers: load.workers,
        server_cpus: load.server_cpus()?,
        env: Vec::new(),
    })
}

/// Exit code of a finished run: 130 interrupted, 1 any workload not ok, else 0.
pub fn exit_of(result: &RunResult) -> i32 {
    if !result.complete {
        130
    } else if result.workloads().any(|w| w.status != WorkloadStatus::Ok) {
        1
    } else {
        0
    }
}

/// Write the result where it was asked for, and the table.
pub fn emit(result: &RunResult, load: &LoadArgs, quiet: bool) -> anyhow::Result<()> {
    super::options::emit(result, &crate::report::run_table(result), load, quiet)
}

/// Run the `run` command.
pub fn run(args: RunArgs, quiet: bool) -> anyhow::Result<i32> {
    let selection = crate::workload::select_from(&args.load.suite, &args.load.workload)?;
    let mut load = args.load.load_options_for(args.url.is_none())?;
    super::options::refuse_streaming_conflicts(&selection.workloads, &load)?;
    let (total_concurrency, total_rate) = (load.concurrency, load.rate);
    let shard = args.shard.apply(args.url.as_deref(), &mut load)?;
    let target =
        target_of(args.framework.as_deref(), args.app_dir.as_ref(), args.url.as_deref(), &args.load)?;
    let plan = RunPlan {
        target,
        suites: selection.suites,
        workloads: selection.workloads,
        load,
        verify: !args.load.no_verify,
        repo_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let stop = crate::server::stop_flag();
    if let Some(shard) = &shard {
        if !super::shard::wait_for_start(shard, &stop, quiet) {
            eprintln!("interrupted before --start-at; nothing was measured");
            return Ok(130);
        }
    }
    let progress = StderrProgress::new(quiet);
    let mut result = execute(&plan, &progress, &stop)?;
    if let Some(shard) = &shard {
        shard.annotate(&mut result, total_concurrency, total_rate);
    }
    emit(&result, &args.load, quiet)?;
    let recorded = args.load.record(&result, quiet);
    Ok(super::history::exit_with(exit_of(&result), recorded))
}
