#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently and quickly when it is already there:
# the wasm32 target, the wasm-bindgen CLI pinned to the crate's version, Debian's chromium,
# chromium-driver, firefox-esr, webkit2gtk-driver and xvfb, PostgreSQL, and the npm dependencies.
#
# Usage: scripts/setup.sh [--no-browser] [--no-postgres]
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
want_pg=1
for a in "$@"; do
  case "$a" in
    --no-browser) want_browser=0 ;;
    --no-postgres) want_pg=0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
t0=$(date +%s)

# --- Rust: the wasm32 target ---------------------------------------------------------------
if ! command -v cargo >/dev/null; then
  echo "setup: cargo is not installed; this project needs the Rust toolchain (rustup)" >&2
  exit 1
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-bindgen CLI, the same version as the crate (Cargo.toml pins it with =) -------------
wb_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
if [ -z "$wb_version" ]; then echo "setup: cannot find the pinned wasm-bindgen version in Cargo.toml" >&2; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (about 3 minutes)"
  # --locked first, as upstream tested it; if the registry lacks one of its locked versions,
  # let cargo resolve compatible ones.
  cargo install --locked --force wasm-bindgen-cli --version "$wb_version" \
    || cargo install --force wasm-bindgen-cli --version "$wb_version"
fi

# --- Debian packages ------------------------------------------------------------------------
apt_pkgs=()
if [ "$want_browser" = 1 ]; then
  command -v chromium >/dev/null || apt_pkgs+=(chromium)
  command -v chromedriver >/dev/null || apt_pkgs+=(chromium-driver)
  # The cross-browser layer (tests/firefox): Debian's Firefox ESR, driven over WebDriver BiDi.
  [ -x /usr/bin/firefox-esr ] || apt_pkgs+=(firefox-esr)
  # And WebKit, Safari's engine (tests/webkit): WebKitGTK's WebDriver server with its
  # MiniBrowser, which has no headless mode and draws into an Xvfb display.
  [ -x /usr/bin/WebKitWebDriver ] || apt_pkgs+=(webkit2gtk-driver)
  [ -x /usr/bin/Xvfb ] || apt_pkgs+=(xvfb)
fi
if [ "$want_pg" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || apt_pkgs+=(postgresql)
fi
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
  say "installing Debian packages: ${apt_pkgs[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "setup: need root (or passwordless sudo) to apt-get install ${apt_pkgs[*]}" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

# --- npm dependencies -----------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "ready in $(( $(date +%s) - t0 )) s"
