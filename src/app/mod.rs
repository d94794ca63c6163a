//! Benchmark apps: the `benchmark.toml` manifest, discovery by name, cached setup, version probes.
//!
//! Starts processes only through `server`.

mod manifest;
mod placeholder;
mod setup;

pub use manifest::{
    line_col, parse, AppSection, Language, Manifest, ProfileSection, SetupSection, StartSection,
    VersionSection,
};
pub use placeholder::{expand, Placeholders};
pub use setup::{setup, versions, SetupOutcome, Versions};

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::server::ServerSpec;

/// File name of an app's manifest.
pub const MANIFEST: &str = "benchmark.toml";
/// Folder inside an app where the harness keeps its stamp and logs.
pub const STATE_DIR: &str = ".benchmark-harness";

/// Errors about apps; each names the app or the manifest file.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}:{line}:{column}: {message}", path.display())]
    Manifest { path: PathBuf, line: usize, column: usize, message: String },
    #[error("cannot access {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("unknown app '{name}' in {}; valid apps: {}", dir.display(), valid.join(", "))]
    Unknown { name: String, dir: PathBuf, valid: Vec<String> },
    #[error("no {MANIFEST} in {}; an app folder needs one (see APPS.md)", dir.display())]
    NoManifest { dir: PathBuf },
    #[error("apps folder {} does not exist; pass --apps DIR with the folder that holds the app folders", dir.display())]
    NoAppsDir { dir: PathBuf },
    #[error("app name '{name}' is used by both {} and {}", first.display(), second.display())]
    Duplicate { name: String, first: PathBuf, second: PathBuf },
    #[error("{}: {message}", path.display())]
    Placeholder { path: PathBuf, message: String },
    #[error("setup of app '{app}' failed at `{command}` ({status}); log {}, ending with:\n```\n{tail}\n```", log.display())]
    SetupFailed { app: String, command: String, status: String, log: PathBuf, tail: String },
}

/// An app folder with its parsed manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub manifest: Manifest,
    /// Absolute path of the app folder.
    pub dir: PathBuf,
    /// Which of the manifest's builds this is.
    pub build: Build,
}

/// The normal build (`[setup]`, `[start]`), or the `[profile]` build that `profile` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    Normal,
    Profile,
}

/// The setup that runs before a start: its commands (unexpanded), inputs and the name of
/// its stamp and log files in the state folder.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupPlan<'a> {
    pub commands: &'a [String],
    pub inputs: &'a [String],
    pub name: &'static str,
}

impl App {
    pub fn name(&self) -> &str {
        &self.manifest.app.name
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST)
    }

    /// This app's `[profile]` build, when the manifest has one.
    pub fn profile_build(&self) -> Option<App> {
        self.manifest.profile.as_ref()?;
        Some(App { build: Build::Profile, ..self.clone() })
    }

    /// The start command of this build (placeholders not expanded).
    pub fn start_command(&self) -> &str {
        match (&self.manifest.profile, self.build) {
            (Some(p), Build::Profile) => &p.command,
            _ => &self.manifest.start.command,
        }
    }

    /// This build with another start command (e.g. wrapped in a tool); setup is unchanged.
    pub fn with_start_command(&self, command: String) -> App {
        let mut app = self.clone();
        match (&mut app.manifest.profile, app.build) {
            (Some(p), Build::Profile) => p.command = command,
            _ => app.manifest.start.command = command,
        }
        app
    }

    /// The setup of this build: `[profile]`'s own (stamp `profile-setup`) when it has
    /// commands, else `[setup]` (stamp `setup`), else none. The two stamps are separate, so
    /// switching between `run` and `profile` never re-runs either setup.
    pub fn setup_plan(&self) -> Option<SetupPlan<'_>> {
        let normal = self.manifest.setup.as_ref();
        if let (Some(p), Build::Profile) = (&self.manifest.profile, self.build) {
            if !p.setup.is_empty() {
                let inputs = match (p.inputs.is_empty(), normal) {
                    (true, Some(n)) => &n.inputs[..],
                    _ => &p.inputs[..],
                };
                return Some(SetupPlan { commands: &p.setup, inputs, name: "profile-setup" });
            }
        }
        normal.map(|n| SetupPlan { commands: &n.commands, inputs: &n.inputs, name: "setup" })
    }

    /// Where the harness keeps this app's stamp and logs.
    pub fn state_dir(&self) -> PathBuf {
        self.dir.join(STATE_DIR)
    }

    /// The server spec for one start, every placeholder expanded.
    pub fn server_spec(
        &self,
        port: u16,
        workers: u32,
        cpus: Option<Vec<usize>>,
    ) -> Result<ServerSpec, AppError> {
        let ph = Placeholders::new(self, Some(port), Some(workers));
        let path = self.manifest_path();
        let start = &self.manifest.start;
        let command = expand(self.start_command(), &ph, &path)?;
        let mut env = ph.env();
        for (k, v) in &start.env {
            env.push((k.clone(), expand(v, &ph, &path)?));
        }
        Ok(ServerSpec {
            name: self.name().to_string(),
            command,
            dir: self.dir.clone(),
            env,
            port,
            log_path: self.state_dir().join("logs").join(format!("server-{port}.log")),
            startup_timeout: Duration::from_secs(start.startup_timeout_secs),
            stop_grace: Duration::from_secs(5),
            cpus,
        })
    }
}

