#!/usr/bin/env bash
# Fuzzes every reader and the whole pipeline with libFuzzer (cargo fuzz),
# each for SECONDS (default 600), seeded with the catalogue of bad inputs.
#
#   bash scripts/fuzz.sh            # 10 minutes per target
#   bash scripts/fuzz.sh 60 pipeline
#
# cargo fuzz wants a nightly compiler; RUSTC_BOOTSTRAP=1 lets the stable one
# accept the flags it passes. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(read_text read_csv read_json read_jsonl read_npy pipeline)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
export RUSTC_BOOTSTRAP=1

# Seeds: the catalogue's files, written by its test.
cargo test --locked --quiet --test catalogue >/dev/null
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  cp target/tmp/catalogue/* "fuzz/corpus/$target/"
done

for target in "${targets[@]}"; do
  printf '== %s for %s s\n' "$target" "$seconds"
  (cd fuzz && cargo fuzz run -O "$target" -- -max_total_time="$seconds" -rss_limit_mb=4096 2>&1) \
    | grep -E 'Done [0-9]+ runs|ERROR|SUMMARY|panicked' || true
done
