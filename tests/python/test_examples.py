"""Tests of examples/python against the real `packlab` binary.

Run by scripts/python-check.sh, in a venv with the pinned requirements.
The binary is $PACKLAB_BIN, else target/release/packlab, else
target/debug/packlab.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "python"
sys.path.insert(0, str(EXAMPLES))

# The datasets library must neither touch the network nor the user's cache.
SCRATCH = tempfile.TemporaryDirectory(prefix="packlab-python-check-")
os.environ["HF_HOME"] = os.path.join(SCRATCH.name, "hf")
os.environ["HF_DATASETS_CACHE"] = os.path.join(SCRATCH.name, "hf", "datasets")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"

from datasets import Dataset, load_from_disk  # noqa: E402

import apply_plan  # noqa: E402
import shard_histogram  # noqa: E402
from packlab_binary import packlab_binary  # noqa: E402

MAX_LEN = 256
SEQUENCES = 600
# Token ids that say where a token comes from: sequence * TOKEN_BASE + position.
TOKEN_BASE = 1000


def packlab(*args):
    result = subprocess.run(
        [packlab_binary(), *map(str, args)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise AssertionError(f"packlab {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result.stdout


def make_dataset():
    """Sequences of 1..300 tokens (some above MAX_LEN, to be truncated)."""
    rng = random.Random(7)
    lengths = [rng.choice([rng.randint(1, 60), rng.randint(1, 300)]) for _ in range(SEQUENCES)]
    return Dataset.from_dict(
        {
            "input_ids": [
                [index * TOKEN_BASE + position for position in range(length)]
                for index, length in enumerate(lengths)
            ],
            "text": [f"document {index}" for index in range(SEQUENCES)],
        }
    )


class ApplyPlanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(dir=SCRATCH.name))
        cls.dataset = make_dataset()
        # Packlab reads the JSON Lines export directly: a line's length is
        # the number of its input_ids.
        cls.data_path = cls.dir / "data.jsonl"
        cls.dataset.to_json(str(cls.data_path))

    def assign(self, name, *options):
        plan = self.dir / name
        packlab("assign", self.data_path, "--max-len", MAX_LEN, "--out", plan, *options)
        return plan

    def check_packed(self, packed, plan_path):
        """Every sequence's tokens exactly once, in order, cut to MAX_LEN;
        position_ids and cu_seqlens describe the row."""
        plan = list(apply_plan.read_plan(plan_path))
        self.assertEqual(len(packed), len(plan))
        placed = []
        for row, pack in zip(packed, plan):
            ids, positions, bounds = row["input_ids"], row["position_ids"], row["cu_seqlens"]
            self.assertLessEqual(len(ids), MAX_LEN)
            self.assertEqual(len(positions), len(ids))
            self.assertEqual(bounds[0], 0)
            self.assertEqual(bounds[-1], len(ids))
            for index, start, end in zip(pack["indices"], bounds, bounds[1:]):
                original = self.dataset[index]["input_ids"]
                self.assertEqual(ids[start:end], original[:MAX_LEN])
                self.assertEqual(positions[start:end], list(range(end - start)))
                placed.append(index)
        self.assertEqual(sorted(placed), list(range(SEQUENCES)))

    def test_packed_rows_hold_every_sequence_once(self):
        plan = self.assign("plan.jsonl", "--algorithm", "lpfhp", "--seed", 1)
        rows = list(apply_plan.packed_rows(self.dataset, plan))
        self.check_packed(rows, plan)
        # Packing saves rows: fewer packs than sequences.
        self.assertLess(len(rows), SEQUENCES // 2)

    def test_packed_dataset_and_command_line(self):
        plan = self.assign("nnlshp.jsonl", "--algorithm", "nnlshp", "--epoch", 3)
        self.check_packed(apply_plan.apply_plan(self.dataset, str(plan)), plan)
        # The script as a command, on a dataset saved to disk.
        self.dataset.save_to_disk(str(self.dir / "dataset"))
        script = EXAMPLES / "apply_plan.py"
        subprocess.run(
            [sys.executable, script, self.dir / "dataset", plan, self.dir / "packed"], check=True
        )
        self.check_packed(load_from_disk(str(self.dir / "packed")), plan)


class ShardHistogramTest(unittest.TestCase):
    def test_shard_histograms_add_up_to_the_whole(self):
        dataset = make_dataset()
        whole = shard_histogram.shard_histogram(dataset, 1, 0, MAX_LEN)
        shards = [
            shard_histogram.shard_histogram(dataset, 4, index, MAX_LEN) for index in range(4)
        ]
        merged = shard_histogram.merge_histograms(shards)
        self.assertEqual(merged, whole)
        self.assertEqual(sum(merged["counts"]), SEQUENCES)
        self.assertEqual(len(merged["counts"]), MAX_LEN)

        # Packlab's own histogram of the same data is the same.
        directory = Path(tempfile.mkdtemp(dir=SCRATCH.name))
        dataset.to_json(str(directory / "data.jsonl"))
        from_packlab = packlab("histogram", directory / "data.jsonl", "--max-len", MAX_LEN)
        self.assertEqual(json.loads(from_packlab), merged)

        # The command line, and Packlab reading the merged file.
        dataset.save_to_disk(str(directory / "dataset"))
        script = EXAMPLES / "shard_histogram.py"
        shard_files = []
        for index in range(3):
            shard_file = directory / f"hist-{index}.json"
            subprocess.run(
                [sys.executable, script, "count", directory / "dataset", "--shard", str(index),
                 "--num-shards", "3", "--max-len", str(MAX_LEN), "--out", shard_file],
                check=True,
            )
            shard_files.append(shard_file)
        merged_file = directory / "histogram.json"
        subprocess.run(
            [sys.executable, script, "merge", *shard_files, "--out", merged_file], check=True
        )
        self.assertEqual(json.loads(merged_file.read_text()), merged)
        self.assertEqual(json.loads(packlab("histogram", merged_file)), merged)
        report = json.loads(packlab("pack", merged_file, "--json"))
        self.assertEqual(report["sequences"], SEQUENCES)
        self.assertEqual(report["max_len"], MAX_LEN)

    def test_different_max_lens_do_not_merge(self):
        with self.assertRaises(ValueError):
            shard_histogram.merge_histograms(
                [{"max_len": 4, "counts": [1, 0, 0, 0]}, {"max_len": 8, "counts": [0] * 8}]
            )


class DocsTest(unittest.TestCase):
    def test_the_docs_show_the_examples_as_they_are(self):
        """The snippets of docs/plans.md are these tested files, word for word."""
        plans = (REPO / "docs" / "plans.md").read_text()
        for name in ("apply_plan.py", "shard_histogram.py"):
            source = (REPO / "examples" / "python" / name).read_text()
            self.assertIn(source, plans, f"docs/plans.md must include examples/python/{name} verbatim")


if __name__ == "__main__":
    outcome = unittest.main(exit=False, verbosity=2).result
    failed = len(outcome.failures) + len(outcome.errors)
    # The plain closing line CI reads, after unittest's own summary.
    print(f"{outcome.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or not outcome.wasSuccessful() else 0)
