# benchmark-harness GC counters, loaded through PYTHONPATH in profile mode only.
# SIGUSR1 resets the counters, SIGUSR2 writes them to $BH_PY_PROFILE_DIR/gc-<pid>.json.
# Both are taken by a small thread blocked in sigwait, so they work whatever the main
# thread does (an event loop in C or Rust). SIGTERM writes the file, then chains to the
# previous handler: Uvicorn re-raises SIGTERM after shutdown, so atexit alone loses it.
import gc
import json
import os
import signal
import threading
import time

_DIR = os.environ.get("BH_PY_PROFILE_DIR")
_state = {"gen": [0, 0, 0], "total": 0.0, "max": 0.0, "t0": None}


def _gc_callback(phase, info):
    if phase == "start":
        _state["t0"] = time.perf_counter()
        return
    t0 = _state["t0"]
    if t0 is None:
        return
    _state["t0"] = None
    pause = time.perf_counter() - t0
    gen = info.get("generation", 0)
    if 0 <= gen < 3:
        _state["gen"][gen] += 1
    _state["total"] += pause
    if pause > _state["max"]:
        _state["max"] = pause


def _reset():
    _state["gen"] = [0, 0, 0]
    _state["total"] = 0.0
    _state["max"] = 0.0


def _dump():
    path = os.path.join(_DIR, "gc-%d.json" % os.getpid())
    data = {
        "pid": os.getpid(),
        "collections": list(_state["gen"]),
        "total_ms": _state["total"] * 1000.0,
        "max_ms": _state["max"] * 1000.0,
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _waiter():
    while True:
        sig = signal.sigwait({signal.SIGUSR1, signal.SIGUSR2})
        try:
            if sig == signal.SIGUSR1:
                _reset()
            else:
                _dump()
        except Exception:
            pass


def _start_waiter():
    threading.Thread(target=_waiter, name="bh-gc-counters", daemon=True).start()
    # The harness signals only processes that left this mark (SIGUSR1 would kill others).
    with open(os.path.join(_DIR, "ready-%d" % os.getpid()), "w") as f:
        f.write("ok")


def _install_sigterm():
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        try:
            _dump()
        except Exception:
            pass
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_IGN:
            return
        else:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_term)


def _install():
    if not _DIR or threading.current_thread() is not threading.main_thread():
        return
    gc.callbacks.append(_gc_callback)
    # Block the two signals in this thread before any other starts: every later thread
    # (Rust runtimes included) inherits the mask, so only the waiter receives them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGUSR2})
    _install_sigterm()
    os.register_at_fork(after_in_child=_start_waiter)
    _start_waiter()


try:
    _install()
except Exception:
    pass
