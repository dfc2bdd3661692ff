"""Packlab's simulations of trainers' packing against their own code.

`packlab pack FILE --algorithm trl-bfd` simulates what TRL 1.16's
`pack_dataset(dataset, max_len, strategy="bfd")` makes of the sequences of
FILE in file order. This test runs both on the same sequences and checks
that they make the same rows, sequence by sequence and token by token:

- each sequence `i` of the test's dataset is `length_i` copies of the token
  `i`, so a row TRL makes reads back as runs `(i, tokens)`, which must be
  Packlab's `rows` in the same order;
- on several shapes of lengths (chat-like, with sequences over max_len,
  sorted by length, tiny ones, all of one length), for the strategies
  "bfd", "bfd_split" and "wrapped", and map batches of 1,000 rows (the
  default) and of 64.

TRL runs its packing without torch: the venv has `datasets` and
`transformers`, and `trl` installed without its dependencies (see
scripts/python-check.sh and tests/python/trainers-requirements.txt).
Packlab's readers refuse empty sequences, which TRL leaves out: the unit
tests of `trainers::trl` cover those.

Padding-free batches (`padding-free`) are checked step by step against
transformers' own `DataCollatorWithFlattening` (NumPy tensors, no torch):
each of Packlab's rows, fed to the collator as the batch it is, must come
back as one row of the same tokens, position ids restarting at each
sequence.

NeMo's packing needs NeMo or Megatron-Bridge, which need torch; what can be
checked here is its randomness: `nemo-ffs` and `nemo-ffd` must make the
rows a plain implementation of Megatron-Bridge's steps makes with NumPy's
own generator (`np.random.seed`, `shuffle`, `permutation`).
"""

import json
import os
import random
import subprocess
import tempfile
import unittest
from pathlib import Path

# transformers warns on import that PyTorch is missing: TRL's packing does
# not need it.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
from datasets import Dataset  # noqa: E402
from datasets.utils.logging import disable_progress_bar  # noqa: E402
from trl.data_utils import pack_dataset  # noqa: E402

from packlab_binary import packlab_binary  # noqa: E402

STRATEGIES = {"trl-bfd": "bfd", "trl-bfd-split": "bfd_split", "trl-wrapped": "wrapped"}


def chat_like(count, median, spread, seed):
    """Log-normal lengths, as chat fine-tuning data has them."""
    draw = random.Random(seed)
    return [max(1, int(draw.lognormvariate(0, spread) * median)) for _ in range(count)]


def datasets_to_check():
    """(name, lengths, max_len) of every dataset the test packs."""
    chat = chat_like(2_600, 180, 0.9, seed=1)
    return [
        ("chat-like, a few over max_len", chat, 512),
        ("chat-like, sorted by length", sorted(chat), 512),
        ("many tiny sequences per row", chat_like(1_800, 4, 1.0, seed=2), 128),
        ("long ones, split into many pieces", chat_like(700, 600, 0.8, seed=3), 256),
        ("all of one length", [100] * 1_500, 300),
    ]


def trl_rows(lengths, max_len, strategy, map_batch_rows):
    """The rows TRL makes, each as [(sequence, tokens), ...]."""
    dataset = Dataset.from_dict({"input_ids": [[index] * length for index, length in enumerate(lengths)]})
    packed = pack_dataset(dataset, max_len, strategy=strategy, map_kwargs={"batch_size": map_batch_rows})
    rows = []
    for row in packed["input_ids"]:
        runs = []
        for token in row:
            if runs and runs[-1][0] == token:
                runs[-1][1] += 1
            else:
                runs.append([token, 1])
        rows.append(runs)
    return rows


