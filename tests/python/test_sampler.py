"""`packlab.torch.PackedBatchSampler` against `packlab.assign`, without torch.

The sampler promises, for every number of ranks, batch size and
`drop_last`:

- every rank yields `len(sampler)` batches, the same number on each, and
  each batch holds exactly `batch_size` of the epoch's packs, none over
  `max_len` tokens;
- over all ranks, one epoch covers every sequence exactly once, apart from
  the repeats its documentation announces (drop_last=False: the first
  `(-P) % (num_replicas * batch_size)` packs of the epoch's order, cycling
  when there are fewer packs than that) or the tail it leaves out
  (drop_last=True: the last `P % (num_replicas * batch_size)` packs);
- step s deals the packs of the epoch's order s * R * B to (s + 1) * R * B - 1
  like cards, the k-th to rank k % R;
- epoch e's packs are exactly `packlab.assign(..., epoch=e)`'s;
- with balance=True, the order is `packlab.assign(..., world_size=R,
  micro_batch=B, balance=True)`'s, laid out as assign lays out a step: rank
  r's batch of step s is the packs (s * R + r) * B to (s * R + r + 1) * B - 1
  of that order (extended by its first packs, cycling, or cut to whole
  steps, as above), and the whole steps are even in work where the dealt
  order is not.

The oracles here are written from those sentences alone: the multiset of
sequences seen, and a dealing of the packs loop by loop, both from
`packlab.assign`'s arrays, never from the sampler's arithmetic.

torch is not needed and never imported: `import packlab.torch` is checked
in a fresh interpreter, and the defaults the sampler takes from
torch.distributed are checked with a stand-in module, so the same tests
run whether torch is installed or not.

`packlab.torch` is the installed package's; when the installed wheel was
built before python/packlab/torch.py existed, the checkout's file is
loaded in its place (it only needs `packlab.assign`).
"""

import collections
import doctest
import importlib
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import types
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
import pyarrow as pa

import packlab

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "python" / "packlab" / "torch.py"
ALGORITHMS = ["none", "spfhp", "lpfhp", "nnlshp", "bfd", "optimal"]


