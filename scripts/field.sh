#!/usr/bin/env bash
# The main job until `compare` lands: every bundled app (or the ones named) measured on a
# suite one after another with `benchmark-harness run`, then one table of req/s per
# workload and app. Apps are set up automatically (venvs, npm ci, cargo builds).
#
#   ./scripts/field.sh [APP ...]
# Environment: SUITE (all), DURATION (2), WARMUP (1), CONCURRENCY (50), OUT (results/field)
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${SUITE:-all}
DURATION=${DURATION:-2}
WARMUP=${WARMUP:-1}
CONCURRENCY=${CONCURRENCY:-50}
OUT=${OUT:-results/field}
./scripts/install-deps.sh
./scripts/build-rust-apps.sh
cargo build --release --locked --quiet
bh=target/release/benchmark-harness
mkdir -p "$OUT"
if [ $# -gt 0 ]; then apps=("$@"); else mapfile -t apps < <($bh apps list | awk 'NR > 2 { print $1 }'); fi
status=0
for app in "${apps[@]}"; do
  echo "== $app" >&2
  $bh run --framework "$app" --suite "$SUITE" --duration "$DURATION" --warmup "$WARMUP" \
    --concurrency "$CONCURRENCY" --output "$OUT/$app.json" --quiet >/dev/null || status=1
done
python3 - "$OUT" "${apps[@]}" <<'PY'
import json, sys
out, apps = sys.argv[1], sys.argv[2:]
results = {}
for a in apps:
    try:
        results[a] = json.load(open(f"{out}/{a}.json"))
    except (OSError, ValueError):
        results[a] = None
names = []
for r in results.values():
    for w in (r or {}).get("suites", [{}])[0].get("workloads", []):
        if w["name"] not in names:
            names.append(w["name"])
def cell(r, name):
    if r is None:
        return "no result"
    for w in r["suites"][0]["workloads"]:
        if w["name"] == name:
            if w["status"] != "ok":
                return w["status"].upper()
            return f'{w["results"]["throughput"]["requests_per_sec"]:,.0f}'
    return "-"
rows = [["workload"] + apps] + [[n] + [cell(results[a], n) for a in apps] for n in names]
width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for k, r in enumerate(rows):
    print("  ".join(c.ljust(width[i]) if i == 0 else c.rjust(width[i]) for i, c in enumerate(r)))
    if k == 0:
        print("  ".join("-" * w for w in width))
print(f"\nrequests per second, {sys.argv[1]}/<app>.json hold the full results")
PY
exit $status
