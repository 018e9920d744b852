#!/usr/bin/env bash
# The collector's benchmark (BENCHMARKS.md, "Collector"): sustained ingest over loopback with
# batches of 10 and 50 events, on SQLite and on PostgreSQL, next to the raw batched-insert
# ceiling measured in the same run on the same database. Each figure is the median of RUNS
# runs. Bounded: every HTTP run lasts SECONDS seconds with CONNECTIONS closed-loop connections.
#
# Usage: collector/bench/run.sh            (from the repository root; about 12 minutes)
#   RUNS=5 SECONDS_PER_RUN=10 CONNECTIONS=32 BACKENDS="sqlite postgres"
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
RUNS=${RUNS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNECTIONS=${CONNECTIONS:-32}
BACKENDS=${BACKENDS:-"sqlite postgres"}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/collector-bench}

# The workspace's release profile (opt-level "s", fat LTO, panic=abort) is what
# `cargo build --release -p shirube-collector` ships; the benchmark measures that binary.
cargo build --release -p shirube-collector --bin shirube-collector --example loadgen >&2
bin=$CARGO_TARGET_DIR/release/shirube-collector
loadgen=$CARGO_TARGET_DIR/release/examples/loadgen

work=$(mktemp -d /tmp/shirube-bench.XXXXXX)
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

median() { python3 -c 'import sys,json,statistics as s; k=sys.argv[1]; v=[json.loads(l)[k] for l in sys.stdin if l.strip()]; print(round(s.median(v),2))' "$1"; }

database_for() {
  case "$1" in
    sqlite) echo "sqlite:$work/$2.db" ;;
    postgres)
      "${PG_AS[@]}" "$pg_bin/psql" -q -h "$PG_DIR" -p "$PG_PORT" -U shirube -d postgres -c "CREATE DATABASE $2" >/dev/null
      echo "${PG_URL%/*}/$2" ;;
  esac
}

# One run of each mode, appended to $work/<backend>-<mode>-<size>.jsonl.
run_raw() {
  local db; db=$(database_for "$1" "raw_$2")
  "$loadgen" raw --database "$db" --batch 500 --events 200000 | tee -a "$work/$1-raw-500.jsonl" >&2
  rm -f "$work"/raw_*.db*
}
# The design's own ceiling: the collector's Store::ingest fed prepared batches by 32 tasks,
# without HTTP and JSON (events, the users upsert and the dashboard's rollups).
run_store() {
  local db; db=$(database_for "$1" "store_$3_$2")
  "$loadgen" store --database "$db" --batch "$3" --events 200000 --connections "$CONNECTIONS" | tee -a "$work/$1-store-$3.jsonl" >&2
  rm -f "$work"/store_*.db*
}
# Each HTTP run starts on an empty database, like each raw run, so both insert into tables of
# the same size.
run_http() {
  local db; db=$(database_for "$1" "http_$3_$2")
  : > "$work/banner"
  "$bin" serve --config "$work/bench.toml" --database "$db" --listen 127.0.0.1:0 --log-level warn > "$work/banner" &
  server_pid=$!
  for _ in $(seq 100); do grep -q http:// "$work/banner" 2>/dev/null && break; sleep 0.1; done
  local addr; addr=$(sed -n 's|.*http://\([0-9.:]*\).*|\1|p' "$work/banner" | head -n 1)
  "$loadgen" http --addr "$addr" --key sb_pub_bench --batch "$3" --connections "$CONNECTIONS" --seconds "$SECONDS_PER_RUN" | tee -a "$work/$1-http-$3.jsonl" >&2
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  rm -f "$work"/http_*.db*
}

# Rounds, not blocks: each round runs every mode once, back to back, so that a slow or busy
# stretch of the shared machine falls on the ceilings and on the collector alike.
results=()
for backend in $BACKENDS; do
  for i in $(seq "$RUNS"); do
    run_raw "$backend" "$i"
    for size in 10 50; do run_store "$backend" "$i" "$size"; run_http "$backend" "$i" "$size"; done
  done
  results+=("$backend raw 500 $(median events_per_s < "$work/$backend-raw-500.jsonl") - -")
  for size in 10 50; do results+=("$backend store $size $(median events_per_s < "$work/$backend-store-$size.jsonl") - -"); done
  for size in 10 50; do
    f="$work/$backend-http-$size.jsonl"
    fails=$(python3 -c 'import sys,json; print(sum(json.loads(l)["requests_failed"] for l in sys.stdin if l.strip()))' < "$f")
    [ "$fails" = 0 ] || echo "bench: $fails requests failed in $backend batch $size" >&2
    results+=("$backend http $size $(median events_per_s < "$f") $(median p50_ms < "$f") $(median p99_ms < "$f")")
  done
done

printf '\n| backend | mode | events per request / transaction | events/s (median of %s) | p50 ms | p99 ms | share of raw ceiling | share of store ceiling |\n|---|---|---|---|---|---|---|---|\n' "$RUNS"
declare -A store_eps=()
for r in "${results[@]}"; do
  read -r backend mode size eps p50 p99 <<<"$r"
  [ "$mode" = store ] && store_eps[$backend$size]=$eps
done
for r in "${results[@]}"; do
  read -r backend mode size eps p50 p99 <<<"$r"
  if [ "$mode" = raw ]; then ceiling=$eps; share="1.00"; else share=$(python3 -c "print(f'{$eps/$ceiling:.2f}')"); fi
  sshare="–"
  if [ "$mode" = store ]; then sshare="1.00"; elif [ "$mode" = http ]; then sshare=$(python3 -c "print(f'{$eps/${store_eps[$backend$size]}:.2f}')"); fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$mode" "$size" "$eps" "$p50" "$p99" "$share" "$sshare"
done

# The rounds are interleaved, so each round's http/raw ratio compares runs a minute apart.
echo
for backend in $BACKENDS; do
  for size in 10 50; do
    python3 - "$work/$backend-raw-500.jsonl" "$work/$backend-http-$size.jsonl" "$backend" "$size" <<'PY'
import json, statistics, sys
raw = [json.loads(l)["events_per_s"] for l in open(sys.argv[1]) if l.strip()]
http = [json.loads(l)["events_per_s"] for l in open(sys.argv[2]) if l.strip()]
r = [h / c for h, c in zip(http, raw)]
print(f"{sys.argv[3]} http/{sys.argv[4]} share of raw per round: median {statistics.median(r):.2f}, rounds " + ", ".join(f"{x:.2f}" for x in r))
PY
  done
done
