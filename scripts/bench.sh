#!/usr/bin/env bash
# Packlab's benchmarks: criterion's statistics, the tables of
# docs/performance.md, and the page in headless Chromium. What `npm run
# bench` runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --browser
printf '\n== criterion benchmarks (fixed data)\n'
cargo bench --locked --bench packing
printf '\n== tables: every algorithm on every dataset, and how cost grows\n'
cargo bench --locked --bench tables
printf '\n== the page in headless Chromium\n'
bash scripts/build.sh
node scripts/bench-page.mjs
printf "\n== the dataset readers (files written by pyarrow and datasets)\n"
bash scripts/python-check.sh --venv-only
cargo build --locked --release --quiet --bin packlab
target/python-venv/bin/python scripts/bench-readers.py target/release/packlab
printf "\n== tokenizing text natively (real text from the venv, two kinds of byte-level BPE)\n"
target/python-venv/bin/python scripts/bench-tokenize.py target/release/packlab
printf "\n== the page's engine in Node\n"
node scripts/bench-engine-node.mjs
printf "\n== the Python package, a release build as pip install ./python makes it\n"
PATH="$PWD/target/python-venv/bin:$PATH" MATURIN_PEP517_ARGS="--locked" \
  target/python-venv/bin/python -m pip install --quiet --disable-pip-version-check \
  --no-build-isolation --no-deps --force-reinstall ./python
target/python-venv/bin/python -m pip install --quiet --disable-pip-version-check seqpacker==0.1.3
target/python-venv/bin/python scripts/bench-assign.py
target/python-venv/bin/python scripts/bench-hf.py --trl
target/python-venv/bin/python scripts/bench-ray.py
