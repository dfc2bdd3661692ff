#!/usr/bin/env bash
# Tests the Python examples (examples/python) against the real `packlab`
# binary, its LP bound against scipy's HiGHS, and its simulation of TRL's
# packing against TRL's own code, its --tokenizer against Hugging Face's
# tokenizers and transformers, and the Python package (python/) against the
# binary, TRL and a local Ray cluster, in a venv with the pinned
# requirements (from PyPI):
#
#   bash scripts/python-check.sh
#
# PACKLAB_BIN names the binary to test; without it, the debug binary is
# built first. The venv (target/python-venv) is reused while the
# requirements do not change.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/python-venv
requirements=(examples/python/requirements.txt tests/python/requirements.txt)
# TRL's packing needs neither torch nor its other dependencies.
trl=trl==1.16.0

if [[ ! -x "$venv/bin/python" ]]; then
  # Debian splits venv (and its ensurepip) out of python3.
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv
  fi
  python3 -m venv "$venv"
fi
# Reinstall only when the requirements changed since the last install.
if ! { cat "${requirements[@]}"; echo "$trl"; } | cmp -s - "$venv/installed-requirements.txt"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "${requirements[0]}" -r "${requirements[1]}"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$trl"
  { cat "${requirements[@]}"; echo "$trl"; } > "$venv/installed-requirements.txt"
fi

# `--venv-only`: the venv, for the benchmarks' files (scripts/bench.sh).
[[ "${1:-}" == "--venv-only" ]] && exit 0

if [[ -z "${PACKLAB_BIN:-}" ]]; then
  cargo build --locked --quiet --bin packlab
  PACKLAB_BIN="${CARGO_TARGET_DIR:-target}/debug/packlab"
fi
export PACKLAB_BIN

# The Python package, built from this checkout by the venv's pinned maturin
# and installed into the venv. CI's build uses the `wheel-ci` profile
# (Cargo.toml: a release build without link-time optimisation, which
# compiles in a fraction of the time); a user's `pip install ./python`
# builds with the release profile. Cargo reuses what it built before, so an
# unchanged package installs in seconds.
# (maturin's build hook runs the `maturin` on PATH: the venv's.)
wheel_started=$SECONDS
PATH="$PWD/$venv/bin:$PATH" MATURIN_PEP517_ARGS="--profile wheel-ci --locked" \
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-build-isolation --no-deps --force-reinstall ./python
echo "python-check: the package built and installed in $((SECONDS - wheel_started)) s"

"$venv/bin/python" tests/python/test_examples.py
"$venv/bin/python" tests/python/test_lp_bound.py
"$venv/bin/python" tests/python/test_trainers.py
"$venv/bin/python" tests/python/test_megatron.py
"$venv/bin/python" tests/python/test_parquet.py
"$venv/bin/python" tests/python/test_tokenized.py
"$venv/bin/python" tests/python/test_package.py
"$venv/bin/python" tests/python/test_sampler.py
"$venv/bin/python" tests/python/test_hf.py
"$venv/bin/python" tests/python/test_ray.py
