#!/usr/bin/env bash
# The benchmark workflow's steps as plain commands (.github/workflows/benchmark.yml calls
# this; tests/e2e/ci_script.rs runs it locally), in the order the workflow runs them:
#
#   scripts/ci-benchmark.sh main     # measure, refresh results/baseline (old → history),
#                                    # record the run in the history store
#   scripts/ci-benchmark.sh pr       # same-runner A/B of the base commit and the head, PR comment
#   scripts/ci-benchmark.sh history  # main's step 5 alone, on the results already in current/
#
# 1. build the harness (release; skipped when BH names a binary)
# 2. set up the configured apps
# main:
# 3. `profile` each framework × suite into $RESULTS_DIR/current/<framework>/<suite>.json
#    (flamegraphs of round 1 beside it in <suite>-flamegraphs/ when PROFILER is not none)
# 4. promote the current results to $RESULTS_DIR/baseline (scripts/baseline-update.sh,
#    FROM=current), moving each previous baseline to $RESULTS_DIR/history/<its commit>/…
# 5. the history store (scripts/lib/ci-history.sh; skipped with HISTORY=false): import every
#    result file of the run (a new store: first every committed $RESULTS_DIR/history/ file)
#    into the SQLite store $HISTORY_DB (and into PostgreSQL when
#    BENCHMARK_HARNESS_DB is set), `history changes`, `history alert` (SMTP_* settings or
#    [alerts]; without a server `--dry-run`), `history trend --html`; a summary for the job
#    in $RESULTS_DIR/current/history.md. Importing a result already stored is a no-op.
# pr (docs/ci.md, "The PR job: a same-runner A/B"):
# 3. check out the base commit (git worktree under $RESULTS_DIR/.base, removed on exit) and
#    set up its apps into a cache of their own (seeded from the head's cargo target); when
#    apps/ is unchanged since the base, the base side reuses the head's setup (an A/A run)
# 4. measure base and head on this runner with the head's harness, rounds interleaved ABBA
#    (round 1 base→head, round 2 head→base, …; ROUNDS rounded up to even): the head into
#    $RESULTS_DIR/current/<framework>/<suite>.json, the base into …/current/base/<framework>/…
# 5. `check --baseline <base rounds> --current <head rounds>` each pair and write
#    $RESULTS_DIR/current/pr-comment.md (starts with <!-- benchmark-harness --> so the
#    workflow updates one comment in place). When the base cannot be checked out or its apps
#    cannot be set up, the pair is checked against $BASELINE_DIR (the committed baselines, as
#    before) with `check --allow-mismatch`, and the comment says loudly that this was not a
#    same-runner comparison. A `check` that refuses (exit 2: sides measured differently, a
#    damaged file) puts its message in the comment and makes the script exit 2.
#
# Environment (each overrides the [ci] table of benchmark-harness.toml):
#   FRAMEWORKS, SUITES   comma/space-separated lists
#   DURATION, WARMUP     seconds per workload
#   ROUNDS               measurements per framework × suite and side (default [ci] rounds,
#                        else 1; pr rounds it up to an even number), kept as
#                        <suite>.json and <suite>.roundN.json
#   PROFILER             default [ci] profiler, else none; auto, python, node, ruby, perf:
#                        the sampler runs in round 1 only (flamegraphs); a profiler that is
#                        not installed is noted in the PR comment and the pair measured without
#   BLOCKING             true: exit 1 when a check finds a regression past the fail threshold
#   BASE_SHA             pr: the base commit (the workflow passes the pull request's base sha);
#   BASE_REF             else this ref (or origin/BASE_REF); else the merge base of HEAD and
#                        origin/main (or main)
#   RESULTS_DIR          default results;  BASELINE_DIR default $RESULTS_DIR/baseline (fallback)
#   APPS                 the head's apps folder, default apps;  BH  the harness binary
#                        (default: build it)
#   CONCURRENCY          default 50
#   HISTORY              main: false skips step 5 (default true)
#   HISTORY_DB           the SQLite history store (default $RESULTS_DIR/history.db)
#   BENCHMARK_HARNESS_DB, SMTP_SERVER, SMTP_PORT, SMTP_TLS, SMTP_USER, SMTP_FROM, SMTP_TO,
#   BENCHMARK_HARNESS_SMTP_PASSWORD, ALERT_LINK: step 5, see scripts/lib/ci-history.sh
#
# Exit: 0 done; 1 a measurement failed, or a blocking regression (history: a step of it
# failed); 2 usage or a broken check; 3 main only: the baselines were refreshed but the
# history step failed (the workflow still commits the baselines, then fails the job).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/ci-common.sh
source scripts/lib/ci-common.sh
# shellcheck source=SCRIPTDIR/lib/ci-history.sh
source scripts/lib/ci-history.sh

