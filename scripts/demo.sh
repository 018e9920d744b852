#!/usr/bin/env bash
# `npm run demo`: builds everything and serves the demo on localhost, printing the URLs.
# Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh --no-browser --no-postgres
node scripts/build.mjs

PORT=${PORT:-8080}
node scripts/serve.mjs --port "$PORT" &
web=$!
trap 'kill $web 2>/dev/null' EXIT INT TERM
sleep 0.5
cat <<MSG

  Shirube demo is running:
    demo home      http://127.0.0.1:$PORT/
    spec checker   http://127.0.0.1:$PORT/playground/

  Press Ctrl-C to stop.
MSG
wait $web
