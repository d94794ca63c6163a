#!/usr/bin/env bash
# Build every bundled Rust app (one cargo workspace under apps/) in one step, into the
# harness cache's shared target folder, so common crates build once. The apps' own
# [setup] runs the same build per app and then finds it up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
start=$(date +%s)
CARGO_TARGET_DIR="$cache/cargo-target" cargo build --release --locked --manifest-path apps/Cargo.toml --workspace
# The [profile] build of each app (counting allocator, cargo feature alloc-stats) goes into
# a target folder of its own, one package at a time exactly as the app's [profile] setup
# builds it, so that setup then finds it up to date.
for pkg in axum-baseline actix-web-app spikard-rust; do
  CARGO_TARGET_DIR="$cache/cargo-target-alloc" cargo build --release --locked --manifest-path apps/Cargo.toml \
    -p "$pkg" --features alloc-stats
done
echo "rust apps built in $(( $(date +%s) - start )) s into $cache/cargo-target and $cache/cargo-target-alloc" >&2
