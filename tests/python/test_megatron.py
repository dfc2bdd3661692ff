"""Packlab's reader of Megatron-LM / NeMo indexes against the layout
Megatron-LM writes.

Megatron-LM's own writer (`megatron.core.datasets.indexed_dataset`) needs
torch, which stays out of this venv; this test writes `.idx` files with
NumPy exactly as its `_IndexWriter` lays them out (the signature, version
1, the token type's code, the sequence and document counts, then the
int32 lengths, the int64 byte offsets into the `.bin` and the int64
document boundaries, and for a multimodal dataset one int8 mode per
sequence), beside a `.bin` of the tokens themselves, and checks that
`packlab stats` counts what NumPy counts from the tokens: every sequence,
or with `--documents` every document, and refuses a broken index with a
message that names the file.
"""

import json
import struct
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np

from packlab_binary import packlab_binary

# Megatron-LM's codes for the token type of the `.bin`.
UINT16, INT32 = 8, 4


def write_dataset(prefix, documents, dtype_code=UINT16, modes=False):
    """A `.bin`/`.idx` pair of `documents`, each a list of sequences (token
    arrays), as Megatron's builder writes one: `add_item` per sequence,
    `end_document` after each document."""
    dtype = np.uint16 if dtype_code == UINT16 else np.int32
    sequences = [np.asarray(sequence, dtype=dtype) for document in documents for sequence in document]
    boundaries = [0]
    for document in documents:
        boundaries.append(boundaries[-1] + len(document))
    with open(f"{prefix}.bin", "wb") as tokens:
        for sequence in sequences:
            tokens.write(sequence.tobytes(order="C"))
    lengths = np.array([len(sequence) for sequence in sequences], dtype=np.int32)
    pointers = np.zeros(len(sequences), dtype=np.int64)
    pointers[1:] = np.cumsum(lengths[:-1].astype(np.int64) * np.dtype(dtype).itemsize)
    with open(f"{prefix}.idx", "wb") as index:
        index.write(b"MMIDIDX\x00\x00")
        index.write(struct.pack("<Q", 1))
        index.write(struct.pack("<B", dtype_code))
        index.write(struct.pack("<Q", len(sequences)))
        index.write(struct.pack("<Q", len(boundaries)))
        index.write(lengths.tobytes(order="C"))
        index.write(pointers.tobytes(order="C"))
        index.write(np.array(boundaries, dtype=np.int64).tobytes(order="C"))
        if modes:
            index.write(np.zeros(len(sequences), dtype=np.int8).tobytes(order="C"))
    return f"{prefix}.idx"


def stats(path, *options):
    """`packlab stats PATH --json`, and its standard error."""
    result = subprocess.run(
        [packlab_binary(), "stats", path, "--json", *options], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout), result.stderr


class MegatronIndexTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        draw = np.random.default_rng(7)
        # 300 documents of 1 to 4 sentences, 1 to 900 tokens each.
        self.documents = [
            [draw.integers(0, 50_000, size=int(draw.integers(1, 900))) for _ in range(int(draw.integers(1, 5)))]
            for _ in range(300)
        ]

    def path(self, name):
        return str(Path(self.folder.name) / name)

    def test_sequences_and_documents_as_the_tokens_count_them(self):
        for dtype_code, modes in ((UINT16, False), (INT32, False), (UINT16, True)):
            with self.subTest(dtype_code=dtype_code, modes=modes):
                index = write_dataset(self.path(f"split_{dtype_code}_{modes}"), self.documents, dtype_code, modes)
                sequence_lengths = [len(sequence) for document in self.documents for sequence in document]
                document_lengths = [sum(len(sequence) for sequence in document) for document in self.documents]
                counted, notes = stats(index)
                self.assertEqual(counted["sequences"], len(sequence_lengths))
                self.assertEqual(counted["tokens"], sum(sequence_lengths))
                self.assertEqual(counted["max"], max(sequence_lengths))
                self.assertIn(f"{len(sequence_lengths)} sequences in 300 documents", notes)
                documents, _ = stats(index, "--documents")
                self.assertEqual(documents["sequences"], 300)
                self.assertEqual(documents["tokens"], sum(document_lengths))
                self.assertEqual(documents["max"], max(document_lengths))
                # The tokens are what the index says: the `.bin` holds them all.
                itemsize = 2 if dtype_code == UINT16 else 4
                self.assertEqual(Path(index).with_suffix(".bin").stat().st_size, sum(sequence_lengths) * itemsize)

    def test_one_sequence_per_document_needs_no_note(self):
        whole = [[np.concatenate(document)] for document in self.documents]
        counted, notes = stats(write_dataset(self.path("whole"), whole))
        self.assertEqual(counted["sequences"], 300)
        self.assertNotIn("documents", notes)

    def test_a_broken_index_is_refused_with_its_name(self):
        index = write_dataset(self.path("broken"), self.documents)
        data = Path(index).read_bytes()
        Path(index).write_bytes(data[: len(data) - 5])
        result = subprocess.run([packlab_binary(), "stats", index], capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("broken.idx", result.stderr)
        self.assertIn("cut short", result.stderr)
        # The tokens file is not the index, and says so.
        result = subprocess.run([packlab_binary(), "stats", index[:-4] + ".bin"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("give the .idx", result.stderr)


if __name__ == "__main__":
    unittest.main()
