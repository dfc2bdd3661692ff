"""How fast `packlab.hf.pack_dataset` turns a tokenized Hugging Face dataset
into packed rows: 1M rows, max_len 512, algorithm optimal.

    python scripts/bench-hf.py [ROWS] [--trl]

Run it in a venv with the `packlab` package (a release build, as a user's
`pip install ./python` makes it), `datasets` and `pyarrow`; `npm run bench`
runs it in the tests' venv. It imports the checkout's
`python/packlab/hf.py`, as tests/python/test_hf.py does.

Three datasets of ROWS rows (default 1,000,000), drawn with a fixed
seed, each a `datasets.Dataset` with the columns a tokenizer and TRL's
preparation leave: `input_ids` (int32), `attention_mask` (int8) and
`labels` (int32):

- BERT-like: the lengths of Packlab's `bert-pretraining-512` preset (20%
  fill the row at 512 tokens, the rest log-normal with median 150 and
  sigma 0.55, cut to 1..511), in memory, one chunk a column;
- BERT-like, from disk: the same rows written as a datasets cache file is
  (an Arrow stream of 1,000-row record batches, as `Dataset.map` writes
  them) and memory-mapped by `Dataset.from_file`: the usual shape of a
  tokenized dataset, whose many chunks pack_dataset first copies into one
  array per column;
- all 512: every row exactly 512 tokens, so every pack is one row (the
  most packs, and the most tokens).

Each figure is the median wall time of 3 calls of `pack_dataset(dataset,
512, "optimal", num_proc=N)`, for N = 1 and 2 threads, with the cores the
process kept busy meanwhile (its CPU time over the wall time, median of
3), and the time `packlab.assign` alone takes; the first call's result is
checked with `check_packed` and against the tokens of the source
(outside the timing). `--trl` also times TRL's `pack_dataset(...,
strategy="bfd")` once on the BERT-like rows, for comparison (TRL 1.16 is
installed without torch in the tests' venv).

The floor: every median under 30 s at 1M rows on this project's 2-core
machine; the script exits with status 1 when one is not.
"""

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from datasets import Dataset  # noqa: E402
from datasets.utils.logging import disable_progress_bar  # noqa: E402

import packlab  # noqa: E402

packlab.__path__.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "packlab"))
import packlab.hf  # noqa: E402

RUNS = 3
#: Most seconds a call may take at 1M rows (the median of RUNS).
FLOOR_SECONDS = 30
MAX_LEN = 512
THREADS = (1, 2)
#: BERT's vocabulary size.
VOCABULARY = 30_522


def bert_like_lengths(rows, rng):
    """The bert-pretraining-512 preset's recipe (src/presets.rs)."""
    lengths = np.clip(np.rint(rng.lognormal(np.log(150), 0.55, size=rows)), 1, 511)
    lengths[rng.random(rows) < 0.2] = 512
    return lengths.astype(np.int64)


