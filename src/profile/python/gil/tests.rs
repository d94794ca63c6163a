//! Known answers from recorded fixtures (tests/fixtures/py-gil, scripts/record-gil-fixtures.sh)
//! and hand-made stacks.

use super::*;

const RATE: f64 = 100.0;

fn fixture(name: &str) -> Recording {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/py-gil/");
    let path = format!("{dir}{name}.txt");
    Recording::parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The sampled seconds of a fixture's window, from `secs.txt`.
fn secs(case: &str, window: &str) -> f64 {
    let text = fixture_text("secs");
    let line = text.lines().find(|l| l.starts_with(&format!("{case} {window} secs "))).unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

fn fixture_text(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/py-gil/");
    std::fs::read_to_string(format!("{dir}{name}.txt")).unwrap()
}

fn contention(case: &str, condvar_free: &HashSet<String>) -> GilFigures {
    let (gil, native) = (fixture(&format!("spin-{case}-gil")), fixture(&format!("spin-{case}-native")));
    gil_figures(&gil, secs(case, "gil"), &native, RATE, condvar_free).unwrap()
}

#[test]
fn n_spinning_threads_contend_for_n_minus_one_nths_of_the_time() {
    let none = HashSet::new();
    // Expected (N-1)/N; these recordings give 0, 45.1, 66.6, 76.2 %. W misses the samples
    // caught in the GIL hand-off (unnamed libc frames of drop_gil's mutex unlock and futex
    // wake, 49 of 598 at N = 2), hence the margin.
    for (n, expected) in [(1, 0.0), (2, 50.0), (3, 66.667), (4, 75.0)] {
        let g = contention(&n.to_string(), &none);
        assert!((g.contention_percent - expected).abs() < 5.0, "N = {n}: {g:?}");
    }
    assert_eq!(contention("1", &none).wait_samples, 0);
}

#[test]
fn a_native_thread_parked_on_its_own_condvar_is_not_waiting_for_the_gil() {
    // One spinning thread, a C-extension thread (with a thread state, no Python frame) in
    // pthread_cond_timedwait on its own condvar, and a ctypes call in pthread_cond_wait.
    let native = fixture("spin-park-native");
    let park = "condwait.cpython-311-x86_64-linux-gnu.so".to_string();
    assert!(native.stacks.iter().any(|(s, n)| *n > 250 && s.iter().any(|f| f.contains(&park))));
    // The module imports pthread_cond_timedwait, so it is not in condvar_free: 0 %.
    let g = contention("park", &HashSet::new());
    assert_eq!((g.wait_samples, g.contention_percent), (0, 0.0), "{g:?}");
    // Without that evidence (the module taken for one that only waits through CPython) the
    // parked thread would read as ~50 % contention: the evidence is what tells them apart.
    let g = contention("park", &HashSet::from([park]));
    assert!((g.contention_percent - 50.0).abs() < 3.0, "{g:?}");
}

#[test]
fn spikard_rust_threads_in_py_gil_state_ensure_wait_for_the_gil() {
    let (gil, native) = (fixture("spikard-json-gil"), fixture("spikard-json-native"));
    assert_eq!(native.ticks_per_thread(), 285);
    let spikard: HashSet<String> = HashSet::from(["spikard/_spikard.abi3.so".to_string()]);
    // _spikard.abi3.so imports no pthread_cond_*: its waits go through PyGILState_Ensure.
    let g = gil_figures(&gil, 3.1, &native, RATE, &spikard).unwrap();
    assert_eq!(g.wait_samples, 104, "{g:?}");
    // G = 75, 40 of them an empty stack: the GIL held by a Rust thread with no Python frame.
    assert_eq!(gil.samples(), 75);
    // H = 285·75/(100·3.1) = 68.95; 100·104/(104+68.95) = 60.13 %.
    assert!((g.contention_percent - 60.13).abs() < 0.01, "{g:?}");
    // Without evidence about the module nothing counts.
    assert_eq!(gil_figures(&gil, 3.1, &native, RATE, &HashSet::new()).unwrap().wait_samples, 0);
    let f = ffi_samples(&native, &spikard);
    // Conversion: Rust threads working (or in unicode_decode_utf8) with no Python frame; the
    // rest is the main thread parked in block_on and Python handlers called from Rust.
    assert_eq!(f, FfiSamples { gil_wait: 104, conversion: 5, call: 0, excluded: 295 });
}

#[test]
fn fastapi_pydantic_core_calls_are_python_to_native() {
    // Trimmed from a FastAPI recording: pydantic-core validating under a Python frame.
    let ext = "pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so";
    let r = Recording::parse(&format!(
        "thread (1): MainThread;handle (fastapi/routing.py:345);validate_python (pydantic/type_adapter.py:410);0x559c00000001 (?);0x7fef10174 ({ext});0x7fef390f1 ({ext}) 2\n\
         thread (1): MainThread;handle (fastapi/routing.py:345);validate_python (pydantic/type_adapter.py:410);0x7fef10174 ({ext});unicode_encode (libpython3.11.so.1.0) 3\n\
         thread (1): MainThread;run (uvicorn/server.py:86);select (selectors.py:468);epoll_wait (libc.so.6) 40\n"
    ));
    let f = ffi_samples(&r, &HashSet::new());
    assert_eq!(f, FfiSamples { gil_wait: 0, conversion: 3, call: 2, excluded: 0 });
    assert_eq!(f.total(), 5);
}

#[test]
fn waits_need_a_condvar_leaf_and_a_known_caller() {
    let free: HashSet<String> = HashSet::from(["_spikard.abi3.so".to_string()]);
    let stack = |s: &str| s.split(';').map(str::to_string).collect::<Vec<_>>();
    let waits = |s: &str| waits_for_gil(&stack(s), &free);
    // Python and visible CPython callers: the hidden take_gil.
    assert!(waits(
        "thread (2): w;run (threading.py:982);pthread_cond_timedwait (libc.so.6);0x7f01 (libc.so.6)"
    ));
    assert!(waits(
        "thread (2): w;f (a.py:1);time_sleep (libpython3.11.so.1.0);pthread_cond_timedwait (libc.so.6)"
    ));
    // A native thread in PyGILState_Ensure, from a module without condvars of its own or Rust source.
    assert!(waits("thread (3);0x7f00 (?);0x7f0b (_spikard.abi3.so);pthread_cond_timedwait (libc.so.6)"));
    assert!(waits("thread (3);with_gil (src/gil.rs:12);pthread_cond_timedwait (libc.so.6)"));
    // Not: another module, a foreign call under Python (ctypes), a futex park, a semaphore.
    assert!(!waits("thread (3);0x7f0b (_other.so);pthread_cond_timedwait (libc.so.6)"));
    assert!(!waits("thread (4);f (app.py:1);0x7f0b (_spikard.abi3.so);pthread_cond_wait (libc.so.6)"));
    assert!(!waits("thread (4);f (app.py:1);ffi_call (libffi.so.8.1.2);pthread_cond_wait (libc.so.6)"));
    assert!(!waits(
        "thread (1): MainThread;run (service.py:212);0x7f0b (_spikard.abi3.so);syscall (libc.so.6)"
    ));
    assert!(!waits(
        "thread (2): w;PyThread_acquire_lock_timed (libpython3.11.so.1.0);sem_clockwait (libc.so.6)"
    ));
}

#[test]
fn ffi_samples_split_three_ways() {
    let free: HashSet<String> = HashSet::from(["_x.so".to_string()]);
    let r = Recording::parse(
        "thread (3);poll (_x.so);pthread_cond_timedwait (libc.so.6) 5\n\
         thread (3);poll (_x.so);convert (_x.so) 7\n\
         thread (3);poll (_x.so);unicode_decode_utf8 (libpython3.11.so.1.0) 2\n\
         thread (3);poll (_x.so);handler (app.py:3) 11\n\
         thread (3);poll (_x.so);epoll_wait (libc.so.6) 50\n\
         thread (1): main;f (server.py:1);validate (_x.so) 4\n\
         thread (1): main;f (server.py:1);validate (_x.so);unicode_new (libpython3.11.so.1.0) 1\n\
         thread (1): main;f (server.py:1) 9\n",
    );
    let f = ffi_samples(&r, &free);
    assert_eq!(f, FfiSamples { gil_wait: 5, conversion: 10, call: 4, excluded: 61 });
}
