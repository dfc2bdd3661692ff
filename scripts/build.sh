#!/usr/bin/env bash
# Builds the page: its WebAssembly module into www/pkg/, its scripts into
# www/dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --profile wasm-release --target wasm32-unknown-unknown --no-default-features --lib
rm -rf www/pkg
wasm-bindgen --target web --no-typescript --out-dir www/pkg \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/packlab.wasm"
# binaryen's optimiser cuts the module by about a third. It reads the
# features the module uses from the module itself: `--all-features` would
# let it emit some (compact imports) that Chromium refuses.
#
# `-ocimfs=100`: by default it inlines every function that has one caller,
# whatever its size, which undoes the `#[inline(never)]` boundaries of the
# engine (see `analysis::analyse`) and leaves functions of 20–40 KB that the
# browser then spends hundreds of milliseconds optimising in the first
# second of the page. Capped, the module is no larger.
node_modules/.bin/wasm-opt -Oz -ocimfs=100 www/pkg/packlab_bg.wasm -o www/pkg/packlab_bg.wasm
printf 'build: www/pkg/packlab_bg.wasm, %s bytes, %s gzipped\n' \
  "$(wc -c < www/pkg/packlab_bg.wasm)" "$(gzip -9 -c www/pkg/packlab_bg.wasm | wc -c)" >&2

# The page's modules, bundled: one script for the page and one for its
# workers, where the browser would otherwise fetch thirty modules, six at a
# time over HTTP/1.1, before the page could start (about a tenth of a
# second of the first render on the benchmark machine). Source maps keep
# the browser's tools pointing at the files in www/.
rm -rf www/dist
node_modules/.bin/esbuild www/main.js www/worker.js --bundle --format=esm --target=es2022 \
  --minify --sourcemap --outdir=www/dist --log-level=warning
printf 'build: www/dist/main.js, %s bytes; www/dist/worker.js, %s bytes\n' \
  "$(wc -c < www/dist/main.js)" "$(wc -c < www/dist/worker.js)" >&2
