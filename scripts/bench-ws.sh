#!/usr/bin/env bash
# Compares the built-in WebSocket load generator (`run --url … --suite streaming --workload
# ws-echo`) with a reference client (examples/ws_client_ref.rs, tokio-tungstenite) on the same
# echo server (examples/ws_server.rs, tokio-tungstenite, one thread).
#
# ROUNDS rounds; in each round both clients run one after the other (the order alternates per
# round), each for DURATION seconds with CONNECTIONS connections × 1 outstanding text message
# of BYTES bytes (each carries its sequence number and its echo is compared, on both sides).
# Both use half of the usable CPUs for their event loops (1 on a 2-CPU machine). Nothing is
# pinned. Printed: messages/s of each round for both, the per-round ratio ours/reference, its
# median, and its geometric mean with a 95 % CI (scripts/lib/ratio.py; goal ≥ 1.0). A round
# with errors on either side aborts the script: its figures would not count. Ours verifies the
# server's echo before measuring (a few messages, not timed).
#
# Works from a clean checkout (cargo builds everything; tokio-tungstenite is a dev-dependency).
# Not part of the test suite. Figures are only meaningful on a quiet machine and a release
# build: the load average is printed before and after.
#
# Environment: CONNECTIONS (50), BYTES (128), DURATION (5), ROUNDS (3), PROFILE (release; `dev`
# builds unoptimised binaries, whose figures say little about speed)
set -euo pipefail

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PROFILE=${PROFILE:-release}
case "$PROFILE" in
    release) FLAGS=(--release); DIR=release ;;
    dev | debug) FLAGS=(); DIR=debug ;;
    *) echo "bench-ws.sh: PROFILE must be release or dev, not '$PROFILE'" >&2; exit 2 ;;
esac
command -v python3 >/dev/null || { echo "bench-ws.sh needs python3" >&2; exit 2; }
cargo build "${FLAGS[@]}" --bin benchmark-harness --example ws_server --example ws_client_ref >&2

exec python3 - "$TARGET_DIR/$DIR" "$PROFILE" <<'PY'
import json, os, re, subprocess, sys

sys.path.insert(0, "scripts/lib")
from ratio import alternate

bin_dir, profile = sys.argv[1:3]
harness = os.path.join(bin_dir, "benchmark-harness")
server_bin = os.path.join(bin_dir, "examples", "ws_server")
client_bin = os.path.join(bin_dir, "examples", "ws_client_ref")
env = os.environ
conns, size = int(env.get("CONNECTIONS", 50)), int(env.get("BYTES", 128))
secs, rounds = int(env.get("DURATION", 5)), int(env.get("ROUNDS", 3))

def loadavg():
    return open("/proc/loadavg").read().split()[0]

server = subprocess.Popen([server_bin, "0"], stdout=subprocess.PIPE, text=True)
try:
    addr = server.stdout.readline().split()[-1]

    def reference():
        cmd = [client_bin, f"ws://{addr}/stream/ws", str(conns), str(size), str(secs)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        m = re.search(r"messages (\d+) errors (\d+) msgs_per_sec ([\d.]+)", out)
        if not m or int(m.group(2)):
            raise SystemExit(f"the reference client had errors, its figures do not count:\n{out}")
        return float(m.group(3))

    def ours():
        cmd = [harness, "--quiet", "run", "--url", f"http://{addr}", "--suite", "streaming", "--workload",
               "ws-echo", "--concurrency", str(conns), "--duration", str(secs), "--warmup", "0",
               "--format", "json"]
        if size != 128:
            raise SystemExit("BYTES other than 128 needs a suite file with [workloads.websocket] message_bytes")
        r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        w = r["suites"][0]["workloads"][0]
        t = w["results"]["throughput"] if w["results"] else None
        if w["status"] != "ok" or not t or t["failed_requests"]:
            raise SystemExit(f"ours: status {w['status']} ({w['reason']}); figures do not count")
        return t["requests_per_sec"], w["results"]["load"].get("generator_cpu_percent")

    print(f"bench-ws: {conns} connections × 1 outstanding {size}-byte text message, {secs} s per run, "
          f"{rounds} rounds, echo on examples/ws_server (tokio-tungstenite, one thread); {profile} build")
    print(f"  ours: {subprocess.run([harness, '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"reference: examples/ws_client_ref (tokio-tungstenite 0.29)")
    print(f"  machine: {os.cpu_count()} CPUs, load average (1 min) at start {loadavg()}")
    alternate(rounds, ours, reference, "reference", "msgs/s")
    print(f"load average (1 min) at end {loadavg()}")
finally:
    server.terminate()
    server.wait()
PY
