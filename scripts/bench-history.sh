#!/usr/bin/env bash
# Times the history store on 10,000 measurements: 200 run files (commits) × 50 workloads, made
# from tests/fixtures/run.json (its measured workloads copied under new names, req/s varied by ±5 %,
# histograms kept), then `history import` of all 200, the re-import (all duplicates), and
# `history trend` / `history changes` over everything. Prints the wall time of each step.
#
#   ./scripts/bench-history.sh [DB]    (default: a fresh SQLite file in a temp dir; pass a
#                                       postgres://… URL to time PostgreSQL; that store must
#                                       be empty or throwaway)
# Not part of the test suite (timings are never asserted).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bh=$PWD/target/release/benchmark-harness
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${1:-$tmp/history.db}
python3 - "$tmp" <<'PY'
import json, random, sys, copy
out = sys.argv[1]
random.seed(1)
run = json.load(open("tests/fixtures/run.json"))
base = [w for w in run["suites"][0]["workloads"] if w["status"] == "ok"]  # 10,000 points
for i in range(200):
    r = copy.deepcopy(run)
    r["metadata"]["git_commit"] = f"{i:040x}"
    r["metadata"]["timestamp"] = f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}T00:00:00Z"
    workloads = []
    for k in range(50):
        w = copy.deepcopy(base[k % len(base)])
        w["name"] = f"{w['name']}-{k:02d}"
        t = w.get("results", {}) and w["results"].get("throughput")
        if t and t.get("requests_per_sec") is not None:
            t["requests_per_sec"] *= random.uniform(0.95, 1.05)
        workloads.append(w)
    r["suites"][0]["workloads"] = workloads
    json.dump(r, open(f"{out}/run{i:03d}.json", "w"))
PY
timed() { local label=$1 t0 t1; shift; t0=$(date +%s.%N); "$@" > "$tmp/out.txt" 2> "$tmp/err.txt"; t1=$(date +%s.%N);
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):7.2f} s  ' + sys.argv[3])" "$t0" "$t1" "$label"; }
n=$(python3 -c "import json,glob; print(sum(len(json.load(open(f))['suites'][0]['workloads']) for f in glob.glob('$tmp/run*.json')))")
echo "bench-history: $n measurements in 200 run files; store: ${1:-SQLite (temp file)}"
timed "import (200 files)" "$bh" history --db "$db" import "$tmp"/run*.json
tail -1 "$tmp/err.txt"
timed "re-import (all duplicates)" "$bh" history --db "$db" import "$tmp"/run*.json
tail -1 "$tmp/err.txt"
timed "trend (every series)" "$bh" history --db "$db" trend
echo "        ($(wc -l < "$tmp/out.txt") lines of trend output)"
timed "changes (every series)" "$bh" history --db "$db" changes
tail -1 "$tmp/out.txt"
