#!/usr/bin/env bash
# Packlab's whole test suite, from a fresh clone: what `npm test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's heading says how long the one before it took, so that a slow
# run shows where its time went.
step_started=$SECONDS
step() {
  printf '\n(%d s)\n== %s\n' "$((SECONDS - step_started))" "$*"
  step_started=$SECONDS
}

# Cargo builds with the versions in Cargo.lock (`--locked`): a change to
# the dependencies that the lock does not record fails here, not later.

# `--fast` (npm run test:fast): formatting, the native lints, the native
# tests and the JavaScript unit tests only, for the edit–test loop (a
# minute or two, warm).
if [[ "${1:-}" == "--fast" ]]; then
  step "formatting and native lints"
  cargo fmt --check
  cargo clippy --locked --all-targets -- -D warnings
  step "JavaScript unit tests (Node, no browser)"
  npm run --silent test:js
  step "native tests"
  cargo test --locked
  exit 0
fi

step "setup"
bash scripts/setup.sh --browser

step "formatting and lints"
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown --no-default-features --lib --tests -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown --no-default-features --features files-module --lib --tests -- -D warnings
# The library's documentation, for each build: its links must resolve.
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib --quiet
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib --quiet --target wasm32-unknown-unknown --no-default-features
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib --quiet --target wasm32-unknown-unknown --no-default-features --features files-module

step "JavaScript unit tests (Node, no browser): the page's pure modules"
npm run --silent test:js

step "native tests: library, CLI, input formats, NNLS, reference figures"
# The reference figures are read from shared/data beside the repository.
reference=""
for dir in .. ../.. ../../..; do
  if [[ -f "$dir/shared/data/squad11_384.json" ]]; then reference="$dir/shared/data"; break; fi
done
if [[ -n "${PACKLAB_DATA_DIR:-}" ]]; then reference="$PACKLAB_DATA_DIR"; fi
if [[ -n "$reference" ]]; then
  echo "SQuAD reference figures: checked against $reference"
else
  echo "notice: shared/data/squad11_384.json not found beside the repository;" \
       "the SQuAD reference figures are skipped (set PACKLAB_DATA_DIR to check them)"
fi
cargo test --locked

step "Python: the examples against the CLI, the LP bound against HiGHS, the trainers against TRL and NumPy, the readers against pyarrow, datasets and Megatron's layout (a venv from PyPI)"
PACKLAB_BIN="${CARGO_TARGET_DIR:-target}/debug/packlab" bash scripts/python-check.sh

step "WebAssembly boundary tests (Node): the page's engine and the file engine"
cargo test --locked --target wasm32-unknown-unknown --no-default-features --test wasm
cargo test --locked --target wasm32-unknown-unknown --no-default-features --features files-module --test wasm_files

if [[ -f tests/wasm_charts.rs ]]; then
  step "chart tests (WebAssembly in headless Chromium)"
  CHROMEDRIVER=$(command -v chromedriver) \
    cargo test --locked --target wasm32-unknown-unknown --no-default-features --test wasm_charts
fi

step "build the page"
bash scripts/build.sh

step "browser tests (the real page in headless Chromium)"
node --test --test-concurrency=1 tests/browser/*.test.mjs
printf '\n(%d s)\n== done in %d s\n' "$((SECONDS - step_started))" "$SECONDS"
