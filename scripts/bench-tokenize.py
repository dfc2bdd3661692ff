"""How fast `packlab stats --tokenizer` counts text, natively: MB of text a
second on one core and on every core, with two kinds of byte-level BPE
(GPT-2's pre-tokenizer, and a Llama 3-style split regex), on English prose
and on code.

The text is real and already on this machine: the docstrings, READMEs and
package descriptions of the Python test venv (prose), and its Python
sources (code), cut into JSON Lines rows of 0.5 to 8 kB. Each tokenizer
is trained on that text by the `tokenizers` package, 32k tokens.

Usage: python scripts/bench-tokenize.py PATH/TO/packlab [MB]
(`npm run bench` runs it.) Each figure is the MB of text (UTF-8) over the
wall time of `packlab stats FILE --tokenizer T --json`, median of 3 runs; the
token totals are checked against Python's `Tokenizer.encode_batch_fast` on
the same rows, whose speed on every core is the reference.
"""

import ast
import json
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

RUNS = 3
LLAMA3_STYLE_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def venv_texts(budget):
    """(prose, code): real texts from the installed packages, each about
    `budget` characters (fewer if the venv holds less)."""
    site = Path(sysconfig.get_paths()["purelib"])
    prose, code = [], []
    prose_size = code_size = 0
    for path in sorted(site.rglob("*")):
        if prose_size >= budget and code_size >= budget:
            break
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".py":
            if code_size < budget:
                code.append(text)
                code_size += len(text)
            if prose_size >= budget:
                continue
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc and len(doc) > 200:
                        prose.append(doc)
                        prose_size += len(doc)
        elif path.name == "METADATA" or path.suffix in (".md", ".rst", ".txt"):
            prose.append(text)
            prose_size += len(text)
    return prose, code


def rows_of(texts, megabytes, rng):
    """JSON Lines rows of 0.5 to 8 kB cut from `texts`, about `megabytes` MB."""
    rows, size = [], 0
    texts = list(texts)
    rng.shuffle(texts)
    while size < megabytes * 1e6:
        for text in texts:
            start = 0
            while start < len(text) and size < megabytes * 1e6:
                chunk = text[start:start + rng.randint(500, 8000)]
                start += len(chunk)
                rows.append(chunk)
                size += len(chunk.encode("utf-8"))
            if size >= megabytes * 1e6:
                break
    return rows


def train(rows, split):
    tokenizer = Tokenizer(models.BPE())
    if split == "gpt2":
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_STYLE_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=32000, special_tokens=["<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(rows[:20000], trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tokenizer.token_to_id("<s>"))])
    return tokenizer


def main():
    binary = sys.argv[1]
    megabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    rng = random.Random(7)
    prose, code = venv_texts(megabytes * 1e6)
    folder = Path(tempfile.mkdtemp(prefix="packlab-bench-tokenize-"))
    corpora = {"prose": rows_of(prose, megabytes, rng), "code": rows_of(code, megabytes, rng)}
    print(f"{megabytes:g} MB of rows each; {os.cpu_count()} cores; median of {RUNS} runs")
    print("| text | tokenizer | tokens/row | packlab, 1 core | packlab, every core | Python encode_batch, every core |")
    print("|---|---|---|---|---|---|")
    for split in ("gpt2", "llama3-style"):
        tokenizer = train(corpora["prose"] + corpora["code"][:5000], split)
        tokenizer_path = folder / f"{split}.json"
        tokenizer.save(str(tokenizer_path))
        for kind, rows in corpora.items():
            rows_path = folder / f"{kind}.jsonl"
            with open(rows_path, "w", encoding="utf-8") as out:
                for row in rows:
                    out.write(json.dumps({"text": row}, ensure_ascii=False) + "\n")
            # MB of text (UTF-8, as tokenized), not of JSON: code's escapes
            # would flatter the figure.
            size = sum(len(row.encode("utf-8")) for row in rows)
            rates = {}
            for cores in (1, os.cpu_count()):
                samples = []
                for _ in range(RUNS):
                    command = [binary, "stats", str(rows_path), "--tokenizer", str(tokenizer_path), "--json"]
                    if cores == 1:
                        command = ["taskset", "-c", "0"] + command
                    started = time.perf_counter()
                    stats = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
                    samples.append(size / (time.perf_counter() - started) / 1e6)
                rates[cores] = statistics.median(samples)
            started = time.perf_counter()
            encodings = tokenizer.encode_batch_fast(rows)
            python_rate = size / (time.perf_counter() - started) / 1e6
            python_tokens = sum(len(encoding.ids) for encoding in encodings)
            if python_tokens != stats["tokens"]:
                sys.exit(f"{kind}, {split}: packlab counted {stats['tokens']} tokens, Python {python_tokens}")
            print(f"| {kind} | {split} | {stats['tokens'] / len(rows):.0f} | {rates[1]:.1f} MB/s "
                  f"| {rates[os.cpu_count()]:.1f} MB/s | {python_rate:.1f} MB/s |")


if __name__ == "__main__":
    main()
