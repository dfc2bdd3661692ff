"""`packlab.hf`: packed Hugging Face datasets, against an independent oracle and TRL.

The oracle needs nothing of Packlab's: every token of the test datasets
says where it came from (`input_ids[i][j] = i * TAG + j`, labels and
attention masks derived from it), so each packed row reads back, by its
`seq_lengths`, as runs of whole source rows. `unpacked` reads them back with
plain Python loops and fails on any token out of place; the tests then ask
that every source row come back exactly once (cut to max_len, or left out
by overlong="drop"), in the packs `packlab.assign` decides, with position
ids that restart at each sequence. `check_packed` is tested on packed rows
broken on purpose, one rule at a time.

Against TRL 1.16 (installed without torch, as in test_trainers.py): its
`pack_dataset(..., strategy="bfd")` makes the same columns and types (plus
Packlab's `position_ids`), and Packlab's `bfd` as many packs as TRL's BFD
over the whole dataset, `optimal` no more. transformers'
`DataCollatorWithFlattening`, given each packed row's sequences, must
rebuild the row and its position ids.

The test imports the checkout's `python/packlab/hf.py` (pure Python) over
the installed package, so it tests this checkout even when the installed
wheel is older; `hf.py` needs only `packlab.assign` from the wheel.
"""

import doctest
import os
import random
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

# transformers warns on import that PyTorch is missing: TRL's packing does
# not need it.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from datasets import Dataset, DatasetDict  # noqa: E402
from datasets.utils.logging import disable_progress_bar  # noqa: E402

import packlab  # noqa: E402

CHECKOUT_PACKAGE = Path(__file__).resolve().parents[2] / "python" / "packlab"
packlab.__path__.insert(0, str(CHECKOUT_PACKAGE))
import packlab.hf as hf  # noqa: E402

ALGORITHMS = ["none", "spfhp", "lpfhp", "nnlshp", "bfd", "optimal"]
#: Longer than every test sequence, so a token's row and position are
#: `token // TAG` and `token % TAG`.
TAG = 10_000


def chat_like(count, median, spread, seed):
    """Log-normal lengths from 1, as chat fine-tuning data has them."""
    draw = random.Random(seed)
    return [max(1, int(draw.lognormvariate(0, spread) * median)) for _ in range(count)]


def label_of(token):
    return token + 7


