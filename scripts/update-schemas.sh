#!/usr/bin/env bash
# Regenerate the committed JSON Schemas under schema/ from the Rust types.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q
for name in run profile compare check suite app; do
  "${CARGO_TARGET_DIR:-target}/debug/benchmark-harness" schema "$name" > "schema/$name.schema.json"
done
echo "schemas written to schema/"
