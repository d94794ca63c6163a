#!/usr/bin/env bash
# Compares the built-in load generator with wrk and oha against apps/axum-baseline (axum on
# hyper), unpinned and pinned, on two workloads: plaintext (GET /plaintext) and a JSON echo
# with a 1.5 KiB body (POST /json/medium, suites/fixtures/json-medium.json).
#
# For each mode and workload, ROUNDS rounds; in each round the three generators run one after
# another (the order rotates per round), each for DURATION seconds with CONNECTIONS
# connections against the same server. Printed per tool: req/s of each round and the median,
# the generator's CPU time per request (utime + stime of the generator's process, read from
# /proc/PID/stat when it has exited and before it is reaped, so every thread is counted; the
# same for wrk, oha and ours), the share of the machine's CPU time that neither the generator
# nor the server used while it ran (other processes: the figures are only fair when this is
# near 0), and the per-round ratios ours/wrk and ours/oha with their median, their geometric
# mean and its 95 % t-interval (on the logarithms; rounds are the pairs), which says whether the
# goal ratio >= 1.0 is met (interval above 1), within the noise (contains 1) or missed (below 1).
#
# Modes: `unpinned` (nothing pinned: what a user gets with --url and with --no-pin) and
# `pinned` (server on SERVER_CPUS, the generator on CLIENT_CPUS: wrk -t and ours'
# --loadgen-cpus follow CLIENT_CPUS). Ours is the real CLI: `benchmark-harness run --url`.
#
# Works from a clean checkout: installs wrk (Debian) and oha (crates.io, pinned version, into
# ~/.cache/benchmark-harness/tools/oha) when missing, builds the harness in release mode and
# sets up axum-baseline. Not part of the test suite. Figures are only meaningful on a quiet
# machine: the script prints the load average before and after.
#
# Environment: CONNECTIONS (50), DURATION (5), ROUNDS (3), WORKERS (1, the server's threads),
# SERVER_CPUS (0), CLIENT_CPUS (1), MODES ("unpinned pinned"), WORKLOADS ("plaintext json"),
# OHA_VERSION (1.16.0), PORT (a free one)
set -euo pipefail

cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-1}
SERVER_CPUS=${SERVER_CPUS:-0}
CLIENT_CPUS=${CLIENT_CPUS:-1}
MODES=${MODES:-unpinned pinned}
WORKLOADS=${WORKLOADS:-plaintext json}
OHA_VERSION=${OHA_VERSION:-1.16.0}
CACHE=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian)..." >&2
    as_root apt-get install -y wrk >&2 || { as_root apt-get update >&2 && as_root apt-get install -y wrk >&2; }
fi
OHA="$CACHE/tools/oha/bin/oha"
if ! [ -x "$OHA" ] || ! "$OHA" --version 2>/dev/null | grep -q "$OHA_VERSION"; then
    echo "installing oha $OHA_VERSION into $CACHE/tools/oha (cargo install; takes a few minutes)..." >&2
    cargo install oha --version "$OHA_VERSION" --locked --root "$CACHE/tools/oha" >&2
fi
for tool in taskset python3; do
    command -v "$tool" >/dev/null || { echo "bench-loadgen.sh needs $tool" >&2; exit 2; }
done

cargo build --release --bin benchmark-harness >&2
HARNESS="$TARGET_DIR/release/benchmark-harness"
"$HARNESS" apps setup axum-baseline >&2
SERVER_BIN="$CACHE/cargo-target/release/axum-baseline"
[ -x "$SERVER_BIN" ] || { echo "axum-baseline was not built at $SERVER_BIN" >&2; exit 1; }

exec python3 - "$HARNESS" "$OHA" "$SERVER_BIN" <<'PY'
"""The measuring part: one process per run, its CPU time read at exit from /proc/PID/stat."""
import json, os, re, shlex, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, "scripts/lib")
from ratio import ratio_interval

harness, oha, server_bin = sys.argv[1:4]
env = os.environ
conns, secs, rounds = int(env.get("CONNECTIONS", 50)), int(env.get("DURATION", 5)), int(env.get("ROUNDS", 3))
workers = env.get("WORKERS", "1")
server_cpus, client_cpus = env.get("SERVER_CPUS", "0"), env.get("CLIENT_CPUS", "1")
modes = env.get("MODES", "unpinned pinned").split()
workloads = env.get("WORKLOADS", "plaintext json").split()
tck = os.sysconf("SC_CLK_TCK")
body_file = os.path.abspath("suites/fixtures/json-medium.json")
body = open(body_file, "rb").read()

def cpu_count(cpus):
    n = 0
    for part in cpus.split(","):
        a, _, b = part.partition("-")
        n += int(b or a) - int(a) + 1
    return n

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def proc_ticks(pid):
    """utime + stime of a process (all its threads), in clock ticks."""
    stat = open(f"/proc/{pid}/stat").read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])

