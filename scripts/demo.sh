#!/usr/bin/env bash
# `npm run demo`: builds everything (the wasm package and the collector) and serves the demo on
# localhost with the collector and its dashboard, printing the URLs. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh --no-browser --no-postgres
node scripts/build.mjs
echo "building the collector (the first time takes a few minutes)…"
cargo build --release -p shirube-collector
exec node scripts/demo.mjs
