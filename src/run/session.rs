//! A measurement session: the app set up and its server running (or a `--url` target),
//! restartable when the server dies, stopped when dropped.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Event, Progress, RunTarget};
use crate::app::{self, App, AppError, Versions};
use crate::loadgen::{self, RequestSpec, Target};
use crate::schema::Metadata;
use crate::server::{free_port, Server, ServerError};

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("invalid --url '{url}': {reason}; expected http://HOST:PORT[/PREFIX]")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

/// A target ready to take load.
pub struct Session<'a> {
    app: Option<App>,
    workers: u32,
    server_cpus: Option<Vec<usize>>,
    env: Vec<(String, String)>,
    server: Option<Server>,
    target: Target,
    prefix: String,
    versions: Versions,
    progress: &'a dyn Progress,
    stop: Arc<AtomicBool>,
}

/// A GET of `path` answered 200 within a second.
pub fn health_ok(target: &Target, path: &str) -> bool {
    let req = RequestSpec {
        method: "GET".into(),
        path: path.into(),
        headers: vec![],
        content_type: None,
        body: vec![],
    };
    matches!(loadgen::send_once(target, &req, Duration::from_secs(1)), Ok(r) if r.status == 200)
}

fn loopback(port: u16) -> Target {
    Target { addr: SocketAddr::from(([127, 0, 0, 1], port)), host_header: format!("127.0.0.1:{port}") }
}

fn parse_url(url: &str) -> Result<(Target, String), SessionError> {
    let bad = |reason: &str| SessionError::BadUrl { url: url.into(), reason: reason.into() };
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        bad(if url.starts_with("https://") {
            "https is not supported by the load generator"
        } else {
            "missing http://"
        })
    })?;
    let (authority, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/').to_string()),
        None => (rest, String::new()),
    };
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    let with_port = if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| bad(&format!("cannot resolve '{authority}' ({e})")))?
        .next()
        .ok_or_else(|| bad("the host has no address"))?;
    Ok((Target { addr, host_header: authority.to_string() }, prefix))
}

impl<'a> Session<'a> {
    /// Set up and start the app (or check that the URL answers over HTTP/1.1).
    pub fn open(
        target: &RunTarget,
        progress: &'a dyn Progress,
        stop: &Arc<AtomicBool>,
    ) -> Result<Self, SessionError> {
        Self::open_over(target, loadgen::Protocol::Http1, progress, stop)
    }

    /// [`Session::open`], a URL being checked over `protocol` (an app's readiness check
    /// stays HTTP/1.1-agnostic: see its manifest).
    pub fn open_over(
        target: &RunTarget,
        protocol: loadgen::Protocol,
        progress: &'a dyn Progress,
        stop: &Arc<AtomicBool>,
    ) -> Result<Self, SessionError> {
        match target {
            RunTarget::Url { url } => {
                let (t, prefix) = parse_url(url)?;
                let probe = RequestSpec {
                    method: "GET".into(),
                    path: format!("{prefix}/"),
                    headers: vec![],
                    content_type: None,
                    body: vec![],
                };
                if let Err(e) = loadgen::send_once_over(&t, &probe, Duration::from_secs(5), protocol) {
                    return Err(SessionError::Unreachable { url: url.clone(), reason: e.to_string() });
                }
                Ok(Session {
                    app: None,
                    workers: 1,
                    server_cpus: None,
                    env: Vec::new(),
                    server: None,
                    target: t,
                    prefix,
                    versions: Versions::default(),
                    progress,
                    stop: Arc::clone(stop),
                })
            }
            RunTarget::App { app, workers, server_cpus, env } => {
                progress.event(&Event::SetupStarted { app: app.name().into() });
                let outcome = app::setup(app, false, stop)?;
                progress.event(&Event::SetupDone {
                    app: app.name().into(),
                    cached: matches!(outcome, app::SetupOutcome::Cached),
                });
                let versions = app::versions(app);
                let mut s = Session {
                    app: Some((**app).clone()),
                    workers: *workers,
                    server_cpus: server_cpus.clone(),
                    env: env.clone(),
                    server: None,
                    target: loopback(0),
                    prefix: String::new(),
                    versions,
                    progress,
                    stop: Arc::clone(stop),
                };
                s.start()?;
                Ok(s)
            }
        }
    }

    fn start(&mut self) -> Result<(), SessionError> {
        let Some(app) = &self.app else { return Ok(()) };
        let port = free_port()?;
        let mut spec = app.server_spec(port, self.workers, self.server_cpus.clone())?;
        merge_env(&mut spec.env, &self.env);
        self.progress.event(&Event::ServerStarting { app: app.name().into(), port });
        let began = Instant::now();
        let mut server = Server::spawn(spec)?;
        let health = app.manifest.start.health.clone();
        let target = loopback(port);
        server.wait_ready(|_| health_ok(&target, &health), &self.stop)?;
        self.progress.event(&Event::ServerReady {
            app: app.name().into(),
            port,
            secs: began.elapsed().as_secs_f64(),
        });
        self.target = target;
        self.server = Some(server);
        Ok(())
    }

    /// Stop the server (the session stays open: [`Session::ensure_started`] starts a fresh one).
    pub fn stop_server(&mut self) {
        self.server = None;
    }

