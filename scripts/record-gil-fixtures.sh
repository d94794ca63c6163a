#!/usr/bin/env bash
# Record the known-answer py-spy fixtures of the GIL classifier (tests/fixtures/py-gil/):
# N = 1..4 threads spinning in Python (contention (N-1)/N) and `park` (one spinning thread, a
# C-extension thread parked on its own condvar, a ctypes thread in pthread_cond_wait: 0 %).
# Each case gets the harness's two windows, one after the other: `--gil`, then
# `--native --idle --threads`, 3 s each at 100 Hz. Prints the measured window lengths.
# Usage: scripts/record-gil-fixtures.sh [PYTHON] [PY_SPY]
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/py-gil"
python=${1:-python3}
py_spy=${2:-${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}/tools/py-spy/bin/py-spy}
inc=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
ext=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2> /dev/null; rm -rf "$tmp"' EXIT
gcc -O2 -shared -fPIC -I"$inc" condwait.c -o "$tmp/condwait$ext" -lpthread
cp spin.py "$tmp/"
echo "# Seconds each window sampled, at 100 Hz." > secs.txt
for mode in 1 2 3 4 park; do
  "$python" "$tmp/spin.py" "$mode" > "$tmp/pid" &
  server=$!
  sleep 1
  for window in gil native; do
    # As the harness: --native cannot be --nonblocking (py-spy pauses the process to unwind).
    if [ "$window" = gil ]; then flags=(--nonblocking --gil); else flags=(--native --idle --threads); fi
    start=$(date +%s.%N)
    "$py_spy" record --pid "$server" --rate 100 --format raw --duration 3 \
      --output "$tmp/$window.txt" "${flags[@]}" > /dev/null 2>&1
    end=$(date +%s.%N)
    echo "$mode $window secs $(echo "$end - $start" | bc)" | tee -a secs.txt
    # Thread ids and addresses differ per run; the fixture keeps them as recorded.
    cp "$tmp/$window.txt" "spin-$mode-$window.txt"
  done
  kill "$server"
  wait "$server" 2> /dev/null || true
done
