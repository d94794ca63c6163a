#!/usr/bin/env bash
# What the counting allocator costs: `benchmark-harness run` on axum-baseline's normal build
# and on its [profile] build (cargo feature alloc-stats, apps/alloc-counter), alternating,
# ROUNDS rounds each. Prints each figure, the mean requests/s of both and the ratio
# alloc-stats ÷ normal (1.00: no cost).
#
# The alloc-stats build runs through a temporary app folder whose [start] command is the
# [profile] command of apps/axum-baseline/benchmark.toml. The helper thread is not started
# (no BENCHMARK_HARNESS_RUST_CONTROL): only the counting itself is measured.
# Environment: SUITE (baseline), WORKLOAD (plaintext,json-hello), DURATION (5), WARMUP (2),
# CONCURRENCY (50), ROUNDS (3), SERVER_CPUS and LOADGEN_CPUS (e.g. 0 and 1: pin server and
# load generator apart; default: no pinning), HARNESS (the harness binary; default: a release
# build).
set -euo pipefail

cd "$(dirname "$0")/.."
SUITE=${SUITE:-baseline}
WORKLOAD=${WORKLOAD:-plaintext,json-hello}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-50}
ROUNDS=${ROUNDS:-3}
PIN=()
[ -n "${SERVER_CPUS:-}" ] && PIN+=(--server-cpus "$SERVER_CPUS")
[ -n "${LOADGEN_CPUS:-}" ] && PIN+=(--loadgen-cpus "$LOADGEN_CPUS")
CACHE=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
if [ -z "${HARNESS:-}" ]; then
    cargo build --release --locked --bins >&2
    HARNESS="${CARGO_TARGET_DIR:-target}/release/benchmark-harness"
fi

# Both builds, as the manifest's [setup] and [profile] setup make them.
"$HARNESS" apps setup axum-baseline >&2
(cd apps/axum-baseline && CARGO_TARGET_DIR="$CACHE/cargo-target-alloc" \
    cargo build --release --locked -p axum-baseline --features alloc-stats >&2)

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/axum-baseline-alloc"
cat > "$TMP/axum-baseline-alloc/benchmark.toml" <<TOML
[app]
name = "axum-baseline-alloc"
language = "rust"
framework = "axum"
description = "axum-baseline built with the counting allocator (cargo feature alloc-stats)"

[start]
command = "exec $CACHE/cargo-target-alloc/release/axum-baseline --port {port} --workers {workers}"
health = "/health"
TOML

rps() { # app-dir → mean requests/s over the selected workloads
    "$HARNESS" run --app-dir "$1" --suite "$SUITE" --workload "$WORKLOAD" --duration "$DURATION" \
        --warmup "$WARMUP" --concurrency "$CONCURRENCY" ${PIN[@]+"${PIN[@]}"} --format json --quiet \
        | python3 -c 'import json, sys
r = json.load(sys.stdin)
w = [w["results"]["throughput"]["requests_per_sec"] for s in r["suites"] for w in s["workloads"] if w.get("results")]
print(f"{sum(w) / len(w):.0f}")'
}

normal=(); counted=()
for round in $(seq "$ROUNDS"); do
    n=$(rps apps/axum-baseline); c=$(rps "$TMP/axum-baseline-alloc")
    echo "round $round: normal $n req/s, alloc-stats $c req/s" >&2
    normal+=("$n"); counted+=("$c")
done
python3 - "${normal[*]}" "${counted[*]}" <<'PY'
import sys
n = [float(x) for x in sys.argv[1].split()]
c = [float(x) for x in sys.argv[2].split()]
mn, mc = sum(n) / len(n), sum(c) / len(c)
print(f"normal build:      {mn:.0f} req/s (rounds: {', '.join(f'{x:.0f}' for x in n)})")
print(f"alloc-stats build: {mc:.0f} req/s (rounds: {', '.join(f'{x:.0f}' for x in c)})")
print(f"ratio alloc-stats / normal: {mc / mn:.3f}")
PY
