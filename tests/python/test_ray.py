"""packlab.ray on a local Ray cluster of two CPUs, against the single-machine
path: `length_histogram` must equal `packlab.histogram` of every row's
length; `pack_dataset` must give as many rows as `packlab.hf.pack_table`,
of the same compositions (the same plan), with every token exactly once,
and exactly the packs `packlab.place_block` gives the whole dataset as one
block, however the dataset is cut into blocks (as a set of rows: Ray's
shuffle orders them).
"""

import logging
import unittest

import numpy as np
import pyarrow as pa
import ray
import ray.data

import packlab
import packlab.hf
import packlab.ray


def token_table(rng, rows, longest):
    """Rows of 1..longest tokens; every token id is unique (its position in
    the whole table), so a lost or repeated token shows."""
    lengths = rng.integers(1, longest + 1, size=rows)
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
    ids = np.arange(offsets[-1], dtype=np.int32)
    return pa.table(
        {
            "input_ids": pa.ListArray.from_arrays(pa.array(offsets), pa.array(ids)),
            "labels": pa.ListArray.from_arrays(pa.array(offsets), pa.array(-ids)),
            "source": pa.array([f"row {row}" for row in range(rows)]),
        }
    ), lengths


def in_blocks(table, blocks):
    """A Ray dataset of `table` cut into `blocks` blocks of uneven sizes."""
    rng = np.random.default_rng(blocks)
    cuts = np.sort(rng.choice(np.arange(1, table.num_rows), size=blocks - 1, replace=False))
    bounds = np.concatenate(([0], cuts, [table.num_rows]))
    slices = [table.slice(start, end - start) for start, end in zip(bounds[:-1], bounds[1:])]
    return ray.data.from_arrow(slices)


def placed_rows(table, lengths, max_len, algorithm, seed, epoch, overlong):
    """The packed rows `packlab.place_block` gives the whole table as one
    block, built in plain Python: an oracle independent of packlab.ray."""
    plan = packlab.pack(lengths, algorithm, max_len=max_len, overlong=overlong)
    packs, positions = packlab.place_block(
        lengths, plan, np.zeros(max_len, np.int64), seed, epoch, overlong=overlong
    )
    columns = {name: table.column(name).to_pylist() for name in ("input_ids", "labels")}
    members = {}
    for row, (pack, position) in enumerate(zip(packs.tolist(), positions.tolist())):
        if pack >= 0:
            members.setdefault(pack, []).append((position, row))
    rows = []
    for pack in sorted(members):
        held = [row for _, row in sorted(members[pack])]
        cut = [min(int(lengths[row]), max_len) for row in held]
        packed = {name: sum((values[row][:length] for row, length in zip(held, cut)), []) for name, values in columns.items()}
        packed["position_ids"] = sum((list(range(length)) for length in cut), [])
        packed["seq_lengths"] = cut
        rows.append(packed)
    return rows_of(rows)


def compositions(rows):
    """The multiset of the packs' sorted sequence lengths."""
    return sorted(tuple(sorted(row["seq_lengths"])) for row in rows)


def rows_of(table_or_rows):
    """The packed rows as a sorted list of tuples of every column."""
    if isinstance(table_or_rows, pa.Table):
        rows = table_or_rows.to_pylist()
    else:
        rows = [{name: list(map(int, value)) for name, value in row.items()} for row in table_or_rows]
    return sorted(tuple(tuple(row[name]) for name in sorted(row)) for row in rows)


class RayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False

    @classmethod
    def tearDownClass(cls):
        ray.shutdown()

    def test_histogram_equals_the_histogram_of_every_length(self):
        table, lengths = token_table(np.random.default_rng(1), 3_000, 300)
        for max_len, overlong in ((None, "truncate"), (256, "truncate"), (256, "drop")):
            counted = packlab.ray.length_histogram(in_blocks(table, 5), max_len=max_len, overlong=overlong)
            expected = packlab.histogram(lengths, max_len=max_len, overlong=overlong)
            self.assertEqual(counted, expected, (max_len, overlong))
            self.assertEqual(counted.overlong, expected.overlong)

    def test_packs_are_those_of_one_machine(self):
        table, lengths = token_table(np.random.default_rng(2), 2_000, 400)
        for algorithm, max_len, blocks, overlong in (
            ("optimal", 512, 1, "truncate"),
            ("optimal", 512, 4, "truncate"),
            ("lpfhp", 384, 7, "truncate"),
            ("spfhp", 384, 3, "drop"),
            ("bfd", 256, 2, "truncate"),
        ):
            with self.subTest(algorithm=algorithm, max_len=max_len, blocks=blocks, overlong=overlong):
                packed = packlab.ray.pack_dataset(
                    in_blocks(table, blocks), max_len, algorithm, seed=3, epoch=1, overlong=overlong
                ).take_all()
                expected = packlab.hf.pack_table(
                    table, max_len, algorithm, seed=3, epoch=1, overlong=overlong
                )
                self.assertEqual(len(packed), expected.num_rows)
                self.assertEqual(
                    len(packed),
                    packlab.pack(lengths, algorithm, max_len=max_len, overlong=overlong).packs,
                )
                self.assertEqual(compositions(packed), compositions(expected.to_pylist()))
                self.assertEqual(
                    rows_of(packed), placed_rows(table, lengths, max_len, algorithm, 3, 1, overlong)
                )
                # Every kept token once, none over max_len.
                tokens = np.sort(np.concatenate([row["input_ids"] for row in packed]))
                kept = lengths <= max_len if overlong == "drop" else np.ones(len(lengths), bool)
                starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
                expected_tokens = np.sort(
                    np.concatenate(
                        [np.arange(start, start + min(length, max_len)) for start, length, keep in zip(starts, lengths, kept) if keep]
                    )
                )
                np.testing.assert_array_equal(tokens, expected_tokens)
                self.assertLessEqual(max(len(row["input_ids"]) for row in packed), max_len)
                self.assertEqual({"input_ids", "labels", "position_ids", "seq_lengths"}, set(packed[0]))

    def test_epochs_and_seeds_change_the_packs_not_their_number(self):
        table, _ = token_table(np.random.default_rng(4), 600, 100)
        runs = [
            rows_of(packlab.ray.pack_dataset(in_blocks(table, 3), 128, "lpfhp", seed=seed, epoch=epoch).take_all())
            for seed, epoch in ((0, 0), (0, 1), (1, 0))
        ]
        self.assertEqual(len({len(run) for run in runs}), 1)
        self.assertNotEqual(runs[0], runs[1])
        self.assertNotEqual(runs[0], runs[2])

    def test_bad_rows_are_named(self):
        table = pa.table({"input_ids": pa.array([[1, 2], [], [3]], pa.list_(pa.int32()))})
        with self.assertRaisesRegex(ValueError, r"column 'input_ids' row 1 has no tokens"):
            packlab.ray.pack_dataset(ray.data.from_arrow(table), 8)
        with self.assertRaisesRegex(ValueError, r"column 'tokens' is not in the dataset"):
            packlab.ray.pack_dataset(ray.data.from_arrow(table), 8, column="tokens")
        long = pa.table({"input_ids": pa.array([[1] * 9, [2]], pa.list_(pa.int32()))})
        with self.assertRaisesRegex(ValueError, r"1 row is longer than max_len 8"):
            packlab.ray.pack_dataset(ray.data.from_arrow(long), 8, overlong="error")


if __name__ == "__main__":
    unittest.main()
