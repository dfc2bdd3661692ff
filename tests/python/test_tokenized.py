"""Packlab's `--tokenizer` against Hugging Face's own counts.

The test trains a small byte-level BPE with the `tokenizers` package (the
pre-tokenizer GPT-2 and Llama 3 use, whose regex Packlab runs with a
different engine), saves its tokenizer.json, and writes a
tokenizer_config.json beside it with a ChatML-style chat template (the
begin token, a loop, `.strip()`, `raise_exception`, blocks with and
without `-`). Then `packlab stats FILE --tokenizer tokenizer.json --json`
and `packlab histogram` must give exactly the sequences, tokens and
histogram that Python gives:
- a text row: `len(Tokenizer.encode(text).ids)`, with the post-processor's
  begin token, and without it under --no-special-tokens
  (`add_special_tokens=False`);
- a conversation row: `len(AutoTokenizer.apply_chat_template(messages,
  tokenize=True))`, the tokenizer loaded by transformers from the folder.

Broken inputs (a cut tokenizer.json, a row without text, a role the
template refuses) are refused with messages naming the file and the row.
"""

import json
import random
import subprocess
import tempfile
import unittest
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

from packlab_binary import packlab_binary

BEGIN = "<|begin_of_text|>"
END = "<|im_end|>"

# ChatML, in the shape of the Hub's templates.
CHAT_TEMPLATE = r"""{{- bos_token }}
{%- for message in messages %}
    {%- if message['role'] not in ['system', 'user', 'assistant'] %}
        {{- raise_exception('Unknown role: ' + message['role']) }}
    {%- endif %}
    {%- if loop.first and message['role'] != 'system' %}
        {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
    {{- '<|im_start|>' + message['role'] + '\n' + message['content'].strip() + '<|im_end|>\n' }}
{%- endfor %}
{% if messages | length > 3 %}
(a long conversation)
{% endif %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}"""

WORDS = (
    "the of and to in is was for on that with as by at from his her packing sequence "
    "token padding batch model train data length über naïve café 東京 数据 مرحبا "
    "😀 🚀 Ωmega ñandú 123 4567 3.14 don't it's we're I'll"
).split()


def sentence(draw, words):
    """A sentence of `words` words, with the odd newline and tab."""
    parts = []
    for _ in range(words):
        parts.append(draw.choice(WORDS))
        parts.append(draw.choice([" ", " ", " ", "  ", "\n", "\t", ", "]))
    return "".join(parts).strip() + draw.choice([".", "!", "?", "", "\n\n"])