def tokenized(lengths, rng):
    """A Dataset of random token ids of these lengths, with an all-ones
    attention mask and labels equal to the ids, built as Arrow arrays."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    tokens = int(offsets[-1])
    input_ids = rng.integers(0, VOCABULARY, size=tokens, dtype=np.int32)
    arrow_offsets = pa.array(offsets)
    table = pa.table(
        {
            "input_ids": pa.ListArray.from_arrays(arrow_offsets, pa.array(input_ids)),
            "attention_mask": pa.ListArray.from_arrays(
                arrow_offsets, pa.array(np.ones(tokens, dtype=np.int8))
            ),
            "labels": pa.ListArray.from_arrays(arrow_offsets, pa.array(input_ids.copy())),
        }
    )
    # A fingerprint of our own: without one, datasets hashes the whole
    # table (pickled), which takes several times its size in memory.
    return Dataset(table, fingerprint=f"bench-hf-{len(lengths)}-{tokens}")


def from_disk(dataset, folder):
    """`dataset` written as datasets writes its cache files, and memory-mapped."""
    path = os.path.join(folder, "rows.arrow")
    table = dataset.data.table
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=1_000):
            writer.write_batch(batch)
    return Dataset.from_file(path)


def checked(dataset, packed):
    """Packs, after checking the packed rows keep every sequence apart and
    hold every source token once (all rows fit max_len here, so the token
    multisets must be equal: compared as histograms of ids, chunk by chunk
    to copy nothing large)."""
    packlab.hf.check_packed(packed, MAX_LEN)
    for name in ("input_ids", "labels"):
        histograms = []
        for table in (dataset.data.table, packed.data.table):
            counts = np.zeros(VOCABULARY, dtype=np.int64)
            for chunk in table.column(name).chunks:
                counts += np.bincount(chunk.flatten().to_numpy(), minlength=VOCABULARY)
            histograms.append(counts)
        assert np.array_equal(*histograms), name
    return len(packed)


def median_seconds(run):
    return median_seconds_and_cores(run)[0]


def median_seconds_and_cores(run):
    """(wall seconds, cores busy) of `run`, each the median of RUNS runs.
    Cores busy is the process's CPU time over the wall time: above 1 the
    threads ran at once (on a shared machine they may not get the cores)."""
    times, cores = [], []
    for _ in range(RUNS):
        start, cpu_start = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cores.append((time.process_time() - cpu_start) / times[-1])
    return statistics.median(times), statistics.median(cores)


def main():
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    rows = int(arguments[0]) if arguments else 1_000_000
    disable_progress_bar()
    rng = np.random.default_rng(0)
    print(
        f"pack_dataset, max_len {MAX_LEN}, optimal; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pyarrow {pa.__version__}\n"
    )
    print(
        "| dataset | rows | tokens | packs | threads | seconds (median of 3) | cores busy | M tokens/s "
        "| of which assign (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    bert_lengths = bert_like_lengths(rows, rng)
    bert_dataset = tokenized(bert_lengths, rng)
    folder = tempfile.TemporaryDirectory()
    cases = [
        ("BERT-like", bert_lengths, lambda: bert_dataset),
        ("BERT-like, from disk", bert_lengths, lambda: from_disk(bert_dataset, folder.name)),
        ("all 512", np.full(rows, MAX_LEN, dtype=np.int64), None),
    ]
    slowest = 0.0
    for name, lengths, make in cases:
        dataset = make() if make else tokenized(lengths, rng)
        slowest = max(slowest, measure(name, lengths, dataset))
        del dataset
        if name == "BERT-like, from disk":
            if "--trl" in sys.argv:
                trl_figures = trl_seconds(bert_dataset)
            # Room for the largest case.
            del bert_dataset
            folder.cleanup()
    if "--trl" in sys.argv:
        print(
            f"\nTRL 1.16 pack_dataset(strategy='bfd') on the BERT-like rows, one run: "
            f"{trl_figures[0]:.1f} s, {trl_figures[1]:,} packs"
        )
    if rows <= 1_000_000 and slowest > FLOOR_SECONDS:
        sys.exit(f"bench-hf: a median of {slowest:.1f} s is over the floor of {FLOOR_SECONDS} s")
    print(f"\nfloor: every median under {FLOOR_SECONDS} s (slowest {slowest:.2f} s)")


def measure(name, lengths, dataset):
    """Print the table's rows of one dataset; the slowest median."""
    rows, tokens = len(lengths), int(lengths.sum())
    packs = checked(dataset, packlab.hf.pack_dataset(dataset, MAX_LEN, "optimal"))
    assign_seconds = median_seconds(lambda: packlab.assign(lengths, "optimal", MAX_LEN))
    slowest = 0.0
    for threads in THREADS:
        seconds, cores = median_seconds_and_cores(
            lambda: packlab.hf.pack_dataset(dataset, MAX_LEN, "optimal", num_proc=threads)  # noqa: B023
        )
        slowest = max(slowest, seconds)
        print(
            f"| {name} | {rows:,} | {tokens:,} | {packs:,} | {threads} | {seconds:.2f} | {cores:.2f} | "
            f"{tokens / seconds / 1e6:.0f} | {assign_seconds:.2f} |"
        )
    return slowest


def trl_seconds(dataset):
    """(seconds, packs) of TRL's own packing, for comparison."""
    from trl.data_utils import pack_dataset as trl_pack_dataset

    start = time.perf_counter()
    packed = trl_pack_dataset(dataset, MAX_LEN, strategy="bfd")
    return time.perf_counter() - start, len(packed)


if __name__ == "__main__":
    main()
