//! Progress lines on stderr (plain lines; `--quiet` silences them).

use std::io::Write;

use crate::report::thousands;
use crate::run::{Event, Progress};

/// Writes one line per event to stderr.
pub struct StderrProgress {
    pub quiet: bool,
}

fn first_line(s: &str) -> String {
    let mut lines = s.lines();
    let first = lines.next().unwrap_or_default().to_string();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first
    }
}

impl Progress for StderrProgress {
    fn event(&self, e: &Event) {
        if self.quiet {
            return;
        }
        let line = match e {
            Event::SetupStarted { app } => format!("setting up {app}…"),
            Event::SetupDone { app, cached } => {
                format!("setup of {app} {}", if *cached { "up to date (cached)" } else { "done" })
            }
            Event::ServerStarting { app, port } => format!("starting {app} on 127.0.0.1:{port}…"),
            Event::ServerReady { app, secs, .. } => format!("{app} ready after {secs:.1} s"),
            Event::WorkloadStarted { workload, index, total } => {
                format!("[{}/{}] {workload}", index + 1, total)
            }
            Event::Invalid { workload, reason } => format!("  {workload}: INVALID: {}", first_line(reason)),
            Event::Measuring { warmup_secs, duration_secs, .. } => {
                format!("  warm-up {warmup_secs} s, measuring {duration_secs} s…")
            }
            Event::Measured { requests_per_sec, success_rate, .. } => {
                format!("  {} req/s, {:.1}% ok", thousands(*requests_per_sec), success_rate * 100.0)
            }
            Event::Failed { workload, reason } => format!("  {workload}: FAILED: {reason}"),
            Event::ServerRestarting { app } => format!("restarting {app}…"),
            Event::Interrupted => "interrupted: stopping servers and writing what was measured".into(),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}
