#!/usr/bin/env bash
# Refresh the committed baselines: results/baseline/<framework>/<suite>.json.
#
#   scripts/baseline-update.sh [FRAMEWORK…]
#
# For each framework (default: [ci] frameworks in benchmark-harness.toml) and each suite
# (SUITE, comma/space-separated; default: [ci] suites), measures with
# `benchmark-harness profile` at the current commit (the result's metadata.git_commit records
# it) and writes results/baseline/<framework>/<suite>.json. A baseline already there is first
# moved to results/history/<its git_commit>/<framework>/<suite>.json, so every result stays
# traceable to the commit it was measured at.
#
# Environment:
#   SUITE        suites to measure (default: [ci] suites)
#   DURATION     measured seconds per workload (default: [ci] duration, else 5)
#   WARMUP       warmup seconds per workload (default: [ci] warmup, else 1)
#   PROFILER     profiler (default none: cheap, needs no sampler)
#   ROUNDS       measurements per framework × suite (default [ci] rounds, else 1), kept as
#                <suite>.json and <suite>.roundN.json so `check` can apply its significance gate
#   CONCURRENCY  connections (default 50)
#   RESULTS_DIR  where baseline/ and history/ live (default results)
#   APPS         the apps folder (default apps)
#   BH           the harness binary (default: build it, release)
#   FROM         promote FROM/<framework>/<suite>.json (e.g. results/current) instead of
#                measuring again (scripts/ci-benchmark.sh main does this)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/ci-common.sh
source scripts/lib/ci-common.sh
ci_defaults

frameworks=("$@")
if [[ ${#frameworks[@]} -eq 0 ]]; then
  read -r -a frameworks <<<"$(words "${FRAMEWORKS:-$(ci_conf frameworks)}")"
fi
read -r -a suites <<<"$(words "${SUITE:-${SUITES:-$(ci_conf suites)}}")"
if [[ ${#frameworks[@]} -eq 0 || ${#suites[@]} -eq 0 ]]; then
  echo "error: no frameworks or suites (pass them, set FRAMEWORKS/SUITE, or fill [ci] in benchmark-harness.toml)" >&2
  exit 2
fi
[[ -n "${FROM:-}" ]] || ensure_bh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "${frameworks[@]}"; do
  for s in "${suites[@]}"; do
    dest="$RESULTS_DIR/baseline/$f/$s.json"
    mkdir -p "$(dirname "$dest")"
    # Measure (or pick up) the new rounds first: a failed measurement leaves the old baseline.
    new="$tmp/$f/$s.json"
    mkdir -p "$(dirname "$new")"
    for ((r = 1; r <= ROUNDS; r++)); do
      if [[ -n "${FROM:-}" ]]; then
        src=$(round_file "$FROM/$f/$s.json" "$r")
        [[ -f "$src" ]] && cp "$src" "$(round_file "$new" "$r")"
      elif ! profile_one "$f" "$s" "$(round_file "$new" "$r")" "$r"; then
        echo "error: measuring $f / $s (round $r) failed; baseline left as it was" >&2
        exit 1
      fi
    done
    if [[ -f "$dest" ]]; then
      old_commit=$(git_commit_of "$dest")
      hist="$RESULTS_DIR/history/$old_commit/$f/$s.json"
      mkdir -p "$(dirname "$hist")"
      for old in "$dest" "${dest%.json}".round*.json; do
        [[ -f "$old" ]] && mv "$old" "$(dirname "$hist")/"
      done
      echo "previous baseline ($old_commit) -> $hist" >&2
    fi
    for part in "$new" "${new%.json}".round*.json; do
      [[ -f "$part" ]] && mv "$part" "$(dirname "$dest")/"
    done
    echo "baseline $f / $s @ $(git_commit_of "$dest") -> $dest" >&2
  done
done
