//! Progress lines on stderr (plain lines; `--quiet` silences them).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::report::thousands;
use crate::run::{Event, Progress};

/// Writes one line per event to stderr; on a terminal, a bar runs during each measurement.
pub struct StderrProgress {
    quiet: bool,
    bar: Mutex<Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>>,
}

impl StderrProgress {
    pub fn new(quiet: bool) -> StderrProgress {
        StderrProgress { quiet, bar: Mutex::new(None) }
    }

    fn stop_bar(&self) {
        if let Some((stop, handle)) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            stop.store(true, Ordering::SeqCst);
            let _ = handle.join();
        }
    }

    fn start_bar(&self, warmup: f64, duration: f64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let began = Instant::now();
            let total = warmup + duration;
            while !flag.load(Ordering::SeqCst) {
                let t = began.elapsed().as_secs_f64().min(total);
                let (label, done) =
                    if t < warmup { ("warm-up", t / warmup) } else { ("measure", (t - warmup) / duration) };
                let filled = (done * 30.0).round() as usize;
                eprint!(
                    "\r  {label} [{}{}] {:>5.1}/{:.0} s",
                    "#".repeat(filled),
                    ".".repeat(30 - filled.min(30)),
                    t,
                    total
                );
                std::thread::sleep(Duration::from_millis(200));
            }
            eprint!("\r{}\r", " ".repeat(60));
        });
        if let Ok(mut b) = self.bar.lock() {
            *b = Some((stop, handle));
        }
    }
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
        self.stop_bar();
        if let Event::Measuring { warmup_secs, duration_secs, .. } = e {
            let _ = writeln!(std::io::stderr(), "  warm-up {warmup_secs} s, measuring {duration_secs} s…");
            self.start_bar(*warmup_secs, *duration_secs);
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
            Event::Measuring { .. } => return,
            Event::Measured { requests_per_sec, success_rate, load, .. } => {
                let mut line =
                    format!("  {} req/s, {:.1}% ok", thousands(*requests_per_sec), success_rate * 100.0);
                for c in crate::report::load_caveats(load) {
                    line.push_str(&format!("\n  warning: {c}"));
                }
                line
            }
            Event::Failed { workload, reason } => format!("  {workload}: FAILED: {reason}"),
            Event::ServerRestarting { app } => format!("restarting {app}…"),
            Event::Warning { message } => format!("  warning: {message}"),
            Event::Interrupted => "interrupted: stopping servers and writing what was measured".into(),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

impl Drop for StderrProgress {
    fn drop(&mut self) {
        self.stop_bar();
    }
}
