#!/bin/sh
# Usage: start.sh PORT WORKERS
# Puma in single mode for 1 worker, cluster mode (forked workers, app
# preloaded) for more. exec so that the harness's SIGTERM reaches Puma.
set -eu
port="${1:?usage: start.sh PORT WORKERS}"
workers="${2:-1}"

if [ "$workers" -gt 1 ]; then
  set -- --workers "$workers" --preload
else
  set --
fi

exec puma --no-config --environment production --quiet \
  --bind "tcp://127.0.0.1:$port" --threads 5:5 "$@" config.ru
