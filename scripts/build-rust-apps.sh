#!/usr/bin/env bash
# Build every bundled Rust app (one cargo workspace under apps/) in one step, into the
# harness cache's shared target folder, so common crates build once. The apps' own
# [setup] runs the same build per app and then finds it up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
start=$(date +%s)
CARGO_TARGET_DIR="$cache/cargo-target" cargo build --release --locked --manifest-path apps/Cargo.toml --workspace
echo "rust apps built in $(( $(date +%s) - start )) s into $cache/cargo-target" >&2
