#!/usr/bin/env bash
# A sharded run beside a single-process run (issue 13, "load past one machine"), on loopback:
# one axum-baseline server (--workers 1), then ROUNDS rounds, each of
#   single   one `run --url … --concurrency CONNECTIONS`
#   sharded  SHARDS `run --url … --segment i/SHARDS:(i+1)/SHARDS --segment-sequence 0,…,1
#            --start-at T` processes at once (the same total connections), then `merge`
# (the order alternates per round). Printed per round and as medians: total requests, req/s,
# p50 and p99 of both, and the ratios sharded/single. On one machine the shards share its CPUs
# with each other and the server, so the figures show that the merge is exact and the shards
# add up to the same load, not that sharding adds capacity (that needs other hosts).
#
# Works from a clean checkout (builds the harness and the app). Not part of the test suite;
# figures are only meaningful on a quiet machine (the load average is printed).
#
# Environment: SHARDS (4), CONNECTIONS (64), DURATION (5), WARMUP (1), ROUNDS (3),
# WORKLOAD (json-small, from the built-in suite json-bodies), OUT (a temporary directory)
set -euo pipefail

cd "$(dirname "$0")/.."
SHARDS=${SHARDS:-4}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
WORKLOAD=${WORKLOAD:-json-small}
OUT=${OUT:-$(mktemp -d)}
CACHE=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

cargo build --release --bin benchmark-harness >&2
HARNESS="$TARGET_DIR/release/benchmark-harness"
"$HARNESS" apps setup axum-baseline >&2
SERVER_BIN="$CACHE/cargo-target/release/axum-baseline"
[ -x "$SERVER_BIN" ] || { echo "axum-baseline was not built at $SERVER_BIN" >&2; exit 1; }
mkdir -p "$OUT"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SERVER_BIN" --port "$PORT" --workers 1 >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

COMMON=(--quiet run --url "$URL" --workload "$WORKLOAD" --concurrency "$CONNECTIONS"
    --duration "$DURATION" --warmup "$WARMUP")
SEQUENCE=0
for i in $(seq 1 "$SHARDS"); do SEQUENCE="$SEQUENCE,$i/$SHARDS"; done

single() { "$HARNESS" "${COMMON[@]}" --output "$OUT/single-$1.json"; }
sharded() {
    local at=$(( $(date +%s) + 2 )) pids=() files=()
    for i in $(seq 0 $((SHARDS - 1))); do
        "$HARNESS" "${COMMON[@]}" --segment "$i/$SHARDS:$((i + 1))/$SHARDS" \
            --segment-sequence "$SEQUENCE" --start-at "$at" --output "$OUT/shard-$1-$i.json" &
        pids+=($!)
        files+=("$OUT/shard-$1-$i.json")
    done
    for p in "${pids[@]}"; do wait "$p"; done
    "$HARNESS" --quiet merge "${files[@]}" --output "$OUT/merged-$1.json"
}

echo "bench-shards: $SHARDS shards vs 1 process, $CONNECTIONS connections in total, workload" \
    "$WORKLOAD, ${DURATION} s (+${WARMUP} s warm-up), $ROUNDS rounds, server axum-baseline --workers 1;" \
    "load average (1 min) at start $(cut -d' ' -f1 /proc/loadavg); files in $OUT"
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then single "$r"; sharded "$r"; else sharded "$r"; single "$r"; fi
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys

out, rounds = sys.argv[1], int(sys.argv[2])

def figures(path):
    w = json.load(open(path))["suites"][0]["workloads"][0]["results"]
    t, l, load = w["throughput"], w["latency"], w["load"]
    return (t["total_requests"], t["requests_per_sec"], l["median_ms"], l["p99_ms"], load["connections"])

header = f"{'round':<6} {'run':<8} {'requests':>10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'conns':>6}"
print(header)
print("-" * len(header))
ratios = {"req/s": [], "p50": [], "p99": []}
for r in range(1, rounds + 1):
    s, m = figures(f"{out}/single-{r}.json"), figures(f"{out}/merged-{r}.json")
    for name, f in (("single", s), ("sharded", m)):
        print(f"{r:<6} {name:<8} {f[0]:>10} {f[1]:>10.0f} {f[2]:>8.3f} {f[3]:>8.3f} {f[4]:>6}")
    ratios["req/s"].append(m[1] / s[1])
    ratios["p50"].append(m[2] / s[2])
    ratios["p99"].append(m[3] / s[3])
print()
for k, v in ratios.items():
    print(f"sharded/single {k:<6} per round {' '.join(f'{x:.3f}' for x in v)}  median {statistics.median(v):.3f}")
PY
echo "load average (1 min) at the end $(cut -d' ' -f1 /proc/loadavg)"
