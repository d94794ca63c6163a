#!/usr/bin/env bash
# Write the shell completions and man pages, generated from the clap definitions, under
# target/completions (one file per shell, named as each shell looks for it) and target/man
# (benchmark-harness.1 and one page per subcommand). Nothing here is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q
bin="${CARGO_TARGET_DIR:-target}/debug/benchmark-harness"
out="${CARGO_TARGET_DIR:-target}"
mkdir -p "$out/completions" "$out/man"
"$bin" completions bash > "$out/completions/benchmark-harness.bash"
"$bin" completions zsh > "$out/completions/_benchmark-harness"
"$bin" completions fish > "$out/completions/benchmark-harness.fish"
"$bin" completions powershell > "$out/completions/_benchmark-harness.ps1"
"$bin" completions elvish > "$out/completions/benchmark-harness.elv"
"$bin" man --out "$out/man" > /dev/null
echo "completions written to $out/completions, man pages to $out/man" >&2
