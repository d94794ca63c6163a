# shellcheck shell=bash
# The history step of scripts/ci-benchmark.sh (sourced, not run): import a run's result files
# into the history store, list change points, send (or show) the alerts, draw the trend page,
# and write a markdown summary for the job. docs/ci.md, "The history store".
#
# Environment (besides BH, the harness binary):
#   HISTORY_DB            the SQLite store (default $RESULTS_DIR/history.db; created on first
#                         use). Always imported into: the workflow keeps it as an artifact.
#   BENCHMARK_HARNESS_DB  a postgres:// URL: the run is imported there too, and change points
#                         and alerts run on it (the team's shared store) instead of the SQLite
#                         file. Read by the harness from the environment, never put on a
#                         command line or printed (URLs in the harness's output are masked).
#   SMTP_SERVER SMTP_PORT SMTP_TLS SMTP_USER SMTP_FROM SMTP_TO
#                         `history alert --smtp-*` (each over the [alerts] table of
#                         benchmark-harness.toml); the password only from
#                         BENCHMARK_HARNESS_SMTP_PASSWORD, read by the harness. With no server
#                         configured, `alert --dry-run`: the mails go into the summary.
#   ALERT_LINK            the link put in the mails (default: this GitHub Actions run, if any)
#   HISTORY_SEEDED        how many of FILE… are committed results seeding a new store (said
#                         in the summary)

# mask: hide every postgres:// URL in a stream (the harness masks the password; this hides
# user and host too, since job logs and summaries of a public repository are public).
mask() { sed -E 's#postgres(ql)?://[^[:space:]`]*#<BENCHMARK_HARNESS_DB>#g'; }

# hist OUT ARGS…: `$BH history ARGS…`, stdout into OUT, stderr into OUT.err (both masked, and
# both copied to the job log); returns the harness's exit code.
hist() {
  local out=$1 rc=0
  shift
  "$BH" history "$@" >"$out.raw" 2>"$out.err.raw" || rc=$?
  mask <"$out.raw" >"$out"
  mask <"$out.err.raw" >"$out.err"
  rm -f "$out.raw" "$out.err.raw"
  cat "$out" "$out.err" >&2
  return "$rc"
}

# fenced FILE [MAX_LINES]: FILE in a fenced block, cut after MAX_LINES (default 200) lines.
fenced() {
  local max=${2:-200} n
  n=$(wc -l <"$1")
  echo '```'
  head -n "$max" "$1"
  echo '```'
  if [[ $n -gt $max ]]; then
    echo
    echo "($((n - max)) more lines in the job log)"
  fi
}

