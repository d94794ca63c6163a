//! `benchmark-harness profile`: one app under its language's profiler.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::options::LoadArgs;
use super::progress::StderrProgress;
use super::run::{emit, exit_of};
use super::Usage;
use crate::profile::{execute, NodeSampler, ProfilePlan, ProfilerKind};
use crate::schema::{read_result, RunResult};

/// `--profiler` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfilerArg {
    Auto,
    Python,
    Node,
    Ruby,
    Perf,
    None,
}

/// `--node-sampler` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NodeSamplerArg {
    /// V8's CPU profiler through the inspector, in the profiling window only.
    CpuProf,
    /// V8's tick profiler (`node --prof`), on for the server's whole life.
    Prof,
}

/// `profile` flags.
#[derive(Debug, Clone, Args)]
pub struct ProfileArgs {
    /// The app to profile, by name (found under --apps).
    #[arg(long, value_name = "NAME")]
    pub framework: Option<String>,
    /// The app folder to profile.
    #[arg(long, value_name = "DIR")]
    pub app_dir: Option<PathBuf>,
    /// The profiler; auto picks by the manifest's language.
    #[arg(long, value_enum, default_value_t = ProfilerArg::Auto)]
    pub profiler: ProfilerArg,
    /// The Node profiler's sampler (default cpu-prof; prof when the CPU profiler cannot run).
    #[arg(long, value_enum, value_name = "SAMPLER")]
    pub node_sampler: Option<NodeSamplerArg>,
    /// A run/profile result to compare with (e.g. the Rust app's): throughput and p99 ratios.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Draw one flamegraph SVG per workload.
    #[arg(long)]
    pub flamegraph: bool,
    /// Where flamegraphs and raw profiles go (default: beside --output).
    #[arg(long, value_name = "DIR")]
    pub flamegraph_dir: Option<PathBuf>,
    /// Seconds of the profiling window per workload (sampler attached).
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub profile_duration: f64,
    /// After the measured windows, run each workload again (--profile-duration) with the
    /// server under heaptrack, for allocation call sites (perf profiler only; its throughput
    /// is never used).
    #[arg(long)]
    pub heaptrack: bool,
    /// Start the app's normal build even when its manifest has a [profile] build (e.g. a
    /// counting allocator): throughput comparable with run/compare, heap figures null.
    #[arg(long)]
    pub normal_build: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn out_dir(args: &ProfileArgs) -> PathBuf {
    if let Some(dir) = &args.flamegraph_dir {
        return dir.clone();
    }
    match &args.load.output {
        Some(out) => {
            let stem =
                out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "profile".into());
            out.parent().unwrap_or(std::path::Path::new(".")).join(format!("{stem}-profiles"))
        }
        None => PathBuf::from("profiles"),
    }
}

pub fn run(args: ProfileArgs, quiet: bool) -> anyhow::Result<i32> {
    let selection = crate::workload::select_from(&args.load.suite, &args.load.workload)?;
    let load = args.load.load_options()?;
    super::options::refuse_streaming_conflicts(&selection.workloads, &load)?;
    if !(args.profile_duration.is_finite() && args.profile_duration > 0.0 && args.profile_duration <= 3600.0)
    {
        return Err(Usage(format!(
            "invalid --profile-duration {}; expected seconds, more than 0",
            args.profile_duration
        ))
        .into());
    }
    let target = super::run::target_of(args.framework.as_deref(), args.app_dir.as_ref(), None, &args.load)?;
    let crate::run::RunTarget::App { app, .. } = target else { unreachable!("no --url for profile") };
    let profiler = match args.profiler {
        ProfilerArg::Auto => ProfilerKind::for_language(app.manifest.app.language),
        ProfilerArg::Python => ProfilerKind::Python,
        ProfilerArg::Node => ProfilerKind::Node,
        ProfilerArg::Ruby => ProfilerKind::Ruby,
        ProfilerArg::Perf => ProfilerKind::Perf,
        ProfilerArg::None => ProfilerKind::None,
    };
    let node_sampler = match args.node_sampler {
        Some(_) if profiler != ProfilerKind::Node => {
            return Err(Usage(format!(
                "--node-sampler applies to the node profiler; this profile uses {}; drop it or add --profiler node",
                format!("{profiler:?}").to_lowercase()
            ))
            .into())
        }
        Some(NodeSamplerArg::Prof) => NodeSampler::Prof,
        Some(NodeSamplerArg::CpuProf) | None => NodeSampler::CpuProf,
    };
    if args.heaptrack && profiler != ProfilerKind::Perf {
        return Err(Usage(format!(
            "--heaptrack needs the perf profiler (apps of language rust or other), not {}; use --profiler perf",
            profiler.as_str()
        ))
        .into());
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let r: RunResult = read_result(path).map_err(|e| Usage(format!("--baseline: {e}")))?;
            Some((r, path.display().to_string()))
        }
        None => None,
    };
    let plan = ProfilePlan {
        app: *app,
        workers: args.load.workers,
        server_cpus: args.load.server_cpus()?,
        suites: selection.suites,
        workloads: selection.workloads,
        load,
        profile_duration: std::time::Duration::from_secs_f64(args.profile_duration),
        profiler,
        node_sampler,
        flamegraphs: args.flamegraph || args.flamegraph_dir.is_some(),
        out_dir: out_dir(&args),
        baseline,
        verify: !args.load.no_verify,
        repo_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        heaptrack: args.heaptrack,
        normal_build: args.normal_build,
    };
    let stop = crate::server::stop_flag();
    let progress = StderrProgress::new(quiet);
    let result = execute(&plan, &progress, &stop).context("profile")?;
    drop(progress);
    emit(&result, &args.load, quiet)?;
    let recorded = args.load.record(&result, quiet);
    if let Some(c) = &result.comparison {
        if !quiet {
            for line in &c.analysis {
                eprintln!("{line}");
            }
        }
    }
    Ok(super::history::exit_with(exit_of(&result), recorded))
}
