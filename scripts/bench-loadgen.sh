#!/usr/bin/env bash
# Compares the load generator's throughput with wrk against a tiny hello-world
# server: server pinned to CPU 0, client (wrk or ours) pinned to CPU 1, three
# alternating rounds each. Prints each figure and the mean ratio ours/wrk.
#
# Ours is the real CLI: `benchmark-harness run --url URL --suite baseline
# --workload plaintext` (the hello server answers "Hello, World!" everywhere).
# Environment: CONNECTIONS (50), DURATION (5), ROUNDS (3), PORT (a free one)
set -euo pipefail

cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
URL="http://127.0.0.1:${PORT}/"
TARGET_DIR=${CARGO_TARGET_DIR:-target}

if ! command -v wrk >/dev/null; then
    echo "installing wrk..." >&2
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk >&2; else sudo apt-get install -y wrk >&2; fi
fi

cargo build --release --bins --examples >&2
HARNESS="$TARGET_DIR/release/benchmark-harness"

taskset -c 0 "$TARGET_DIR/release/examples/hello_server" "$PORT" >/dev/null &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

wrk_rps() {
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL" | awk '/^Requests\/sec:/ {print $2}'
}
ours_rps() {
    taskset -c 1 "$HARNESS" run --url "http://127.0.0.1:${PORT}" --suite baseline --workload plaintext \
        --concurrency "$CONNECTIONS" --duration "$DURATION" --warmup 0 --loadgen-cpus 1 --format json --quiet \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["suites"][0]["workloads"][0]["results"]["throughput"]["requests_per_sec"])'
}

ratios=()
for round in $(seq "$ROUNDS"); do
    w=$(wrk_rps)
    o=$(ours_rps)
    r=$(awk -v o="$o" -v w="$w" 'BEGIN { printf "%.3f", o / w }')
    ratios+=("$r")
    printf 'round %d: wrk %10.0f req/s   ours %10.0f req/s   ratio %s\n' "$round" "$w" "$o" "$r"
done
printf '%s\n' "${ratios[@]}" | awk '{ s += $1 } END { printf "mean ratio ours/wrk: %.3f\n", s / NR }'
