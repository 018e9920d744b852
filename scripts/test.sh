#!/usr/bin/env bash
# `npm test`: every test layer, after installing what they need. Runs all layers even when one
# fails, then prints a summary and exits non-zero if any failed.
#
#   native     cargo test for the core and the SDK crate (data-driven validator tests, unit tests)
#   build      the wasm package and its size report
#   wasm       wasm-bindgen-test in headless Chromium
#   node       the npm package and the CLI under Node
#   browser    Playwright (playwright-core + Debian's chromium) against fixture pages
#   firefox    tour layouts, axe, keyboard, CSP, destroy(), delivery faults in Debian's Firefox ESR
#              (puppeteer-core over WebDriver BiDi)
#   webkit     the same in WebKitGTK, Safari's engine (its WebDriver server and MiniBrowser, in Xvfb),
#              plus the layouts without anchor positioning (Safari 17/18)
#   e2e        the demo app, the SDK and the collector together
#   collector  the collector's tests on SQLite and on a real PostgreSQL server
#
# Usage: scripts/test.sh [layer...]   (default: all, in this order)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=120
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

layers=("$@")
[ ${#layers[@]} -eq 0 ] && layers=(native build wasm node browser firefox webkit e2e collector)

declare -a summary=()
failed=0

run_layer() {
  local name=$1
  shift
  printf '\n\033[1m==== %s ====\033[0m\n' "$name"
  local t0=$(date +%s)
  if "$@"; then
    summary+=("pass  $name  ($(( $(date +%s) - t0 )) s)")
  else
    summary+=("FAIL  $name  ($(( $(date +%s) - t0 )) s)")
    failed=1
  fi
}

node_tests() {
  local dir=$1
  local files=$(ls "$dir"/*.test.mjs 2>/dev/null)
  if [ -z "$files" ]; then echo "(no tests in $dir)"; return 0; fi
  node --test --test-concurrency=1 --test-reporter=spec $files
}

e2e_tests() {
  cargo build -q -p shirube-collector && node_tests tests/e2e
}

for layer in "${layers[@]}"; do
  case "$layer" in
    native) run_layer "native: cargo test (core, validator, SDK crate)" cargo test --workspace --exclude shirube-collector ;;
    build) run_layer "build: wasm package + size report" node scripts/build.mjs ;;
    wasm) run_layer "wasm: wasm-bindgen-test in headless Chromium" cargo test --target wasm32-unknown-unknown -p shirube --test web ;;
    node) run_layer "node: npm package and CLI" node_tests tests/node ;;
    browser) run_layer "browser: Playwright in headless Chromium" node_tests tests/browser ;;
    firefox) run_layer "firefox: layouts, a11y, CSP, destroy, delivery in headless Firefox ESR" node_tests tests/firefox ;;
    webkit) run_layer "webkit: layouts, a11y, CSP, destroy, delivery in WebKitGTK (Safari's engine)" node_tests tests/webkit ;;
    e2e) run_layer "e2e: demo app + SDK + collector" e2e_tests ;;
    collector) run_layer "collector: SQLite and PostgreSQL" bash scripts/test-collector.sh ;;
    *) echo "test: unknown layer $layer" >&2; exit 2 ;;
  esac
done

printf '\n\033[1m==== summary ====\033[0m\n'
printf '%s\n' "${summary[@]}"
exit $failed
