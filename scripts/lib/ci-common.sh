# shellcheck shell=bash
# Shared by scripts/ci-benchmark.sh and scripts/baseline-update.sh (sourced, not run).
# Reads the [ci] table of benchmark-harness.toml and finds the harness binary.

# ci_conf KEY: the [ci] value as words (lists space-separated; empty when absent).
ci_conf() { conf_value ci "$1"; }

# conf_value TABLE KEY: a value of benchmark-harness.toml ($CONFIG) as words.
conf_value() {
  python3 - "${CONFIG:-benchmark-harness.toml}" "$1" "$2" <<'PY'
import sys, tomllib
try:
    with open(sys.argv[1], "rb") as f:
        v = tomllib.load(f).get(sys.argv[2], {}).get(sys.argv[3])
except FileNotFoundError:
    v = None
if isinstance(v, list):
    print(" ".join(str(x) for x in v))
elif v is not None:
    print(v)
PY
}

# words LIST: a comma- or space-separated list as words.
words() { echo "${1//,/ }"; }

# git_commit_of FILE: the metadata.git_commit of a result file ("unknown" when absent).
git_commit_of() {
  python3 -c 'import json,sys; print((json.load(open(sys.argv[1])).get("metadata") or {}).get("git_commit") or "unknown")' "$1" 2>/dev/null \
    || echo unknown
}

# ensure_bh: set BH to the harness binary, building it (release) unless BH is already set.
ensure_bh() {
  if [[ -z "${BH:-}" ]]; then
    cargo build --release --locked
    BH="${CARGO_TARGET_DIR:-target}/release/benchmark-harness"
  fi
  [[ -x "$BH" ]] || { echo "error: harness binary '$BH' not found or not executable" >&2; exit 2; }
  export BH
}

# profile_one FRAMEWORK SUITE OUT.json ROUND: measure one framework on one suite. The sampler
# ($PROFILER) runs in round 1 only, for the flamegraphs; later rounds measure without it (the
# clean measurement window is the same either way, the rounds just end sooner). Every round
# starts the app's normal build (--normal-build), never a [profile] build such as the Rust
# apps' counting allocator, so that all rounds and baselines measure the same binary. When the
# profiler is not installed (`profile` exits 2 naming it), the pair is measured without a
# sampler and the reason is appended to $PROFILER_NOTES for the PR comment.
profile_one() {
  local f=$1 s=$2 out=$3 round=${4:-1} profiler=$PROFILER extra=() rc=0 log
  [[ "$round" -gt 1 ]] && profiler=none
  mkdir -p "$(dirname "$out")"
  if [[ "$profiler" != none ]]; then
    extra+=(--flamegraph-dir "${out%.json}-flamegraphs")
  fi
  echo "== profile $f / $s round $round (${DURATION}s + ${WARMUP}s warmup, profiler $profiler) -> $out" >&2
  log=$(mktemp)
  # stderr goes to the log and on to the job's stderr (pipefail keeps the harness's exit code).
  { "$BH" profile --apps "$APPS" --framework "$f" --suite "$s" \
    --duration "$DURATION" --warmup "$WARMUP" --profile-duration "$DURATION" \
    --concurrency "$CONCURRENCY" --profiler "$profiler" --normal-build \
    --output "$out" "${extra[@]}" 2>&1 1>&3 3>&- | tee "$log" >&2; } 3>&1 || rc=$?
  if [[ $rc -eq 2 && "$profiler" != none ]] && grep -q "is not installed" "$log"; then
    echo "$f/$s: $(grep -m1 "is not installed" "$log" | sed 's/^error: //'); measured without a sampler" \
      >>"${PROFILER_NOTES:-/dev/null}"
    rc=0
    "$BH" profile --apps "$APPS" --framework "$f" --suite "$s" \
      --duration "$DURATION" --warmup "$WARMUP" --profile-duration "$DURATION" \
      --concurrency "$CONCURRENCY" --profiler none --normal-build --output "$out" || rc=$?
  fi
  rm -f "$log"
  return "$rc"
}

