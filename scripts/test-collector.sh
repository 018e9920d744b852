#!/usr/bin/env bash
# The collector's tests: on SQLite always, and on PostgreSQL with a throwaway server started here
# (a fresh cluster in a temporary directory, on a Unix socket and a local port, owned by a
# non-root user when run as root, as PostgreSQL requires). Every integration scenario runs on
# both databases; SHIRUBE_REQUIRE_PG makes a missing PostgreSQL a failure, not a skip.
#
# Usage: scripts/test-collector.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/pg.sh
pg_start
trap pg_stop EXIT
export SHIRUBE_TEST_PG_URL="$PG_URL"
export SHIRUBE_REQUIRE_PG=1
cargo test -p shirube-collector "$@" -- --test-threads=2
