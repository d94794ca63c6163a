#!/usr/bin/env bash
# Install what the bundled apps and the tests need on Debian (run as root or with sudo):
# Ruby, Puma, Rack and Sinatra from Debian (RubyGems is not used), Python venv support,
# PostgreSQL's server binaries (the history store tests start a throwaway cluster) and
# InfluxDB 1.x (the line-protocol export test starts a throwaway influxd).
# Node.js/npm, Python 3 and Rust are expected on the machine already.
set -euo pipefail
need=()
command -v ruby >/dev/null || need+=(ruby)
command -v puma >/dev/null || need+=(puma)
ruby -e 'require "rack"' 2>/dev/null || need+=(ruby-rack)
ruby -e 'require "sinatra/base"' 2>/dev/null || need+=(ruby-sinatra)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
[ -x /usr/bin/chromium ] || need+=(chromium)   # the HTML report is checked in headless Chromium
command -v perf >/dev/null || need+=(linux-perf)  # profile --profiler perf
ruby -e 'require "stackprof"' 2>/dev/null || need+=(ruby-stackprof)  # profile --profiler ruby
command -v heaptrack_print >/dev/null || need+=(heaptrack)  # profile --heaptrack
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)  # history store tests (throwaway cluster)
command -v man >/dev/null || need+=(man-db)  # the man page test renders `benchmark-harness man` with man -l
command -v influxd >/dev/null || need+=(influxdb)  # history export --format influx, read back by a throwaway influxd
for tool in node npm python3 cargo; do
  command -v "$tool" >/dev/null || { echo "error: $tool is required but not installed" >&2; exit 1; }
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  # The tests start their own influxd: where the package started its service (systemd), stop
  # it again so that nothing listens on 8086/8088 because of this script.
  if [[ " ${need[*]} " == *" influxdb "* ]] && command -v systemctl >/dev/null \
    && systemctl is-active --quiet influxdb 2>/dev/null; then
    $sudo systemctl disable --now influxdb >/dev/null 2>&1 || true
  fi
fi
# Python's jsonschema, in its own venv: the e2e tests validate result files against the
# committed schema/*.schema.json with it (a validator independent of the Rust types).
# Installed under the shared cache with a lock, as the harness installs its tools.
JSONSCHEMA_VERSION=4.26.0
cache="${BENCHMARK_HARNESS_CACHE:-$HOME/.cache/benchmark-harness}"
venv="$cache/tools/jsonschema-venv"
mkdir -p "$cache/locks" "$cache/tools"
(
  flock 9
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('jsonschema') != '$JSONSCHEMA_VERSION')" 2>/dev/null; then
    echo "installing jsonschema==$JSONSCHEMA_VERSION into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "jsonschema==$JSONSCHEMA_VERSION"
  fi
) 9>"$cache/locks/jsonschema-venv.lock"
echo "dependencies present: ruby $(ruby -e 'print RUBY_VERSION'), node $(node --version), $(python3 --version), $(cargo --version)" >&2
