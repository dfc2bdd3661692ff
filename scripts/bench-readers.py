"""Reading speed of the dataset readers (`npm run bench`): how many MB of
file a second `packlab stats` counts, on files written by pyarrow and
Hugging Face `datasets` in the test venv (scripts/python-check.sh).

    target/python-venv/bin/python scripts/bench-readers.py [PACKLAB_BIN]

The files (about 0.3–0.5 GB each) are written to a temporary folder and
removed after. Each figure is the median of 5 runs, the file in the page
cache (the first run warms it).
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 400_000
RUNS = 5


def token_table(rng):
    """`ROWS` rows of int32 token ids, 1 to 699 long, as tokenizers give."""
    lengths = rng.integers(1, 700, size=ROWS)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    values = rng.integers(0, 32_000, size=int(offsets[-1]), dtype=np.int32)
    ids = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))
    return pa.table({"input_ids": ids}), int(lengths.sum())


def time_stats(binary, path, expected_sequences):
    """The median seconds of `packlab stats PATH --json`, checked."""
    times = []
    for run in range(RUNS + 1):
        start = time.perf_counter()
        output = subprocess.run(
            [binary, "stats", str(path), "--json"], check=True, capture_output=True, text=True
        ).stdout
        elapsed = time.perf_counter() - start
        if f'"sequences": {expected_sequences}' not in output and f'"sequences":{expected_sequences}' not in output:
            raise SystemExit(f"{path}: expected {expected_sequences} sequences, got {output[:200]}")
        if run > 0:
            times.append(elapsed)
    return statistics.median(times)


def size_of(path):
    path = Path(path)
    if path.is_dir():
        return sum(file.stat().st_size for file in path.iterdir())
    return path.stat().st_size


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/packlab"
    rng = np.random.default_rng(3)
    table, tokens = token_table(rng)
    print(f"{ROWS:,} rows of input_ids (int32 lists of 1 to 699 ids, {tokens:,} ids)")
    print(f"{'file':<44} {'MB':>8} {'seconds':>8} {'MB/s':>8}")
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for codec in ["none", "snappy", "zstd"]:
            for dictionary in [True, False]:
                name = f"tokens-{codec}{'-dictionary' if dictionary else '-plain'}.parquet"
                path = Path(folder) / name
                pq.write_table(table, path, compression=codec, use_dictionary=dictionary)
                files.append((f"Parquet, {codec}, {'dictionary' if dictionary else 'plain'}", path))
        from datasets import Dataset
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
        saved = Path(folder) / "saved"
        Dataset(table).save_to_disk(str(saved), num_shards=4)
        files.append(("Arrow, save_to_disk folder of 4 shards", saved))
        for label, path in files:
            seconds = time_stats(binary, path, ROWS)
            megabytes = size_of(path) / 1e6
            print(f"{label:<44} {megabytes:>8.0f} {seconds:>8.3f} {megabytes / seconds:>8.0f}")


if __name__ == "__main__":
    main()
