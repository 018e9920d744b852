# Sourced by test and benchmark scripts: pg_start starts a throwaway PostgreSQL server and sets
# PG_URL; pg_stop stops it and removes its data. Binds to 127.0.0.1 only.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

pg_start() {
  if [ -z "$pg_bin" ]; then echo "pg: PostgreSQL is not installed (run scripts/setup.sh)" >&2; return 1; fi
  PG_DIR=$(mktemp -d /tmp/shirube-pg.XXXXXX)
  PG_PORT=${PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id shirube-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin shirube-pg
    chown shirube-pg "$PG_DIR"
    as=(runuser -u shirube-pg --)
  fi
  "${as[@]}" "$pg_bin/initdb" -D "$PG_DIR/data" -U shirube --auth=trust -E UTF8 --no-locale >/dev/null
  # A random port may be taken by someone else: try a few before giving up.
  local tries=0
  until "${as[@]}" "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=on -c max_connections=200" start >/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -ge 3 ]; then
      echo "pg: PostgreSQL did not start; its log:" >&2
      cat "$PG_DIR/log" >&2
      return 1
    fi
    PG_PORT=$(( 20000 + RANDOM % 20000 ))
  done
  PG_URL="postgres://shirube@127.0.0.1:$PG_PORT/postgres"
  PG_AS=("${as[@]}")
  export PG_URL PG_DIR PG_PORT
  echo "pg: PostgreSQL running at $PG_URL"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    "${PG_AS[@]}" "$pg_bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
