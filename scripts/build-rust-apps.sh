#!/usr/bin/env bash
# Build every bundled Rust app (one cargo workspace under apps/) in one step, into the
# harness cache's shared target folder, so common crates build once. The apps' own
# [setup] runs the same build per app and then finds it up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}
start=$(date +%s)
CARGO_TARGET_DIR="$cache/cargo-target" cargo build --release --locked --manifest-path apps/Cargo.toml --workspace
# The [profile] build (counting allocator, cargo feature alloc-stats) goes into a target
# folder of its own, one package at a time exactly as the app's [profile] setup builds it, so
# that setup then finds it up to date. PROFILE_BUILDS lists the packages (default: the one
# the tests profile; "all": every Rust app; empty: none); the others build on first profile.
PROFILE_BUILDS=${PROFILE_BUILDS-axum-baseline}
[ "$PROFILE_BUILDS" = all ] && PROFILE_BUILDS="axum-baseline actix-web-app spikard-rust"
for pkg in $PROFILE_BUILDS; do
  CARGO_TARGET_DIR="$cache/cargo-target-alloc" cargo build --release --locked --manifest-path apps/Cargo.toml \
    -p "$pkg" --features alloc-stats
done
echo "rust apps built in $(( $(date +%s) - start )) s into $cache/cargo-target and $cache/cargo-target-alloc" >&2