def packlab_output(lengths, max_len, algorithm, map_batch_rows):
    """What `packlab pack --algorithm <trainer> --json` reports."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lengths.txt"
        path.write_text("".join(f"{length}\n" for length in lengths))
        command = [
            packlab_binary(),
            "pack",
            str(path),
            "--algorithm",
            algorithm,
            "--max-len",
            str(max_len),
            "--map-batch-rows",
            str(map_batch_rows),
            "--json",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


class TrlPackingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        disable_progress_bar()

    def test_rows_are_trls_own(self):
        for name, lengths, max_len in datasets_to_check():
            for algorithm, strategy in STRATEGIES.items():
                for map_batch_rows in (1_000, 64):
                    with self.subTest(data=name, algorithm=algorithm, map_batch_rows=map_batch_rows):
                        expected = trl_rows(lengths, max_len, strategy, map_batch_rows)
                        report = packlab_output(lengths, max_len, algorithm, map_batch_rows)
                        self.assertEqual(report["packs"], len(expected))
                        self.assertEqual(report["rows"], expected)

    def test_lost_tokens_are_what_trl_leaves_out(self):
        name, lengths, max_len = datasets_to_check()[0]
        report = packlab_output(lengths, max_len, "trl-bfd", 1_000)
        over = [length for length in lengths if length > max_len]
        self.assertGreater(len(over), 0, name)
        self.assertEqual(report["sequences_truncated"], len(over))
        self.assertEqual(report["tokens_truncated"], sum(length - max_len for length in over))
        packed = sum(tokens for row in trl_rows(lengths, max_len, "bfd", 1_000) for _, tokens in row)
        self.assertEqual(report["tokens_packed"], packed)


def nemo_rows(lengths, max_len, seed, shuffle):
    """NeMo's packing as Megatron-Bridge describes it, written plainly here
    (a scan for first fit, NumPy's own generator for the shuffles): the
    rows as [(sequence, positions), ...]."""
    by_positions = {}
    for index, length in enumerate(lengths):
        positions = length - 1
        if 0 <= positions <= max_len:
            by_positions.setdefault(positions, []).append(index)
    np.random.seed(seed)
    order = [positions for positions in sorted(by_positions) for _ in by_positions[positions]]
    if shuffle:
        np.random.shuffle(order)
    else:
        order.sort(reverse=True)
    bins, sums = [], []
    for positions in order:
        for index, total in enumerate(sums):
            if total + positions <= max_len:
                bins[index].append(positions)
                sums[index] += positions
                break
        else:
            bins.append([positions])
            sums.append(positions)
    stacks = {}
    for positions in sorted(by_positions):
        permutation = np.random.permutation(len(by_positions[positions]))
        stacks[positions] = [by_positions[positions][k] for k in permutation]
    rows = []
    for packed in bins:
        row = []
        for positions in packed:
            sequence = stacks[positions].pop()
            if positions > 0:
                row.append([sequence, positions])
        if row:
            rows.append(row)
    return rows


class NemoPackingTest(unittest.TestCase):
    def test_rows_are_those_numpys_generator_gives(self):
        for name, lengths, max_len in datasets_to_check():
            for algorithm, shuffle in (("nemo-ffs", True), ("nemo-ffd", False)):
                for seed in (1234, 7):
                    with self.subTest(data=name, algorithm=algorithm, seed=seed):
                        command = [
                            packlab_binary(), "pack", "-", "--algorithm", algorithm,
                            "--max-len", str(max_len), "--seed", str(seed), "--json",
                        ]
                        stdin = "".join(f"{length}\n" for length in lengths)
                        result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True)
                        report = json.loads(result.stdout)
                        self.assertEqual(report["rows"], nemo_rows(lengths, max_len, seed, shuffle))


class PaddingFreeTest(unittest.TestCase):
    def test_each_step_is_the_collators_flattened_batch(self):
        from transformers import DataCollatorWithFlattening

        collator = DataCollatorWithFlattening(return_tensors="np")
        lengths = chat_like(1_000, 180, 0.9, seed=4)
        max_len, batch_size = 512, 6
        self.assertTrue(any(length > max_len for length in lengths), "some are truncated")
        command = [
            packlab_binary(), "pack", "-", "--algorithm", "padding-free", "--max-len", str(max_len),
            "--batch-size", str(batch_size), "--json",
        ]
        stdin = "".join(f"{length}\n" for length in lengths)
        report = json.loads(subprocess.run(command, input=stdin, capture_output=True, text=True, check=True).stdout)
        rows = report["rows"]
        self.assertEqual(report["steps_per_epoch"], -(-len(lengths) // batch_size))
        self.assertEqual(len(rows), report["steps_per_epoch"])
        self.assertEqual(sorted(sequence for row in rows for sequence, _ in row), list(range(len(lengths))))
        step_tokens = []
        for row in rows:
            self.assertLessEqual(len(row), batch_size)
            # What the tokenizer gives the collator: each sequence truncated to max_len.
            features = []
            for sequence, tokens in row:
                self.assertEqual(tokens, min(lengths[sequence], max_len))
                features.append({"input_ids": [sequence] * tokens})
            flattened = collator(features)
            input_ids = flattened["input_ids"].tolist()
            position_ids = flattened["position_ids"].tolist()
            self.assertEqual(len(input_ids), 1, "one row per step")
            expected_ids = [sequence for sequence, tokens in row for _ in range(tokens)]
            self.assertEqual(input_ids[0], expected_ids)
            self.assertEqual(position_ids[0], [position for _, tokens in row for position in range(tokens)])
            step_tokens.append(len(input_ids[0]))
        figures = report["tokens_per_step"]
        self.assertEqual(figures["max"], max(step_tokens))
        self.assertEqual(figures["min"], min(step_tokens))
        self.assertAlmostEqual(figures["mean"], sum(step_tokens) / len(step_tokens))


if __name__ == "__main__":
    unittest.main()
