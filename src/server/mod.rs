//! Server lifecycle: spawn an app in its own process group, wait for readiness, stop it.
//!
//! Talks to the OS only. A [`Server`] stops its process group when dropped, so every exit
//! path (error, panic, Ctrl-C) ends with no process left behind.

mod command;
mod registry;
mod tail;

pub use command::{capture, run_logged, CommandEnd};
pub use registry::{kill_all, live_count, stop_flag};
pub use tail::log_tail;

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How to start one server.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// App name, for messages.
    pub name: String,
    /// Shell command (run with `sh -c`), placeholders already expanded.
    pub command: String,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
    pub port: u16,
    /// stdout and stderr go here.
    pub log_path: PathBuf,
    pub startup_timeout: Duration,
    /// Time between SIGTERM and SIGKILL.
    pub stop_grace: Duration,
    /// Linux: pin the server (and everything it starts) to these CPUs.
    pub cpus: Option<Vec<usize>>,
}

/// Failures of the server lifecycle; each names the app and, where there is one, quotes its log.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot start app '{name}' ({command}): {source}")]
    Spawn { name: String, command: String, source: std::io::Error },
    #[error("cannot create log file {path}: {source}")]
    Log { path: PathBuf, source: std::io::Error },
    #[error(
        "app '{name}' exited ({status}) before it was ready; its log ({log}) ends with:\n```\n{tail}\n```"
    )]
    ExitedEarly { name: String, status: String, log: PathBuf, tail: String },
    #[error("app '{name}' was not ready on 127.0.0.1:{port} within {secs} s (health check never answered 200); its log ({log}) ends with:\n```\n{tail}\n```")]
    NotReady { name: String, port: u16, secs: u64, log: PathBuf, tail: String },
    #[error("no free port on 127.0.0.1: {0}")]
    Port(std::io::Error),
    #[error("interrupted while starting app '{name}'")]
    Interrupted { name: String },
}

/// A running server; stopped (whole process group) on drop.
#[derive(Debug)]
pub struct Server {
    spec: ServerSpec,
    child: Child,
    pgid: i32,
    exit: Option<ExitStatus>,
}

/// A free TCP port on 127.0.0.1 (bound and released; the app binds it next).
pub fn free_port() -> Result<u16, ServerError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(ServerError::Port)?;
    Ok(l.local_addr().map_err(ServerError::Port)?.port())
}

impl Server {
    /// Spawn the server in a new process group, with output to its log file.
    pub fn spawn(spec: ServerSpec) -> Result<Server, ServerError> {
        if let Some(dir) = spec.log_path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let log = File::create(&spec.log_path)
            .map_err(|source| ServerError::Log { path: spec.log_path.clone(), source })?;
        let log2 =
            log.try_clone().map_err(|source| ServerError::Log { path: spec.log_path.clone(), source })?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&spec.command)
            .current_dir(&spec.dir)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env("PORT", spec.port.to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .process_group(0);
        let cpus = spec.cpus.clone();
        // SAFETY: only async-signal-safe calls between fork and exec (prctl, sched_setaffinity).
        unsafe {
            cmd.pre_exec(move || {
                // If the harness itself is killed outright, take the server's shell with it.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if let Some(cpus) = &cpus {
                    let mut set: libc::cpu_set_t = std::mem::zeroed();
                    for &c in cpus {
                        libc::CPU_SET(c, &mut set);
                    }
                    libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|source| ServerError::Spawn {
            name: spec.name.clone(),
            command: spec.command.clone(),
            source,
        })?;
        let pgid = child.id() as i32;
        registry::register(pgid);
        Ok(Server { spec, child, pgid, exit: None })
    }

    /// Poll `is_ready` (e.g. a GET of the health path) until it says yes, the process exits,
    /// the startup deadline passes, or `stop` is set.
    pub fn wait_ready(
        &mut self,
        mut is_ready: impl FnMut(u16) -> bool,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<(), ServerError> {
        let deadline = Instant::now() + self.spec.startup_timeout;
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(status) = self.exited() {
                return Err(ServerError::ExitedEarly {
                    name: self.spec.name.clone(),
                    status: status.to_string(),
                    log: self.spec.log_path.clone(),
                    tail: log_tail(&self.spec.log_path, 20),
                });
            }
            if is_ready(self.spec.port) {
                return Ok(());
            }
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(ServerError::Interrupted { name: self.spec.name.clone() });
            }
            if Instant::now() >= deadline {
                return Err(ServerError::NotReady {
                    name: self.spec.name.clone(),
                    port: self.spec.port,
                    secs: self.spec.startup_timeout.as_secs(),
                    log: self.spec.log_path.clone(),
                    tail: log_tail(&self.spec.log_path, 20),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// The port the server was told to listen on.
    pub fn port(&self) -> u16 {
        self.spec.port
    }

    /// PID of the process the harness started (the `sh -c` or what it exec'd).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process group (every process the server started, unless one left the group).
    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    pub fn log_path(&self) -> &std::path::Path {
        &self.spec.log_path
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The last `lines` lines of the server's log.
    pub fn tail(&self, lines: usize) -> String {
        log_tail(&self.spec.log_path, lines)
    }

    /// The exit status if the started process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Freeze the whole process group (SIGSTOP), so an idle server takes no CPU, runs no
    /// GC or timers and cannot compete with the one under load.
    pub fn pause(&self) {
        signal_group(self.pgid, libc::SIGSTOP);
    }

    /// Let a paused group run again (SIGCONT).
    pub fn resume(&self) {
        signal_group(self.pgid, libc::SIGCONT);
    }

    /// Stop the whole process group: SIGTERM, wait up to the grace period, then SIGKILL.
    /// Processes that left the group (setsid) but descend from the server are killed too.
    pub fn stop(&mut self) {
        let mut strays = crate::monitor::descendants(self.child.id() as i32);
        signal_group(self.pgid, libc::SIGTERM);
        // A paused (SIGSTOP) group sees SIGTERM only once it runs again.
        signal_group(self.pgid, libc::SIGCONT);
        let deadline = Instant::now() + self.spec.stop_grace;
        while Instant::now() < deadline {
            let _ = self.exited();
            if self.exit.is_some() && !group_alive(self.pgid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        strays.extend(crate::monitor::descendants(self.child.id() as i32));
        signal_group(self.pgid, libc::SIGKILL);
        for &pid in &strays {
            // SAFETY: plain kill(2) on a pid we saw descend from our child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        if self.exit.is_none() {
            self.exit = self.child.wait().ok();
        }
        // Wait (briefly) until the kernel has removed every group member and stray.
        let deadline = Instant::now() + Duration::from_secs(3);
        let strays_alive = || crate::monitor::snapshot().iter().any(|p| strays.contains(&p.pid) && !p.zombie);
        while (group_alive(self.pgid) || strays_alive()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        registry::unregister(self.pgid);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(pgid: i32, sig: i32) {
    // SAFETY: kill(2) with a negative pid signals the group; no memory is touched.
    unsafe {
        libc::kill(-pgid, sig);
    }
}

/// True while any process (not a zombie) is left in the group.
pub fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    if unsafe { libc::kill(-pgid, 0) } != 0 {
        return false;
    }
    crate::monitor::group_members(pgid).iter().any(|p| !p.zombie)
}

#[cfg(test)]
mod tests;