# record_history SUMMARY.md OUTDIR FILE…: the history step for FILE…; the trend page goes to
# OUTDIR/history-trend.html. Returns 0, or 1 when a step failed (each failure is in SUMMARY).
record_history() {
  local summary=$1 outdir=$2
  shift 2
  local files=("$@") failed=0 tmp where primary=() smtp=() server link
  tmp=$(mktemp -d)
  HISTORY_DB=${HISTORY_DB:-$RESULTS_DIR/history.db}
  mkdir -p "$(dirname "$HISTORY_DB")" "$outdir"
  # fail_step TITLE OUT: a failed step in the summary, with the tail of its messages.
  fail_step() {
    failed=1
    {
      echo "❌ $1 failed:"
      echo
      tail -n 20 "$2.err" >"$2.tail"
      fenced "$2.tail"
      echo
    } >>"$summary"
  }
  # last_line FILE: its last non-empty line, without the store's location (said already).
  last_line() { grep -v '^[[:space:]]*$' "$1" | tail -n 1 | sed -E 's/,? in [^ ]+$//'; }

  {
    echo "## 📈 History store"
    echo
  } >"$summary"

  if [[ ${HISTORY_SEEDED:-0} -gt 0 ]]; then
    {
      echo "New store: seeded with the ${HISTORY_SEEDED} committed result file(s) of earlier baselines"
      echo "(\`$RESULTS_DIR/history/\`) before this run's."
      echo
    } >>"$summary"
  fi
  echo "== history: import ${#files[@]} result file(s) into $HISTORY_DB" >&2
  if hist "$tmp/sqlite" --db "$HISTORY_DB" import "${files[@]}"; then
    echo "- SQLite \`$HISTORY_DB\`: $(last_line "$tmp/sqlite.err")" >>"$summary"
  else
    fail_step "Importing into the SQLite store \`$HISTORY_DB\`" "$tmp/sqlite"
  fi
  if [[ -n "${BENCHMARK_HARNESS_DB:-}" ]]; then
    echo "== history: import ${#files[@]} result file(s) into PostgreSQL (BENCHMARK_HARNESS_DB)" >&2
    where="PostgreSQL (\`BENCHMARK_HARNESS_DB\`)"
    # No --db: the harness reads the URL from the environment.
    if hist "$tmp/pg" import "${files[@]}"; then
      echo "- $where: $(last_line "$tmp/pg.err")" >>"$summary"
    else
      fail_step "Importing into $where" "$tmp/pg"
    fi
  else
    where="\`$HISTORY_DB\`"
    primary=(--db "$HISTORY_DB")
  fi
  echo >>"$summary"

  echo "== history: change points in $where" >&2
  if hist "$tmp/changes" "${primary[@]}" changes; then
    {
      echo "### Change points ($where)"
      echo
      echo "$(last_line "$tmp/changes.err"); \`[new]\`: found for the first time in this run."
      echo
      fenced "$tmp/changes"
      echo
    } >>"$summary"
  else
    fail_step "\`history changes\` on $where" "$tmp/changes"
  fi

  if hist "$tmp/trend" "${primary[@]}" trend --html "$outdir/history-trend.html"; then
    mv "$tmp/trend" "$outdir/history-trend.txt"
    echo "Trend over commits: \`history-trend.html\` (charts) and \`history-trend.txt\` beside the results." >>"$summary"
    echo >>"$summary"
  else
    fail_step "\`history trend\` on $where" "$tmp/trend"
  fi

  link=${ALERT_LINK:-}
  if [[ -z "$link" && -n "${GITHUB_RUN_ID:-}" ]]; then
    link="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID"
  fi
  [[ -z "$link" ]] || smtp+=(--link "$link")
  [[ -z "${SMTP_SERVER:-}" ]] || smtp+=(--smtp-server "$SMTP_SERVER")
  [[ -z "${SMTP_PORT:-}" ]] || smtp+=(--smtp-port "$SMTP_PORT")
  [[ -z "${SMTP_TLS:-}" ]] || smtp+=(--smtp-tls "$SMTP_TLS")
  [[ -z "${SMTP_USER:-}" ]] || smtp+=(--smtp-user "$SMTP_USER")
  [[ -z "${SMTP_FROM:-}" ]] || smtp+=(--smtp-from "$SMTP_FROM")
  [[ -z "${SMTP_TO:-}" ]] || smtp+=(--smtp-to "$SMTP_TO")
  server=${SMTP_SERVER:-$(conf_value alerts server)}
  echo "### Alerts" >>"$summary"
  echo >>"$summary"
  if [[ -n "$server" ]]; then
    echo "== history: alert (SMTP $server)" >&2
    if hist "$tmp/alert" "${primary[@]}" alert "${smtp[@]}"; then
      echo "$(last_line "$tmp/alert.err")." >>"$summary"
    else
      fail_step "\`history alert\` (SMTP server \`$server\`)" "$tmp/alert"
    fi
  else
    echo "== history: alert --dry-run (no SMTP server configured)" >&2
    if hist "$tmp/alert" "${primary[@]}" alert --dry-run "${smtp[@]}"; then
      {
        echo "No SMTP server is configured (\`SMTP_SERVER\`, or \`server\` in the \`[alerts]\` table of"
        echo "benchmark-harness.toml), so nothing was sent: $(head -n 1 "$tmp/alert")."
        if [[ $(wc -l <"$tmp/alert") -gt 1 ]]; then
          echo
          echo "<details><summary>The mails that would be sent (<code>history alert --dry-run</code>)</summary>"
          echo
          fenced "$tmp/alert" 400
          echo
          echo "</details>"
        fi
      } >>"$summary"
    else
      fail_step "\`history alert --dry-run\`" "$tmp/alert"
    fi
  fi
  echo >>"$summary"
  rm -rf "$tmp"
  return "$failed"
}
