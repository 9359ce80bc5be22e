#!/usr/bin/env bash
# Install what is missing, and nothing else: the pinned Rust toolchain with the wasm32 target,
# wasm-pack, the npm dev tools (wasm-opt from `binaryen`, typescript and @types/node for the
# TypeScript tests, playwright-core) and,
# for the full test run (--browser), cargo-deny and Debian's chromium + chromium-driver. Idempotent and quick when all
# is there. Usage: scripts/setup.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*" >&2; }

WASM_PACK_VERSION=0.15.1

if ! command -v cargo >/dev/null; then
  log "cargo not found: install Rust with rustup first (https://rustup.rs)"; exit 1
fi
# rust-toolchain.toml pins the toolchain and lists the wasm32 target; rustup installs both on
# first use, but say it explicitly so a failure is reported here.
toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -q wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target to $toolchain"
  rustup toolchain install "$toolchain" --profile minimal -c rustfmt -c clippy -t wasm32-unknown-unknown >&2
fi

if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
  log "installing wasm-pack $WASM_PACK_VERSION (takes a few minutes once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked >&2
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dev tools"
  npm ci --no-audit --no-fund >&2
fi
# Tests import the built package by name, as a storefront would.
ln -sfn ../pkg node_modules/cartsense

# Supply-chain checks (licences, bans, sources) in `make test`. Optional: a failed install is
# reported and the test step skips itself with a message.
DENY_VERSION=0.20.2
if [ "${1:-}" = "--browser" ] && ! cargo deny --version 2>/dev/null | grep -q "$DENY_VERSION"; then
  log "installing cargo-deny $DENY_VERSION (about 9 minutes once)"
  cargo install cargo-deny --version "$DENY_VERSION" --locked >&2 || log "cargo-deny did not install: its checks will be skipped"
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing chromium and chromium-driver"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >&2
  fi
fi
log "ready"
