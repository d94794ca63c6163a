#!/usr/bin/env bash
# What profiling costs, per language: for each app, `run` and `profile` on one workload,
# alternating (run first in odd rounds, profile first in even ones), ROUNDS rounds each. Prints
# per round and as medians: the req/s of `run` (no profiler), of profile's measurement window
# (in-process counters only, and the app's [profile] build where it has one, e.g. the counting
# allocator) and of profile's profiling window (the sampler attached), with the ratios of the
# two profile figures to `run`. 1.00 means no cost. Used for the overhead table of
# docs/profilers.md; not part of the tests.
#
#   ./scripts/bench-profiler-overhead.sh [APP ...]   (default: axum-baseline fastapi fastify rack-puma)
# Environment: SUITE (baseline), WORKLOAD (json-hello), DURATION (3), WARMUP (1), CONCURRENCY (50),
#   ROUNDS (3), OUT (results/profiler-overhead), HARNESS (the harness binary; default: a release
#   build), EXTRA (more profile flags, e.g. "--normal-build" or "--node-sampler prof").
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${SUITE:-baseline}
WORKLOAD=${WORKLOAD:-json-hello}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
CONCURRENCY=${CONCURRENCY:-50}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-results/profiler-overhead}
read -r -a extra <<<"${EXTRA:-}"
if [ $# -gt 0 ]; then apps=("$@"); else apps=(axum-baseline fastapi fastify rack-puma); fi
if [ -z "${HARNESS:-}" ]; then
  cargo build --release --locked --quiet --bins >&2
  HARNESS="${CARGO_TARGET_DIR:-target}/release/benchmark-harness"
fi
load=(--suite "$SUITE" --workload "$WORKLOAD" --duration "$DURATION" --warmup "$WARMUP"
  --concurrency "$CONCURRENCY" --quiet)
mkdir -p "$OUT"

run_one() { # app round
  "$HARNESS" run --framework "$1" "${load[@]}" --output "$OUT/$1.run.$2.json" \
    || echo "warning: run of $1 (round $2) failed (exit $?)" >&2
}
profile_one() { # app round
  "$HARNESS" profile --framework "$1" "${load[@]}" --profiler auto --profile-duration "$DURATION" \
    --flamegraph-dir "$OUT/$1.profile.$2" --output "$OUT/$1.profile.$2.json" "${extra[@]}" \
    || echo "warning: profile of $1 (round $2) failed (exit $?)" >&2
}

for app in "${apps[@]}"; do
  "$HARNESS" apps setup "$app" --quiet >&2
  for round in $(seq 1 "$ROUNDS"); do
    echo "$app: round $round of $ROUNDS" >&2
    if [ $((round % 2)) -eq 1 ]; then
      run_one "$app" "$round"; profile_one "$app" "$round"
    else
      profile_one "$app" "$round"; run_one "$app" "$round"
    fi
  done
done

python3 - "$OUT" "$ROUNDS" "$WORKLOAD" "${apps[@]}" <<'PY'
import json, os, statistics, sys
out, rounds, workload, apps = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]

def load(path):
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError):
        return None, None
    for s in r["suites"]:
        for w in s["workloads"]:
            if w["name"] == workload and w.get("results"):
                return r, w["results"]
    return r, None

def fmt(v):
    return f"{v:,.0f}" if v else "null"

def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "null"

print(f"workload {workload}, {rounds} rounds, run and profile alternating")
print(f"{'app':<14} {'profiler':<34} {'round':>5} {'run req/s':>10} {'counters':>10} {'sampler':>10} "
      f"{'counters/run':>12} {'sampler/run':>11} {'others cpu%':>11}")
for app in apps:
    runs, clean, sampled, profiler = [], [], [], "-"
    for i in range(1, rounds + 1):
        rr, m = load(os.path.join(out, f"{app}.run.{i}.json"))
        pr, p = load(os.path.join(out, f"{app}.profile.{i}.json"))
        # The share of the used CPUs that other processes took (mean over windows), worst side.
        busy = [((r or {}).get("metadata", {}).get("machine") or {}).get("other_cpu_percent_mean")
                for r in (rr, pr)]
        busy = max((x for x in busy if x is not None), default=None)
        a = m["throughput"]["requests_per_sec"] if m else None
        b = p["throughput"]["requests_per_sec"] if p else None
        prof = (p or {}).get("profiling") or {}
        c = prof.get("profiled_requests_per_sec")
        profiler = prof.get("profiler", profiler)
        runs += [a] if a else []
        clean += [b] if b else []
        sampled += [c] if c else []
        print(f"{app:<14} {profiler[:34]:<34} {i:>5} {fmt(a):>10} {fmt(b):>10} {fmt(c):>10} "
              f"{ratio(b, a):>12} {ratio(c, a):>11} {'null' if busy is None else str(round(busy)):>11}")
    med = lambda xs: statistics.median(xs) if xs else None
    a, b, c = med(runs), med(clean), med(sampled)
    print(f"{app:<14} {profiler[:34]:<34} {'med':>5} {fmt(a):>10} {fmt(b):>10} {fmt(c):>10} "
          f"{ratio(b, a):>12} {ratio(c, a):>11}")
PY
