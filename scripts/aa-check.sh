#!/usr/bin/env bash
# A/A check of compare's statistics (STATISTICS.md): the same app under two names, via two
# manifests, compared over a suite. There should be no significant winner on (nearly)
# every workload.
#
#   ./scripts/aa-check.sh [APP] [more compare options]   (default APP: axum-baseline)
# Environment: SUITE (all), ROUNDS (unset: compare's adaptive default; set: exactly that many),
# DURATION (2), WARMUP (1)
set -euo pipefail
cd "$(dirname "$0")/.."
app=${1:-axum-baseline}
shift || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$PWD/apps/Cargo.lock" "$tmp/Cargo.lock"   # the Rust apps' version probes read ../Cargo.lock
for copy in a b; do
  # a folder of links to the original app's files, with its own manifest: same code, same
  # build, same venv or node_modules; only the name differs (and no [setup]: it is shared)
  dir="$tmp/$app-$copy"
  mkdir -p "$dir"
  find "$PWD/apps/$app" -mindepth 1 -maxdepth 1 ! -name benchmark.toml ! -name .benchmark-harness \
    -exec ln -s {} "$dir/" \;
  sed -e "s/^name = \"$app\"/name = \"$app-$copy\"/" "apps/$app/benchmark.toml" \
    | sed '/^\[setup\]/,/^$/d' > "$dir/benchmark.toml"
done
cargo build --release --locked --quiet
cargo run --release --locked --quiet -- apps setup "$app" >/dev/null
target/release/benchmark-harness compare --apps "$tmp" --frameworks "$app-a,$app-b" \
  --suite "${SUITE:-all}" ${ROUNDS:+--rounds "$ROUNDS"} --duration "${DURATION:-2}" --warmup "${WARMUP:-1}" "$@"
