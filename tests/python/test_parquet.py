"""Packlab's Parquet and Arrow readers against files the real producers
write.

pyarrow writes the files (each codec pyarrow offers: snappy, zstd, gzip,
lz4, brotli, none; lists of int32 and int64; several row groups), and
Hugging Face `datasets` writes one with `Dataset.to_parquet`, as the Hub
stores datasets. `packlab stats FILE --json` must count what the table
holds: one sequence per row, its length the number of token ids in its
list (or the value of an integer length column), in every row group.
Broken files (a cut footer, a column of text, a null list) are refused
with a message naming the file and, for a null, the row.

Arrow: `datasets.Dataset.save_to_disk` writes a folder of IPC stream
shards with a `state.json` listing them; `packlab stats FOLDER` counts
every shard, and `packlab assign FOLDER` keeps the rows' order across the
shards. pyarrow writes an IPC file (`ARROW1`) with large lists.
"""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset
from datasets.utils.logging import disable_progress_bar

from packlab_binary import packlab_binary

CODECS = ["snappy", "zstd", "gzip", "lz4", "brotli", "none"]


def stats(path, *options):
    """`packlab stats PATH --json`."""
    result = subprocess.run(
        [packlab_binary(), "stats", str(path), "--json", *options], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def refusal(path, *options):
    """The message of a `packlab stats` that must fail (exit 2)."""
    result = subprocess.run([packlab_binary(), "stats", str(path), *options], capture_output=True, text=True)
    assert result.returncode == 2, result
    return result.stderr


class ParquetTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        draw = np.random.default_rng(3)
        self.lengths = [int(length) for length in draw.integers(1, 700, size=3_000)]
        self.ids = [draw.integers(0, 32_000, size=length).tolist() for length in self.lengths]

    def path(self, name):
        return Path(self.folder.name) / name

    def assert_counts(self, counted, lengths):
        self.assertEqual(counted["sequences"], len(lengths))
        self.assertEqual(counted["tokens"], sum(lengths))
        self.assertEqual(counted["max"], max(lengths))
        self.assertEqual(counted["min"], min(lengths))

    def test_every_codec_and_list_type_in_several_row_groups(self):
        for codec in CODECS:
            for list_type in (pa.int32(), pa.int64()):
                with self.subTest(codec=codec, list_type=str(list_type)):
                    table = pa.table(
                        {
                            "input_ids": pa.array(self.ids, type=pa.list_(list_type)),
                            "text": ["a sentence"] * len(self.ids),
                        }
                    )
                    path = self.path(f"tokens-{codec}-{list_type}.parquet")
                    pq.write_table(table, path, compression=codec, row_group_size=700)
                    self.assertGreater(pq.ParquetFile(path).num_row_groups, 1)
                    self.assert_counts(stats(path), self.lengths)
        # Version 2 data pages (levels stored apart from the values), with
        # and without dictionaries, small pages so that rows span pages.
        for dictionary in (True, False):
            with self.subTest(data_page_version="2.0", dictionary=dictionary):
                path = self.path(f"tokens-v2-{dictionary}.parquet")
                table = pa.table({"input_ids": pa.array(self.ids, type=pa.list_(pa.int32()))})
                pq.write_table(table, path, data_page_version="2.0", use_dictionary=dictionary,
                               data_page_size=4096, compression="zstd")
                self.assert_counts(stats(path), self.lengths)

    def test_one_row_group_of_many_small_pages(self):
        # A file of one row group has its pages shared among the threads;
        # with pages of 1 kB most rows span several pages (version 1 pages
        # cut rows anywhere), so every join between pages is checked.
        for version in ("1.0", "2.0"):
            with self.subTest(data_page_version=version):
                path = self.path(f"one-group-{version}.parquet")
                table = pa.table({"input_ids": pa.array(self.ids, type=pa.list_(pa.int32()))})
                pq.write_table(table, path, data_page_version=version, use_dictionary=False,
                               data_page_size=1024, compression="zstd")
                metadata = pq.ParquetFile(path).metadata
                self.assertEqual(metadata.num_row_groups, 1)
                self.assert_counts(stats(path), self.lengths)
        # A null late in such a file: the row is named as in any other file.
        ids = [list(row) for row in self.ids]
        ids[-3][0] = None
        path = self.path("one-group-null.parquet")
        pq.write_table(pa.table({"input_ids": pa.array(ids, type=pa.list_(pa.int64()))}), path,
                       use_dictionary=False, data_page_size=1024)
        message = refusal(path)
        self.assertIn(f"one-group-null.parquet:row {len(ids) - 3} (row group 0)", message)

    def test_a_length_column_and_the_column_option(self):
        table = pa.table(
            {
                "input_ids": pa.array(self.ids, type=pa.list_(pa.int64())),
                "labels": pa.array(self.ids, type=pa.list_(pa.int64())),
                "num_tokens": pa.array(self.lengths, type=pa.int32()),
            }
        )
        path = self.path("columns.parquet")
        pq.write_table(table, path, compression="zstd")
        # Two lists of integers: `input_ids` is taken.
        self.assert_counts(stats(path), self.lengths)
        self.assert_counts(stats(path, "--column", "num_tokens"), self.lengths)
        self.assert_counts(stats(path, "--column", "labels"), self.lengths)
        only_lengths = self.path("lengths.parquet")
        pq.write_table(pa.table({"num_tokens": pa.array(self.lengths, type=pa.int64())}), only_lengths)
        self.assert_counts(stats(only_lengths), self.lengths)

    def test_a_hugging_face_dataset_written_to_parquet(self):
        disable_progress_bar()
        dataset = Dataset.from_dict({"input_ids": self.ids, "attention_mask": [[1] * n for n in self.lengths]})
        path = self.path("train-00000-of-00001.parquet")
        dataset.to_parquet(str(path))
        # Two lists of integers, `input_ids` among them.
        self.assert_counts(stats(path), self.lengths)

    def test_broken_files_are_refused_with_where_and_why(self):
        path = self.path("whole.parquet")
        pq.write_table(pa.table({"input_ids": pa.array(self.ids, type=pa.list_(pa.int64()))}), path)
        cut = self.path("cut.parquet")
        cut.write_bytes(path.read_bytes()[:-100])
        message = refusal(cut)
        self.assertIn("cut.parquet", message)
        self.assertIn("cannot be read", message)
        message = refusal(path, "--column", "missing")
        self.assertIn("no column `missing`", message)
        text = self.path("text.parquet")
        pq.write_table(pa.table({"text": ["one", "two"]}), text)
        self.assertIn("Name the column", refusal(text))
        self.assertIn("holds byte_array", refusal(text, "--column", "text"))
        nulls = self.path("nulls.parquet")
        pq.write_table(pa.table({"input_ids": pa.array(self.ids[:5] + [None] + self.ids[5:9], type=pa.list_(pa.int64()))}), nulls)
        message = refusal(nulls)
        self.assertIn("nulls.parquet:row 5 (row group 0)", message)
        self.assertIn("list is null", message)
        # A null token id, in a later row group (rows counted across the file).
        ids = [list(row) for row in self.ids[:12]]
        ids[10][1] = None
        null_id = self.path("null-id.parquet")
        pq.write_table(pa.table({"input_ids": pa.array(ids, type=pa.list_(pa.int64()))}), null_id, row_group_size=4)
        message = refusal(null_id)
        self.assertIn("null-id.parquet:row 10 (row group 2)", message)
        self.assertIn("element of the list", message)
        empty = self.path("empty-list.parquet")
        pq.write_table(pa.table({"input_ids": pa.array([[1, 2], []], type=pa.list_(pa.int64()))}), empty)
        self.assertIn("row 1 (row group 0)", refusal(empty))


class ArrowTest(unittest.TestCase):
    def setUp(self):
        disable_progress_bar()
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        draw = np.random.default_rng(4)
        self.lengths = [int(length) for length in draw.integers(1, 500, size=2_500)]
        self.ids = [draw.integers(0, 32_000, size=length).tolist() for length in self.lengths]

    def path(self, name):
        return Path(self.folder.name) / name

    def test_a_save_to_disk_folder_in_order(self):
        dataset = Dataset.from_dict(
            {"input_ids": self.ids, "attention_mask": [[1] * n for n in self.lengths], "text": ["a"] * len(self.ids)}
        )
        folder = self.path("saved")
        dataset.save_to_disk(str(folder), num_shards=3)
        self.assertEqual(len(list(folder.glob("data-*.arrow"))), 3)
        counted = stats(folder)
        self.assertEqual(counted["sequences"], len(self.lengths))
        self.assertEqual(counted["tokens"], sum(self.lengths))
        # The plan's indices are the rows in the dataset's order, across shards.
        result = subprocess.run(
            [packlab_binary(), "assign", str(folder), "--algorithm", "lpfhp", "--out", "-"],
            capture_output=True, text=True, check=True,
        )
        seen = []
        for line in result.stdout.splitlines():
            pack = json.loads(line)
            for index, length in zip(pack["indices"], pack["lengths"]):
                self.assertEqual(length, self.lengths[index])
                seen.append(index)
        self.assertEqual(sorted(seen), list(range(len(self.lengths))))
        # One shard alone.
        shard = sorted(folder.glob("data-*.arrow"))[1]
        self.assertEqual(stats(shard)["sequences"], len(Dataset.from_file(str(shard))))

    def test_an_ipc_file_and_a_folder_of_parquet_shards(self):
        table = pa.table(
            {
                "input_ids": pa.array(self.ids, type=pa.large_list(pa.int64())),
                "num_tokens": pa.array(self.lengths, type=pa.int32()),
            }
        )
        path = self.path("tokens.arrow")
        with pa.OSFile(str(path), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table, max_chunksize=600)
        self.assertEqual(stats(path)["tokens"], sum(self.lengths))
        self.assertEqual(stats(path, "--column", "num_tokens")["tokens"], sum(self.lengths))
        shards = self.path("shards")
        shards.mkdir()
        half = len(self.ids) // 2
        pq.write_table(table.slice(0, half), shards / "part-0.parquet")
        pq.write_table(table.slice(half), shards / "part-1.parquet")
        self.assertEqual(stats(shards)["sequences"], len(self.lengths))


    def test_row_groups_read_on_several_threads_keep_the_rows_order(self):
        # Many small row groups: the reader counts them on every core, and
        # the plan's indices must still be the rows in file order.
        path = self.path("many-groups.parquet")
        pq.write_table(pa.table({"input_ids": self.ids}), path, row_group_size=97, compression="zstd")
        self.assertGreater(pq.ParquetFile(path).num_row_groups, 20)
        result = subprocess.run(
            [packlab_binary(), "assign", str(path), "--algorithm", "lpfhp", "--out", "-"],
            capture_output=True, text=True, check=True,
        )
        seen = {}
        for line in result.stdout.splitlines():
            pack = json.loads(line)
            seen.update(zip(pack["indices"], pack["lengths"]))
        self.assertEqual(seen, dict(enumerate(self.lengths)))

    def test_arrow_from_standard_input(self):
        # Arrow is read front to back, so a pipe works too (Parquet's footer
        # is at its end, and a pipe is refused with the way to read it).
        table = pa.table({"input_ids": self.ids})
        for name, writer in [("stream", pa.ipc.new_stream), ("file", pa.ipc.new_file)]:
            path = self.path(f"tokens.{name}")
            with pa.OSFile(str(path), "wb") as sink:
                with writer(sink, table.schema) as write:
                    write.write_table(table, max_chunksize=500)
            with open(path, "rb") as stdin:
                result = subprocess.run(
                    [packlab_binary(), "stats", "-", "--format", "arrow", "--json"],
                    stdin=stdin, capture_output=True, text=True, check=True,
                )
            self.assertEqual(json.loads(result.stdout)["tokens"], sum(self.lengths), name)
        parquet = self.path("tokens.parquet")
        pq.write_table(table, parquet)
        with open(parquet, "rb") as stdin:
            result = subprocess.run([packlab_binary(), "stats", "-"], stdin=stdin, capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("footer", result.stderr)


if __name__ == "__main__":
    unittest.main()