# Defaults: the environment, else the [ci] table, else built-ins.
ci_defaults() {
  RESULTS_DIR=${RESULTS_DIR:-results}
  APPS=${APPS:-apps}
  DURATION=${DURATION:-$(ci_conf duration)}
  DURATION=${DURATION:-5}
  WARMUP=${WARMUP:-$(ci_conf warmup)}
  WARMUP=${WARMUP:-1}
  CONCURRENCY=${CONCURRENCY:-50}
  PROFILER=${PROFILER:-$(ci_conf profiler)}
  PROFILER=${PROFILER:-none}
  ROUNDS=${ROUNDS:-$(ci_conf rounds)}
  ROUNDS=${ROUNDS:-1}
}

# round_file BASE.json N: the file of round N (1 → BASE.json, N → BASE.roundN.json).
round_file() {
  if [[ "$2" -eq 1 ]]; then echo "$1"; else echo "${1%.json}.round$2.json"; fi
}

# round_files BASE.json: BASE.json and every BASE.roundN.json that exists, comma-separated.
round_files() {
  local list=$1 f
  for f in "${1%.json}".round*.json; do
    [[ -f "$f" ]] && list+=",$f"
  done
  echo "$list"
}

# abs_path PATH: PATH made absolute against the current directory (no symlinks resolved).
abs_path() {
  case $1 in
    /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
  esac
}

# --- Same-runner A/B (scripts/ci-benchmark.sh pr) -----------------------------------------

# resolve_base: print the base commit's full sha: $BASE_SHA, else $BASE_REF (or origin/$BASE_REF),
# else the merge base of HEAD and origin/main (or main). Fails when none is in this clone.
resolve_base() {
  local ref
  if [[ -n "${BASE_SHA:-}" ]]; then
    git rev-parse -q --verify "$BASE_SHA^{commit}"
    return
  fi
  if [[ -n "${BASE_REF:-}" ]]; then
    for ref in "$BASE_REF" "origin/$BASE_REF"; do
      git rev-parse -q --verify "$ref^{commit}" && return 0
    done
    return 1
  fi
  for ref in origin/main main; do
    git merge-base HEAD "$ref" 2>/dev/null && return 0
  done
  return 1
}

# base_label: how the base was asked for, for messages.
base_label() {
  if [[ -n "${BASE_SHA:-}" ]]; then
    echo "BASE_SHA=$BASE_SHA"
  elif [[ -n "${BASE_REF:-}" ]]; then
    echo "BASE_REF=$BASE_REF"
  else
    echo "the merge base of HEAD and origin/main (or main)"
  fi
}

# apps_unchanged BASE: true when apps/ in the working tree equals apps/ at BASE (no tracked
# change, no new untracked file), so the base side can reuse the head's app setup.
apps_unchanged() {
  git diff --quiet "$1" -- apps/ && [[ -z "$(git ls-files --others --exclude-standard -- apps/)" ]]
}

# abba_order ROUND: the sides of one round in the balanced order: odd rounds base then head,
# even rounds head then base (ABBA per pair of rounds), so a drift in time cancels out.
abba_order() {
  if (($1 % 2 == 1)); then echo "base head"; else echo "head base"; fi
}

# seed_base_cache HEAD_CACHE BASE_CACHE WORKTREE BASE: give the base worktree's Rust build a
# head start. Copies the head's cargo target into the base cache, then gives every file of
# the base's apps/ that is the same as the head's the head's modification time: cargo
# decides freshness by mtime, so only the crates whose sources differ (and what depends on
# them) rebuild; a fresh checkout alone would rebuild every workspace crate.
seed_base_cache() {
  local head_cache=$1 base_cache=$2 wt=$3 base=$4 changed p
  mkdir -p "$base_cache"
  if [[ -d "$head_cache/cargo-target" ]]; then
    cp -a --reflink=auto "$head_cache/cargo-target" "$base_cache/" 2>/dev/null \
      || cp -a "$head_cache/cargo-target" "$base_cache/"
  fi
  changed=$(git diff --name-only "$base" -- apps/)
  while IFS= read -r p; do
    if [[ -f "$p" ]] && ! grep -qxF -- "$p" <<<"$changed"; then
      touch -r "$p" "$wt/$p"
    fi
  done < <(git -C "$wt" ls-files -- apps/)
}
