r"""The length histogram of a dataset too large for one machine.

Each machine counts its own shard and writes Packlab's dense histogram,
{"max_len": N, "counts": [...]} where counts[i] counts the sequences of
length i + 1. Histograms merge by adding their counts, and Packlab reads the
merged one like any input:

    python shard_histogram.py count DATASET_DIR --shard 0 --num-shards 64 \
        --max-len 4096 --out hist-00.json        # on each machine
    python shard_histogram.py merge hist-*.json --out histogram.json
    packlab compare histogram.json
"""

import argparse
import json

import numpy as np
import pyarrow.compute as pc


def count_lengths(lengths, max_len):
    """Dense counts of lengths 1..max_len. Longer sequences count as max_len
    (truncated, as Packlab's default --overlong truncate does); empty ones,
    which Packlab refuses, are left out."""
    lengths = np.minimum(np.asarray(lengths, dtype=np.int64), max_len)
    return np.bincount(lengths, minlength=max_len + 1)[1:]


def shard_histogram(dataset, num_shards, shard, max_len, column="input_ids"):
    """The histogram of one shard of a datasets.Dataset. The lengths are the
    sizes of the `column` lists, computed by Arrow without reading a token."""
    part = dataset.shard(num_shards=num_shards, index=shard, contiguous=True)
    counts = np.zeros(max_len, dtype=np.int64)
    batches = part.select_columns([column]).with_format("arrow").iter(batch_size=100_000)
    for table in batches:
        lengths = pc.list_value_length(table[column]).to_numpy(zero_copy_only=False)
        counts += count_lengths(lengths, max_len)
    return {"max_len": max_len, "counts": counts.tolist()}


def merge_histograms(histograms):
    """The sum of histograms made with the same max_len."""
    max_lens = {histogram["max_len"] for histogram in histograms}
    if len(max_lens) != 1:
        raise ValueError(
            f"histograms of different max_len {sorted(max_lens)}: "
            "count every shard with the same --max-len"
        )
    counts = np.sum([h["counts"] for h in histograms], axis=0, dtype=np.int64)
    return {"max_len": max_lens.pop(), "counts": counts.tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    count = commands.add_parser("count", help="the histogram of one shard")
    count.add_argument("dataset_dir")
    count.add_argument("--shard", type=int, required=True)
    count.add_argument("--num-shards", type=int, required=True)
    count.add_argument("--max-len", type=int, required=True)
    count.add_argument("--column", default="input_ids")
    count.add_argument("--out", required=True)
    merge = commands.add_parser("merge", help="add shard histograms up")
    merge.add_argument("histograms", nargs="+")
    merge.add_argument("--out", required=True)
    args = parser.parse_args()

    if args.command == "count":
        from datasets import load_from_disk

        dataset = load_from_disk(args.dataset_dir)
        histogram = shard_histogram(
            dataset, args.num_shards, args.shard, args.max_len, args.column
        )
    else:
        histograms = []
        for path in args.histograms:
            with open(path) as file:
                histograms.append(json.load(file))
        histogram = merge_histograms(histograms)
    with open(args.out, "w") as file:
        json.dump(histogram, file)


if __name__ == "__main__":
    main()