/// Load the app in `dir` (which must hold a `benchmark.toml`).
pub fn load(dir: &Path) -> Result<App, AppError> {
    let dir = std::fs::canonicalize(dir).map_err(|source| AppError::Io { path: dir.into(), source })?;
    let path = dir.join(MANIFEST);
    if !path.is_file() {
        return Err(AppError::NoManifest { dir });
    }
    let text =
        std::fs::read_to_string(&path).map_err(|source| AppError::Io { path: path.clone(), source })?;
    let manifest = parse(&text, &path)?;
    Ok(App { manifest, dir, build: Build::Normal })
}

/// Every app under `apps_dir` (each sub-folder with a manifest), sorted by name.
pub fn discover(apps_dir: &Path) -> Result<Vec<App>, AppError> {
    if !apps_dir.is_dir() {
        return Err(AppError::NoAppsDir { dir: apps_dir.into() });
    }
    let entries =
        std::fs::read_dir(apps_dir).map_err(|source| AppError::Io { path: apps_dir.into(), source })?;
    let mut apps: Vec<App> = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        if !entry.path().join(MANIFEST).is_file() {
            continue;
        }
        let app = load(&entry.path())?;
        if let Some(other) = apps.iter().find(|a| a.name() == app.name()) {
            return Err(AppError::Duplicate {
                name: app.name().to_string(),
                first: other.manifest_path(),
                second: app.manifest_path(),
            });
        }
        apps.push(app);
    }
    apps.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(apps)
}

/// The app called `name` under `apps_dir`.
pub fn find(apps_dir: &Path, name: &str) -> Result<App, AppError> {
    let apps = discover(apps_dir)?;
    let valid: Vec<String> = apps.iter().map(|a| a.name().to_string()).collect();
    apps.into_iter().find(|a| a.name() == name).ok_or_else(|| AppError::Unknown {
        name: name.into(),
        dir: apps_dir.into(),
        valid,
    })
}

/// The harness cache folder: `$BENCHMARK_HARNESS_CACHE`, else `~/.cache/benchmark-harness`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BENCHMARK_HARNESS_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("benchmark-harness")
}

/// An exclusive lock on `name` under the cache dir, held until dropped.
///
/// Two harness processes (parallel tests, two CI steps) that install the same tool into
/// the cache must not interleave: one would see the other's half-made venv as broken.
pub fn cache_lock(name: &str) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let dir = cache_dir().join("locks");
    std::fs::create_dir_all(&dir)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{name}.lock")))?;
    // SAFETY: flock on a descriptor this function owns; released when the file closes.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(test)]
mod tests;
