//! The figures of `PythonMetrics` from finished py-spy recordings, with a note for every
//! figure and every null. Pure functions: the caller reads the files and `/proc`.

use std::collections::HashSet;

use super::gil::{ffi_samples, gil_figures};
use super::modules::Extensions;
use super::sampler::Extra;
use super::stacks::{self, Recording};
use super::RATE;
use crate::schema::PythonMetrics;

fn null(what: &str, why: &str) -> String {
    format!("python: {what} is null: {why}")
}

/// sampled_cpu_ms, handler_time_ms and serialization_time_ms from the whole-window recording
/// `rec` of `secs` seconds, during which `requests` requests completed; `app_files` as
/// `modules::app_files`.
pub fn main_figures(
    rec: &Recording,
    secs: f64,
    requests: f64,
    app_files: &HashSet<String>,
    python: &mut PythonMetrics,
    notes: &mut Vec<String>,
) {
    python.sampled_cpu_ms = stacks::ms_per_request(rec.samples(), RATE, requests);
    if python.sampled_cpu_ms.is_none() {
        notes.push(null(
            "sampled_cpu_ms, handler_time_ms and serialization_time_ms",
            "no requests completed in the sampler's window",
        ));
        return;
    }
    if app_files.is_empty() {
        notes.push(null("handler_time_ms", "the app's Python files were not found"));
    } else {
        let n = rec.samples_where(|f| stacks::is_handler_frame(f, app_files));
        python.handler_time_ms = stacks::ms_per_request(n, RATE, requests);
    }
    let n = rec.samples_where(stacks::is_serializer_frame);
    python.serialization_time_ms = stacks::ms_per_request(n, RATE, requests);
    notes.push(format!(
        "python: sampled_cpu_ms, handler_time_ms and serialization_time_ms are sampled CPU time per request \
         ({} samples at {RATE} Hz over {secs:.1} s, {requests:.0} requests completed in that span of the load's \
         timeline); handler frames are the app's own functions (not its module's top level), C serializers \
         count in the Python frame that calls them",
        rec.samples()
    ));
}

/// The GIL and FFI figures from the short windows; `ext` says which extension modules wait
/// on condition variables of their own (`modules::extensions` on the native recording);
/// `native_requests` completed during the `--native` window (which slows the server, so the
/// whole window's rate would overstate them).
pub fn gil_and_ffi_figures(
    extra: &Extra,
    ext: &Extensions,
    native_requests: f64,
    python: &mut PythonMetrics,
    notes: &mut Vec<String>,
) {
    let (Some(gil), Some(native)) = (&extra.gil, &extra.native) else {
        notes.push(null(
            "gil_held_percent, gil_contention_percent, gil_wait_time_ms, ffi_overhead_ms, ffi_gil_wait_ms, ffi_conversion_ms \
             and ffi_call_ms",
            "the --gil and --native windows did not both complete",
        ));
        return;
    };
    let (g, n) = (Recording::parse(&gil.raw), Recording::parse(&native.raw));
    if gil.secs > 0.0 {
        python.gil_held_percent = Some(100.0 * g.samples() as f64 / (RATE * gil.secs));
    } else {
        notes.push(null("gil_held_percent", "the --gil window lasted no time"));
    }
    let free = &ext.condvar_free;
    if !ext.own_condvars.is_empty() || !ext.unknown.is_empty() {
        notes.push(format!(
            "python: a native thread (no Python frame) in a condition-variable wait counts as waiting for the GIL \
             only under a module that imports no pthread_cond_* (so the wait went through PyGILState_Ensure); \
             not counted under {:?} (imports one) and {:?} (not readable)",
            ext.own_condvars, ext.unknown
        ));
    }
    match gil_figures(&g, gil.secs, &n, RATE, free) {
        Some(f) => {
            python.gil_contention_percent = Some(f.contention_percent);
            python.gil_wait_time_ms = Some(f.wait_time_ms);
            notes.push(format!(
                "python: gil_contention_percent = 100·W/(W+H): W = {} thread samples waiting for the GIL in the \
                 --native window ({:.1} s; py-spy only sees threads with a Python thread state, so parked native \
                 workers are not sampled), H = ticks × GIL-holding share of the --gil window ({} samples in {:.1} s, \
                 the GIL held by native code with no Python frame counting as an empty stack); W misses the samples \
                 caught in the GIL hand-off (unnamed libc frames), so the figure reads a little low",
                f.wait_samples,
                native.secs,
                g.samples(),
                gil.secs
            ));
        }
        None => {
            notes.push(null("gil_contention_percent and gil_wait_time_ms", "no GIL samples were recorded"))
        }
    }
    let requests = native_requests;
    let ffi = ffi_samples(&n, free);
    let per_request = |samples| stacks::ms_per_request(samples, RATE, requests);
    python.ffi_overhead_ms = per_request(ffi.total());
    if python.ffi_overhead_ms.is_none() {
        notes.push(null(
            "ffi_overhead_ms, ffi_gil_wait_ms, ffi_conversion_ms and ffi_call_ms",
            "no requests were served in the --native window",
        ));
        return;
    }
    python.ffi_gil_wait_ms = per_request(ffi.gil_wait);
    python.ffi_conversion_ms = per_request(ffi.conversion);
    python.ffi_call_ms = per_request(ffi.call);
    notes.push(format!(
        "python: ffi_overhead_ms is an upper bound from the --native window ({:.1} s, {:.0} requests; one sample is \
         {:.4} ms per request): samples in native extension modules (.so without debug info, or Rust source): \
         {} waiting for the GIL (ffi_gil_wait_ms), {} converting (ffi_conversion_ms: CPython's object API under the \
         extension, or a native thread working while it holds a Python thread state; py-spy hides most CPython frames, \
         so conversion under a Python call counts as a call), {} in the extension's own code under a Python call \
         (ffi_call_ms); {} samples of Python called back from an extension or parked threads are not FFI. C extensions \
         with debug info (uvloop's loop.c) look like CPython's own C frames and are not counted. --native sampling \
         itself slows the server (up to 50 % on spikard-python)",
        native.secs,
        requests,
        1000.0 / RATE / requests,
        ffi.gil_wait,
        ffi.conversion,
        ffi.call,
        ffi.excluded
    ));
}

