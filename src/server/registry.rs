//! Every live server process group, in a table that a signal handler may read.
//!
//! The table is a fixed array of atomics so that the second Ctrl-C's handler can kill
//! every group with nothing but async-signal-safe calls (`kill`, `_exit`).

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

const SLOTS: usize = 256;
static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// Remember a live process group. Returns false when the table is full.
pub(crate) fn register(pgid: i32) -> bool {
    GROUPS.iter().any(|slot| slot.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst).is_ok())
}

/// Forget a process group once it is stopped.
pub(crate) fn unregister(pgid: i32) {
    for slot in &GROUPS {
        let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// SIGKILL every registered group (async-signal-safe).
pub fn kill_all() {
    for slot in &GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) is async-signal-safe and takes plain integers.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Number of registered (live) server groups.
pub fn live_count() -> usize {
    GROUPS.iter().filter(|s| s.load(Ordering::SeqCst) > 0).count()
}

static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Install SIGINT/SIGTERM/SIGHUP handling once and return the shared stop flag.
///
/// The first signal sets the flag: runners then stop the load, stop their servers and
/// write what they measured with `"complete": false`. A second signal kills every
/// registered server group at once and exits with 130.
pub fn stop_flag() -> Arc<AtomicBool> {
    STOP.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            let f = Arc::clone(&flag);
            // SAFETY: the handler only does atomic loads/stores, kill(2) and _exit(2),
            // all async-signal-safe.
            let _ = unsafe {
                signal_hook::low_level::register(sig, move || {
                    if f.swap(true, Ordering::SeqCst) {
                        kill_all();
                        libc::_exit(130);
                    }
                })
            };
        }
        flag
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_and_unregister_round_trip() {
        let pgid = 999_999_001;
        assert!(register(pgid));
        assert!(GROUPS.iter().any(|s| s.load(Ordering::SeqCst) == pgid));
        unregister(pgid);
        assert!(!GROUPS.iter().any(|s| s.load(Ordering::SeqCst) == pgid));
    }
}
