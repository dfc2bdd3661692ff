"""Packlab's LP bound against an independent solver.

Packlab solves the cutting-stock LP of a histogram with its own revised
simplex and pricing programme. This test solves the same LP with HiGHS
(through scipy) and a column generation written here, on histograms it
draws itself, and checks what `packlab compare --json` reports at every
max per pack from 1 to 16 and unlimited:

- `lp_bound.proven` is true and `lp_bound.packs` is the HiGHS optimum
  rounded up;
- `lp_bound.lp_value` is the HiGHS optimum (to 1e-7 relative);
- the optimal packer's plan is within one pack of the bound on histograms
  of a million sequences, and never uses more packs than LPFHP or NNLSHP.

The LP is the one Packlab defines: a composition holds at most the
histogram's count of each length, and at most max_per_pack sequences.

Run by scripts/python-check.sh, in a venv with tests/python/requirements.txt.
The binary is $PACKLAB_BIN, else target/release/packlab, else
target/debug/packlab.
"""

import json
import math
import os
import subprocess
import tempfile
import unittest

import numpy as np
from scipy.optimize import linprog

from packlab_binary import packlab_binary

DEPTHS = list(range(1, 17)) + [None]
# Relative tolerance of an LP optimum: HiGHS's own tolerances are 1e-7.
LP_TOLERANCE = 1e-7


