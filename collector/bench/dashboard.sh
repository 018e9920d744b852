#!/usr/bin/env bash
# The dashboard's benchmark (BENCHMARKS.md, "Dashboard"): seeds about a million events with
# `shirube-collector seed`, serves them with the shipped release binary, and times every report
# of /v1/reports/… and every HTML view over HTTP on loopback: one warm-up request, then the
# median (and slowest) of RUNS requests each. Runs on SQLite and on a throwaway PostgreSQL.
#
# Usage: collector/bench/dashboard.sh      (from the repository root; about 10 minutes)
#   USERS=11500 RUNS=7 END=2026-11-21 BACKENDS="sqlite postgres"
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
USERS=${USERS:-11500}
RUNS=${RUNS:-7}
# A fixed last day keeps the seeded data identical from one run (and one day) to the next.
END=${END:-2026-11-21}
BACKENDS=${BACKENDS:-"sqlite postgres"}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/collector-bench}

cargo build --release -p shirube-collector --bin shirube-collector >&2
bin=$CARGO_TARGET_DIR/release/shirube-collector

work=$(mktemp -d /tmp/shirube-dash-bench.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if declare -F pg_stop >/dev/null; then pg_stop; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ " $BACKENDS " == *" postgres "* ]]; then
  source scripts/pg.sh
  pg_start >&2
fi

from90=$(python3 -c "import datetime as d; print((d.date.fromisoformat('$END') - d.timedelta(days=89)).isoformat())")
from30=$(python3 -c "import datetime as d; print((d.date.fromisoformat('$END') - d.timedelta(days=29)).isoformat())")
q90="from=$from90&to=$END"
q30="from=$from30&to=$END"
reports=(
  "overview?$q30"
  "overview?$q90"
  "overview?$q90&tier=tech"
  "funnel?flow=welcome&$q90"
  "targets?$q90"
  "milestones?by=tier&$q90"
  "milestones?by=cohort&within=14&$q90"
  "lifecycle?$q90"
  "checklists?$q90"
  "surveys?$q90"
  "comments?$q90"
  "overview.csv?table=daily&$q90"
)
views=(
  "/?$q90"
  "/dashboard/funnel?$q90"
  "/dashboard/targets?$q90"
  "/dashboard/milestones?by=tier&$q90"
  "/dashboard/lifecycle?$q90"
  "/dashboard/checklists?$q90"
  "/dashboard/surveys?$q90"
)

# Median and maximum of RUNS timed requests (ms), after one warm-up.
time_path() {
  local url=$1
  curl -s -o /dev/null -H 'Authorization: Bearer sb_admin_demo' "$url"
  local times=()
  for _ in $(seq "$RUNS"); do
    local code t
    read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Authorization: Bearer sb_admin_demo' "$url")
    [ "$code" = 200 ] || { echo "bench: $url answered $code" >&2; exit 1; }
    times+=("$t")
  done
  python3 -c 'import sys,statistics as s; v=[float(x)*1000 for x in sys.argv[1:]]; print(f"{s.median(v):.1f} {max(v):.1f}")' "${times[@]}"
}

database_for() {
  case "$1" in
    sqlite) echo "sqlite:$work/dash.db" ;;
    postgres)
      "${PG_AS[@]}" "$pg_bin/psql" -q -h "$PG_DIR" -p "$PG_PORT" -U shirube -d postgres -c "CREATE DATABASE dash" >/dev/null
      echo "${PG_URL%/*}/dash" ;;
  esac
}

declare -A result
for backend in $BACKENDS; do
  db=$(database_for "$backend")
  echo "bench: seeding $USERS users ending $END into $backend" >&2
  "$bin" seed --users "$USERS" --days 90 --end "$END" --database "$db" --log-level warn | tee "$work/seed-$backend.txt" >&2
  : > "$work/banner"
  "$bin" serve --dev --database "$db" --listen 127.0.0.1:0 --log-level warn > "$work/banner" &
  server_pid=$!
  for _ in $(seq 100); do grep -q http:// "$work/banner" 2>/dev/null && break; sleep 0.1; done
  addr=$(sed -n 's|.*listening on http://\([0-9.:]*\).*|\1|p' "$work/banner" | head -n 1)
  curl -s -X PUT "http://$addr/v1/specs/acme" -H 'Authorization: Bearer sb_admin_demo' --data-binary @examples/saas-app/onboarding.json >/dev/null
  for r in "${reports[@]}"; do result["$backend|/v1/reports/$r"]=$(time_path "http://$addr/v1/reports/$r"); done
  for v in "${views[@]}"; do result["$backend|$v"]=$(time_path "http://$addr$v"); done
  events=$(sed -n 's/.*, \([0-9]*\) events in.*/\1/p' "$work/seed-$backend.txt")
  result["$backend|events"]=$events
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
done

printf '\nEvents seeded: %s\n\n' "$(for b in $BACKENDS; do printf '%s %s  ' "$b" "${result[$b|events]}"; done)"
printf '| request |'; for b in $BACKENDS; do printf ' %s median ms | %s max ms |' "$b" "$b"; done; printf '\n|---|'
for _ in $BACKENDS; do printf -- '---|---|'; done; printf '\n'
for p in "${reports[@]/#//v1/reports/}" "${views[@]}"; do
  printf '| `%s` |' "${p//$q90/<90 days>}" | sed "s/$q30/<30 days>/"
  for b in $BACKENDS; do read -r med max <<<"${result[$b|$p]}"; printf ' %s | %s |' "$med" "$max"; done
  printf '\n'
done
