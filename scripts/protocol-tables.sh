#!/usr/bin/env bash
# The tables beyond HTTP/1.1 request-response (issue 13), each a `compare` of the bundled apps
# that serve it, written under results/protocols/ (compare-*.json/.md):
#   streaming  SSE and WebSocket (suite streaming): axum-baseline, actix-web, spikard-rust
#              (SSE only: spikard has no identical-echo WebSocket), fastify, node-http,
#              fastapi, litestar
#   http2      h2c prior knowledge (--http2, suite baseline): the Rust apps, which serve h2c on
#              their HTTP/1.1 port (axum-baseline, actix-web, spikard-rust)
#   multipart  suite multipart: one app per language family (every app serves it)
#   mixed      suite mixed (4:3:2:1 on the same connections): one app per language family
# Figures are only meaningful on a quiet machine (the results say when it was busy).
#
# Environment: ROUNDS (3), DURATION (2), WARMUP (1), TABLES ("streaming http2 multipart mixed")
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-2}
WARMUP=${WARMUP:-1}
TABLES=${TABLES:-streaming http2 multipart mixed}
OUT=results/protocols
TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --bin benchmark-harness >&2
mkdir -p "$OUT"

table() {
    local name=$1
    shift
    echo "== $name: compare $*" >&2
    local start=$SECONDS
    "$TARGET_DIR/release/benchmark-harness" compare "$@" --rounds "$ROUNDS" --duration "$DURATION" \
        --warmup "$WARMUP" --output "$OUT/compare-$name.json" --report "$OUT/compare-$name.md" \
        || [ $? -eq 1 ] # 1: a workload invalid or failed for some app; the table still stands
    echo "== $name: $((SECONDS - start)) s" >&2
}

for t in $TABLES; do
    case $t in
        streaming) table streaming --suite streaming \
            --frameworks axum-baseline,actix-web,spikard-rust,fastify,node-http,fastapi,litestar ;;
        http2) table http2 --suite baseline --http2 --concurrency 4 --streams 10 \
            --frameworks axum-baseline,actix-web,spikard-rust ;;
        multipart) table multipart --suite multipart \
            --frameworks axum-baseline,actix-web,fastify,express,fastapi,litestar,rack-puma ;;
        mixed) table mixed --suite mixed \
            --frameworks axum-baseline,actix-web,fastify,node-http,fastapi,litestar,rack-puma ;;
        *) echo "unknown table '$t'; valid: streaming http2 multipart mixed" >&2; exit 2 ;;
    esac
done