def price(duals, sizes, demands, capacity, cap):
    """The composition with the largest dual value, and that value, by
    dynamic programming over (sequences, tokens): a bounded knapsack with a
    cardinality cap."""
    layers = (cap if cap is not None else 0) + 1
    best = np.zeros((layers, capacity + 1))
    items = []
    for row, (size, dual, demand) in enumerate(zip(sizes, duals, demands)):
        most = min(int(demand), capacity // size)
        if cap is not None:
            most = min(most, cap)
        if dual <= 0 or most == 0:
            continue
        # Binary splitting: chunks of 1, 2, 4, ... copies reach every count.
        chunk = 1
        while most > 0:
            copies = min(chunk, most)
            most -= copies
            chunk *= 2
            items.append((row, copies))
    took = np.zeros((len(items), layers, capacity + 1), dtype=bool)
    for index, (row, copies) in enumerate(items):
        width = int(sizes[row]) * copies
        value = duals[row] * copies
        if cap is None:
            candidate = best[0, : capacity + 1 - width] + value
            improves = candidate > best[0, width:]
            best[0, width:] = np.where(improves, candidate, best[0, width:])
            took[index, 0, width:] = improves
            continue
        for layer in range(layers - 1, copies - 1, -1):
            candidate = best[layer - copies, : capacity + 1 - width] + value
            improves = candidate > best[layer, width:]
            best[layer, width:] = np.where(improves, candidate, best[layer, width:])
            took[index, layer, width:] = improves
    composition = np.zeros(len(sizes))
    layer, units = layers - 1, capacity
    for index in range(len(items) - 1, -1, -1):
        if took[index, layer, units]:
            row, copies = items[index]
            composition[row] += copies
            units -= int(sizes[row]) * copies
            if cap is not None:
                layer -= copies
    return best[layers - 1, capacity], composition


def pairs(sizes, demands, capacity):
    """Every composition of one or two sequences."""
    columns = []
    for first in range(len(sizes)):
        for second in range(first, len(sizes)):
            if sizes[first] + sizes[second] > capacity:
                break
            if first == second and demands[first] < 2:
                continue
            column = np.zeros(len(sizes))
            column[first] += 1
            column[second] += 1
            columns.append(column)
    return columns


def solve_lp(counts, cap):
    """The LP optimum of packing `counts` (counts[i] sequences of i + 1
    tokens into rows of len(counts) tokens) by column generation, HiGHS
    solving each master problem."""
    capacity = len(counts)
    sizes = np.flatnonzero(counts) + 1
    demands = counts[sizes - 1].astype(float)
    # Start from one homogeneous composition per length.
    columns = []
    for row, size in enumerate(sizes):
        copies = min(demands[row], capacity // size, cap if cap is not None else math.inf)
        column = np.zeros(len(sizes))
        column[row] = copies
        columns.append(column)
    # Two per pack: few enough compositions to list them all, and column
    # generation would need one round per pair of lengths.
    if cap == 2:
        columns += pairs(sizes, demands, capacity)
    while True:
        matrix = np.array(columns).T
        result = linprog(
            np.ones(len(columns)),
            A_ub=-matrix,
            b_ub=-demands,
            bounds=(0, None),
            method="highs",
        )
        assert result.status == 0, result.message
        duals = np.maximum(-result.ineqlin.marginals, 0.0)
        value, composition = price(duals, sizes, demands, capacity, cap)
        if value <= 1 + 1e-9:
            return result.fun
        columns.append(composition)


def draw(kind, sequences, max_len, seed):
    """A length histogram of `sequences` draws, shaped like BERT
    pre-training (a spike at max_len, a long low tail) or chat fine-tuning
    (log-normal), or a few lengths with small counts."""
    rng = np.random.default_rng(seed)
    if kind == "pretraining":
        kinds = rng.choice(3, size=sequences, p=[0.25, 0.1, 0.65])
        lengths = np.where(
            kinds == 0,
            max_len,
            np.where(
                kinds == 1,
                rng.integers(2, max_len + 1, size=sequences),
                rng.lognormal(np.log(max_len * 0.4), 0.5, size=sequences).astype(int),
            ),
        )
    elif kind == "chat":
        lengths = rng.lognormal(np.log(max_len / 4), 0.9, size=sequences).astype(int)
    else:
        chosen = rng.choice(np.arange(1, max_len + 1), size=12, replace=False)
        lengths = np.repeat(chosen, rng.integers(1, 5, size=12))
    lengths = np.clip(lengths, 1, max_len)
    return np.bincount(lengths, minlength=max_len + 1)[1:]


def compare(counts, depth):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"max_len": len(counts), "counts": [int(c) for c in counts]}, file)
        path = file.name
    try:
        limit = "unlimited" if depth is None else str(depth)
        output = subprocess.run(
            [packlab_binary(), "compare", path, "--max-per-pack", limit, "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(path)
    return json.loads(output)


class LpBoundAgainstHighs(unittest.TestCase):
    def check(self, counts, depths, within_one_pack):
        for depth in depths:
            with self.subTest(depth=depth):
                lp = solve_lp(counts, depth)
                report = compare(counts, depth)
                bound = report["lp_bound"]
                self.assertEqual(bound["bucket_tokens"], 1)
                self.assertTrue(bound["proven"], bound)
                self.assertEqual(bound["packs"], math.ceil(lp - LP_TOLERANCE * lp), (lp, bound))
                self.assertLessEqual(abs(bound["lp_value"] - lp), LP_TOLERANCE * lp + 1e-9, (lp, bound))
                packs = {row["algorithm"]: row["packs"] for row in report["reports"]}
                self.assertGreaterEqual(packs["optimal"], bound["packs"])
                self.assertLessEqual(packs["optimal"], min(packs["lpfhp"], packs["nnlshp"]))
                if within_one_pack:
                    self.assertLessEqual(packs["optimal"], bound["packs"] + 1, packs)

    def test_pretraining_shape_a_million_sequences(self):
        self.check(draw("pretraining", 1_000_000, 128, seed=1), DEPTHS, within_one_pack=True)

    def test_chat_shape_a_million_sequences(self):
        depths = [1, 2, 3, 4, 5, 6, 8, 12, 16, None]
        self.check(draw("chat", 1_000_000, 160, seed=2), depths, within_one_pack=True)

    def test_few_sequences_where_counts_bound_the_compositions(self):
        for seed in range(3, 9):
            with self.subTest(seed=seed):
                self.check(draw("few", 0, 40, seed=seed), [1, 2, 3, 4, 6, None], within_one_pack=False)


if __name__ == "__main__":
    unittest.main(verbosity=2)
