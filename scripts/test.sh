#!/usr/bin/env bash
# Every test, in the order a failure is cheapest to find: lint, native core and CLI, the
# wasm boundary in Node and in headless Chrome, the built package in Node (tests written in
# TypeScript, so each call is also a typing test), its TypeScript types, and the demo shop in
# real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
export PATH="$PWD/node_modules/.bin:$PATH"
step() { echo; echo "=== $* ==="; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --features cli -- -D warnings
cargo clippy --lib --tests --target wasm32-unknown-unknown -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib --quiet

step "supply chain (cargo-deny: licences, bans, sources; advisories when reachable)"
if cargo deny --version >/dev/null 2>&1; then
  cargo deny --log-level error check licenses bans sources
  # The RustSec database is a git clone from GitHub: skipped where only registries are reachable.
  if timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1; then
    cargo deny --log-level error check advisories
  else
    echo "skipped advisories: the RustSec advisory database cannot be fetched from here"
  fi
else
  echo "skipped: cargo-deny is not installed (cargo install cargo-deny --locked)"
fi

step "native tests (core + CLI)"
cargo test --features cli

step "wasm boundary in Node"
wasm-pack test --node

step "wasm boundary in headless Chrome"
WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)"

step "build the npm package"
bash scripts/build-pkg.sh

step "the package as a storefront imports it (Node; the tests are TypeScript, type-checked against pkg/*.d.ts)"
rm -rf target/js-tests
tsc -p tests/js
node --test target/js-tests/

step "TypeScript consumers against pkg/*.d.ts (the package and cartsense/worker)"
tsc -p tests/ts

step "the pack built on Apache Spark (local mode, bakery data; spark/README.md)"
bash scripts/spark-test.sh

if [ -d tests/page ]; then
  step "demo shop in headless Chromium"
  node --test --test-concurrency=1 tests/page/
fi
echo
echo "all tests passed"
