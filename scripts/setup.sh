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

sudo_prefix=""
[[ $(id -u) -eq 0 ]] || sudo_prefix="sudo"
apt_updated=""
apt_install() {
  [[ -n "$apt_updated" ]] || { $sudo_prefix apt-get update -qq; apt_updated=1; }
  $sudo_prefix apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The page's file engine reads zstd-compressed Parquet with the zstd C
# library, which clang compiles to WebAssembly.
if ! command -v clang >/dev/null; then
  log "installing Debian's clang (zstd for the page's WebAssembly)"
  apt_install clang
fi

if [[ "${1:-}" == "--browser" ]] && ! command -v chromium >/dev/null; then
  log "installing Debian's chromium for the browser tests"
  apt_install chromium chromium-driver
fi
