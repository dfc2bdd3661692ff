#!/usr/bin/env bash
# Builds the page: its WebAssembly module into www/pkg/, its scripts into
# www/dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

# Two WebAssembly modules from the one crate (see src/wasm/mod.rs): the
# page's engine, which every visit loads, and the file engine (readers and
# the plan of the user's own sequences), which a worker loads when a user
# first reads files of their own.
#
# A module whose compiled code is unchanged is not bound and optimised
# again (that takes most of a rebuild): `npm start` with nothing changed is
# quick. The stamp beside each module records what it was made from.
build_module() {
  local name=$1 profile=$2
  shift 2
  cargo build --locked --profile "$profile" --target wasm32-unknown-unknown --no-default-features --lib "$@"
  local compiled="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/packlab.wasm"
  local stamp="www/pkg/${name}.stamp"
  local made_from
  made_from="$(sha256sum "$compiled" | cut -d' ' -f1) $(wasm-bindgen --version) $(sha256sum scripts/build.sh | cut -d' ' -f1)"
  if [[ -f "www/pkg/${name}_bg.wasm" && -f "www/pkg/${name}.js" && "$(cat "$stamp" 2>/dev/null)" == "$made_from" ]]; then
    printf 'build: www/pkg/%s_bg.wasm is up to date\n' "$name" >&2
    return
  fi
  rm -f "www/pkg/${name}"*
  wasm-bindgen --target web --no-typescript --out-dir www/pkg --out-name "$name" "$compiled"
  # binaryen's optimiser cuts the module by about a third. It reads the
  # features the module uses from the module itself: `--all-features` would
  # let it emit some (compact imports) that Chromium refuses.
  #
  # `-ocimfs=100`: by default it inlines every function that has one caller,
  # whatever its size, which undoes the `#[inline(never)]` boundaries of the
  # engine (see `analysis::analyse`) and leaves functions of 20–40 KB that the
  # browser then spends hundreds of milliseconds optimising in the first
  # second of the page. Capped, the module is no larger.
  node_modules/.bin/wasm-opt -Oz -ocimfs=100 "www/pkg/${name}_bg.wasm" -o "www/pkg/${name}_bg.wasm"
  printf 'build: www/pkg/%s_bg.wasm, %s bytes, %s gzipped\n' "$name" \
    "$(wc -c < "www/pkg/${name}_bg.wasm")" "$(gzip -9 -c "www/pkg/${name}_bg.wasm" | wc -c)" >&2
  printf '%s\n' "$made_from" > "$stamp"
}
mkdir -p www/pkg
build_module packlab wasm-release
build_module packlab_files wasm-files --features files-module

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