def mask_of(token):
    return (token // 3) % 2


def tagged_columns(lengths):
    """Token columns whose every value says its row and position."""
    input_ids = [
        [row * TAG + position for position in range(length)] for row, length in enumerate(lengths)
    ]
    return {
        "input_ids": input_ids,
        "labels": [[label_of(token) for token in row] for row in input_ids],
        "attention_mask": [[mask_of(token) for token in row] for row in input_ids],
    }


def tagged_dataset(lengths):
    """A tokenized dataset as a tokenizer and TRL's preparation leave it,
    with a text column and a list column of other lengths, which packing
    leaves out."""
    columns = tagged_columns(lengths)
    columns["text"] = [f"row {row}" for row in range(len(lengths))]
    columns["spans"] = [[0] * (length + 1) for length in lengths]
    dataset = Dataset.from_dict(columns)
    # As datasets stores a tokenizer's output: int32 ids, int8 masks.
    features = dataset.features.copy()
    features["attention_mask"] = datasets_list("int8")
    features["labels"] = datasets_list("int64")
    return dataset.cast(features)


def datasets_list(dtype):
    from datasets import List, Value

    return List(Value(dtype))


def unpacked(packed):
    """[(source row, tokens), ...] of every sequence of a packed dataset (or
    table), in packed order, read back by `seq_lengths` alone; fails on any
    token, label, mask or position out of place."""
    columns = packed.to_dict() if isinstance(packed, Dataset) else packed.to_pydict()
    sequences = []
    for row in range(len(columns["input_ids"])):
        input_ids = columns["input_ids"][row]
        start = 0
        for length in columns["seq_lengths"][row]:
            span = input_ids[start : start + length]
            source = span[0] // TAG
            where = f"packed row {row}, tokens {start}..{start + length - 1}"
            expect(span == [source * TAG + position for position in range(length)], where)
            # Every other column must say the same token, position by position.
            derived = {
                "labels": [label_of(token) for token in span],
                "attention_mask": [mask_of(token) for token in span],
                "position_ids": list(range(length)),
            }
            for name, expected in derived.items():
                if name in columns:
                    expect(
                        columns[name][row][start : start + length] == expected, f"{where}: {name}"
                    )
            sequences.append((source, length))
            start += length
        expect(start == len(input_ids), f"packed row {row}: seq_lengths do not cover its tokens")
    return sequences


def expect(condition, where):
    """An assertion that `python -O` keeps."""
    if not condition:
        raise AssertionError(where)


def source_rows(dataset):
    """The tag row of each row of `dataset`, in its order."""
    return [row[0] // TAG for row in dataset["input_ids"]]


class PackDatasetTest(unittest.TestCase):
    def setUp(self):
        disable_progress_bar()
        self.lengths = chat_like(1_500, 120, 0.9, seed=1)
        self.dataset = tagged_dataset(self.lengths)

    def assert_every_row_once(self, packed, lengths, max_len, rows=None, dropped=False):
        """Every source row (of `rows`, default all) comes back once, cut to
        max_len, or not at all when overlong and dropped."""
        rows = range(len(lengths)) if rows is None else rows
        expected = sorted(
            (row, min(lengths[row], max_len))
            for row in rows
            if not (dropped and lengths[row] > max_len)
        )
        self.assertEqual(sorted(unpacked(packed)), expected)

    def test_every_token_once_in_assigns_packs_for_every_algorithm(self):
        self.assertTrue(max(self.lengths) > 200, "some rows are cut at the smaller max_len")
        for algorithm in ALGORITHMS:
            for max_len in (200, 512):
                with self.subTest(algorithm=algorithm, max_len=max_len):
                    packed = hf.pack_dataset(self.dataset, max_len, algorithm, seed=3, epoch=1)
                    self.assert_every_row_once(packed, self.lengths, max_len)
                    hf.check_packed(packed, max_len)
                    self.assertLessEqual(max(len(row) for row in packed["input_ids"]), max_len)
                    # The packs are assign's, in its order, longest first.
                    indices, offsets = packlab.assign(
                        self.lengths, algorithm, max_len, seed=3, epoch=1
                    )
                    self.assertEqual(len(packed), len(offsets) - 1)
                    self.assertEqual(
                        len(packed), packlab.pack(self.lengths, algorithm, max_len).packs
                    )
                    sources = iter(source for source, _ in unpacked(packed))
                    self.assertEqual([next(sources) for _ in indices], indices.tolist())

    def test_columns_and_types(self):
        packed = hf.pack_dataset(self.dataset, 256)
        self.assertEqual(
            packed.column_names,
            ["input_ids", "labels", "attention_mask", "position_ids", "seq_lengths"],
        )
        self.assertEqual(packed.features["input_ids"], datasets_list("int32"))
        self.assertEqual(packed.features["labels"], datasets_list("int64"))
        self.assertEqual(packed.features["attention_mask"], datasets_list("int8"))
        self.assertEqual(packed.features["position_ids"], datasets_list("int32"))
        self.assertEqual(packed.features["seq_lengths"], datasets_list("int32"))
        without = hf.pack_dataset(self.dataset, 256, position_ids=False)
        self.assertEqual(
            without.column_names, ["input_ids", "labels", "attention_mask", "seq_lengths"]
        )
        self.assertEqual(without["input_ids"][:], packed["input_ids"][:])

    def test_named_token_columns(self):
        packed = hf.pack_dataset(self.dataset, 256, token_columns=["labels"])
        self.assertEqual(
            packed.column_names, ["input_ids", "labels", "position_ids", "seq_lengths"]
        )
        self.assert_every_row_once(packed, self.lengths, 256)

    def test_num_proc_gives_the_same_table(self):
        original = hf.PIECE_TOKENS
        self.addCleanup(setattr, hf, "PIECE_TOKENS", original)
        for piece_tokens in (original, 3_000):
            hf.PIECE_TOKENS = piece_tokens
            tables = [
                hf.pack_table(self.dataset.data.table, 300, num_proc=num_proc, seed=5)
                for num_proc in (None, 1, 2, 3)
            ]
            if piece_tokens == 3_000:
                self.assertGreater(tables[0].column("input_ids").num_chunks, 20, "many pieces")
            for table in tables[1:]:
                self.assertTrue(table.equals(tables[0]))
                for name in table.column_names:
                    chunks = [len(chunk) for chunk in table.column(name).chunks]
                    self.assertEqual(
                        chunks, [len(chunk) for chunk in tables[0].column(name).chunks]
                    )
            self.assert_every_row_once(tables[2], self.lengths, 300)
            hf.check_packed(tables[2], 300)

    def test_truncate_and_drop(self):
        lengths = [5, 12, 3, 9, 1, 30, 8, 8]
        dataset = tagged_dataset(lengths)
        truncated = hf.pack_dataset(dataset, 8)
        self.assert_every_row_once(truncated, lengths, 8)
        self.assertEqual(
            len(truncated), 7, "five rows of 8 tokens (three of them cut), then 5 + 3, and 1"
        )
        dropped = hf.pack_dataset(dataset, 8, overlong="drop")
        self.assert_every_row_once(dropped, lengths, 8, dropped=True)
        self.assertEqual(sorted(source for source, _ in unpacked(dropped)), [0, 2, 4, 6, 7])
        for packed in (truncated, dropped):
            hf.check_packed(packed, 8)
        with self.assertRaises(ValueError) as caught:
            hf.pack_dataset(dataset, 8, overlong="error")
        self.assertEqual(
            str(caught.exception),
            "column 'input_ids': 3 rows are longer than max_len 8 (the first is row 1, with 12 tokens; "
            "the longest has 30): raise max_len, or use overlong='truncate' (cut them) or "
            "overlong='drop' (leave them out)",
        )

    def test_a_shuffled_and_selected_dataset_in_its_own_order(self):
        view = self.dataset.shuffle(seed=3).select(range(0, 1_200, 2))
        self.assertIsNotNone(view._indices, "an indices mapping, not a copy")
        rows = source_rows(view)
        view_lengths = [self.lengths[row] for row in rows]
        packed = hf.pack_dataset(view, 256, seed=2)
        self.assert_every_row_once(packed, self.lengths, 256, rows=rows)
        # The packs are those of the view's rows in its order.
        indices, offsets = packlab.assign(view_lengths, "optimal", 256, seed=2)
        self.assertEqual(
            [source for source, _ in unpacked(packed)], [rows[index] for index in indices]
        )
        self.assertTrue(
            packed.data.table.equals(
                hf.pack_dataset(view.flatten_indices(), 256, seed=2).data.table
            )
        )
        # A filter's mapping too.
        short = self.dataset.filter(lambda row: len(row["input_ids"]) < 50)
        self.assert_every_row_once(
            hf.pack_dataset(short, 64), self.lengths, 64, rows=source_rows(short)
        )

    def test_a_dataset_of_many_chunks(self):
        """As `Dataset.map` and `load_dataset` leave a dataset: memory-mapped
        record batches, whole, shuffled, or a few rows selected."""
        table = self.dataset.data.table
        expected = hf.pack_table(table, 300, seed=4)
        chunked = pa.Table.from_batches(table.to_batches(max_chunksize=100))
        self.assertEqual(chunked.column("input_ids").num_chunks, 15)
        self.assertTrue(hf.pack_table(chunked, 300, seed=4).equals(expected))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "rows.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
                for batch in table.to_batches(max_chunksize=100):
                    writer.write_batch(batch)
            on_disk = Dataset.from_file(path)
            self.assertTrue(hf.pack_dataset(on_disk, 300, seed=4).data.table.equals(expected))
            views = {
                "shuffled": on_disk.shuffle(seed=1),
                "half the rows": on_disk.select(range(0, 1_500, 2)),
                "a few rows": on_disk.select([5, 900, 7, 1_400, 8, 1_499]),
            }
            for name, view in views.items():
                with self.subTest(view=name):
                    packed = hf.pack_dataset(view, 300, seed=4)
                    self.assert_every_row_once(packed, self.lengths, 300, rows=source_rows(view))
                    flat = hf.pack_dataset(view.flatten_indices(), 300, seed=4)
                    self.assertTrue(packed.data.table.equals(flat.data.table))

    def test_a_pyarrow_table_and_pack_table(self):
        table = pa.table(tagged_columns([4, 7, 2, 6]))
        from_table = hf.pack_dataset(table, 8, shuffle_packs=False)
        self.assertIsInstance(from_table, Dataset)
        self.assertEqual(from_table["seq_lengths"][:], [[4], [6, 2], [7]])
        packed_table = hf.pack_table(table, 8, shuffle_packs=False)
        self.assertIsInstance(packed_table, pa.Table)
        self.assertTrue(packed_table.equals(from_table.data.table))

    def test_large_and_fixed_size_lists(self):
        ids = [
            [row * TAG + position for position in range(length)]
            for row, length in enumerate([3, 5, 2, 4])
        ]
        large = pa.table({"input_ids": pa.array(ids, pa.large_list(pa.int64()))})
        packed = hf.pack_table(large, 6)
        self.assertEqual(packed.schema.field("input_ids").type, pa.large_list(pa.int64()))
        self.assertEqual(
            packed.schema.field("seq_lengths").type, pa.list_(pa.int64()), "as TRL types it"
        )
        self.assertEqual(sorted(unpacked(packed)), [(0, 3), (1, 5), (2, 2), (3, 4)])
        fixed = pa.table(
            {
                "input_ids": pa.array(
                    [[row * TAG + p for p in range(4)] for row in range(5)], pa.list_(pa.int32(), 4)
                )
            }
        )
        packed = hf.pack_table(fixed, 10, overlong="truncate")
        self.assertEqual(packed.schema.field("input_ids").type, pa.list_(pa.int32()))
        self.assertEqual(sorted(unpacked(packed)), [(row, 4) for row in range(5)])
        cut = hf.pack_table(fixed, 3)
        self.assertEqual(sorted(unpacked(cut)), [(row, 3) for row in range(5)])

    def test_the_datasets_format_type_is_kept(self):
        packed = hf.pack_dataset(self.dataset.with_format("numpy"), 256)
        self.assertEqual(packed.format["type"], "numpy")
        self.assertIsInstance(packed[0]["position_ids"], np.ndarray)

    def test_the_same_settings_give_the_same_fingerprint(self):
        first = hf.pack_dataset(self.dataset, 256)
        self.assertEqual(first._fingerprint, hf.pack_dataset(self.dataset, 256)._fingerprint)
        self.assertNotEqual(
            first._fingerprint, hf.pack_dataset(self.dataset, 256, epoch=1)._fingerprint
        )

    def test_the_collators_flattened_rows(self):
        """transformers' padding-free collator, given a packed row's
        sequences, makes the row, its position ids and its boundaries."""
        from transformers import DataCollatorWithFlattening

        collator = DataCollatorWithFlattening(return_tensors="np", return_flash_attn_kwargs=True)
        packed = hf.pack_dataset(self.dataset, 512)
        for row in packed.select(range(50)):
            starts = np.concatenate(([0], np.cumsum(row["seq_lengths"])))
            features = [
                {"input_ids": row["input_ids"][a:b]}
                for a, b in zip(starts[:-1], starts[1:], strict=True)
            ]
            flattened = collator(features)
            self.assertEqual(flattened["input_ids"][0].tolist(), row["input_ids"])
            self.assertEqual(flattened["position_ids"][0].tolist(), row["position_ids"])
            self.assertEqual(list(flattened["cu_seq_lens_q"]), starts.tolist())

    def test_docstring_examples(self):
        failures, tried = doctest.testmod(hf)
        self.assertGreater(tried, 0)
        self.assertEqual(failures, 0)

    def test_import_packlab_leaves_datasets_and_pyarrow_alone(self):
        code = (
            "import sys, packlab; "
            "print(sorted(m for m in ('datasets', 'pyarrow', 'packlab.hf') if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        self.assertEqual(result.stdout.strip(), "[]")


class ErrorTest(unittest.TestCase):
    def setUp(self):
        disable_progress_bar()

    def refusal(self, source, *args, **kwargs):
        with self.assertRaises(ValueError) as caught:
            hf.pack_dataset(source, *args, **kwargs)
        return str(caught.exception)

    def test_messages(self):
        good = {"input_ids": [[1, 2], [3]], "labels": [[1, 2], [3]], "text": ["a", "b"]}
        cases = [
            (
                Dataset.from_dict(good),
                dict(max_len=4, column="tokens"),
                "column 'tokens' is not in the dataset (its columns: input_ids, labels, text): "
                "name the column of token ids with column=...",
            ),
            (
                Dataset.from_dict(good),
                dict(max_len=4, column="text"),
                "column 'text' holds string, not lists of tokens: pack a column of token ids "
                "(one list per row, as a tokenizer's input_ids)",
            ),
            (
                Dataset.from_dict({"input_ids": [[1, 2], [], [3]]}),
                dict(max_len=4),
                "column 'input_ids' row 1 has no tokens (1 empty row in all): Packlab packs sequences of "
                "1 token or more; filter them out first, e.g. "
                "dataset.filter(lambda row: len(row['input_ids']) > 0)",
            ),
            (
                Dataset.from_dict({"input_ids": [[1, 2], None, [3]]}),
                dict(max_len=4),
                "column 'input_ids' row 1 is null (missing): every row needs its list of tokens; "
                "fill the row or filter it out",
            ),
            (
                Dataset.from_dict({"input_ids": [[1, 2], [3], [4, None]]}),
                dict(max_len=4),
                "column 'input_ids' row 2 holds a null (missing) value: a packed row needs every token; "
                "fill the nulls or filter the row out",
            ),
            (
                Dataset.from_dict(
                    {"input_ids": [[1, 2], [3], [4, 5]], "labels": [[1, 2], [3], [4]]}
                ),
                dict(max_len=4, token_columns=["labels"]),
                "column 'labels' row 2 has 1 value but 'input_ids' has 2 tokens: a token column needs "
                "one value per token; fix the row, or leave 'labels' out of token_columns",
            ),
            (
                Dataset.from_dict(
                    {"input_ids": [[1, 2], [3], [4, 5]], "labels": [[1, 2], [3], [4]]}
                ),
                dict(max_len=4),
                "column 'labels' has as many values as 'input_ids' has tokens in some rows but not in "
                "row 2 (it has 1 value, 'input_ids' 2 tokens): fix that row, or say which columns hold "
                "one value per token with token_columns=[...]",
            ),
            (
                Dataset.from_dict(
                    {"input_ids": [[1, 2], [3], [4, 5]], "labels": [[1, 2], None, [4, 5]]}
                ),
                dict(max_len=4),
                "column 'labels' has as many values as 'input_ids' has tokens in some rows but not in "
                "row 1 (it is null (missing), 'input_ids' 1 token): fix that row, or say which columns "
                "hold one value per token with token_columns=[...]",
            ),
            (
                Dataset.from_dict(good),
                dict(max_len=4, token_columns=["seq_lengths"]),
                "token_columns names 'seq_lengths', which pack_dataset computes for the packs: "
                "leave it out of token_columns",
            ),
            (
                Dataset.from_dict({"input_ids": [[1, 2, 3], [4, 5, 6]]}),
                dict(max_len=2, overlong="drop"),
                "column 'input_ids': every row is longer than max_len 2, so overlong='drop' leaves "
                "nothing to pack: raise max_len, or use overlong='truncate'",
            ),
            (
                Dataset.from_dict({"input_ids": [[1]]}).select([]),
                dict(max_len=4),
                "the dataset has no rows: there is nothing to pack",
            ),
            (
                Dataset.from_dict(good),
                dict(max_len=0),
                "max_len must be a whole number of tokens from 1, not 0",
            ),
            (
                Dataset.from_dict(good),
                dict(max_len=4, overlong="cut"),
                "overlong must be 'truncate', 'drop' or 'error', not 'cut'",
            ),
            (
                Dataset.from_dict(good),
                dict(max_len=4, algorithm="first-fit"),
                "algorithm: unknown algorithm `first-fit`: use none, spfhp, lpfhp, nnlshp, bfd or optimal",
            ),
        ]
        for source, kwargs, message in cases:
            with self.subTest(message=message):
                self.assertEqual(self.refusal(source, **kwargs), message)
        with self.assertRaises(ValueError) as caught:
            hf.pack_dataset(Dataset.from_dict(good), 4, num_proc=0)
        self.assertTrue(
            str(caught.exception).startswith("num_proc must be a number of threads from 1")
        )

    def test_rows_are_named_in_the_datasets_own_order(self):
        lengths = [3, 2, 4, 1]
        dataset = Dataset.from_dict({"input_ids": [[7] * n for n in lengths] + [[]]})
        view = dataset.select([4, 0, 1])
        self.assertIn("row 0 has no tokens", self.refusal(view, max_len=4))
        # A broken row the view does not show is no error.
        self.assertEqual(len(hf.pack_dataset(dataset.select([0, 1, 3]), 4)), 2)
        nulls = Dataset.from_dict({"input_ids": [[1], [2, None], [3]]})
        self.assertIn("row 2 holds a null", self.refusal(nulls.select([2, 0, 1]), max_len=4))
        self.assertEqual(len(hf.pack_dataset(nulls.select([2, 0]), 4)), 1)

    def test_sources_that_are_not_a_table(self):
        for source, message in [
            (
                DatasetDict({"train": Dataset.from_dict({"input_ids": [[1]]})}),
                "a DatasetDict holds several splits: pack each split, e.g. "
                "{name: pack_dataset(split, max_len) for name, split in dataset_dict.items()}",
            ),
            (
                Dataset.from_dict({"input_ids": [[1]]}).to_iterable_dataset(),
                "an IterableDataset streams its rows, but packing needs every row's length first: "
                "load the dataset without streaming=True",
            ),
            ({"input_ids": [[1]]}, "expected a datasets.Dataset or a pyarrow.Table, not dict"),
        ]:
            with self.subTest(message=message):
                with self.assertRaises(TypeError) as caught:
                    hf.pack_dataset(source, 4)
                self.assertEqual(str(caught.exception), message)


class CheckPackedTest(unittest.TestCase):
    """check_packed on packed rows broken one rule at a time."""

    def setUp(self):
        disable_progress_bar()
        self.packed = hf.pack_table(
            pa.table(tagged_columns(chat_like(400, 60, 0.8, seed=9))), 128, seed=1
        )
        hf.check_packed(self.packed, 128)
        self.row = 17
        self.columns = self.packed.to_pydict()

    def broken(self, name, change):
        """The packed table with `change` applied to row 17 of column `name`."""
        columns = {key: [list(row) for row in values] for key, values in self.columns.items()}
        columns[name][self.row] = change(columns[name][self.row])
        return pa.table(columns, schema=self.packed.schema)

    def refusal(self, table, **kwargs):
        with self.assertRaises(ValueError) as caught:
            hf.check_packed(table, **{"max_len": 128, **kwargs})
        return str(caught.exception)

    def test_each_rule(self):
        row = self.columns["seq_lengths"][self.row]
        self.assertGreater(len(row), 1, "row 17 holds several sequences")
        first = row[0]

        def shift_second_sequence(positions):
            # The second sequence continues the first's positions: it
            # would attend as if it were the first's continuation.
            return positions[:first] + [first + p for p in positions[first:]]

        cases = [
            (
                self.broken("position_ids", shift_second_sequence),
                f"packed row 17: position_ids has {first} where its sequence (of {row[1]} tokens) has "
                f"position 0: each sequence's positions run 0, 1, ..., length - 1",
            ),
            (
                self.broken("seq_lengths", lambda lengths: [lengths[0] + lengths[1]] + lengths[2:]),
                f"packed row 17: position_ids has 0 where its sequence (of {row[0] + row[1]} tokens) has "
                f"position {row[0]}: each sequence's positions run 0, 1, ..., length - 1",
            ),
            (
                self.broken("seq_lengths", lambda lengths: lengths[:-1] + [lengths[-1] + 1]),
                f"packed row 17: seq_lengths sum to {sum(row) + 1} but 'input_ids' holds {sum(row)} tokens",
            ),
            (
                self.broken("seq_lengths", lambda lengths: lengths + [0]),
                "packed row 17: seq_lengths holds 0, not a length of 1 or more",
            ),
            (
                self.broken("labels", lambda labels: labels[:-1]),
                f"packed row 17: 'labels' has {sum(row) - 1} values but 'input_ids' has {sum(row)} tokens",
            ),
        ]
        for table, message in cases:
            with self.subTest(message=message):
                self.assertEqual(self.refusal(table), message)
        self.assertEqual(
            self.refusal(self.packed, max_len=100),
            f"packed row {self.first_row_over(100)}: holds "
            f"{sum(self.columns['seq_lengths'][self.first_row_over(100)])} tokens, more than max_len 100",
        )

    def first_row_over(self, max_len):
        return next(
            row for row, lengths in enumerate(self.columns["seq_lengths"]) if sum(lengths) > max_len
        )

    def test_a_dataset_view_names_its_own_rows(self):
        table = self.broken("seq_lengths", lambda lengths: lengths + [0])
        view = Dataset(table).select([5, self.row, 2])
        self.assertEqual(
            self.refusal(view), "packed row 1: seq_lengths holds 0, not a length of 1 or more"
        )


class TrlTest(unittest.TestCase):
    """Against TRL 1.16's own `pack_dataset` on the same rows."""

    def test_same_columns_and_types_and_no_more_packs(self):
        from trl.data_utils import pack_dataset as trl_pack_dataset

        disable_progress_bar()
        for lengths, max_len in [
            (chat_like(2_600, 180, 0.9, seed=1), 512),
            (chat_like(1_800, 4, 1.0, seed=2), 128),
            ([100] * 1_500, 300),
        ]:
            with self.subTest(max_len=max_len, rows=len(lengths)):
                dataset = tagged_dataset(lengths).select_columns(
                    ["input_ids", "labels", "attention_mask"]
                )
                trl_batched = trl_pack_dataset(dataset, max_len, strategy="bfd")
                trl_whole = trl_pack_dataset(
                    dataset, max_len, strategy="bfd", map_kwargs={"batch_size": len(lengths)}
                )
                bfd = hf.pack_dataset(dataset, max_len, "bfd")
                optimal = hf.pack_dataset(dataset, max_len, "optimal")
                lean = hf.pack_dataset(dataset, max_len, "optimal", position_ids=False)

                self.assertEqual(lean.column_names, trl_whole.column_names)
                self.assertEqual(lean.features, trl_whole.features)
                self.assertEqual(
                    optimal.column_names,
                    trl_whole.column_names[:-1] + ["position_ids", "seq_lengths"],
                )
                # BFD's count depends on the lengths alone: Packlab's and
                # TRL's must agree over the same rows.
                self.assertEqual(len(bfd), len(trl_whole))
                self.assertLessEqual(len(optimal), len(trl_whole))
                self.assertLessEqual(len(trl_whole), len(trl_batched))
                # The same tokens, each sequence whole, in both.
                self.assertEqual(sorted(unpacked(trl_whole)), sorted(unpacked(optimal)))
                for packed in (trl_whole, trl_batched, optimal):
                    hf.check_packed(packed, max_len)


if __name__ == "__main__":
    unittest.main()