def load_packlab_torch():
    """`packlab.torch`, installed, or else the checkout's file in its place."""
    try:
        return importlib.import_module("packlab.torch")
    except ModuleNotFoundError as error:
        if error.name != "packlab.torch":
            raise
    spec = importlib.util.spec_from_file_location("packlab.torch", SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["packlab.torch"] = module
    spec.loader.exec_module(module)
    packlab.torch = module
    return module


packlab_torch = load_packlab_torch()
PackedBatchSampler = packlab_torch.PackedBatchSampler


def assigned_packs(lengths, max_len, epoch=0, **settings):
    """The packs of `packlab.assign`, as tuples of dataset indices."""
    indices, offsets = packlab.assign(lengths, max_len=max_len, epoch=epoch, **settings)
    return [tuple(indices[offsets[p] : offsets[p + 1]].tolist()) for p in range(len(offsets) - 1)]


def epoch_on_every_rank(lengths, max_len, batch_size, num_replicas, epoch=0, **settings):
    """Per rank, the batches of one epoch, each as its list of packs (tuples)."""
    ranks = []
    for rank in range(num_replicas):
        sampler = PackedBatchSampler(
            lengths, max_len, batch_size, num_replicas=num_replicas, rank=rank,
            yield_packs=True, **settings,
        )
        sampler.set_epoch(epoch)
        ranks.append((len(sampler), [[tuple(pack) for pack in batch] for batch in sampler]))
    return ranks


def whole_steps(packs, per_step, drop_last):
    """The epoch's order cut to whole steps of per_step packs (drop_last),
    or extended to them by its first packs again, cycling."""
    if drop_last:
        return packs[: len(packs) - len(packs) % per_step]
    order = list(packs)
    source = itertools.cycle(packs)
    while len(order) % per_step:
        order.append(next(source))
    return order


def dealt(packs, batch_size, num_replicas, drop_last):
    """Each rank's batches, by the documented rule, one pack at a time: steps
    of num_replicas * batch_size packs of the epoch's order (cycled from its
    start to fill the last step, or that step left out), the k-th pack of a
    step to rank k % num_replicas."""
    per_step = num_replicas * batch_size
    order = whole_steps(packs, per_step, drop_last)
    ranks = [[] for _ in range(num_replicas)]
    for start in range(0, len(order), per_step):
        step = order[start : start + per_step]
        batches = [[] for _ in range(num_replicas)]
        for k, pack in enumerate(step):
            batches[k % num_replicas].append(pack)
        for rank, batch in enumerate(batches):
            ranks[rank].append(batch)
    return ranks


def balanced_packs(lengths, max_len, num_replicas, batch_size, epoch=0, model="bert-base", **settings):
    """The packs of `packlab.assign`'s balanced layout, whole order, as tuples."""
    return assigned_packs(
        lengths, max_len, epoch=epoch, world_size=num_replicas, micro_batch=batch_size,
        model=model, balance=True, **settings,
    )


def laid_out(packs, batch_size, num_replicas, drop_last):
    """Each rank's batches by the documented balanced rule, one pack at a
    time: the order extended by its first packs (cycling) to whole steps,
    or cut to whole steps; within a step, rank 0's batch_size packs, then
    rank 1's, and so on."""
    per_step = num_replicas * batch_size
    order = whole_steps(packs, per_step, drop_last)
    ranks = [[] for _ in range(num_replicas)]
    position = 0
    while position < len(order):
        for rank in range(num_replicas):
            ranks[rank].append(order[position : position + batch_size])
            position += batch_size
    return ranks


def random_lengths(draw, sequences, max_len):
    """Lengths from 1 to max_len, most short, as chat data has them."""
    return np.minimum(draw.geometric(3 / max_len, size=sequences), max_len).astype(np.int64)


# One epoch of one setting on every rank: `packs` are assign's, `ranks`
# the sampler's (len, batches) on each rank.
Split = collections.namedtuple(
    "Split", "lengths max_len packs num_replicas batch_size drop_last ranks"
)


def splits():
    """Datasets of 1 to 200 sequences (so that fewer packs than a step holds
    happens), every algorithm, packs shuffled or in plan order, each on 1 to
    4 ranks, 1 to 3 packs a batch, drop_last both; fixed seeds."""
    draw = np.random.default_rng(20)
    for trial in range(24):
        sequences = [1, 2, 5][trial] if trial < 3 else int(draw.integers(1, 200))
        max_len = int(draw.integers(4, 64))
        lengths = random_lengths(draw, sequences, max_len)
        algorithm = ALGORITHMS[trial % len(ALGORITHMS)]
        seed = int(draw.integers(0, 1_000))
        shuffle = bool(trial % 4)
        packs = assigned_packs(lengths, max_len, algorithm=algorithm, seed=seed, shuffle_packs=shuffle)
        for num_replicas, batch_size, drop_last in itertools.product([1, 2, 3, 4], [1, 2, 3], [False, True]):
            ranks = epoch_on_every_rank(
                lengths, max_len, batch_size, num_replicas,
                algorithm=algorithm, seed=seed, shuffle=shuffle, drop_last=drop_last,
            )
            yield Split(lengths, max_len, packs, num_replicas, batch_size, drop_last, ranks)


class SplitTest(unittest.TestCase):
    """One epoch, over ranks 1 to 4, batch sizes 1 to 3, drop_last both."""

    def split_test(self, split):
        """A subtest named by the split's setting."""
        return self.subTest(
            sequences=len(split.lengths), R=split.num_replicas, B=split.batch_size, drop_last=split.drop_last
        )

    def test_every_rank_yields_len_batches_of_batch_size_packs(self):
        for split in splits():
            with self.split_test(split):
                per_step = split.num_replicas * split.batch_size
                packs = len(split.packs)
                steps = packs // per_step if split.drop_last else -(-packs // per_step)
                for length, batches in split.ranks:
                    self.assertEqual(len(batches), length, "len(sampler) is what it yields")
                    self.assertEqual(length, steps, "the same number on every rank")
                    for batch in batches:
                        self.assertEqual(len(batch), split.batch_size)
                        for pack in batch:
                            tokens = sum(min(split.lengths[i], split.max_len) for i in pack)
                            self.assertLessEqual(tokens, split.max_len)

    def test_an_epoch_covers_every_sequence_once_but_the_announced_repeats(self):
        for split in splits():
            with self.split_test(split):
                seen = collections.Counter(
                    i for _, batches in split.ranks for batch in batches for pack in batch for i in pack
                )
                packs, per_step = split.packs, split.num_replicas * split.batch_size
                expected = collections.Counter(range(len(split.lengths)))
                if split.drop_last:
                    for pack in packs[len(packs) - len(packs) % per_step :]:
                        expected.subtract(pack)
                else:
                    # The first (-P) % (R * B) packs of the order, cycling.
                    repeats = (-len(packs)) % per_step
                    self.assertLess(repeats, per_step)
                    for k in range(repeats):
                        expected.update(packs[k % len(packs)])
                self.assertEqual(+seen, +expected)

    def test_step_s_deals_its_packs_to_the_ranks_in_turn(self):
        for split in splits():
            with self.split_test(split):
                expected = dealt(split.packs, split.batch_size, split.num_replicas, split.drop_last)
                self.assertEqual([batches for _, batches in split.ranks], expected)

    def test_one_pack_fills_a_step_of_twelve_by_itself(self):
        # The documented cycling: 1 pack, 4 ranks of 3 packs: 11 repeats,
        # so each of the pack's two sequences is seen 12 times.
        ranks = epoch_on_every_rank([3, 4], 8, 3, 4)
        self.assertEqual([length for length, _ in ranks], [1, 1, 1, 1])
        self.assertEqual([batches for _, batches in ranks], [[[(1, 0)] * 3]] * 4)
        dropped = epoch_on_every_rank([3, 4], 8, 3, 4, drop_last=True)
        self.assertEqual(dropped, [(0, [])] * 4)

    def test_flat_batches_are_the_packs_concatenated_in_pack_order(self):
        lengths = random_lengths(np.random.default_rng(3), 500, 128)
        for num_replicas, rank in [(1, 0), (3, 2)]:
            flat = PackedBatchSampler(lengths, 128, 3, num_replicas=num_replicas, rank=rank)
            packs = PackedBatchSampler(lengths, 128, 3, num_replicas=num_replicas, rank=rank, yield_packs=True)
            flat_batches = list(flat)
            self.assertEqual(flat_batches, [sum(batch, []) for batch in packs])
            self.assertTrue(all(type(i) is int for batch in flat_batches for i in batch), "Python ints")

    def test_overlong_sequences_are_alone_when_truncated_and_nowhere_when_dropped(self):
        lengths = [5, 40, 3, 12, 70, 9, 2]
        sampler = PackedBatchSampler(lengths, 16, 1, yield_packs=True)
        truncated = [pack for batch in sampler for pack in batch]
        self.assertIn([1], truncated)
        self.assertIn([4], truncated)
        dropped = [i for batch in PackedBatchSampler(lengths, 16, 1, overlong="drop") for i in batch]
        self.assertEqual(sorted(dropped), [0, 2, 3, 5, 6])


class EpochTest(unittest.TestCase):
    def setUp(self):
        self.lengths = random_lengths(np.random.default_rng(5), 2_000, 256)

    def test_epoch_e_yields_the_packs_of_assign_with_epoch_e(self):
        for num_replicas, batch_size in [(1, 1), (2, 3), (4, 2)]:
            for epoch in [0, 1, 2, 7, 2**32 - 1]:
                with self.subTest(R=num_replicas, B=batch_size, epoch=epoch):
                    ranks = epoch_on_every_rank(
                        self.lengths, 256, batch_size, num_replicas, epoch=epoch, seed=9
                    )
                    packs = assigned_packs(self.lengths, 256, epoch=epoch, seed=9)
                    expected = dealt(packs, batch_size, num_replicas, drop_last=False)
                    self.assertEqual([batches for _, batches in ranks], expected)

    def test_set_epoch_changes_the_batches_and_comes_back(self):
        sampler = PackedBatchSampler(self.lengths, 256, 4, yield_packs=True)
        first = list(sampler)
        self.assertEqual(sampler.epoch, 0)
        sampler.set_epoch(1)
        self.assertEqual(sampler.epoch, 1)
        second = list(sampler)
        self.assertNotEqual(first, second)

        def packs(batches):
            return {tuple(pack) for batch in batches for pack in batch}

        self.assertNotEqual(packs(first), packs(second), "new packs, not only a new order")
        sampler.set_epoch(0)
        self.assertEqual(list(sampler), first)

    def test_shuffle_false_keeps_the_plans_order(self):
        sampler = PackedBatchSampler(self.lengths, 256, 1, shuffle=False, yield_packs=True)
        packs = [tuple(batch[0]) for batch in sampler]
        self.assertEqual(packs, assigned_packs(self.lengths, 256, shuffle_packs=False))
        self.assertNotEqual(packs, assigned_packs(self.lengths, 256))
        # As documented: which same-length sequences share a pack still
        # changes with the epoch.
        sampler.set_epoch(1)
        self.assertNotEqual({tuple(batch[0]) for batch in sampler}, set(packs))

    def test_the_same_seed_gives_the_same_batches_and_another_seed_others(self):
        settings = dict(num_replicas=2, rank=1, seed=42)
        self.assertEqual(
            list(PackedBatchSampler(self.lengths, 256, 2, **settings)),
            list(PackedBatchSampler(self.lengths.tolist(), 256, 2, **settings)),
        )
        self.assertNotEqual(
            list(PackedBatchSampler(self.lengths, 256, 2, **settings)),
            list(PackedBatchSampler(self.lengths, 256, 2, num_replicas=2, rank=1, seed=43)),
        )

    def test_lengths_as_numpy_list_or_arrow_give_the_same_batches(self):
        expected = list(PackedBatchSampler(self.lengths, 256, 2))
        for lengths in [self.lengths.astype(np.uint16), self.lengths.tolist(), pa.array(self.lengths)]:
            with self.subTest(kind=type(lengths).__name__):
                self.assertEqual(list(PackedBatchSampler(lengths, 256, 2)), expected)

    def test_an_iteration_under_way_keeps_its_epoch(self):
        sampler = PackedBatchSampler(self.lengths, 256, 4)
        epoch_0 = list(sampler)
        batches = iter(sampler)
        started = [next(batches)]
        sampler.set_epoch(1)
        self.assertEqual(started + list(batches), epoch_0)
        self.assertNotEqual(list(sampler), epoch_0)


def balanced_splits():
    """As `splits`, with balance=True and a model drawn per trial; fewer
    trials, since every (R, B) has its own balanced order."""
    draw = np.random.default_rng(21)
    models = ["bert-base", "bert-large", "decoder-7b"]
    for trial in range(10):
        sequences = [1, 2, 5][trial] if trial < 3 else int(draw.integers(1, 300))
        max_len = int(draw.integers(4, 64))
        lengths = random_lengths(draw, sequences, max_len)
        algorithm = ALGORITHMS[trial % len(ALGORITHMS)]
        seed = int(draw.integers(0, 1_000))
        model = models[trial % len(models)]
        for num_replicas, batch_size, drop_last in itertools.product([1, 2, 3, 4], [1, 2, 3], [False, True]):
            packs = balanced_packs(
                lengths, max_len, num_replicas, batch_size, model=model, algorithm=algorithm, seed=seed
            )
            ranks = epoch_on_every_rank(
                lengths, max_len, batch_size, num_replicas,
                algorithm=algorithm, seed=seed, drop_last=drop_last, balance=True, model=model,
            )
            settings = dict(algorithm=algorithm, seed=seed)
            yield Split(lengths, max_len, packs, num_replicas, batch_size, drop_last, ranks), settings


# A 7B decoder's training FLOPs, written here rather than taken from
# Packlab: 6 * parameters per token for the linear layers, and
# 12 * layers * hidden per pair of tokens of a sequence for attention.
PARAMETERS_7B, LAYERS_7B, HIDDEN_7B = 6.74e9, 32, 4096


def work_7b(lengths, pack):
    tokens = sum(int(lengths[i]) for i in pack)
    pairs = sum(int(lengths[i]) ** 2 for i in pack)
    return 6 * PARAMETERS_7B * tokens + 12 * LAYERS_7B * HIDDEN_7B * pairs


def mean_slowest_over_mean(lengths, ranks):
    """Over the steps, the mean of (slowest rank's work / mean rank's work)."""
    ratios = []
    for step in zip(*(batches for _, batches in ranks)):
        work = [sum(work_7b(lengths, pack) for pack in batch) for batch in step]
        ratios.append(max(work) / (sum(work) / len(work)))
    return sum(ratios) / len(ratios)


class BalanceTest(unittest.TestCase):
    """balance=True: assign's balanced layout, batch by batch."""

    def test_an_epoch_covers_every_pack_of_assign_once_but_the_announced_repeats(self):
        for split, settings in balanced_splits():
            with self.subTest(
                sequences=len(split.lengths), R=split.num_replicas, B=split.batch_size, drop_last=split.drop_last
            ):
                per_step = split.num_replicas * split.batch_size
                steps = len(split.packs) // per_step if split.drop_last else -(-len(split.packs) // per_step)
                for length, batches in split.ranks:
                    self.assertEqual((length, len(batches)), (steps, steps), "the same number on every rank")
                    self.assertTrue(all(len(batch) == split.batch_size for batch in batches))
                seen = collections.Counter(
                    pack for _, batches in split.ranks for batch in batches for pack in batch
                )
                # Every pack of the epoch: assign's, without any layout.
                expected = collections.Counter(assigned_packs(split.lengths, split.max_len, **settings))
                order = split.packs
                if split.drop_last:
                    expected.subtract(order[len(order) - len(order) % per_step :])
                else:
                    # The first (-P) % (R * B) packs of the balanced order, cycling.
                    expected.update(order[k % len(order)] for k in range((-len(order)) % per_step))
                self.assertEqual(+seen, +expected)
                self.assertEqual(sum(seen.values()), steps * per_step)

    def test_rank_r_batch_s_is_the_balanced_layouts_step_s_rank_r(self):
        for split, _ in balanced_splits():
            with self.subTest(
                sequences=len(split.lengths), R=split.num_replicas, B=split.batch_size, drop_last=split.drop_last
            ):
                expected = laid_out(split.packs, split.batch_size, split.num_replicas, split.drop_last)
                self.assertEqual([batches for _, batches in split.ranks], expected)

    def test_each_rank_takes_the_packs_assign_gives_it_then_the_repeats(self):
        # assign(..., rank=r): rank r's packs in step order; the sampler's
        # rank r yields them first, then only repeats of the order's first
        # packs (drop_last=False), or them cut to whole steps (True).
        lengths = random_lengths(np.random.default_rng(13), 3_000, 200)
        for num_replicas, batch_size in [(1, 3), (3, 2), (4, 5)]:
            layout = dict(world_size=num_replicas, micro_batch=batch_size, model="bert-large", balance=True)
            whole = assigned_packs(lengths, 200, epoch=3, seed=5, **layout)
            per_step = num_replicas * batch_size
            self.assertNotEqual(len(whole) % per_step, 0, "a last step that is not whole")
            for rank in range(num_replicas):
                own = assigned_packs(lengths, 200, epoch=3, seed=5, rank=rank, **layout)
                for drop_last in [False, True]:
                    with self.subTest(R=num_replicas, B=batch_size, rank=rank, drop_last=drop_last):
                        sampler = PackedBatchSampler(
                            lengths, 200, batch_size, num_replicas=num_replicas, rank=rank, seed=5,
                            balance=True, model="bert-large", drop_last=drop_last, yield_packs=True,
                        )
                        sampler.set_epoch(3)
                        packs = [tuple(pack) for batch in sampler for pack in batch]
                        whole_steps = len(whole) // per_step
                        if drop_last:
                            self.assertEqual(packs, own[: whole_steps * batch_size])
                        else:
                            self.assertEqual(packs[: len(own)], own)
                            first = set(whole[: (-len(whole)) % per_step])
                            self.assertTrue(set(packs[len(own) :]) <= first, "only the announced repeats")

    def test_balanced_steps_are_more_even_than_dealt_ones(self):
        # Long-tailed lengths (log-normal, median 600 tokens, sigma 1, cut
        # to 1..4096) at 4096 on 8 ranks, weighed by this file's 7B
        # decoder: the slowest rank's excess over the step's mean.
        draw = np.random.default_rng(600)
        lengths = np.clip(np.rint(draw.lognormal(np.log(600), 1.0, 40_000)), 1, 4096).astype(np.int64)
        for batch_size in [1, 4]:
            with self.subTest(B=batch_size):
                excess = {}
                for balance in [False, True]:
                    ranks = epoch_on_every_rank(
                        lengths, 4096, batch_size, 8, drop_last=True, balance=balance, model="decoder-7b"
                    )
                    self.assertGreater(ranks[0][0], 50, "enough whole steps to measure")
                    excess[balance] = mean_slowest_over_mean(lengths, ranks) - 1
                self.assertGreater(excess[False], 0.005, "dealt steps are uneven to begin with")
                self.assertLess(excess[True] * 10, excess[False], excess)

    def test_set_epoch_changes_the_balanced_batches_and_comes_back(self):
        lengths = random_lengths(np.random.default_rng(6), 2_000, 256)
        sampler = PackedBatchSampler(
            lengths, 256, 3, num_replicas=2, rank=1, balance=True, model="decoder-7b", yield_packs=True
        )
        first = list(sampler)
        sampler.set_epoch(1)
        second = [[tuple(pack) for pack in batch] for batch in sampler]
        self.assertNotEqual([[tuple(pack) for pack in batch] for batch in first], second)
        self.assertEqual(
            second, laid_out(balanced_packs(lengths, 256, 2, 3, epoch=1, model="decoder-7b"), 3, 2, False)[1]
        )
        sampler.set_epoch(0)
        self.assertEqual(list(sampler), first)
        again = PackedBatchSampler(
            lengths, 256, 3, num_replicas=2, rank=1, balance=True, model="decoder-7b", yield_packs=True
        )
        self.assertEqual(list(again), first, "the same settings give the same batches")

    def test_the_model_weighs_the_packs(self):
        # Attention weighs more against the linear layers in BERT-base than
        # in a 7B decoder, so long sequences make the two orders differ:
        # the sampler must take the model it is given.
        draw = np.random.default_rng(601)
        lengths = np.clip(np.rint(draw.lognormal(np.log(600), 1.0, 5_000)), 1, 4096).astype(np.int64)
        layouts = {
            model: laid_out(balanced_packs(lengths, 4096, 4, 2, model=model), 2, 4, False)
            for model in ["bert-base", "decoder-7b"]
        }
        self.assertNotEqual(layouts["bert-base"], layouts["decoder-7b"])
        for model, expected in layouts.items():
            with self.subTest(model=model):
                ranks = epoch_on_every_rank(lengths, 4096, 2, 4, balance=True, model=model)
                self.assertEqual([batches for _, batches in ranks], expected)

    def test_balance_false_keeps_the_dealt_order(self):
        # The default: the order before `balance` existed, whatever model.
        lengths = random_lengths(np.random.default_rng(7), 1_000, 128)
        for model in ["bert-base", "decoder-7b"]:
            ranks = epoch_on_every_rank(lengths, 128, 2, 3, model=model)
            self.assertEqual([batches for _, batches in ranks], dealt(assigned_packs(lengths, 128), 2, 3, False))
        balanced = epoch_on_every_rank(lengths, 128, 2, 3, balance=True)
        self.assertNotEqual([batches for _, batches in balanced], [batches for _, batches in ranks])

    def test_the_repr_reads_as_the_call(self):
        sampler = PackedBatchSampler([3, 5], 8, 1, balance=True, model="decoder-7b")
        self.assertEqual(
            repr(sampler),
            "PackedBatchSampler(max_len=8, batch_size=1, algorithm='lpfhp', max_per_pack=None, "
            "overlong='truncate', shuffle=True, seed=0, epoch=0, num_replicas=1, rank=0, "
            "drop_last=False, balance=True, model='decoder-7b', yield_packs=False)",
        )
        self.assertIn("balance=False, model='bert-base'", repr(PackedBatchSampler([3, 5], 8, 1)))


class ArgumentTest(unittest.TestCase):
    def refusal(self, error, call):
        with self.assertRaises(error) as caught:
            call()
        return str(caught.exception)

    def test_out_of_range_settings_are_refused_with_their_names(self):
        lengths = [3, 4, 5]
        cases = [
            (dict(batch_size=0), "batch_size: a batch holds at least 1 pack, got 0"),
            (dict(num_replicas=0), "num_replicas: at least 1 process holds the data, got 0"),
            (
                dict(num_replicas=2, rank=2),
                "rank: 2 is not a rank of num_replicas=2 processes; give one from 0 to 1",
            ),
            (
                dict(num_replicas=3, rank=-1),
                "rank: -1 is not a rank of num_replicas=3 processes; give one from 0 to 2",
            ),
            (dict(rank=1), "rank: 1 is not a rank of num_replicas=1 processes; give one from 0 to 0"),
            (
                dict(num_replicas=4),
                "rank: give this process's rank, from 0 to 3, with num_replicas=4; "
                "torch.distributed has no process group to say it",
            ),
            (dict(seed=-1), "seed: give a whole number from 0 to 18446744073709551615, got -1"),
            (
                dict(seed=2**64),
                "seed: give a whole number from 0 to 18446744073709551615, got 18446744073709551616",
            ),
        ]
        for overrides, message in cases:
            with self.subTest(**overrides):
                arguments = {"lengths": lengths, "max_len": 8, "batch_size": 1, **overrides}
                self.assertEqual(self.refusal(ValueError, lambda: PackedBatchSampler(**arguments)), message)

    def test_a_model_packlab_does_not_know_is_refused_with_assigns_message(self):
        expected = self.refusal(
            ValueError, lambda: packlab.assign([5, 3], max_len=8, world_size=1, model="gpt-2", balance=True)
        )
        self.assertIn("gpt-2", expected)
        for balance in [True, False]:
            with self.subTest(balance=balance):
                message = self.refusal(
                    ValueError, lambda: PackedBatchSampler([5, 3], 8, 1, balance=balance, model="gpt-2")
                )
                self.assertEqual(message, expected)

    def test_balance_needs_shuffle(self):
        message = self.refusal(
            ValueError, lambda: PackedBatchSampler([5, 3], 8, 1, balance=True, shuffle=False)
        )
        self.assertEqual(
            message,
            "shuffle: balance=True orders the packs itself (shuffled by seed and epoch), "
            "so it cannot keep the plan's order; give shuffle=True, or balance=False",
        )

    def test_set_epoch_refuses_epochs_the_engine_cannot_take(self):
        sampler = PackedBatchSampler([3, 4, 5], 8, 1)
        for epoch in [-1, 2**32]:
            with self.subTest(epoch=epoch):
                message = self.refusal(ValueError, lambda: sampler.set_epoch(epoch))
                self.assertEqual(message, f"epoch: give a whole number from 0 to 4294967295, got {epoch}")
        self.assertEqual(sampler.epoch, 0, "a refused epoch changes nothing")

    def test_a_fraction_is_not_a_count(self):
        message = self.refusal(TypeError, lambda: PackedBatchSampler([3, 4], 8, 1.5))
        self.assertEqual(message, "batch_size: expected a whole number, got 1.5")

    def test_bad_lengths_and_packing_settings_fail_at_construction_with_assigns_message(self):
        cases = [
            dict(lengths=[5, 0, 3]),
            dict(algorithm="first-fit"),
            dict(lengths=[5, 30], overlong="error"),
            dict(max_len=0),
        ]
        for overrides in cases:
            with self.subTest(**overrides):
                sampler_arguments = {"lengths": [5, 3], "max_len": 8, "batch_size": 2, **overrides}
                assign_arguments = {"lengths": [5, 3], "max_len": 8, **overrides}
                expected = self.refusal(ValueError, lambda: packlab.assign(**assign_arguments))
                message = self.refusal(ValueError, lambda: PackedBatchSampler(**sampler_arguments))
                self.assertEqual(message, expected)


def stand_in_distributed(world_size, rank, initialized=True, available=True):
    """A module answering as torch.distributed does, for the defaults."""
    module = types.ModuleType("torch.distributed")
    module.is_available = lambda: available
    module.is_initialized = lambda: initialized
    module.get_world_size = lambda: world_size
    module.get_rank = lambda: rank
    return module


class WithoutTorchTest(unittest.TestCase):
    def test_importing_packlab_torch_does_not_import_torch(self):
        # A fresh interpreter: this one's modules would hide an import.
        lengths = [3, 5, 8, 2, 6, 1]
        program = (
            "import json, sys\n"
            "from test_sampler import load_packlab_torch\n"
            f"sampler = load_packlab_torch().PackedBatchSampler({lengths}, max_len=8, batch_size=2)\n"
            "print(json.dumps([len(sampler), list(sampler), sorted(sys.modules)]))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", program], cwd=Path(__file__).parent, capture_output=True, text=True
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        length, batches, modules = json.loads(result.stdout)
        here = PackedBatchSampler(lengths, max_len=8, batch_size=2)
        self.assertEqual((length, batches), (len(here), list(here)))
        self.assertEqual([name for name in modules if name == "torch" or name.startswith("torch.")], [])

    def test_without_a_process_group_there_is_one_replica(self):
        absent = None
        uninitialized = stand_in_distributed(8, 3, initialized=False)
        unavailable = stand_in_distributed(8, 3, available=False)
        for distributed in [absent, uninitialized, unavailable]:
            with self.subTest(distributed=distributed), mock.patch.dict(sys.modules):
                sys.modules.pop("torch.distributed", None)
                if distributed is not absent:
                    sys.modules["torch.distributed"] = distributed
                sampler = PackedBatchSampler([3, 4, 5], 8, 1)
                self.assertEqual((sampler.num_replicas, sampler.rank), (1, 0))

    def test_the_process_groups_size_and_rank_are_the_defaults(self):
        lengths = random_lengths(np.random.default_rng(8), 300, 64)
        with mock.patch.dict(sys.modules, {"torch.distributed": stand_in_distributed(3, 2)}):
            sampler = PackedBatchSampler(lengths, 64, 2)
            chosen = PackedBatchSampler(lengths, 64, 2, num_replicas=2, rank=0)
            rank_only = PackedBatchSampler(lengths, 64, 2, rank=1)
        self.assertEqual((sampler.num_replicas, sampler.rank), (3, 2))
        self.assertEqual(list(sampler), list(PackedBatchSampler(lengths, 64, 2, num_replicas=3, rank=2)))
        self.assertEqual((chosen.num_replicas, chosen.rank), (2, 0), "given values win")
        self.assertEqual((rank_only.num_replicas, rank_only.rank), (3, 1))

    def test_a_data_parallel_group_smaller_than_the_world_needs_its_rank(self):
        # With tensor parallelism, say, 8 processes hold 2 copies of the
        # data: the world's rank is not the rank among the 2.
        with mock.patch.dict(sys.modules, {"torch.distributed": stand_in_distributed(8, 5)}):
            with self.assertRaises(ValueError) as caught:
                PackedBatchSampler([3, 4, 5], 8, 1, num_replicas=2)
            alone = PackedBatchSampler([3, 4, 5], 8, 1, num_replicas=1)
        self.assertEqual(
            str(caught.exception),
            "rank: give this process's rank, from 0 to 1, with num_replicas=2; "
            "torch.distributed's process group has 8 processes, so its rank is not the one among 2",
        )
        self.assertEqual((alone.num_replicas, alone.rank), (1, 0))

    def test_a_data_loader_gets_rows_a_padding_free_collator_flattens(self):
        # What torch's DataLoader does with a batch sampler and a map-style
        # dataset, written out: len(), then dataset[i] for each index of a
        # batch, then the collator. transformers' DataCollatorWithFlattening
        # (NumPy, no torch) is the padding-free collator.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from transformers import DataCollatorWithFlattening

        lengths = random_lengths(np.random.default_rng(11), 400, 96)
        dataset = [{"input_ids": [row] * int(length)} for row, length in enumerate(lengths)]
        sampler = PackedBatchSampler(lengths, 96, 3, num_replicas=2, rank=1)
        collator = DataCollatorWithFlattening(return_tensors="np")
        steps = 0
        for batch in sampler:
            flattened = collator([dataset[i] for i in batch])
            input_ids, position_ids = flattened["input_ids"], flattened["position_ids"]
            self.assertEqual(input_ids.shape, (1, sum(lengths[i] for i in batch)))
            self.assertLessEqual(input_ids.shape[1], 3 * 96)
            # Positions restart at each sequence, in the batch's order.
            starts = np.flatnonzero(position_ids[0] == 0)
            self.assertEqual(input_ids[0, starts].tolist(), batch)
            steps += 1
        self.assertEqual(steps, len(sampler))

    def test_the_docstrings_examples_hold(self):
        failed, tried = doctest.testmod(packlab_torch)
        self.assertGreater(tried, 0)
        self.assertEqual(failed, 0)


if __name__ == "__main__":
    unittest.main()
