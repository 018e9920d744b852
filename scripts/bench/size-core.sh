#!/usr/bin/env bash
# Size experiment (BENCHMARKS.md, "Size"): how large is the pure core alone — spec decoding and
# validation, the engine, views, explanations, progress, JSON, Markdown — without the browser
# shell (src/runtime.rs, src/dom, src/transport.rs, src/sync.rs, src/store.rs, src/api.rs)?
# Copies the crate without those modules into a scratch directory, builds a harness with one
# export that drives the core (scripts/bench/size-core/lib.rs) with the release profile of the
# SDK, runs the same wasm-bindgen and wasm-opt -Os, and prints raw and gzip bytes.
#
# Usage: bash scripts/bench/size-core.sh      (from the repository root, after npm ci; ~1 min)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
work=$(mktemp -d /tmp/shirube-size-core.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/core" "$work/harness/src"
cp -r "$root/src" "$work/core/"
# The crate without its browser shell: drop the wasm32-only modules from lib.rs.
python3 - "$work/core/src/lib.rs" <<'PY'
import sys, re
p = sys.argv[1]; s = open(p).read()
s = re.sub(r'#\[cfg\(target_arch = "wasm32"\)\]\npub mod \w+;\n', '', s)
open(p, 'w').write(s)
PY
version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$root/Cargo.toml")
ryu=$(sed -n 's/^ryu = \(.*\)/\1/p' "$root/Cargo.toml")
talc=$(sed -n 's/^talc = \(.*\)/\1/p' "$root/Cargo.toml")
cat > "$work/core/Cargo.toml" <<TOML
[package]
name = "shirube"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
ryu = $ryu
[target.'cfg(target_arch = "wasm32")'.dependencies]
talc = $talc
TOML
cat > "$work/harness/Cargo.toml" <<TOML
[package]
name = "coreonly"
version = "0.0.0"
edition = "2021"
publish = false
[lib]
crate-type = ["cdylib"]
[dependencies]
shirube = { path = "../core" }
wasm-bindgen = "=$version"
[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
[workspace]
TOML
cp "$root/scripts/bench/size-core/lib.rs" "$work/harness/src/lib.rs"
( cd "$work/harness" && CARGO_TARGET_DIR="$root/target/size-core" cargo build -q --release --target wasm32-unknown-unknown )
wasm-bindgen "$root/target/size-core/wasm32-unknown-unknown/release/coreonly.wasm" --target web --out-dir "$work/out" --no-typescript
"$root/node_modules/.bin/wasm-opt" -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-debug --strip-producers \
  "$work/out/coreonly_bg.wasm" -o "$work/out/core.wasm"
raw=$(wc -c < "$work/out/core.wasm")
gz=$(gzip -9 -c "$work/out/core.wasm" | wc -c)
echo "core without the browser shell: $raw bytes raw, $gz gzipped"
if [ -f "$root/dist/size.json" ]; then
  python3 - "$root/dist/size.json" "$raw" "$gz" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); w = next(f for f in d["files"] if f["name"] == "dist/shirube_bg.wasm")
raw, gz = int(sys.argv[2]), int(sys.argv[3])
print(f"the SDK's wasm (dist/): {w['raw']} raw, {w['gzip']} gzipped; the shell's share: {w['raw'] - raw} raw, {w['gzip'] - gz} gzipped")
PY
fi
