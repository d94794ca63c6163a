//! One-off commands (app setup, version probes): own process group, output to a log or captured.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::registry;

/// How a one-off command ended.
#[derive(Debug)]
pub enum CommandEnd {
    Exited(ExitStatus),
    Interrupted,
    TimedOut,
}

fn shell(command: &str, dir: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .process_group(0);
    cmd
}

fn wait(
    child: &mut std::process::Child,
    stop: &AtomicBool,
    timeout: Option<Duration>,
) -> std::io::Result<CommandEnd> {
    let pgid = child.id() as i32;
    registry::register(pgid);
    let started = Instant::now();
    let end = loop {
        if let Some(status) = child.try_wait()? {
            break CommandEnd::Exited(status);
        }
        let timed_out = timeout.is_some_and(|t| started.elapsed() >= t);
        if stop.load(Ordering::SeqCst) || timed_out {
            // SAFETY: signals the command's own process group.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let _ = child.wait();
            break if timed_out { CommandEnd::TimedOut } else { CommandEnd::Interrupted };
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    // Anything the command left running in its group goes too.
    // SAFETY: as above.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
    registry::unregister(pgid);
    Ok(end)
}

/// Run `command` with `sh -c` in `dir`, appending stdout and stderr to `log`.
pub fn run_logged(
    command: &str,
    dir: &Path,
    env: &[(String, String)],
    log: &std::fs::File,
    stop: &AtomicBool,
) -> std::io::Result<CommandEnd> {
    let mut child = shell(command, dir, env).stdout(log.try_clone()?).stderr(log.try_clone()?).spawn()?;
    wait(&mut child, stop, None)
}

/// Run `command` and return its trimmed stdout when it succeeds within `timeout`.
pub fn capture(
    command: &str,
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<String, String> {
    let out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut child = shell(command, dir, env)
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    let never = AtomicBool::new(false);
    match wait(&mut child, &never, Some(timeout)).map_err(|e| e.to_string())? {
        CommandEnd::Exited(s) if s.success() => {
            use std::io::{Read, Seek};
            let mut out = out;
            let mut text = String::new();
            out.rewind().map_err(|e| e.to_string())?;
            out.read_to_string(&mut text).map_err(|e| e.to_string())?;
            Ok(text.trim().to_string())
        }
        CommandEnd::Exited(s) => Err(format!("`{command}` failed ({s})")),
        CommandEnd::TimedOut => Err(format!("`{command}` did not finish within {} s", timeout.as_secs())),
        CommandEnd::Interrupted => Err("interrupted".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_returns_stdout_and_reports_failure() {
        let dir = std::env::temp_dir();
        assert_eq!(capture("echo ' 1.2.3 '", &dir, &[], Duration::from_secs(5)).unwrap(), "1.2.3");
        assert!(capture("exit 3", &dir, &[], Duration::from_secs(5)).unwrap_err().contains("failed"));
        let env = vec![("X_TEST_VALUE".to_string(), "v9".to_string())];
        assert_eq!(capture("echo $X_TEST_VALUE", &dir, &env, Duration::from_secs(5)).unwrap(), "v9");
    }

    #[test]
    fn a_hanging_probe_times_out() {
        let err = capture("sleep 30", &std::env::temp_dir(), &[], Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("did not finish"), "{err}");
    }
}
