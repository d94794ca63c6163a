#!/usr/bin/env bash
# BENCHMARK_RESULTS.md from scratch: every bundled app compared on the same workloads (one
# load at a time, balanced rounds), the bindings profiled against Rust, then the document
# generated from the saved files (`benchmark-harness report --field`). Never edit the
# document by hand: rerun this script.
#
#   ./scripts/field-results.sh
#
# Environment (to shrink a run; the defaults are the full field):
#   APPS      comma-separated apps            (default: every app of `benchmark-harness apps list`)
#   SUITES    comma-separated suites          (default: all,baseline = 15 + 2 workloads)
#   ROUNDS    a fixed number of rounds        (default: adaptive, see below)
#   DURATION  measured seconds per workload   (default: 10; also caps the profiling window)
#   WARMUP    warm-up seconds per workload    (default: 3)
#   PROFILE_DURATION  profiling window        (default: 5, at most DURATION)
#   OUT       result directory                (default: results/field)
#   MARKDOWN  the generated document          (default: BENCHMARK_RESULTS.md)
#
# How long a full run takes (src/compare/order.rs, src/compare/schedule.rs): rounds come in
# whole Williams blocks of as many rounds as apps, so 13 apps measure at least
# whole_blocks(5, 13) = 13 rounds (ROUNDS below 13 is rounded up to 13 as well). One round is
# 13 apps x 17 workloads x (3 s warm-up + 10 s) = 2,873 s (48 min) plus 13 server starts;
# 13 rounds are 37,349 s, about 10.4 h of load. The adaptive design then adds a block only
# within its 900 s budget, and one block is 10 h, so it stops at the floor. Setup (venvs,
# npm, cargo builds: minutes when cached) and the profiles (each 17 workloads x (3 + 10 + 5
# s) plus Python's GIL/native windows, ~6-10 min, up to 6 profiles) add about 30-60 min:
# plan on about 11-12 hours of a quiet machine. DURATION=5 brings the load to ~6.4 h.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
given=()
for v in APPS SUITES ROUNDS DURATION WARMUP PROFILE_DURATION OUT MARKDOWN; do
  if [ -n "${!v:-}" ]; then given+=("$v=${!v}"); fi
done
SUITES=${SUITES:-all,baseline}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PROFILE_DURATION=${PROFILE_DURATION:-5}
OUT=${OUT:-results/field}
MARKDOWN=${MARKDOWN:-BENCHMARK_RESULTS.md}
PROFILE_DURATION=$(awk -v p="$PROFILE_DURATION" -v d="$DURATION" 'BEGIN { print (p < d ? p : d) }')

cargo build --release --locked --quiet
bh=target/release/benchmark-harness
if [ -z "${APPS:-}" ]; then APPS=$($bh apps list | awk 'NR > 2 { print $1 }' | paste -sd, -); fi
mkdir -p "$OUT"
load=(--suite "$SUITES" --duration "$DURATION" --warmup "$WARMUP" --format json)

echo "== compare: $APPS on $SUITES" >&2
rounds=()
if [ -n "${ROUNDS:-}" ]; then rounds=(--rounds "$ROUNDS"); fi
# Exit 1 (a workload unranked, an app failed) still leaves a complete result to report on.
$bh compare --frameworks "$APPS" "${rounds[@]}" "${load[@]}" --output "$OUT/compare.json" \
  --report "$OUT/compare.md" --html "$OUT/compare.html" >/dev/null || echo "compare exited with $?" >&2
test -s "$OUT/compare.json" || { echo "no $OUT/compare.json: nothing to report" >&2; exit 1; }

# profile APP [BASELINE.json]: APP under its language's profiler into $OUT/profile-APP.json.
profile() {
  local args=(--framework "$1" --profile-duration "$PROFILE_DURATION" --output "$OUT/profile-$1.json")
  if [ -n "${2:-}" ] && [ -s "$2" ]; then args+=(--baseline "$2"); fi
  echo "== profile: $1${2:+ against $2}" >&2
  $bh profile "${args[@]}" "${load[@]}" >/dev/null || echo "profile $1 exited with $?" >&2
}
has() { [[ ",$APPS," == *",$1,"* ]]; }
# Each language's fastest app by the overall geometric mean (summary.overall.relative).
fastest=$(jq -r '(.summary.overall.relative // {}) as $rel
  | [.frameworks[] | select(.status == "ok" and $rel[.name] != null)
     | {language, name, ratio: $rel[.name].ratio}]
  | group_by(.language) | map(max_by(.ratio)) | .[] | "\(.language) \(.name)"' "$OUT/compare.json")
rust=$(awk '$1 == "rust" { print $2 }' <<<"$fastest")
done_apps=","
if [ -n "$rust" ]; then profile "$rust"; done_apps+="$rust,"; fi
if has spikard-python && has spikard-rust; then
  [[ $done_apps == *",spikard-rust,"* ]] || profile spikard-rust
  profile spikard-python "$OUT/profile-spikard-rust.json"
  done_apps+="spikard-rust,spikard-python,"
fi
while read -r language app; do
  if [ -z "$app" ] || [ "$language" = rust ] || [[ $done_apps == *",$app,"* ]]; then continue; fi
  profile "$app" "${rust:+$OUT/profile-$rust.json}"
  done_apps+="$app,"
done <<<"$fastest"

finished=$(date +%s)
wall=$((finished - started))
command="./scripts/field-results.sh"
if [ ${#given[@]} -gt 0 ]; then command="${given[*]} $command"; fi
jq -n --arg command "$command" --argjson wall "$wall" --arg finished "$(date -u +%FT%TZ)" \
  '{command: $command, wall_secs: $wall, finished: $finished}' >"$OUT/field.json"
$bh report --field "$OUT" --markdown "$MARKDOWN"
printf 'wrote %s from %s in %dh %02dm %02ds\n' "$MARKDOWN" "$OUT" $((wall / 3600)) $((wall % 3600 / 60)) $((wall % 60)) >&2
