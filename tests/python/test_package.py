"""The Python package (python/, `import packlab`) against the command line.

The package and the `packlab` binary share one engine, so every figure
must agree exactly: `packlab.pack` with `packlab pack --json`,
`packlab.compare` with `packlab compare --json`, `packlab.histogram` with
`packlab histogram`, `packlab.assign` with the `.npy` files of
`packlab assign --npy`, and `packlab.read` with the lengths `packlab assign`
reads, on several datasets and every algorithm. Lengths given as NumPy
arrays of any integer type, lists and pyarrow arrays give the same plan.
Bad input raises ValueError with the command line's own message, and the
defaults (max_per_pack=None) are the command line's.

Only `runtime_ms` is left out of the comparisons: it is a measured time.
"""

import doctest
import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import packlab
from packlab_binary import packlab_binary

ALGORITHMS = ["none", "spfhp", "lpfhp", "nnlshp", "bfd", "optimal"]

WORDS = "the of and to in is was for on that with packing sequence token padding batch model".split()


def cli(*args):
    """The JSON a `packlab` command prints."""
    result = subprocess.run([packlab_binary(), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result
    return json.loads(result.stdout)


def cli_refusal(*args):
    """The message of a `packlab` command that must fail with exit code 2,
    without its `packlab: ` prefix."""
    result = subprocess.run([packlab_binary(), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 2, result
    message = result.stderr.strip()
    assert message.startswith("packlab: "), message
    return message[len("packlab: "):]


def timeless(report):
    """A report's JSON object without its measured time."""
    return {key: value for key, value in report.items() if key != "runtime_ms"}


class PackageTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        draw = np.random.default_rng(17)
        # Three shapes of data: uniform short sequences, a long-tailed mix
        # (most short, a few near max_len) and a few distinct lengths.
        self.datasets = {
            "uniform": draw.integers(1, 200, size=2_000),
            "long-tailed": np.minimum(draw.lognormal(4.5, 0.9, size=3_000).astype(np.int64) + 1, 900),
            "few lengths": draw.choice([17, 64, 100, 128], size=500),
        }

    def path(self, name):
        return Path(self.folder.name) / name

    def saved(self, name, lengths):
        """`lengths` as a .npy file the command line reads."""
        path = self.path(f"{name}.npy")
        np.save(path, np.asarray(lengths, dtype=np.int64))
        return path

    def test_pack_gives_the_command_lines_json_for_every_algorithm(self):
        for name, lengths in self.datasets.items():
            path = self.saved(name, lengths)
            for algorithm in ALGORITHMS:
                for max_len, limit in [(None, None), (256, 2), (512, "unlimited")]:
                    with self.subTest(dataset=name, algorithm=algorithm, max_len=max_len, limit=limit):
                        args = ["pack", path, "--algorithm", algorithm, "--json"]
                        if max_len is not None:
                            args += ["--max-len", max_len]
                        if limit is not None:
                            args += ["--max-per-pack", limit]
                        expected = cli(*args)
                        report = packlab.pack(lengths, algorithm, max_len=max_len, max_per_pack=limit)
                        self.assertEqual(timeless(report.to_dict()), timeless(expected))
                        # The attributes are the JSON's fields, by name.
                        self.assertEqual(report.packs, expected["packs"])
                        self.assertEqual(report.efficiency, expected["efficiency"])
                        self.assertEqual(report.plan, expected["plan"])

    def test_overlong_sequences_are_truncated_or_dropped_as_on_the_command_line(self):
        lengths = self.datasets["long-tailed"]
        path = self.saved("long", lengths)
        for policy in ["truncate", "drop"]:
            with self.subTest(policy=policy):
                expected = cli("pack", path, "--max-len", 128, "--overlong", policy, "--json")
                report = packlab.pack(lengths, max_len=128, overlong=policy)
                self.assertGreater(report.overlong["sequences"], 0)
                self.assertEqual(timeless(report.to_dict()), timeless(expected))

    def test_compare_gives_the_command_lines_reports(self):
        for name, lengths in self.datasets.items():
            path = self.saved(name, lengths)
            for limit in [None, 2]:
                with self.subTest(dataset=name, limit=limit):
                    args = ["compare", path, "--max-len", 384, "--json"]
                    if limit is not None:
                        args += ["--max-per-pack", limit]
                    expected = cli(*args)
                    reports = packlab.compare(lengths, max_len=384, max_per_pack=limit)
                    self.assertEqual([report.algorithm for report in reports], ALGORITHMS)
                    for report, shown in zip(reports, expected["reports"]):
                        # compare --json leaves the plans out, and gives the
                        # overlong outcome once for all.
                        mine = timeless(report.to_dict())
                        self.assertEqual(mine.pop("overlong"), expected["overlong"])
                        del mine["plan"]
                        self.assertEqual(mine, timeless(shown))
        chosen = packlab.compare(self.datasets["uniform"], ["bfd", "spfhp"])
        self.assertEqual([report.algorithm for report in chosen], ["bfd", "spfhp"])

    def test_a_comparison_becomes_a_pandas_table(self):
        try:
            import pandas  # noqa: F401 - only whether it is there
        except ImportError:
            self.skipTest("pandas is not installed")
        reports = packlab.compare(self.datasets["uniform"], max_len=256)
        table = reports.to_pandas()
        self.assertEqual(list(table["algorithm"]), ALGORITHMS)
        self.assertEqual(list(table["packs"]), [report.packs for report in reports])
        self.assertEqual(list(packlab.to_pandas(reports)["efficiency"]), list(table["efficiency"]))

    def test_histogram_gives_the_command_lines_and_packs_as_the_lengths_do(self):
        for name, lengths in self.datasets.items():
            path = self.saved(name, lengths)
            for max_len in [None, 100]:
                with self.subTest(dataset=name, max_len=max_len):
                    args = ["histogram", path] + (["--max-len", max_len] if max_len else [])
                    expected = cli(*args)
                    histogram = packlab.histogram(lengths, max_len=max_len)
                    self.assertEqual(histogram.to_dict(), expected)
                    self.assertEqual(histogram.counts.dtype, np.int64)
                    self.assertEqual(histogram.sequences, len(lengths))
                    # Its own max_len is the default, as a dense JSON histogram's is.
                    by_histogram = timeless(packlab.pack(histogram, "nnlshp").to_dict())
                    by_lengths = timeless(packlab.pack(lengths, "nnlshp", max_len=histogram.max_len).to_dict())
                    # The histogram's sequences are already cut to its max_len.
                    self.assertEqual(by_histogram.pop("overlong")["sequences"], 0)
                    self.assertEqual(by_lengths.pop("overlong"), histogram.overlong)
                    self.assertEqual(by_histogram, by_lengths)

    def test_a_histogram_file_packs_as_on_the_command_line(self):
        path = self.path("preset.json")
        path.write_text(json.dumps(cli("histogram", "--preset", "qa-finetuning-384")))
        histogram = packlab.Histogram(json.loads(path.read_text())["counts"])
        for algorithm in ["lpfhp", "nnlshp", "optimal"]:
            with self.subTest(algorithm=algorithm):
                expected = cli("pack", path, "--algorithm", algorithm, "--json")
                self.assertEqual(timeless(packlab.pack(histogram, algorithm).to_dict()), timeless(expected))

    def test_assign_gives_the_arrays_of_the_command_lines_npy_files(self):
        for name, lengths in self.datasets.items():
            path = self.saved(name, lengths)
            for algorithm, seed, epoch, extra in [
                ("lpfhp", 0, 0, []),
                ("nnlshp", 7, 3, []),
                ("bfd", 1, 0, ["--max-per-pack", "2", "--max-len", "150", "--overlong", "drop"]),
                ("spfhp", 0, 0, ["--no-shuffle-packs"]),
            ]:
                with self.subTest(dataset=name, algorithm=algorithm, seed=seed, epoch=epoch, extra=extra):
                    prefix = self.path(f"{name}-{algorithm}")
                    subprocess.run(
                        [packlab_binary(), "assign", str(path), "--algorithm", algorithm,
                         "--seed", str(seed), "--epoch", str(epoch), "--out", str(prefix) + ".jsonl",
                         "--npy", str(prefix), *extra],
                        capture_output=True, check=True,
                    )
                    settings = {}
                    if "--max-per-pack" in extra:
                        settings = {"max_per_pack": 2, "max_len": 150, "overlong": "drop"}
                    if "--no-shuffle-packs" in extra:
                        settings = {"shuffle_packs": False}
                    indices, offsets = packlab.assign(lengths, algorithm, seed=seed, epoch=epoch, **settings)
                    for mine, suffix in [(indices, ".indices.npy"), (offsets, ".offsets.npy")]:
                        written = np.load(str(prefix) + suffix)
                        self.assertEqual(mine.dtype, np.int64)
                        self.assertEqual(mine.dtype, written.dtype)
                        np.testing.assert_array_equal(mine, written)

    def test_assign_across_ranks_gives_the_command_lines_per_rank_files(self):
        lengths = self.datasets[next(iter(self.datasets))]
        path = self.saved("ranks", lengths)
        for balance in (False, True):
            with self.subTest(balance=balance):
                prefix = self.path(f"ranks-{balance}")
                subprocess.run(
                    [packlab_binary(), "assign", str(path), "--seed", "3", "--epoch", "1",
                     "--world-size", "3", "--micro-batch", "2", "--grad-accum", "2",
                     "--model", "decoder-7b", "--out", str(prefix) + ".jsonl", "--npy", str(prefix),
                     *(["--balance"] if balance else [])],
                    capture_output=True, check=True,
                )
                settings = dict(seed=3, epoch=1, world_size=3, micro_batch=2, grad_accum=2,
                                model="decoder-7b", balance=balance)
                lines = [json.loads(line) for line in (Path(str(prefix) + ".jsonl")).read_text().splitlines()]
                indices, offsets = packlab.assign(lengths, **settings)
                self.assertEqual([line["indices"] for line in lines],
                                 [indices[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])])
                for rank in range(3):
                    mine = packlab.assign(lengths, rank=rank, **settings)
                    for array, suffix in zip(mine, (".indices.npy", ".offsets.npy")):
                        np.testing.assert_array_equal(array, np.load(f"{prefix}.rank{rank}{suffix}"))
        with self.assertRaisesRegex(ValueError, "^rank 3 is not below world_size 3: ranks count from 0$"):
            packlab.assign(lengths, world_size=3, rank=3)
        with self.assertRaisesRegex(ValueError, "give world_size too"):
            packlab.assign(lengths, balance=True)

    def test_read_gives_the_command_lines_lengths_of_parquet_and_json_lines(self):
        draw = np.random.default_rng(5)
        lengths = [int(length) for length in draw.integers(1, 300, size=1_500)]
        parquet = self.path("tokens.parquet")
        ids = [draw.integers(0, 1_000, size=length).tolist() for length in lengths]
        pq.write_table(pa.table({"input_ids": pa.array(ids, type=pa.list_(pa.int32()))}), parquet, row_group_size=400)
        jsonl = self.path("rows.jsonl")
        with open(jsonl, "w") as rows:
            for index, length in enumerate(lengths):
                # Both ways JSON Lines gives a length: a number, or token ids.
                row = {"length": length} if index % 2 else {"input_ids": [1] * length}
                rows.write(json.dumps(row) + "\n")
        for path in [parquet, jsonl]:
            with self.subTest(file=path.name):
                read = packlab.read(path)
                self.assertEqual(read.dtype, np.int64)
                self.assertEqual(read.tolist(), lengths)
                self.assertEqual(read.tolist(), self.cli_lengths_in_order(path))
                self.assertEqual(packlab.histogram(read).to_dict(), cli("histogram", path))

    def test_read_counts_text_with_the_tokenizer_as_the_command_line_does(self):
        # A word-level tokenizer that puts <s> before each text, and a chat
        # template beside it, as a model's folder holds them.
        vocabulary = {"[UNK]": 0, "<s>": 1, **{word: index + 2 for index, word in enumerate(WORDS)}}
        tokenizer = {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": 1, "content": "<s>", "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None, "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
            },
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": vocabulary, "unk_token": "[UNK]"},
        }
        model = self.path("model")
        model.mkdir()
        (model / "tokenizer.json").write_text(json.dumps(tokenizer))
        (model / "chat_template.jinja").write_text("{% for m in messages %}{{ m.role }} {{ m.content }} {% endfor %}")
        draw = np.random.default_rng(11)
        rows = self.path("texts.jsonl")
        with open(rows, "w") as out:
            for index in range(400):
                text = " ".join(draw.choice(WORDS, size=int(draw.integers(1, 60))))
                row = {"messages": [{"role": "user", "content": text}]} if index % 3 == 0 else {"text": text}
                out.write(json.dumps(row) + "\n")
        tokenizer_path = model / "tokenizer.json"
        for special in [True, False]:
            with self.subTest(special_tokens=special):
                options = [] if special else ["--no-special-tokens"]
                read = packlab.read(rows, tokenizer=tokenizer_path, special_tokens=special)
                self.assertEqual(read.tolist(), self.cli_lengths_in_order(rows, "--tokenizer", tokenizer_path, *options))
        with self.assertWarns(packlab.ReadNote):
            estimate = packlab.read(rows, tokenizer=tokenizer_path, sample=50)
        self.assertIsInstance(estimate, packlab.Histogram)
        self.assertEqual(estimate.to_dict(), cli("histogram", rows, "--tokenizer", tokenizer_path, "--sample", 50))

    def cli_lengths_in_order(self, path, *options):
        """The lengths `packlab assign` read from `path`, by sequence index."""
        out = self.path("order.jsonl")
        subprocess.run(
            [packlab_binary(), "assign", str(path), "--out", str(out), *map(str, options)],
            capture_output=True, check=True,
        )
        by_index = {}
        for line in out.read_text().splitlines():
            pack = json.loads(line)
            by_index.update(zip(pack["indices"], pack["lengths"]))
        return [by_index[index] for index in range(len(by_index))]

    def test_every_kind_of_lengths_gives_the_same_plan(self):
        lengths = self.datasets["long-tailed"]
        expected = timeless(packlab.pack(lengths.astype(np.int64), "bfd", max_len=512).to_dict())
        doubled = np.repeat(lengths.astype(np.int32), 2)
        kinds = {
            "int32": lengths.astype(np.int32),
            "uint16": lengths.astype(np.uint16),
            "uint64": lengths.astype(np.uint64),
            "big-endian int32": lengths.astype(">i4"),
            "strided view": doubled[::2],
            "read-only": np.frombuffer(lengths.astype(np.int64).tobytes(), dtype=np.int64),
            "list": [int(length) for length in lengths],
            "tuple": tuple(int(length) for length in lengths),
            "pyarrow array": pa.array(lengths.astype(np.int32)),
            "pyarrow chunked array": pa.chunked_array([lengths[:1000], lengths[1000:]]),
        }
        for kind, given in kinds.items():
            with self.subTest(kind=kind):
                self.assertEqual(timeless(packlab.pack(given, "bfd", max_len=512).to_dict()), expected)
        indices, offsets = packlab.assign(lengths.astype(np.int32), "bfd", max_len=512)
        from_list = packlab.assign(lengths.tolist(), "bfd", max_len=512)
        np.testing.assert_array_equal(indices, from_list[0])
        np.testing.assert_array_equal(offsets, from_list[1])

    def test_errors_raise_value_error_with_the_command_lines_message(self):
        path = self.saved("zero", [5, 0, 3])
        message = cli_refusal("pack", path)
        with self.assertRaises(ValueError) as raised:
            packlab.pack(np.array([5, 0, 3], dtype=np.int32))
        # The command line names its file, Python its argument; the rest is one message.
        self.assertEqual(message, f"{path}:element 1: a sequence has length 0. Packlab rejects empty "
                         "sequences because they carry no tokens: filter them out (keep lengths of 1 or more)")
        self.assertEqual(str(raised.exception), message.replace(str(path), "lengths"))

        with self.assertRaises(ValueError) as raised:
            packlab.pack([5, -3])
        self.assertIn("lengths:element 1: `-3` is negative.", str(raised.exception))

        path = self.saved("plain", [5, 3, 9])
        for args, settings in [
            (["--max-len", "0"], {"max_len": 0}),
            (["--max-len", "4", "--overlong", "error"], {"max_len": 4, "overlong": "error"}),
            (["--max-len", "2", "--overlong", "drop"], {"max_len": 2, "overlong": "drop"}),
        ]:
            with self.subTest(settings=settings):
                message = cli_refusal("pack", path, *args)
                with self.assertRaises(ValueError) as raised:
                    packlab.pack([5, 3, 9], **settings)
                self.assertEqual(str(raised.exception), message)
        with self.assertRaises(ValueError) as raised:
            packlab.pack([])
        self.assertEqual(str(raised.exception), "the input holds no sequences: give at least one sequence length")

        with self.assertRaises(ValueError) as raised:
            packlab.pack([5, 3], "fastest")
        self.assertIn("unknown algorithm `fastest`: use none, spfhp, lpfhp, nnlshp, bfd or optimal",
                      str(raised.exception))
        with self.assertRaises(ValueError) as raised:
            packlab.pack([5, 3], max_per_pack=0)
        self.assertIn("must be at least 1 (or `unlimited`, or `default`)", str(raised.exception))

        for name, content in [("fraction.txt", "12\n12.5\n"), ("missing.txt", None)]:
            with self.subTest(file=name):
                path = self.path(name)
                if content is not None:
                    path.write_text(content)
                message = cli_refusal("assign", path, "--out", self.path("unused.jsonl"))
                with self.assertRaises(ValueError) as raised:
                    packlab.read(path)
                self.assertEqual(str(raised.exception), message)

    def test_defaults_are_the_command_lines(self):
        lengths = self.datasets["few lengths"]
        path = self.saved("defaults", lengths)
        for algorithm, default_limit in [("nnlshp", 3), ("lpfhp", None), ("optimal", None)]:
            with self.subTest(algorithm=algorithm):
                expected = cli("pack", path, "--algorithm", algorithm, "--json")
                report = packlab.pack(lengths, algorithm)
                self.assertEqual(report.max_per_pack, default_limit)
                self.assertEqual(timeless(report.to_dict()), timeless(expected))
                named = packlab.pack(lengths, algorithm, max_per_pack="default")
                self.assertEqual(timeless(named.to_dict()), timeless(expected))
        # The default algorithm, max_len, seed and epoch of `assign`.
        subprocess.run(
            [packlab_binary(), "assign", str(path), "--out", str(self.path("d.jsonl")), "--npy", str(self.path("d"))],
            capture_output=True, check=True,
        )
        indices, offsets = packlab.assign(lengths)
        np.testing.assert_array_equal(indices, np.load(self.path("d.indices.npy")))
        np.testing.assert_array_equal(offsets, np.load(self.path("d.offsets.npy")))
        self.assertEqual(packlab.pack(lengths).algorithm, "lpfhp")

    def test_the_documented_examples_run(self):
        for module in [packlab, packlab._api]:
            with self.subTest(module=module.__name__):
                failed, tried = doctest.testmod(module)
                self.assertGreater(tried, 0)
                self.assertEqual(failed, 0)


if __name__ == "__main__":
    unittest.main()
