"""Apply a Packlab plan to a Hugging Face dataset.

    packlab assign data.jsonl --max-len 4096 --out plan.jsonl

writes one pack per line, {"indices": [...], "lengths": [...]}: the rows of
the dataset (counted from 0, in file order) that share one training row, and
how many tokens each keeps there (max_len for a sequence that was too long).
This script turns every line into one packed row:

    python apply_plan.py DATASET_DIR plan.jsonl PACKED_DIR
"""

import json
import sys


def read_plan(plan_path):
    """Yields the packs of a plan file, one {"indices", "lengths"} dict each."""
    with open(plan_path) as lines:
        for line in lines:
            yield json.loads(line)


def pack_row(dataset, pack):
    """One packed row: the pack's input_ids end to end, position_ids that
    restart at 0 for each sequence, and cu_seqlens, where each sequence
    starts and the last one ends (what flash-attention's varlen kernels
    take, so that no sequence attends to its neighbours)."""
    rows = dataset[pack["indices"]]["input_ids"]  # one read for the whole pack
    input_ids, position_ids, cu_seqlens = [], [], [0]
    for ids, length in zip(rows, pack["lengths"]):
        input_ids.extend(ids[:length])  # a truncated sequence keeps its start
        position_ids.extend(range(length))
        cu_seqlens.append(cu_seqlens[-1] + length)
    return {"input_ids": input_ids, "position_ids": position_ids, "cu_seqlens": cu_seqlens}


def packed_rows(dataset, plan_path):
    """Yields the packed rows in the plan's order. Rows are not padded: the
    collator pads them to max_len, or joins a batch into one varlen row."""
    dataset = dataset.select_columns(["input_ids"])  # read nothing else
    for pack in read_plan(plan_path):
        yield pack_row(dataset, pack)


def apply_plan(dataset, plan_path):
    """The packed dataset: one row per line of the plan."""
    from datasets import Dataset

    return Dataset.from_generator(
        packed_rows, gen_kwargs={"dataset": dataset, "plan_path": plan_path}
    )


if __name__ == "__main__":
    from datasets import load_from_disk

    dataset_dir, plan_path, packed_dir = sys.argv[1:]
    apply_plan(load_from_disk(dataset_dir), plan_path).save_to_disk(packed_dir)
