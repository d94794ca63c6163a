//! `benchmark-harness apps list|setup|verify`.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::progress::StderrProgress;
use super::Usage;
use crate::app::{self, App, SetupOutcome};
use crate::report::Table;
use crate::run::{verify_answer, AnswerError, RunTarget, Session};
use crate::workload::{load_suite, Workload};

/// `apps` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum AppsCommand {
    /// List the apps with language, framework and versions.
    List(Where),
    /// Run the apps' setup (cached; --force runs it again).
    Setup {
        #[command(flatten)]
        at: Where,
        /// App names (default: every app).
        names: Vec<String>,
        /// Run setup even when the stamp says nothing changed.
        #[arg(long)]
        force: bool,
    },
    /// Start each app, check every workload's answer, stop it.
    Verify {
        #[command(flatten)]
        at: Where,
        /// App names (default: every app).
        names: Vec<String>,
        /// Suites whose workloads are checked (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "all,baseline")]
        suite: Vec<String>,
        /// The server's workers (`{workers}`).
        #[arg(long, default_value_t = 1)]
        workers: u32,
    },
}

/// Where apps are found.
#[derive(Debug, Clone, Args)]
pub struct Where {
    /// Folder holding the app folders.
    #[arg(long, default_value = "apps", value_name = "DIR")]
    pub apps: PathBuf,
    /// A single app folder instead.
    #[arg(long, value_name = "DIR")]
    pub app_dir: Option<PathBuf>,
}

fn select(at: &Where, names: &[String]) -> anyhow::Result<Vec<App>> {
    if let Some(dir) = &at.app_dir {
        return Ok(vec![app::load(dir)?]);
    }
    if names.is_empty() {
        return Ok(app::discover(&at.apps)?);
    }
    names.iter().map(|n| app::find(&at.apps, n).map_err(Into::into)).collect()
}

pub fn run(cmd: AppsCommand, quiet: bool) -> anyhow::Result<i32> {
    match cmd {
        AppsCommand::List(at) => list(&select(&at, &[])?),
        AppsCommand::Setup { at, names, force } => setup(&select(&at, &names)?, force, quiet),
        AppsCommand::Verify { at, names, suite, workers } => {
            if workers == 0 {
                return Err(Usage("invalid --workers 0; expected 1 or more".into()).into());
            }
            let mut workloads: Vec<Workload> = Vec::new();
            for s in &suite {
                workloads.extend(load_suite(s)?.workloads);
            }
            verify(&select(&at, &names)?, &workloads, workers, quiet)
        }
    }
}

fn list(apps: &[App]) -> anyhow::Result<i32> {
    let mut t = Table::new(&["app", "language", "framework", "version", "runtime"], &[]);
    for a in apps {
        let v = app::versions(a);
        let na = || "(not set up)".to_string();
        t.row(vec![
            a.name().into(),
            a.manifest.app.language.as_str().into(),
            a.manifest.app.framework.clone(),
            v.framework.unwrap_or_else(na),
            v.runtime.unwrap_or_else(na),
        ]);
    }
    print!("{}", t.render());
    Ok(0)
}

fn setup(apps: &[App], force: bool, quiet: bool) -> anyhow::Result<i32> {
    let stop = crate::server::stop_flag();
    let mut code = 0;
    for a in apps {
        if !quiet {
            eprintln!("setting up {}…", a.name());
        }
        match app::setup(a, force, &stop) {
            Ok(SetupOutcome::Nothing) => println!("{}: no setup needed", a.name()),
            Ok(SetupOutcome::Cached) => println!("{}: up to date (cached)", a.name()),
            Ok(SetupOutcome::Ran { log }) => println!("{}: set up (log {})", a.name(), log.display()),
            Err(e) => {
                eprintln!("error: {e}");
                code = 1;
            }
        }
        if stop.load(Ordering::SeqCst) {
            return Ok(130);
        }
    }
    Ok(code)
}

fn verify(apps: &[App], workloads: &[Workload], workers: u32, quiet: bool) -> anyhow::Result<i32> {
    let stop = crate::server::stop_flag();
    let progress = StderrProgress::new(quiet);
    let mut t = Table::new(&["app", "valid", "invalid", "failed"], &[1, 2, 3]);
    let mut problems = Vec::new();
    for a in apps {
        let target = RunTarget::App { app: Box::new(a.clone()), workers, server_cpus: None, env: Vec::new() };
        let mut session = match Session::open(&target, &progress, &stop) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{}: cannot start: {e}", a.name()));
                t.row(vec![a.name().into(), "0".into(), "-".into(), "all".into()]);
                continue;
            }
        };
        let (mut ok, mut invalid, mut failed) = (0, 0, 0);
        for w in workloads {
            match verify_answer(&mut session, w, Duration::from_secs(10)) {
                Ok(_) => ok += 1,
                Err(AnswerError::Invalid(r)) => {
                    invalid += 1;
                    problems.push(format!("{} / {}: INVALID: {r}", a.name(), w.name));
                }
                Err(AnswerError::NoAnswer(r)) => {
                    failed += 1;
                    problems.push(format!("{} / {}: FAILED: {r}", a.name(), w.name));
                }
            }
        }
        drop(session);
        t.row(vec![a.name().into(), ok.to_string(), invalid.to_string(), failed.to_string()]);
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    print!("{}", t.render());
    for p in &problems {
        println!("{p}");
    }
    if stop.load(Ordering::SeqCst) {
        return Ok(130);
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}
