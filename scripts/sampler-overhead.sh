#!/usr/bin/env bash
# What each sampler costs: `profile` the named apps (default: one per profiler) with their
# language's profiler, then print, per workload, the clean measurement window's req/s, the
# req/s while the sampler was attached (profiled_requests_per_sec, same run, same server)
# and the ratio profiled ÷ clean. Both windows come from one run side by side, so the ratio
# is the figure to read; single short windows on a shared machine are noisy.
#
#   ./scripts/sampler-overhead.sh [APP ...]     (default: axum-baseline fastapi spikard-python node-http rack-puma)
# Environment: SUITE (baseline), DURATION (3), WARMUP (1), CONCURRENCY (50), OUT (results/overhead),
#              EXTRA (more profile flags, e.g. "--normal-build")
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${SUITE:-baseline}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
CONCURRENCY=${CONCURRENCY:-50}
OUT=${OUT:-results/overhead}
read -r -a extra <<<"${EXTRA:-}"
if [ $# -gt 0 ]; then apps=("$@"); else apps=(axum-baseline fastapi spikard-python node-http rack-puma); fi
cargo build --release --locked --quiet
bh=target/release/benchmark-harness
mkdir -p "$OUT"
for app in "${apps[@]}"; do
  "$bh" profile --framework "$app" --suite "$SUITE" --profiler auto --duration "$DURATION" \
    --warmup "$WARMUP" --profile-duration "$DURATION" --concurrency "$CONCURRENCY" \
    --flamegraph-dir "$OUT/$app" --output "$OUT/$app.json" --quiet "${extra[@]}" \
    || echo "warning: profile of $app failed (exit $?)" >&2
done
python3 - "$OUT" "${apps[@]}" <<'PY'
import json, os, sys
out, apps = sys.argv[1], sys.argv[2:]
print(f"{'app':<16} {'profiler':<28} {'workload':<18} {'clean req/s':>12} {'profiled':>10} {'ratio':>6}")
for app in apps:
    path = os.path.join(out, f"{app}.json")
    if not os.path.exists(path):
        print(f"{app:<16} (no result)")
        continue
    r = json.load(open(path))
    for s in r["suites"]:
        for w in s["workloads"]:
            m = w.get("results") or {}
            p = m.get("profiling") or {}
            clean = (m.get("throughput") or {}).get("requests_per_sec")
            prof = p.get("profiled_requests_per_sec")
            ratio = f"{prof / clean:.2f}" if clean and prof else "null"
            c = f"{clean:,.0f}" if clean else "null"
            q = f"{prof:,.0f}" if prof else "null"
            print(f"{app:<16} {p.get('profiler', '-')[:28]:<28} {w['name']:<18} {c:>12} {q:>10} {ratio:>6}")
PY