    /// Start a fresh server if none is running (after [`Session::stop_server`]).
    pub fn ensure_started(&mut self) -> Result<(), SessionError> {
        if self.server.is_some() || self.app.is_none() {
            return Ok(());
        }
        self.start()
    }

    /// Freeze the server's process group while others are measured (see `Server::pause`).
    pub fn pause(&self) {
        if let Some(s) = &self.server {
            s.pause();
        }
    }

    /// Let a paused server run again.
    pub fn resume(&self) {
        if let Some(s) = &self.server {
            s.resume();
        }
    }

    /// Stop the server (if any) and start it again on a new port.
    pub fn restart(&mut self) -> Result<(), SessionError> {
        if let Some(app) = &self.app {
            self.progress.event(&Event::ServerRestarting { app: app.name().into() });
        }
        self.server = None;
        self.start()
    }

    /// The port the server listens on (or the `--url` port).
    pub fn port(&self) -> u16 {
        self.target.addr.port()
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The path to request for a workload path (with the `--url` prefix, if any).
    pub fn path(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }

    /// PID and process group of the running server.
    pub fn server_ids(&self) -> Option<(i32, i32)> {
        self.server.as_ref().map(|s| (s.pid() as i32, s.pgid()))
    }

    /// If the server has exited: a reason quoting its status and log tail.
    pub fn server_died(&mut self) -> Option<String> {
        let server = self.server.as_mut()?;
        let status = server.exited()?;
        Some(format!(
            "server '{}' exited ({status}); its log ({}) ends with:\n```\n{}\n```",
            server.name(),
            server.log_path().display(),
            server.tail(20)
        ))
    }

    pub fn app(&self) -> Option<&App> {
        self.app.as_ref()
    }

    /// Whether there is a server whose resources can be sampled.
    pub fn has_server(&self) -> bool {
        self.server.is_some()
    }

    /// The framework and runtime versions the app's probes printed.
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    /// Run-wide notes (failed version probes, …).
    pub fn notes(&self) -> Vec<String> {
        self.versions.notes.clone()
    }

    /// Metadata of this session, with the git facts of `repo_dir`.
    pub fn metadata(&self, repo_dir: &std::path::Path) -> Metadata {
        Metadata {
            framework: self.app.as_ref().map(|a| a.name().to_string()),
            language: self.app.as_ref().map(|a| a.manifest.app.language.as_str().to_string()),
            version: self.versions.framework.clone(),
            runtime: self.versions.runtime.clone(),
            ..metadata_now(repo_dir)
        }
    }
}

/// Metadata of a result written now: time, git facts of `repo_dir`, harness, host; no app.
pub fn metadata_now(repo_dir: &std::path::Path) -> Metadata {
    let git = crate::host::git_info(repo_dir);
    Metadata {
        framework: None,
        language: None,
        version: None,
        runtime: None,
        timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        git_commit: git.commit,
        git_branch: git.branch,
        git_dirty: git.dirty,
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        host: crate::host::host(),
        machine: None,
    }
}

/// [`metadata_now`] with the machine's state over the command so far (`metadata.machine`).
pub fn metadata_with(repo_dir: &std::path::Path, load: &super::LoadOptions) -> Metadata {
    Metadata { machine: Some(load.machine.state()), ..metadata_now(repo_dir) }
}

/// Add `extra` to `env`. A variable already set (e.g. by the manifest) is extended, not
/// replaced: `PYTHONPATH` gets the extra entry first, `NODE_OPTIONS`/`RUBYOPT` get it appended.
pub fn merge_env(env: &mut Vec<(String, String)>, extra: &[(String, String)]) {
    for (k, v) in extra {
        match env.iter_mut().rev().find(|(ek, _)| ek == k) {
            Some((_, existing)) if k == "PYTHONPATH" => *existing = format!("{v}:{existing}"),
            Some((_, existing)) if k == "NODE_OPTIONS" || k == "RUBYOPT" => {
                *existing = format!("{existing} {v}")
            }
            _ => env.push((k.clone(), v.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiler_env_extends_what_the_manifest_set() {
        let mut env = vec![("NODE_OPTIONS".to_string(), "--max-old-space-size=512".to_string())];
        merge_env(
            &mut env,
            &[("NODE_OPTIONS".into(), "--require /p.js".into()), ("PYTHONPATH".into(), "/h".into())],
        );
        assert_eq!(env[0].1, "--max-old-space-size=512 --require /p.js");
        assert_eq!(env[1], ("PYTHONPATH".to_string(), "/h".to_string()));
        merge_env(&mut env, &[("PYTHONPATH".into(), "/g".into())]);
        assert_eq!(env[1].1, "/g:/h");
    }

    #[test]
    fn urls_parse_with_port_and_prefix() {
        let (t, prefix) = parse_url("http://127.0.0.1:8080/api/").unwrap();
        assert_eq!(t.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(t.host_header, "127.0.0.1:8080");
        assert_eq!(prefix, "/api");
        let (t, prefix) = parse_url("http://localhost:9").unwrap();
        assert_eq!(t.addr.port(), 9);
        assert_eq!(prefix, "");
    }

    #[test]
    fn bad_urls_are_named() {
        let err = parse_url("https://x:1").unwrap_err().to_string();
        assert!(err.contains("'https://x:1'") && err.contains("https"), "{err}");
        assert!(parse_url("ftp://x").unwrap_err().to_string().contains("missing http://"));
    }
}