mode=${1:-}
if [[ "$mode" != main && "$mode" != pr && "$mode" != history ]]; then
  echo "usage: $0 main|pr|history" >&2
  exit 2
fi
ci_defaults
HISTORY=${HISTORY:-true}
HISTORY_DB=${HISTORY_DB:-$RESULTS_DIR/history.db}
BLOCKING=${BLOCKING:-false}
BASELINE_DIR=${BASELINE_DIR:-$RESULTS_DIR/baseline}
read -r -a frameworks <<<"$(words "${FRAMEWORKS:-$(ci_conf frameworks)}")"
read -r -a suites <<<"$(words "${SUITES:-$(ci_conf suites)}")"
if [[ ${#frameworks[@]} -eq 0 || ${#suites[@]} -eq 0 ]]; then
  echo "error: no frameworks or suites (set FRAMEWORKS/SUITES or fill [ci] in benchmark-harness.toml)" >&2
  exit 2
fi
current="$RESULTS_DIR/current"

# history_step: step 5 on the result files of every framework × suite in $current.
history_step() {
  local f s files=() parts=()
  for f in "${frameworks[@]}"; do
    for s in "${suites[@]}"; do
      if [[ -f "$current/$f/$s.json" ]]; then
        IFS=, read -r -a parts <<<"$(round_files "$current/$f/$s.json")"
        files+=("${parts[@]}")
      fi
    done
  done
  if [[ ${#files[@]} -eq 0 ]]; then
    echo "error: no result files of ${frameworks[*]} × ${suites[*]} in $current to record" >&2
    return 2
  fi
  # A new store (first run, or no artifact to restore) starts with the committed history:
  # every earlier baseline kept under $RESULTS_DIR/history/<commit>/.
  local seed=() old
  if [[ ! -e "$HISTORY_DB" ]]; then
    for old in "$RESULTS_DIR"/history/*/*/*.json; do
      if [[ -f "$old" ]]; then seed+=("$old"); fi
    done
  fi
  HISTORY_SEEDED=${#seed[@]} record_history "$current/history.md" "$current" "${seed[@]}" "${files[@]}"
}
if [[ "$mode" == history ]]; then
  ensure_bh
  rc=0
  history_step || rc=$?
  [[ ! -f "$current/history.md" ]] || echo "history summary: $current/history.md" >&2
  exit "$rc"
fi

rm -rf "$current"
mkdir -p "$current"
current_abs=$(abs_path "$current")
export PROFILER_NOTES="$current_abs/profiler-notes.txt"
: >"$PROFILER_NOTES"

echo "== 1. build the harness" >&2
ensure_bh
# The base side runs from the base worktree: the one instrument needs an absolute path.
BH=$(abs_path "$BH")

echo "== 2. set up apps: ${frameworks[*]}" >&2
"$BH" apps setup --apps "$APPS" "${frameworks[@]}"

if [[ "$mode" == main ]]; then
  echo "== 3. measure: ${frameworks[*]} × ${suites[*]}, $ROUNDS round(s)" >&2
  failed=()
  for ((r = 1; r <= ROUNDS; r++)); do
    for f in "${frameworks[@]}"; do
      for s in "${suites[@]}"; do
        profile_one "$f" "$s" "$(round_file "$current/$f/$s.json" "$r")" "$r" || failed+=("$f/$s#$r")
      done
    done
  done
  echo "== 4. refresh baselines" >&2
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "error: measurement failed for ${failed[*]}; baselines not updated" >&2
    exit 1
  fi
  FROM="$current" RESULTS_DIR="$RESULTS_DIR" SUITE="${suites[*]}" ROUNDS="$ROUNDS" \
    scripts/baseline-update.sh "${frameworks[@]}"
  if [[ "$HISTORY" == false ]]; then
    exit 0
  fi
  echo "== 5. history store: import, change points, alerts" >&2
  if ! history_step; then
    echo "error: the baselines are refreshed, but the history step failed (see $current/history.md)" >&2
    exit 3
  fi
  echo "history summary: $current/history.md" >&2
  exit 0
fi

echo "== 3. check out and set up the base" >&2
base_dir="$(abs_path "$RESULTS_DIR")/.base"
wt="$base_dir/worktree"
remove_base() {
  if [[ -e "$wt" ]]; then
    git worktree remove --force "$wt" >/dev/null 2>&1 || true
  fi
  rm -rf "$base_dir"
  # Still registered (a killed run's folder was deleted by hand): only then prune.
  if git worktree list --porcelain 2>/dev/null | grep -qF "$wt"; then
    git worktree prune
  fi
}
trap remove_base EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
remove_base # what a killed run may have left

head_sha=$(git rev-parse HEAD 2>/dev/null || echo unknown)
head_label="\`${head_sha:0:8}\`"
git diff --quiet HEAD -- 2>/dev/null || head_label+=" (with uncommitted changes)"
base_sha="" aa=false not_ab="" base_apps="" base_cache="" setup_secs="" seeded=false
ab_set=" " # the frameworks measured as a same-runner A/B, space-delimited
fallback_notes=()
if ! base_sha=$(resolve_base); then
  base_sha=""
  not_ab="the base commit ($(base_label)) is not in this clone (the workflow checks out with \`fetch-depth: 0\`)"
elif ! git worktree add -q --detach "$wt" "$base_sha" >&2; then
  not_ab="the base commit \`${base_sha:0:8}\` could not be checked out (\`git worktree add\` failed; see the job log)"
elif apps_unchanged "$base_sha"; then
  aa=true
  base_apps=$(abs_path "$APPS")
  ab_set=" ${frameworks[*]} "
  echo "apps/ unchanged since ${base_sha:0:8}: the base side reuses the head's setup (A/A)" >&2
else
  base_apps="$wt/apps"
  base_cache="$base_dir/cache"
  t0=$SECONDS
  for f in "${frameworks[@]}"; do
    if grep -qE '^language *= *"rust"' "$base_apps/$f/benchmark.toml" 2>/dev/null; then
      echo "seeding $base_cache from the head's cargo target" >&2
      seed_base_cache "${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}" "$base_cache" "$wt" "$base_sha"
      seeded=true
      break
    fi
  done
  mkdir -p "$base_cache"
  for f in "${frameworks[@]}"; do
    if (cd "$wt" && BENCHMARK_HARNESS_CACHE=$base_cache "$BH" apps setup --apps "$base_apps" "$f" >&2); then
      ab_set+="$f "
    else
      fallback_notes+=("\`$f\`: its app could not be set up at the base commit \`${base_sha:0:8}\` (see the job log)")
    fi
    # The worktree goes at the end: keep the base's setup log with the results (artifacts).
    for log in "$base_apps/$f/.benchmark-harness/"*.log; do
      if [[ -f "$log" ]]; then
        mkdir -p "$current/base/$f"
        cp "$log" "$current/base/$f/"
      fi
    done
  done
  setup_secs=$((SECONDS - t0))
  echo "base apps set up in ${setup_secs} s into $base_cache" >&2
fi
in_ab() { [[ "$ab_set" == *" $1 "* ]]; }
ab_frameworks=() fallback_frameworks=()
for f in "${frameworks[@]}"; do
  if in_ab "$f"; then ab_frameworks+=("$f"); else fallback_frameworks+=("$f"); fi
done
rounds=$ROUNDS
if [[ ${#ab_frameworks[@]} -gt 0 ]]; then
  rounds=$(((ROUNDS + 1) / 2 * 2))
fi

# measure_base FRAMEWORK SUITE ROUND: one round of the base side, from the base worktree (so
# the result records the base commit), its apps and, unless A/A, its own cache.
measure_base() {
  local out
  out=$(round_file "$current_abs/base/$1/$2.json" "$3")
  echo "== base side (${base_sha:0:8})" >&2
  (
    cd "$wt" || exit 2
    APPS=$base_apps
    [[ -z "$base_cache" ]] || export BENCHMARK_HARNESS_CACHE=$base_cache
    profile_one "$1" "$2" "$out" "$3"
  )
}

if [[ ${#ab_frameworks[@]} -gt 0 ]]; then
  echo "== 4. measure: ${frameworks[*]} × ${suites[*]}, $rounds rounds per side, ABBA" >&2
else
  echo "== 4. measure: ${frameworks[*]} × ${suites[*]}, $rounds round(s) of the head only" >&2
fi
failed=()
for ((r = 1; r <= rounds; r++)); do
  read -r -a order <<<"$(abba_order "$r")"
  for f in "${frameworks[@]}"; do
    for s in "${suites[@]}"; do
      for side in "${order[@]}"; do
        case $side in
          head) profile_one "$f" "$s" "$(round_file "$current/$f/$s.json" "$r")" "$r" || failed+=("$f/$s#$r") ;;
          base)
            in_ab "$f" || continue
            measure_base "$f" "$s" "$r" || failed+=("base:$f/$s#$r")
            ;;
        esac
      done
    done
  done
done

echo "== 5. check" >&2
comment="$current/pr-comment.md"
body="$current/pr-comment.body.md"
: >"$body"
worst=pass
checked=0
broken=0
flags=()
[[ "$BLOCKING" == true ]] && flags+=(--fail-on-regression)
# A committed baseline was measured on another machine (and maybe with other settings):
# `check` refuses a host or configuration difference unless told, so the fallback tells it
# explicitly, the report lists each difference, and the comment says so. The same-runner A/B
# never passes the flag: a difference there is a real fault and fails the check (exit 2).
mismatch=(--allow-mismatch)
raise() {
  case "$1/$worst" in
    failed/* | regression/pass | regression/warning | warning/pass) worst=$1 ;;
  esac
}
for f in "${frameworks[@]}"; do
  for s in "${suites[@]}"; do
    cur="$current/$f/$s.json"
    extra=()
    if in_ab "$f"; then
      base="$current/base/$f/$s.json"
    else
      base="$BASELINE_DIR/$f/$s.json"
      extra=("${mismatch[@]}")
    fi
    {
      echo "### \`$f\` · suite \`$s\`"
      echo
    } >>"$body"
    if [[ ! -f "$cur" ]]; then
      echo "❌ The head's measurement failed, so there is nothing to check (see the job log)." >>"$body"
      raise failed
    elif in_ab "$f" && [[ ! -f "$base" ]]; then
      echo "❌ The base commit's measurement failed, so there is nothing to compare with (see the job log)." >>"$body"
      raise failed
    elif [[ ! -f "$base" ]]; then
      {
        echo "ℹ️ No baseline at \`$base\` yet, so this run is not checked. It becomes the"
        echo "baseline once measured on main (\`scripts/baseline-update.sh\`)."
      } >>"$body"
    else
      rc=0
      errs="$current/$f/$s.check.err"
      "$BH" check --baseline "$(round_files "$base")" --current "$(round_files "$cur")" \
        --report "$current/$f/$s.check.md" --json "$current/$f/$s.check.json" \
        "${flags[@]}" "${extra[@]}" >/dev/null 2>"$errs" || rc=$?
      cat "$errs" >&2
      if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        {
          echo "❌ \`check\` refused or failed (exit $rc):"
          echo
          echo '```'
          tail -n 20 "$errs"
          echo '```'
        } >>"$body"
        broken=1
      else
        # Demote the report's headings under this pair's heading.
        sed 's/^## /#### /' "$current/$f/$s.check.md" >>"$body"
        checked=$((checked + 1))
        v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$current/$f/$s.check.json")
        case "$v" in
          regression | warning) raise "$v" ;;
        esac
      fi
    fi
    echo >>"$body"
  done
done

{
  echo "<!-- benchmark-harness -->"
  case "$worst" in
    failed) echo "## ❌ Benchmark: a measurement failed" ;;
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
  what="suite ${suites[*]}, ${DURATION} s per workload (profiler \`$PROFILER\` in round 1). Blocking: \`$BLOCKING\`."
  if [[ ${#ab_frameworks[@]} -gt 0 ]]; then
    echo "Measured as a same-runner A/B: base \`${base_sha:0:8}\` vs head $head_label, $rounds rounds each," \
      "order ABBA (round 1 base→head, round 2 head→base, …), both sides by the head's harness on this runner:" \
      "${ab_frameworks[*]} × $what"
    echo
    if [[ "$aa" == true ]]; then
      echo "> ℹ️ apps unchanged between base and head: an A/A run (the base side reuses the head's app setup);"
      echo "> what differs below is this runner's noise."
    else
      seed_note=""
      [[ "$seeded" == true ]] && seed_note=", seeded from the head's cargo target"
      echo "The base commit's apps were set up in ${setup_secs} s (a cache of their own${seed_note})."
    fi
    echo
  fi
  if [[ ${#fallback_frameworks[@]} -gt 0 ]]; then
    [[ ${#ab_frameworks[@]} -gt 0 ]] || echo "Measured at $head_label: ${fallback_frameworks[*]} × $what"
    [[ ${#ab_frameworks[@]} -gt 0 ]] || echo
    echo "> ⚠️ **Not a same-runner comparison** for ${fallback_frameworks[*]}:"
    if [[ -n "$not_ab" ]]; then
      echo "> $not_ab."
    else
      printf '> %s.\n' "${fallback_notes[@]}"
    fi
    echo "> Checked instead against the committed baselines in \`$BASELINE_DIR\`, measured on another"
    echo "> machine at another time: VM-to-VM offsets can look like regressions or hide them."
    echo "> \`check\` ran with \`--allow-mismatch\`: where host or load settings differ, each report below"
    echo "> lists the differences at the top instead of refusing the comparison."
    echo
  fi
  if [[ -s "$PROFILER_NOTES" ]]; then
    awk '!seen[$0]++' "$PROFILER_NOTES" | sed 's/^/> ⚠️ /'
    echo
  fi
  cat "$body"
  echo "<sub>Thresholds: \`[check]\` in benchmark-harness.toml. How this job measures: docs/ci.md.</sub>"
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