def run(*args):
    """`packlab ARGS`, which must succeed; its standard output."""
    result = subprocess.run([packlab_binary(), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def refusal(*args):
    """The message of a `packlab` run that must fail (exit 2)."""
    result = subprocess.run([packlab_binary(), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 2, result
    return result.stderr


def dense(lengths):
    """Packlab's dense histogram: counts[i] counts the length i + 1."""
    counts = [0] * max(lengths)
    for length in lengths:
        counts[length - 1] += 1
    return counts


class TokenizedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        folder = Path(cls.folder.name)
        draw = random.Random(7)
        corpus = [sentence(draw, draw.randint(3, 60)) for _ in range(3_000)]

        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=600,
            special_tokens=[BEGIN, "<|im_start|>", END],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        tokenizer.train_from_iterator(corpus, trainer)
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{BEGIN} $A",
            pair=f"{BEGIN} $A $B",
            special_tokens=[(BEGIN, tokenizer.token_to_id(BEGIN))],
        )
        cls.tokenizer_path = folder / "tokenizer.json"
        tokenizer.save(str(cls.tokenizer_path))
        (folder / "tokenizer_config.json").write_text(
            json.dumps(
                {
                    "tokenizer_class": "PreTrainedTokenizerFast",
                    "bos_token": BEGIN,
                    "eos_token": END,
                    "chat_template": CHAT_TEMPLATE,
                }
            )
        )
        cls.tokenizer = Tokenizer.from_file(str(cls.tokenizer_path))
        cls.chat = AutoTokenizer.from_pretrained(str(folder))

        # Texts: sentences, unicode, near-empty ones, special tokens
        # written out, and long rows.
        cls.texts = [sentence(draw, draw.randint(1, 80)) for _ in range(400)]
        cls.texts += [" ", "a", "\n", "😀", "東京", f"x {END} y", "  trailing  ", "tab\tand\r\nCRLF"]
        cls.texts += [" ".join(sentence(draw, 50) for _ in range(200)) for _ in range(5)]
        roles = ["user", "assistant"]
        cls.conversations = []
        for index in range(150):
            messages = [{"role": "system", "content": " Be brief. "}] if index % 3 == 0 else []
            for turn in range(draw.randint(1, 6)):
                messages.append({"role": roles[turn % 2], "content": sentence(draw, draw.randint(1, 40))})
            cls.conversations.append(messages)

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def path(self, name):
        return Path(self.folder.name) / name

    def write_rows(self, name, rows):
        path = self.path(name)
        with open(path, "w", encoding="utf-8") as file:
            for row in rows:
                file.write(json.dumps(row, ensure_ascii=False) + "\n")
        return path

    def text_length(self, text, special=True):
        return len(self.tokenizer.encode(text, add_special_tokens=special).ids)

    def chat_length(self, messages):
        return len(self.chat.apply_chat_template(messages, tokenize=True, return_dict=False))

    def assert_packlab_counts(self, path, lengths, *options):
        stats = json.loads(run("stats", path, "--tokenizer", self.tokenizer_path, "--json", *options).stdout)
        self.assertEqual(stats["sequences"], len(lengths))
        self.assertEqual(stats["tokens"], sum(lengths))
        self.assertEqual((stats["min"], stats["max"]), (min(lengths), max(lengths)))
        histogram = json.loads(run("histogram", path, "--tokenizer", self.tokenizer_path, *options).stdout)
        self.assertEqual(histogram["counts"], dense(lengths))

    def test_texts_with_and_without_special_tokens(self):
        path = self.write_rows("texts.jsonl", [{"id": index, "text": text} for index, text in enumerate(self.texts)])
        with_special = [self.text_length(text) for text in self.texts]
        self.assertTrue(all(length >= 2 for length in with_special))
        self.assert_packlab_counts(path, with_special)
        without = [self.text_length(text, special=False) for text in self.texts]
        self.assertNotEqual(without, with_special)
        self.assert_packlab_counts(path, without, "--no-special-tokens")

    def test_conversations_as_apply_chat_template_counts_them(self):
        # The template's output is encoded without the begin token again.
        rendered = self.chat.apply_chat_template(self.conversations[1], tokenize=False)
        self.assertTrue(rendered.startswith(BEGIN + "<|im_start|>system"), rendered)
        path = self.write_rows("chats.jsonl", [{"messages": messages} for messages in self.conversations])
        lengths = [self.chat_length(messages) for messages in self.conversations]
        self.assert_packlab_counts(path, lengths)

    def test_parquet_rows_of_text_and_of_conversations(self):
        # The Hub's text datasets: a string column, or `messages` as a list
        # of {role, content} structs, in several row groups.
        import pyarrow as pa
        import pyarrow.parquet as pq

        texts = self.path("texts.parquet")
        pq.write_table(pa.table({"id": list(range(len(self.texts))), "text": self.texts}), texts,
                       row_group_size=100, compression="zstd")
        self.assert_packlab_counts(texts, [self.text_length(text) for text in self.texts])
        self.assert_packlab_counts(texts, [self.text_length(text, special=False) for text in self.texts],
                                   "--no-special-tokens")
        chats = self.path("chats.parquet")
        pq.write_table(pa.table({"messages": self.conversations, "source": ["chat"] * len(self.conversations)}),
                       chats, row_group_size=40)
        self.assert_packlab_counts(chats, [self.chat_length(messages) for messages in self.conversations])
        # A named column; one that is missing lists the file's columns.
        self.assert_packlab_counts(texts, [self.text_length(text) for text in self.texts], "--text-field", "TEXT")
        message = refusal("stats", chats, "--tokenizer", self.tokenizer_path, "--text-field", "body")
        self.assertIn("body", message)
        self.assertIn("messages", message)
        # Without a tokenizer, a text column is no length column.
        self.assertIn("holds byte_array", refusal("stats", texts, "--column", "text"))

    def test_other_pre_tokenizers_count_as_python_does(self):
        # Packlab counts byte-level BPEs (GPT-2's, and a split regex then
        # bytes, as Llama 3 and Qwen have) without building encodings, and
        # other tokenizers (here SentencePiece-style Metaspace) through the
        # whole pipeline: both must give Python's counts. Code-like rows
        # bring runs of spaces, tabs and blank lines.
        draw = random.Random(3)
        code = ["def f(x):\n    return x  # " + sentence(draw, 5) + "\n\n\t\tpass   \r\n" for _ in range(40)]
        texts = self.texts + code
        llama3_style = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(
                r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        for name, pre_tokenizer in [("llama3-style", llama3_style),
                                    ("metaspace", pre_tokenizers.Metaspace())]:
            tokenizer = Tokenizer(models.BPE())
            tokenizer.pre_tokenizer = pre_tokenizer
            tokenizer.train_from_iterator(texts, trainers.BpeTrainer(
                vocab_size=500, special_tokens=[BEGIN],
                initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if name != "metaspace" else []))
            tokenizer.post_processor = processors.TemplateProcessing(
                single=f"{BEGIN} $A", special_tokens=[(BEGIN, tokenizer.token_to_id(BEGIN))])
            path = self.path(f"{name}.json")
            tokenizer.save(str(path))
            rows = self.write_rows(f"{name}.jsonl", [{"text": text} for text in texts])
            for options, special in [((), True), (("--no-special-tokens",), False)]:
                stats = json.loads(run("stats", rows, "--tokenizer", path, "--json", *options).stdout)
                expected = [len(tokenizer.encode(text, add_special_tokens=special).ids) for text in texts]
                self.assertEqual(stats["tokens"], sum(expected), name)
                self.assertEqual((stats["min"], stats["max"]), (min(expected), max(expected)), name)

    def test_arrow_rows_of_text_and_of_conversations(self):
        # `datasets.save_to_disk` folders in several shards, and an Arrow
        # IPC file with large strings, as pyarrow writes it.
        import datasets
        import pyarrow as pa
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
        texts = self.path("texts-dataset")
        datasets.Dataset.from_dict({"id": list(range(len(self.texts))), "text": self.texts}).save_to_disk(
            str(texts), num_shards=3)
        self.assert_packlab_counts(texts, [self.text_length(text) for text in self.texts])
        self.assert_packlab_counts(texts, [self.text_length(text, special=False) for text in self.texts],
                                   "--no-special-tokens")
        chats = self.path("chats-dataset")
        datasets.Dataset.from_dict({"messages": self.conversations}).save_to_disk(str(chats), num_shards=2)
        self.assert_packlab_counts(chats, [self.chat_length(messages) for messages in self.conversations])

        large = self.path("large-strings.arrow")
        table = pa.table({"body": pa.array(self.texts, type=pa.large_string())})
        with pa.OSFile(str(large), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=90):
                writer.write_batch(batch)
        self.assert_packlab_counts(large, [self.text_length(text) for text in self.texts], "--text-field", "body")
        # Neither text nor messages: the rows' fields are listed.
        message = refusal("stats", large, "--tokenizer", self.tokenizer_path)
        self.assertIn("no field `text` or `messages`", message)
        self.assertIn("body", message)
        # A column that holds no text says what it holds, and where.
        numbers = self.path("numbers.arrow")
        with pa.OSFile(str(numbers), "wb") as sink, pa.ipc.new_file(sink, pa.schema([("text", pa.binary())])) as writer:
            writer.write_batch(pa.record_batch([pa.array([b"abc"])], names=["text"]))
        message = refusal("stats", numbers, "--tokenizer", self.tokenizer_path)
        self.assertIn("element 0", message)
        self.assertIn("binary data", message)

    def test_a_mixed_file_a_json_array_and_a_named_field(self):
        rows = []
        lengths = []
        for index, text in enumerate(self.texts[:200]):
            if index % 2:
                rows.append({"text": text})
                lengths.append(self.text_length(text))
            else:
                messages = self.conversations[index % len(self.conversations)]
                rows.append({"messages": messages, "source": "chat"})
                lengths.append(self.chat_length(messages))
        self.assert_packlab_counts(self.write_rows("mixed.jsonl", rows), lengths)
        array = self.path("mixed.json")
        array.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        self.assert_packlab_counts(array, lengths)
        named = self.write_rows("named.jsonl", [{"body": text, "length": 1} for text in self.texts[:50]])
        self.assert_packlab_counts(named, [self.text_length(text) for text in self.texts[:50]], "--text-field", "body")

    def test_a_sample_estimates_and_says_so(self):
        # The sentences only: a few very long rows would make any small
        # sample's total a lottery.
        texts = self.texts[:400]
        path = self.write_rows("sampled.jsonl", [{"text": text} for text in texts])
        stats = json.loads(run("stats", path, "--tokenizer", self.tokenizer_path, "--sample", "100", "--json").stdout)
        self.assertEqual(stats["sequences"], len(texts))
        self.assertIn(f"estimated from a sample of 100 of {len(texts)} rows", stats["notes"][0])
        exact = sum(self.text_length(text) for text in texts)
        # About 5% off for a sample of a quarter of these rows.
        self.assertLess(abs(stats["tokens"] - exact) / exact, 0.2)
        text = run("stats", path, "--tokenizer", self.tokenizer_path, "--sample", "100").stdout
        self.assertIn("note: ", text)

    def test_broken_inputs_are_refused_with_where_and_why(self):
        cut = self.path("cut-tokenizer.json")
        cut.write_text(self.tokenizer_path.read_text()[:5000])
        rows = self.write_rows("few.jsonl", [{"text": "hello"}])
        self.assertIn(f"{cut}: the tokenizer cannot be loaded", refusal("stats", rows, "--tokenizer", cut))

        missing = self.write_rows("missing.jsonl", [{"text": "hello"}, {"prompt": "hi", "id": 2}])
        message = refusal("stats", missing, "--tokenizer", self.tokenizer_path)
        self.assertIn(f"{missing}:2: the row has no field `text` or `messages` (its fields: `prompt`, `id`)", message)

        tool = self.write_rows("tool.jsonl", [{"messages": [{"role": "user", "content": "hi"}]}] * 2
                               + [{"messages": [{"role": "tool", "content": "42"}]}])
        message = refusal("stats", tool, "--tokenizer", self.tokenizer_path)
        self.assertIn(f"{tool}:3, `messages`: the chat template fails", message)
        self.assertIn("Unknown role: tool", message)
        with self.assertRaises(Exception):
            self.chat.apply_chat_template([{"role": "tool", "content": "42"}], tokenize=True)

        empty = self.write_rows("empty.jsonl", [{"text": ""}])
        self.assertIn("length 0", refusal("stats", empty, "--tokenizer", self.tokenizer_path, "--no-special-tokens"))


if __name__ == "__main__":
    unittest.main()
