# shellcheck shell=bash
# Shared by scripts/ci-benchmark.sh and scripts/baseline-update.sh (sourced, not run).
# Reads the [ci] table of benchmark-harness.toml and finds the harness binary.

# ci_conf KEY: the [ci] value as words (lists space-separated; empty when absent).
ci_conf() {
  python3 - "${CONFIG:-benchmark-harness.toml}" "$1" <<'PY'
import sys, tomllib
try:
    with open(sys.argv[1], "rb") as f:
        v = tomllib.load(f).get("ci", {}).get(sys.argv[2])
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

# profile_one FRAMEWORK SUITE OUT.json: measure one framework on one suite.
profile_one() {
  local f=$1 s=$2 out=$3 extra=()
  mkdir -p "$(dirname "$out")"
  if [[ "$PROFILER" != none ]]; then
    extra+=(--flamegraph-dir "${out%.json}-flamegraphs")
  fi
  echo "== profile $f / $s (${DURATION}s + ${WARMUP}s warmup, profiler $PROFILER) -> $out" >&2
  "$BH" profile --apps "$APPS" --framework "$f" --suite "$s" \
    --duration "$DURATION" --warmup "$WARMUP" --profile-duration "$DURATION" \
    --concurrency "$CONCURRENCY" --profiler "$PROFILER" \
    --output "$out" "${extra[@]}"
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
