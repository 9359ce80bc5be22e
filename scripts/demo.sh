#!/usr/bin/env bash
# Serve the demo shop (www/) on http://127.0.0.1:${PORT:-8080}/.
# Builds the wasm package first (installing what the build needs) when pkg/ is missing or older
# than src/ (outside src/bin), Cargo.toml or Cargo.lock. Serving itself needs only Node.
set -euo pipefail
cd "$(dirname "$0")/.."

wasm=pkg/cartsense_bg.wasm
# src/bin is the CLI only: it never reaches the wasm, so it does not trigger a rebuild.
stale=$(find src Cargo.toml Cargo.lock -path src/bin -prune -o -type f -newer "$wasm" -print -quit 2>/dev/null || true)
if [[ ! -f $wasm || ! -f pkg/cartsense.js || -n $stale ]]; then
  echo "building pkg/ (scripts/setup.sh, then scripts/build-pkg.sh)..." >&2
  bash scripts/setup.sh # installs only what is missing (Rust wasm32 target, wasm-pack, wasm-opt)
  bash scripts/build-pkg.sh
fi
for f in www/data/model.cspk www/data/products.json; do
  [[ -f $f ]] || { echo "$f is missing (it is committed; regenerate with: node scripts/demo-data.mjs)" >&2; exit 1; }
done
exec node www/serve.mjs