#[cfg(test)]
mod tests {
    use super::super::sampler::Recorded;
    use super::*;

    fn extra(gil: &str, native: &str) -> Extra {
        let rec = |raw: &str| {
            Some(Recorded { raw: raw.to_string(), started: std::time::Instant::now(), secs: 1.0 })
        };
        Extra { gil: rec(gil), native: rec(native), errors: Vec::new() }
    }

    #[test]
    fn gil_and_ffi_figures_are_per_request_and_add_up() {
        let e = extra(
            "f (app.py:1) 50\n",
            "thread (1): main;f (app.py:1);validate (_x.so) 4\n\
             thread (1): main;f (app.py:1);validate (_x.so);unicode_new (libpython3.11.so.1.0) 1\n\
             thread (3);poll (_x.so);pthread_cond_timedwait (libc.so.6) 5\n\
             thread (1): main;f (app.py:1) 95\n",
        );
        let ext = Extensions { condvar_free: HashSet::from(["_x.so".to_string()]), ..Default::default() };
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        // 100 ticks, 1 s at 100 Hz, 1000 requests: one sample is 0.01 ms per request.
        gil_and_ffi_figures(&e, &ext, 1000.0, &mut py, &mut notes);
        let ms = |v: Option<f64>| (v.unwrap() * 1e6).round() / 1e6;
        assert_eq!(ms(py.ffi_overhead_ms), 0.1);
        assert_eq!(
            (ms(py.ffi_gil_wait_ms), ms(py.ffi_conversion_ms), ms(py.ffi_call_ms)),
            (0.05, 0.01, 0.04)
        );
        // W = 5, H = 100·50/100 = 50: 100·5/55.
        assert!((py.gil_contention_percent.unwrap() - 9.090_909).abs() < 1e-5);
        // 50 GIL samples in 1 s at 100 Hz: held at half the ticks.
        assert_eq!(py.gil_held_percent, Some(50.0));
        assert!(notes.iter().any(|n| n.contains("ffi_overhead_ms is an upper bound")), "{notes:?}");
    }

    #[test]
    fn main_figures_are_shares_of_the_sampled_cpu_time_per_request() {
        let rec = Recording::parse(
            "<module> (server.py:1);run (uvicorn/server.py:1);handler (server.py:20) 30\n\
             <module> (server.py:1);run (uvicorn/server.py:1);render (starlette/responses.py:180) 10\n\
             <module> (server.py:1);run (uvicorn/server.py:1) 60\n",
        );
        let app: HashSet<String> = ["server.py".to_string()].into();
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        // 100 samples at 100 Hz = 1000 ms over 500 requests.
        main_figures(&rec, 1.0, 500.0, &app, &mut py, &mut notes);
        assert_eq!(
            (py.sampled_cpu_ms, py.handler_time_ms, py.serialization_time_ms),
            (Some(2.0), Some(0.6), Some(0.2))
        );
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        main_figures(&rec, 1.0, 0.0, &app, &mut py, &mut notes);
        assert_eq!(py, PythonMetrics::default());
        assert!(notes.iter().any(|n| n.contains("handler_time_ms") && n.contains("no requests completed")));
    }

    #[test]
    fn no_extension_samples_is_zero_and_a_missing_window_is_null_with_a_reason() {
        let e = extra("f (app.py:1) 50\n", "thread (1): main;f (app.py:1) 100\n");
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        gil_and_ffi_figures(&e, &Extensions::default(), 1000.0, &mut py, &mut notes);
        assert_eq!(
            (py.ffi_overhead_ms, py.ffi_call_ms, py.gil_contention_percent),
            (Some(0.0), Some(0.0), Some(0.0))
        );
        let (mut py, mut notes) = (PythonMetrics::default(), Vec::new());
        gil_and_ffi_figures(&Extra::default(), &Extensions::default(), 1000.0, &mut py, &mut notes);
        assert_eq!(py, PythonMetrics::default());
        assert!(notes.iter().any(|n| n.contains("ffi_conversion_ms") && n.contains("did not both complete")));
    }
}
