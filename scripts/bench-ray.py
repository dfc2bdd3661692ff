"""How long `packlab.ray` takes on a local Ray cluster (`npm run bench`),
beside `packlab.hf.pack_table` on one machine, for the same rows.

    python scripts/bench-ray.py [ROWS] [BLOCKS]

ROWS (default 1,000,000) BERT-like rows (20% fill the row at 512 tokens,
the rest log-normal with median 150 tokens, cut to 1..511) of `input_ids`
(int32) and `attention_mask` (int8), in BLOCKS (default 16) blocks of a
materialized Ray dataset, on `ray.init(num_cpus=2)`; max_len 512,
algorithm optimal. Each figure is one wall time (a Ray run costs tens of
seconds); the packs of both paths are counted and must agree.
"""

import logging
import sys
import time

import numpy as np
import pyarrow as pa
import ray
import ray.data

import packlab.hf
import packlab.ray


def bert_like(rows):
    rng = np.random.default_rng(0)
    full = rng.random(rows) < 0.2
    lengths = np.where(full, 512, np.clip(np.rint(rng.lognormal(np.log(150), 0.55, rows)), 1, 511))
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
    tokens = int(offsets[-1])
    ids = rng.integers(0, 30_000, tokens, dtype=np.int32)
    table = pa.table(
        {
            "input_ids": pa.ListArray.from_arrays(pa.array(offsets), pa.array(ids)),
            "attention_mask": pa.ListArray.from_arrays(
                pa.array(offsets), pa.array(np.ones(tokens, np.int8))
            ),
        }
    )
    return table, tokens


def seconds(run):
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    table, tokens = bert_like(rows)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    ray.data.DataContext.get_current().enable_progress_bars = False
    bounds = np.linspace(0, rows, blocks + 1).astype(int)
    slices = [table.slice(start, end - start) for start, end in zip(bounds[:-1], bounds[1:])]
    dataset = ray.data.from_arrow(slices).materialize()

    histogram_s, _ = seconds(lambda: packlab.ray.length_histogram(dataset))
    ray_s, ray_packs = seconds(
        lambda: packlab.ray.pack_dataset(dataset, 512, "optimal").materialize().count()
    )
    local_s, local = seconds(lambda: packlab.hf.pack_table(table, 512, "optimal"))
    ray.shutdown()
    assert ray_packs == local.num_rows, (ray_packs, local.num_rows)
    print(f"{rows:,} rows, {tokens:,} tokens, {blocks} blocks, 2 CPUs; {ray_packs:,} packs either way\n")
    print("| step | seconds |")
    print("|---|---|")
    print(f"| packlab.ray.length_histogram | {histogram_s:.1f} |")
    print(f"| packlab.ray.pack_dataset (materialized) | {ray_s:.1f} |")
    print(f"| packlab.hf.pack_table, one process | {local_s:.1f} |")


if __name__ == "__main__":
    main()