def system_ticks():
    """(busy, total) ticks of all CPUs from /proc/stat (busy: user nice system irq softirq steal)."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy, busy + v[3] + v[4]

SERVER_PID = None


def run_measured(cmd):
    """Run cmd; return (stdout, cpu seconds of the process and all its threads, percent of
    the machine's CPU time that neither it nor the server used meanwhile)."""
    sys_before, server_before = system_ticks(), proc_ticks(SERVER_PID)
    out = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
    # Wait for the exit without reaping, so /proc/PID/stat still holds the final times.
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    ticks = proc_ticks(p.pid)
    cpu = ticks / tck
    (busy0, total0), (busy1, total1) = sys_before, system_ticks()
    server_ticks = proc_ticks(SERVER_PID) - server_before
    others = max(0, busy1 - busy0 - ticks - server_ticks) / max(1, total1 - total0) * 100
    p.wait()
    err = p.stderr.read().decode(errors="replace")
    out.seek(0)
    text = out.read().decode(errors="replace")
    if p.returncode != 0:
        raise SystemExit(f"{shlex.join(cmd)} failed ({p.returncode}):\n{err}\n{text}")
    return text, cpu, others

def wrk(url, workload, pin, lua):
    threads = cpu_count(client_cpus) if pin else 1
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{secs}s"]
    if workload == "json":
        cmd += ["-s", lua]
    cmd.append(url + ("/json/medium" if workload == "json" else "/plaintext"))
    if pin:
        cmd = ["taskset", "-c", client_cpus] + cmd
    text, cpu, others = run_measured(cmd)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad or "Socket errors" in text:
        raise SystemExit(f"wrk got errors, its figures do not count:\n{text}")
    total = int(re.search(r"(\d+) requests in", text).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return rps, total, cpu, others

def oha_run(url, workload, pin):
    cmd = [oha, "--no-tui", "--output-format", "json", "-c", str(conns), "-z", f"{secs}s"]
    if workload == "json":
        cmd += ["-m", "POST", "-T", "application/json", "-D", body_file, url + "/json/medium"]
    else:
        cmd.append(url + "/plaintext")
    if pin:
        cmd = ["taskset", "-c", client_cpus] + cmd
    text, cpu, others = run_measured(cmd)
    r = json.loads(text)
    codes = r.get("statusCodeDistribution", {})
    if any(code != "200" for code in codes):
        raise SystemExit(f"oha got answers other than 200 ({codes}), its figures do not count")
    rps = r["summary"]["requestsPerSec"]
    total = sum(r.get("statusCodeDistribution", {}).values()) + sum(r.get("errorDistribution", {}).values())
    return rps, total, cpu, others

def ours(url, workload, pin):
    suite, name = ("json-bodies", "json-medium") if workload == "json" else ("baseline", "plaintext")
    cmd = [harness, "--quiet", "run", "--url", url, "--suite", suite, "--workload", name,
           "--concurrency", str(conns), "--duration", str(secs), "--warmup", "0", "--format", "json"]
    if pin:
        cmd = ["taskset", "-c", client_cpus] + cmd + ["--loadgen-cpus", client_cpus]
    text, cpu, others = run_measured(cmd)
    r = json.loads(text)
    w = r["suites"][0]["workloads"][0]
    t = w["results"]["throughput"]
    if w["status"] != "ok" or t["failed_requests"]:
        raise SystemExit(f"ours: status {w['status']}, {t['failed_requests']} failed requests; figures do not count")
    return t["requests_per_sec"], t["total_requests"], cpu, others

def loadavg():
    return open("/proc/loadavg").read().split()[0]

lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
lua.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
lua.write(f'local f = assert(io.open("{body_file}", "rb"))\nwrk.body = f:read("*a")\nf:close()\n')
lua.close()

def version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except Exception as e:
        return f"unknown ({e})"

print(f"bench-loadgen: {conns} connections, {secs} s per run, {rounds} rounds, server axum-baseline "
      f"--workers {workers}; pinned = server on CPU {server_cpus}, generator on CPU {client_cpus}")
print(f"  wrk: {version(['wrk', '-v'])}; oha: {version([oha, '--version'])}; "
      f"ours: {version([harness, '--version'])}")
print(f"  machine: {os.cpu_count()} CPUs, load average (1 min) at start {loadavg()}")
print()
tools = [("wrk", None), ("oha", None), ("ours", None)]
header = (f"{'mode':<9} {'workload':<10} {'tool':<5} {'req/s per round':<32} {'median':>9} "
          f"{'CPU µs/req':>11} {'others %':>9}")
print(header)
print("-" * len(header))
for mode in modes:
    pin = mode == "pinned"
    for workload in workloads:
        port = free_port()
        cmd = [server_bin, "--port", str(port), "--workers", workers]
        if pin:
            cmd = ["taskset", "-c", server_cpus] + cmd
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        SERVER_PID = server.pid
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close(); break
                except OSError:
                    time.sleep(0.1)
            res = {name: [] for name, _ in tools}
            order = [name for name, _ in tools]
            for r in range(rounds):
                k = r % len(order)
                for name in order[k:] + order[:k]:
                    if name == "wrk":
                        res[name].append(wrk(url, workload, pin, lua.name))
                    elif name == "oha":
                        res[name].append(oha_run(url, workload, pin))
                    else:
                        res[name].append(ours(url, workload, pin))
        finally:
            server.terminate(); server.wait()
        for name in order:
            rps = [x[0] for x in res[name]]
            cpu_us = [x[2] / x[1] * 1e6 if x[1] else float("nan") for x in res[name]]
            per = " ".join(f"{v:9.0f}" for v in rps)
            others = statistics.median(x[3] for x in res[name])
            print(f"{mode:<9} {workload:<10} {name:<5} {per:<32} {statistics.median(rps):9.0f} "
                  f"{statistics.median(cpu_us):11.2f} {others:9.0f}")
        for other in ("wrk", "oha"):
            ratios = [o[0] / w[0] for o, w in zip(res["ours"], res[other])]
            cpu = [(o[2] / o[1]) / (w[2] / w[1]) for o, w in zip(res["ours"], res[other]) if o[1] and w[1] and w[2]]
            cpu_words = f"{statistics.median(cpu):.3f}× {other}'s" if cpu else "n/a"
            print(f"{mode:<9} {workload:<10} ours/{other}: req/s {' '.join(f'{x:.3f}' for x in ratios)} "
                  f"(median {statistics.median(ratios):.3f}{ratio_interval(ratios)}); CPU per request {cpu_words}")
        print()
os.unlink(lua.name)
print(f"load average (1 min) at end {loadavg()}")
PY
