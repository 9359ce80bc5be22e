#!/usr/bin/env bash
# Build the npm package into pkg/: the wasm (release profile, wasm-opt from the npm `binaryen`
# package), the `--target web` glue for browsers and bundlers, a Node entry that loads the wasm
# from disk, and a package.json with conditional exports.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run scripts/setup.sh" >&2; exit 1; }

wasm-pack build --release --target web --out-dir pkg --out-name cartsense --no-pack >&2

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
