#!/usr/bin/env bash
# Compares the built-in HTTP/2 load generator (`run --url … --http2`) with h2load (Debian
# nghttp2-client) on the same h2c server (examples/h2_server.rs, one thread), GET /plaintext.
#
# ROUNDS rounds; in each round both generators run one after the other (the order alternates
# per round), each for DURATION seconds with CONNECTIONS connections × STREAMS concurrent
# streams (h2load -t 1; ours uses its default thread count, half of the usable CPUs: 1 on a
# 2-CPU machine, so the two are even there). Nothing is pinned. Printed: req/s of each round
# for both, the per-round ratio ours/h2load, its median, and its geometric mean with a 95 %
# CI (scripts/lib/ratio.py; goal ≥ 1.0). A round with errors on either side aborts the
# script: its figures would not count.
#
# Works from a clean checkout: installs nghttp2-client with apt-get when h2load is missing and
# builds the harness and the server in release mode. Not part of the test suite. Figures are
# only meaningful on a quiet machine: the load average is printed before and after.
#
# Environment: CONNECTIONS (2), STREAMS (10), DURATION (5), ROUNDS (3)
set -euo pipefail

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v h2load >/dev/null; then
    echo "installing h2load (Debian nghttp2-client)..." >&2
    as_root apt-get install -y nghttp2-client >&2 \
        || { as_root apt-get update >&2 && as_root apt-get install -y nghttp2-client >&2; }
fi
command -v python3 >/dev/null || { echo "bench-h2.sh needs python3" >&2; exit 2; }
cargo build --release --bin benchmark-harness --example h2_server >&2

exec python3 - "$TARGET_DIR/release/benchmark-harness" "$TARGET_DIR/release/examples/h2_server" <<'PY'
import json, os, re, subprocess, sys

sys.path.insert(0, "scripts/lib")
from ratio import alternate

harness, server_bin = sys.argv[1:3]
env = os.environ
conns, streams = int(env.get("CONNECTIONS", 2)), int(env.get("STREAMS", 10))
secs, rounds = int(env.get("DURATION", 5)), int(env.get("ROUNDS", 3))

def loadavg():
    return open("/proc/loadavg").read().split()[0]

server = subprocess.Popen([server_bin, "0"], stdout=subprocess.PIPE, text=True)
try:
    addr = server.stdout.readline().split()[-1]
    url = f"http://{addr}"

    def h2load():
        cmd = ["h2load", "-t", "1", "-c", str(conns), "-m", str(streams), "-D", str(secs), url + "/plaintext"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        m = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
        if not m or int(m.group(4)) or int(m.group(5)):
            raise SystemExit(f"h2load had failures, its figures do not count:\n{out}")
        return float(re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out).group(1))

    def ours():
        cmd = [harness, "--quiet", "run", "--url", url, "--suite", "baseline", "--workload", "plaintext",
               "--http2", "--streams", str(streams), "--concurrency", str(conns), "--duration", str(secs),
               "--warmup", "0", "--format", "json"]
        r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        w = r["suites"][0]["workloads"][0]
        t = w["results"]["throughput"]
        if w["status"] != "ok" or t["failed_requests"]:
            raise SystemExit(f"ours: status {w['status']}, {t['failed_requests']} failed; figures do not count")
        return t["requests_per_sec"], w["results"]["load"].get("generator_cpu_percent")

    print(f"bench-h2: {conns} connections × {streams} streams, {secs} s per run, {rounds} rounds, "
          f"GET /plaintext on examples/h2_server (one thread)")
    print(f"  h2load: {subprocess.run(['h2load', '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"ours: {subprocess.run([harness, '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"  machine: {os.cpu_count()} CPUs, load average (1 min) at start {loadavg()}")
    alternate(rounds, ours, h2load, "h2load", "req/s")
    print(f"load average (1 min) at end {loadavg()}")
finally:
    server.terminate()
    server.wait()
PY
