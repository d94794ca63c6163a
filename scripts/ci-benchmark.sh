#!/usr/bin/env bash
# The benchmark workflow's steps as plain commands (.github/workflows/benchmark.yml calls
# this; tests/e2e/ci_script.rs runs it locally), in the order the workflow runs them:
#
#   scripts/ci-benchmark.sh main   # measure, then refresh results/baseline (old → history)
#   scripts/ci-benchmark.sh pr     # measure, check against the baseline, write the PR comment
#
# 1. build the harness (release; skipped when BH names a binary)
# 2. set up the configured apps
# 3. `profile` each framework × suite into $RESULTS_DIR/current/<framework>/<suite>.json
#    (flamegraphs of round 1 beside it in <suite>-flamegraphs/ when PROFILER is not none)
# 4. main: promote the current results to $RESULTS_DIR/baseline (scripts/baseline-update.sh,
#    FROM=current), moving each previous baseline to $RESULTS_DIR/history/<its commit>/…
#    pr:   `check` each pair against $BASELINE_DIR/<framework>/<suite>.json and write
#    $RESULTS_DIR/current/pr-comment.md (starts with <!-- benchmark-harness --> so the
#    workflow updates one comment in place). A missing baseline is a note, not a failure.
#
# Environment (each overrides the [ci] table of benchmark-harness.toml):
#   FRAMEWORKS, SUITES   comma/space-separated lists
#   DURATION, WARMUP     seconds per workload
#   ROUNDS               measurements per framework × suite (default [ci] rounds, else 1);
#                        with 2+ on both sides `check` applies its significance gate, rounds
#                        are interleaved across frameworks and kept as <suite>.roundN.json
#   PROFILER             default [ci] profiler, else none; auto, python, node, ruby, perf:
#                        the sampler runs in round 1 only (flamegraphs); a profiler that is
#                        not installed is noted in the PR comment and the pair measured without
#   BLOCKING             true: exit 1 when a check finds a regression past the fail threshold
#   RESULTS_DIR          default results;  BASELINE_DIR default $RESULTS_DIR/baseline
#   APPS                 default apps;     BH  the harness binary (default: build it)
#   CONCURRENCY          default 50
#
# Exit: 0 done; 1 a measurement failed, or a blocking regression; 2 usage or a broken check.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/ci-common.sh
source scripts/lib/ci-common.sh

mode=${1:-}
if [[ "$mode" != main && "$mode" != pr ]]; then
  echo "usage: $0 main|pr" >&2
  exit 2
fi
ci_defaults
BLOCKING=${BLOCKING:-false}
BASELINE_DIR=${BASELINE_DIR:-$RESULTS_DIR/baseline}
read -r -a frameworks <<<"$(words "${FRAMEWORKS:-$(ci_conf frameworks)}")"
read -r -a suites <<<"$(words "${SUITES:-$(ci_conf suites)}")"
if [[ ${#frameworks[@]} -eq 0 || ${#suites[@]} -eq 0 ]]; then
  echo "error: no frameworks or suites (set FRAMEWORKS/SUITES or fill [ci] in benchmark-harness.toml)" >&2
  exit 2
fi
current="$RESULTS_DIR/current"
rm -rf "$current"
mkdir -p "$current"
export PROFILER_NOTES="$current/profiler-notes.txt"
: >"$PROFILER_NOTES"

echo "== 1. build the harness" >&2
ensure_bh

echo "== 2. set up apps: ${frameworks[*]}" >&2
"$BH" apps setup --apps "$APPS" "${frameworks[@]}"

echo "== 3. measure: ${frameworks[*]} × ${suites[*]}, $ROUNDS round(s)" >&2
failed=()
for ((r = 1; r <= ROUNDS; r++)); do
  for f in "${frameworks[@]}"; do
    for s in "${suites[@]}"; do
      profile_one "$f" "$s" "$(round_file "$current/$f/$s.json" "$r")" "$r" || failed+=("$f/$s#$r")
    done
  done
done

if [[ "$mode" == main ]]; then
  echo "== 4. refresh baselines" >&2
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "error: measurement failed for ${failed[*]}; baselines not updated" >&2
    exit 1
  fi
  FROM="$current" RESULTS_DIR="$RESULTS_DIR" SUITE="${suites[*]}" ROUNDS="$ROUNDS" \
    scripts/baseline-update.sh "${frameworks[@]}"
  exit 0
fi

echo "== 4. check against $BASELINE_DIR" >&2
comment="$current/pr-comment.md"
body="$current/pr-comment.body.md"
: >"$body"
worst=pass
checked=0
broken=0
flags=()
[[ "$BLOCKING" == true ]] && flags+=(--fail-on-regression)
for f in "${frameworks[@]}"; do
  for s in "${suites[@]}"; do
    base="$BASELINE_DIR/$f/$s.json" cur="$current/$f/$s.json"
    {
      echo "### \`$f\` · suite \`$s\`"
      echo
    } >>"$body"
    if [[ ! -f "$cur" ]]; then
      echo "❌ The measurement failed, so there is nothing to check (see the job log)." >>"$body"
      worst=regression
    elif [[ ! -f "$base" ]]; then
      {
        echo "ℹ️ No baseline at \`$base\` yet, so this run is not checked. It becomes the"
        echo "baseline once measured on main (\`scripts/baseline-update.sh\`)."
      } >>"$body"
    else
      rc=0
      "$BH" check --baseline "$(round_files "$base")" --current "$(round_files "$cur")" \
        --report "$current/$f/$s.check.md" --json "$current/$f/$s.check.json" "${flags[@]}" >/dev/null || rc=$?
      if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        echo "❌ \`check\` failed (exit $rc); see the job log." >>"$body"
        broken=1
      else
        # Demote the report's headings under this pair's heading.
        sed 's/^## /#### /' "$current/$f/$s.check.md" >>"$body"
        checked=$((checked + 1))
        v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$current/$f/$s.check.json")
        case "$v/$worst" in
          regression/*) worst=regression ;;
          warning/pass) worst=warning ;;
        esac
      fi
    fi
    echo >>"$body"
  done
done

{
  echo "<!-- benchmark-harness -->"
  case "$worst" in
    regression) echo "## ❌ Benchmark: performance regression" ;;
    warning) echo "## ⚠️ Benchmark: slower than the warning threshold" ;;
    *)
      if [[ $checked -eq 0 ]]; then
        echo "## ℹ️ Benchmark: nothing checked (no baseline yet)"
      else
        echo "## ✅ Benchmark: no performance regression"
      fi
      ;;
  esac
  echo
  sha=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  echo "Measured at \`$sha\`: ${frameworks[*]} × suite ${suites[*]}, ${DURATION} s per workload, $ROUNDS round(s)" \
    "(profiler \`$PROFILER\` in round 1). Blocking: \`$BLOCKING\`."
  echo
  if [[ -s "$PROFILER_NOTES" ]]; then
    sed 's/^/> ⚠️ /' "$PROFILER_NOTES"
    echo
  fi
  cat "$body"
  echo "<sub>Thresholds: \`[check]\` in benchmark-harness.toml. Shared CI runners are noisy; see docs/ci.md.</sub>"
} >"$comment"
rm -f "$body"
echo "PR comment: $comment" >&2

if [[ $broken -ne 0 ]]; then
  exit 2
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "error: measurement failed for ${failed[*]}" >&2
  exit 1
fi
if [[ "$BLOCKING" == true && "$worst" == regression ]]; then
  echo "error: performance regression past the fail threshold (blocking)" >&2
  exit 1
fi
