#!/usr/bin/env bash
# Ingest before and after a change to the write path (BENCHMARKS.md, "Dashboard"): the same load
# generator against two collector binaries, runs interleaved (before, after, before, after…)
# so that machine noise falls on both alike, each run on an empty database. Loads: batches of
# 10 and 50 events, every event on one user (the "Collector" section's load) or spread over
# 10,000 users (each event a new user-day, the worst case for per-user rollups).
#
# Usage: collector/bench/ingest-ab.sh BEFORE_BINARY AFTER_BINARY LOADGEN_BINARY
#   RUNS=3 SECONDS_PER_RUN=10 CONNECTIONS=32 BACKENDS="sqlite postgres" SIZES="10 50" USERS="0 10000"
set -euo pipefail
cd "$(dirname "$0")/../.."
before=${1:?before binary}
after=${2:?after binary}
loadgen=${3:?loadgen binary}
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNECTIONS=${CONNECTIONS:-32}
BACKENDS=${BACKENDS:-"sqlite postgres"}
SIZES=${SIZES:-"10 50"}
USERS=${USERS:-"0 10000"}

work=$(mktemp -d /tmp/shirube-ab.XXXXXX)
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
cat > "$work/bench.toml" <<TOML
[limits]
rate_per_second = 1000000000
burst = 1000000000
max_in_flight = 4096

[[projects]]
name = "bench"
write_key = "sb_pub_bench"
admin_token = "sb_admin_bench"
origins = ["*"]
TOML

n=0
database_for() {
  n=$((n + 1))
  case "$1" in
    sqlite) echo "sqlite:$work/ab_$n.db" ;;
    postgres)
      "${PG_AS[@]}" "$pg_bin/psql" -q -h "$PG_DIR" -p "$PG_PORT" -U shirube -d postgres -c "CREATE DATABASE ab_$n" >/dev/null
      echo "${PG_URL%/*}/ab_$n" ;;
  esac
}

median() { python3 -c 'import sys,json,statistics as s; k=sys.argv[1]; v=[json.loads(l)[k] for l in sys.stdin if l.strip()]; print(round(s.median(v),1))' "$1"; }

rows=()
for backend in $BACKENDS; do
  for size in $SIZES; do
    for users in $USERS; do
      : > "$work/before.jsonl"; : > "$work/after.jsonl"
      for _ in $(seq "$RUNS"); do
        for which in before after; do
          bin=$before; [ "$which" = after ] && bin=$after
          db=$(database_for "$backend")
          : > "$work/banner"
          "$bin" serve --config "$work/bench.toml" --database "$db" --listen 127.0.0.1:0 --log-level warn > "$work/banner" &
          server_pid=$!
          for _ in $(seq 100); do grep -q http:// "$work/banner" 2>/dev/null && break; sleep 0.1; done
          addr=$(sed -n 's|.*http://\([0-9.:]*\).*|\1|p' "$work/banner" | head -n 1)
          "$loadgen" http --addr "$addr" --key sb_pub_bench --batch "$size" --connections "$CONNECTIONS" --seconds "$SECONDS_PER_RUN" --users "$users" \
            | tee -a "$work/$which.jsonl" >&2
          kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
          rm -f "$work"/ab_*.db*
        done
      done
      fails=$(cat "$work/before.jsonl" "$work/after.jsonl" | python3 -c 'import sys,json; print(sum(json.loads(l)["requests_failed"] for l in sys.stdin if l.strip()))')
      [ "$fails" = 0 ] || echo "bench: $fails requests failed ($backend, batch $size, users $users)" >&2
      b=$(median events_per_s < "$work/before.jsonl"); a=$(median events_per_s < "$work/after.jsonl")
      bp=$(median p50_ms < "$work/before.jsonl"); ap=$(median p50_ms < "$work/after.jsonl")
      b99=$(median p99_ms < "$work/before.jsonl"); a99=$(median p99_ms < "$work/after.jsonl")
      rows+=("$backend $size $users $b $a $bp $ap $b99 $a99")
    done
  done
done

printf '\n| database | events per request | users | before events/s | after events/s | after ÷ before | p50 ms before → after | p99 ms before → after |\n|---|---|---|---|---|---|---|---|\n'
for r in "${rows[@]}"; do
  read -r backend size users b a bp ap b99 a99 <<<"$r"
  label=$([ "$users" = 0 ] && echo "1" || echo "$users")
  printf '| %s | %s | %s | %s | %s | %s | %s → %s | %s → %s |\n' "$backend" "$size" "$label" "$b" "$a" "$(python3 -c "print(f'{$a/$b:.2f}')")" "$bp" "$ap" "$b99" "$a99"
done
