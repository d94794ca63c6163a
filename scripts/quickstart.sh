#!/usr/bin/env bash
# The main job: set up bundled apps and compare them (rounds, statistics, reports).
#   ./scripts/quickstart.sh [APP ...]
# Environment: SUITES (path-params,json-bodies), ROUNDS (unset: compare's adaptive default, at
# least 5 rounds rounded up to whole balanced blocks, 6 for six apps, then more until every ratio
# is known to +-2 % or 15 minutes of measuring are up; set: exactly that many rounds),
# DURATION (2), WARMUP (1), OUT (results)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then apps=("$@"); else apps=(axum-baseline actix-web fastapi litestar fastify express); fi
OUT=${OUT:-results}
./scripts/install-deps.sh
./scripts/build-rust-apps.sh
cargo build --release --locked --quiet
mkdir -p "$OUT"
frameworks=$(IFS=,; echo "${apps[*]}")
exec target/release/benchmark-harness compare --frameworks "$frameworks" --suite "${SUITES:-path-params,json-bodies}" \
  ${ROUNDS:+--rounds "$ROUNDS"} --duration "${DURATION:-2}" --warmup "${WARMUP:-1}" \
  --output "$OUT/quickstart.json" --report "$OUT/quickstart.md" --html "$OUT/quickstart.html"
