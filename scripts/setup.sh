#!/usr/bin/env bash
# Installs what building (and, with --browser, testing) Packlab needs on a
# fresh machine, skipping whatever is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's command-line tool must match the library version in
# Cargo.lock exactly. `--locked` is left out on purpose: its lockfile pins a
# crate the registry mirror here lacks.
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [[ "$have" != "$wanted" ]]; then
  log "installing wasm-bindgen-cli $wanted (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$wanted"
fi

if [[ ! -x node_modules/.bin/wasm-opt ]] || ! npm ls --silent >/dev/null 2>&1; then
  log "installing npm packages"
  npm ci --no-audit --no-fund
fi

if [[ "${1:-}" == "--browser" ]] && ! command -v chromium >/dev/null; then
  log "installing Debian's chromium for the browser tests"
  sudo_prefix=""
  [[ $(id -u) -eq 0 ]] || sudo_prefix="sudo"
  $sudo_prefix apt-get update -qq
  $sudo_prefix apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
