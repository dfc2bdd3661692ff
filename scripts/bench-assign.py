"""Speed of `packlab.assign` in one Python process (`npm run bench`), beside
seqpacker, a Rust-core packer on PyPI: which sequence goes into which pack
for 1M lengths, and how many packs that takes.

    python scripts/bench-assign.py

Run it in a venv with the `packlab` package built in release mode (a
user's `pip install ./python`) and `seqpacker==0.1.3` installed;
`scripts/bench.sh` installs both in the tests' venv. Both packers get the same NumPy
array of int64 lengths and return flat arrays of sequence ids per pack;
each figure is the median wall time of 5 runs after one warm-up, and every
assignment is checked (every sequence once, no pack over max_len).

Datasets, 1M sequences each, drawn with a fixed seed:
- BERT-like: lengths drawn from SQuAD 1.1's histogram at 384 tokens
  (../shared/data, the paper's own data), max_len 384;
- chat-shaped: a log-normal of median 600 tokens cut to 1..4,096, max_len
  4,096, the long tail of LLM fine-tuning.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

# NumPy's BLAS threads spin after the draws below and would take a core
# from whichever packer runs next; neither packer uses BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import packlab  # noqa: E402

RUNS = 5
SEQUENCES = 1_000_000
SQUAD = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "squad11_384.json"


def bert_like(rng):
    histogram = json.loads(SQUAD.read_text())
    counts = np.array(histogram["counts"], dtype=np.float64)
    lengths = rng.choice(np.arange(1, len(counts) + 1), size=SEQUENCES, p=counts / counts.sum())
    return lengths.astype(np.int64), histogram["max_len"]


def chat_shaped(rng):
    lengths = np.clip(np.rint(rng.lognormal(np.log(600), 0.9, size=SEQUENCES)), 1, 4096)
    return lengths.astype(np.int64), 4096


def checked(lengths, max_len, indices, offsets):
    """The number of packs of an assignment, after checking it."""
    assert np.array_equal(np.sort(indices), np.arange(len(lengths))), "not every sequence once"
    tokens = np.add.reduceat(lengths[indices], offsets[:-1])
    assert tokens.max() <= max_len, "a pack over max_len"
    assert (np.diff(offsets) > 0).all(), "an empty pack"
    return len(offsets) - 1


def median_seconds(run):
    run()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    try:
        import seqpacker
    except ImportError:
        sys.exit("bench-assign: install seqpacker==0.1.3 beside packlab (scripts/bench.sh does)")
    rng = np.random.default_rng(0)
    print("| lengths | packer | packs | seconds | vs seqpacker obfd |")
    print("|---|---|---|---|---|")
    for name, (lengths, max_len) in (("BERT-like, 384", bert_like(rng)), ("chat-shaped, 4096", chat_shaped(rng))):
        rows = []
        for algorithm in ("optimal", "lpfhp"):
            indices, offsets = packlab.assign(lengths, algorithm, max_len=max_len)
            packs = checked(lengths, max_len, indices, offsets)
            seconds = median_seconds(lambda: packlab.assign(lengths, algorithm, max_len=max_len))
            rows.append((f"packlab.assign {algorithm}", packs, seconds))
        result = seqpacker.pack_sequences(lengths, max_len, strategy="obfd")
        flat = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in result.bins])
        offsets = np.concatenate([[0], np.cumsum([len(ids) for ids in result.bins])])
        seqpacker_packs = checked(lengths, max_len, flat, offsets)
        seqpacker_seconds = median_seconds(
            lambda: seqpacker.pack_sequences(lengths, max_len, strategy="obfd")
        )
        packer = seqpacker.Packer(max_len, "obfd")
        flat_seconds = median_seconds(lambda: packer.pack_flat(lengths))
        rows.append(("seqpacker pack_sequences obfd", seqpacker_packs, seqpacker_seconds))
        rows.append(("seqpacker Packer.pack_flat obfd", seqpacker_packs, flat_seconds))
        for packer_name, packs, seconds in rows:
            ratio = seqpacker_seconds / seconds
            print(f"| {name} | {packer_name} | {packs:,} | {seconds:.3f} | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
