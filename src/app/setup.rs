//! Cached app setup (a stamp of the inputs' and commands' hash) and version probes.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{expand, App, AppError, Placeholders};
use crate::server::{capture, log_tail, run_logged, CommandEnd};

/// What `setup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupOutcome {
    /// The app has no `[setup]`.
    Nothing,
    /// The stamp matched: inputs and commands unchanged since the last successful setup.
    Cached,
    /// Setup ran and succeeded; its log is here.
    Ran { log: PathBuf },
}

fn stamp_of(app: &App, commands: &[String], inputs: &[String]) -> String {
    let mut h = Sha256::new();
    for c in commands {
        h.update(b"cmd\0");
        h.update(c.as_bytes());
        h.update(b"\0");
    }
    for input in inputs {
        h.update(b"input\0");
        h.update(input.as_bytes());
        h.update(b"\0");
        match std::fs::read(app.dir.join(input)) {
            Ok(bytes) => h.update(&bytes),
            Err(_) => h.update(b"\0missing\0"),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Run the setup of the app's build (see `App::setup_plan`) unless its stamp says nothing
/// changed (or `force`).
pub fn setup(app: &App, force: bool, stop: &AtomicBool) -> Result<SetupOutcome, AppError> {
    let Some(plan) = app.setup_plan() else {
        return Ok(SetupOutcome::Nothing);
    };
    let ph = Placeholders::new(app, None, None);
    let path = app.manifest_path();
    let commands = plan.commands.iter().map(|c| expand(c, &ph, &path)).collect::<Result<Vec<_>, _>>()?;
    let state = app.state_dir();
    let stamp_path = state.join(format!("{}.stamp", plan.name));
    let stamp = stamp_of(app, &commands, plan.inputs);
    if !force && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s.trim() == stamp) {
        return Ok(SetupOutcome::Cached);
    }
    let io = |path: &PathBuf| {
        let path = path.clone();
        move |source| AppError::Io { path, source }
    };
    std::fs::create_dir_all(&state).map_err(io(&state))?;
    let _ = std::fs::remove_file(&stamp_path);
    let log_path = state.join(format!("{}.log", plan.name));
    let mut log = std::fs::File::create(&log_path).map_err(io(&log_path))?;
    let env = ph.env();
    for command in &commands {
        let _ = writeln!(log, "$ {command}");
        let failed = |status: String| AppError::SetupFailed {
            app: app.name().into(),
            command: command.clone(),
            status,
            log: log_path.clone(),
            tail: log_tail(&log_path, 20),
        };
        match run_logged(command, &app.dir, &env, &log, stop).map_err(io(&log_path))? {
            CommandEnd::Exited(s) if s.success() => {}
            CommandEnd::Exited(s) => return Err(failed(s.to_string())),
            CommandEnd::Interrupted => return Err(failed("interrupted".into())),
            CommandEnd::TimedOut => return Err(failed("timed out".into())),
        }
    }
    std::fs::write(&stamp_path, format!("{stamp}\n")).map_err(io(&stamp_path))?;
    Ok(SetupOutcome::Ran { log: log_path })
}

/// Versions printed by the manifest's probes; a probe that fails leaves `None` and a note.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Versions {
    pub framework: Option<String>,
    pub runtime: Option<String>,
    pub notes: Vec<String>,
}

/// Run the `[version]` probes (10 s each at most).
pub fn versions(app: &App) -> Versions {
    let mut v = Versions::default();
    let Some(section) = &app.manifest.version else {
        v.notes.push(format!("app '{}' has no [version] probes", app.name()));
        return v;
    };
    let ph = Placeholders::new(app, None, None);
    let env = ph.env();
    let mut probe = |what: &str, cmd: &Option<String>| -> Option<String> {
        let cmd = cmd.as_ref()?;
        let expanded = match expand(cmd, &ph, &app.manifest_path()) {
            Ok(c) => c,
            Err(e) => {
                v.notes.push(e.to_string());
                return None;
            }
        };
        match capture(&expanded, &app.dir, &env, Duration::from_secs(10)) {
            Ok(out) if !out.is_empty() => Some(out.lines().next().unwrap_or_default().to_string()),
            Ok(_) => {
                v.notes.push(format!("{what} version probe of '{}' printed nothing", app.name()));
                None
            }
            Err(e) => {
                v.notes.push(format!("{what} version probe of '{}': {e}", app.name()));
                None
            }
        }
    };
    let framework = probe("framework", &section.framework);
    let runtime = probe("runtime", &section.runtime);
    v.framework = framework;
    v.runtime = runtime;
    v
}
