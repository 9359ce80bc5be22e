#!/usr/bin/env bash
# Build the npm package into pkg/: the wasm (release profile, wasm-opt from the npm `binaryen`
# package), the `--target web` glue for browsers and bundlers, a Node entry that loads the wasm
# from disk, and a package.json with conditional exports.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run scripts/setup.sh" >&2; exit 1; }

# The wasm is built as a cdylib alone. `wasm-pack build` compiles the library with both of its
# crate types (cdylib for the wasm, rlib for the CLI and the tests) in one rustc run, and with an
# rlib in the same run every public non-generic function counts as exported and survives LTO:
# the whole Rust API and the Debug impls of public types (with float formatting) stayed in the
# wasm, 297 KB instead of 242 KB (126 vs 104 KB gzip). So: `cargo rustc --crate-type cdylib`,
# then the same wasm-bindgen and wasm-opt steps wasm-pack runs.
cargo rustc --lib --release --target wasm32-unknown-unknown --crate-type cdylib >&2
target_dir=${CARGO_TARGET_DIR:-target}
bindgen_version=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"/\1/p}' Cargo.lock)
# A wasm-bindgen CLI of exactly that version: on PATH, or one wasm-pack installed in its cache
# (a directory named after the version when cargo-installed, after a hash when downloaded).
find_bindgen() {
  local b
  for b in "$(command -v wasm-bindgen || true)" "${WASM_PACK_CACHE:-$HOME/.cache/.wasm-pack}"/*/wasm-bindgen; do
    if [ -x "$b" ] && "$b" --version 2>/dev/null | grep -q " $bindgen_version\$"; then
      echo "$b"
      return
    fi
  done
}
bindgen=$(find_bindgen)
if [ -z "$bindgen" ]; then
  # First build on this machine: let wasm-pack fetch the wasm-bindgen matching Cargo.lock.
  wasm-pack build --dev --target web --out-dir "$target_dir/wasm-pack-bootstrap" --no-pack >&2
  bindgen=$(find_bindgen)
  [ -n "$bindgen" ] || { echo "no wasm-bindgen $bindgen_version found after wasm-pack build" >&2; exit 1; }
fi
rm -rf pkg && mkdir -p pkg
"$bindgen" "$target_dir/wasm32-unknown-unknown/release/cartsense.wasm" --out-dir pkg --typescript \
  --target web --out-name cartsense >&2
# The wasm-opt flags wasm-pack would pass (Cargo.toml, [package.metadata.wasm-pack.profile.release]).
read -r -a opt_flags <<<"$(sed -n 's/^wasm-opt = \[\(.*\)\]/\1/p' Cargo.toml | tr -d '",')"
wasm-opt "${opt_flags[@]}" pkg/cartsense_bg.wasm -o pkg/cartsense_bg.wasm

cat > pkg/node.js <<'JS'
// Node entry: instantiate the wasm synchronously from the file next to this one, so
// `import { Recommender } from 'cartsense'` works with no init call.
import { readFileSync } from 'node:fs';
import { initSync } from './cartsense.js';
initSync({ module: readFileSync(new URL('./cartsense_bg.wasm', import.meta.url)) });
export * from './cartsense.js';
export { default } from './cartsense.js';
JS

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cat > pkg/package.json <<JSON
{
  "name": "cartsense",
  "version": "$version",
  "description": "On-device recommendations for web shops: personalised lists, similar items and cart bundles scored in the shopper's browser with WebAssembly. The shopper's history never leaves the device.",
  "license": "MIT OR Apache-2.0",
  "repository": { "type": "git", "url": "https://github.com/cartsense/cartsense" },
  "keywords": ["recommender", "recommendations", "ecommerce", "wasm", "privacy", "on-device"],
  "type": "module",
  "main": "./node.js",
  "module": "./cartsense.js",
  "types": "./cartsense.d.ts",
  "exports": {
    ".": {
      "types": "./cartsense.d.ts",
      "node": "./node.js",
      "default": "./cartsense.js"
    },
    "./cartsense_bg.wasm": "./cartsense_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["cartsense.js", "cartsense.d.ts", "cartsense_bg.wasm", "cartsense_bg.wasm.d.ts", "node.js", "README.md", "LICENSE-MIT", "LICENSE-APACHE"],
  "sideEffects": false,
  "engines": { "node": ">=18" }
}
JSON
cp README.md pkg/README.md 2>/dev/null || true
cp LICENSE-MIT LICENSE-APACHE pkg/ 2>/dev/null || true
rm -f pkg/.gitignore
# The Web Worker entry `cartsense/worker` (js/): page-side API, the worker script, types.
cp js/worker.js js/worker-main.js js/worker.d.ts pkg/
node -e '
const fs = require("fs");
const pkg = JSON.parse(fs.readFileSync("pkg/package.json", "utf8"));
pkg.exports["./worker"] = { types: "./worker.d.ts", default: "./worker.js" };
pkg.files.push("worker.js", "worker-main.js", "worker.d.ts");
fs.writeFileSync("pkg/package.json", JSON.stringify(pkg, null, 2) + "\n");
'
raw=$(stat -c %s pkg/cartsense_bg.wasm)
gz=$(gzip -9 -c pkg/cartsense_bg.wasm | wc -c)
echo "pkg/cartsense_bg.wasm: $raw bytes, $gz bytes gzip -9" >&2
# Size budget (issue 5): what a storefront downloads stays at or under 120 KB gzip. Growth shows
# up here, in `make test`, instead of in a later measurement (docs/perf.md, "Size").
budget=${CARTSENSE_GZIP_BUDGET:-120000}
if [ "$gz" -gt "$budget" ]; then
  echo "pkg/cartsense_bg.wasm is $gz bytes gzip -9, over the budget of $budget bytes (docs/perf.md, \"Size\")" >&2
  exit 1
fi
