"""Packlab: how much compute padding wastes in a training set, and which
sequence packing removes it best.

Training batches pad every sequence to a fixed ``max_len``. Packing several
short sequences into one row of ``max_len`` tokens removes most of that
padding. Packlab decides packings from the histogram of sequence lengths
alone ("Efficient Sequence Packing without Cross-contamination", Krell,
Kosec et al., 2021), with the same engine as the ``packlab`` command line,
so the figures here are those of ``packlab ... --json``.

>>> import numpy as np, packlab
>>> lengths = np.array([3, 3, 3, 3, 5, 5, 5, 5], dtype=np.int32)
>>> packlab.pack(lengths, max_len=8).packs
4
>>> [report.algorithm for report in packlab.compare(lengths, max_len=8)]
['none', 'spfhp', 'lpfhp', 'nnlshp', 'bfd', 'optimal']
>>> indices, offsets = packlab.assign(lengths, max_len=8)
>>> offsets.tolist()
[0, 2, 4, 6, 8]

Functions: :func:`read` (lengths from a file), :func:`histogram`,
:func:`pack`, :func:`compare`, :func:`assign` (which sequence goes into which
pack), :func:`place_block` (the same, one block of a dataset split in
blocks at a time), :func:`to_pandas`.

Submodules, each imported on its own: :mod:`packlab.hf` (a Hugging Face
dataset packed, one row per pack), :mod:`packlab.torch` (batches of packs
for PyTorch's DataLoader, split among data-parallel ranks; torch is not
needed to import it), :mod:`packlab.ray` (lengths and packing of a Ray
Data dataset, on the cluster).
"""

from ._api import ALGORITHMS, ReadNote, assign, compare, histogram, pack, place_block, read
from ._native import __version__
from ._results import (
    Comparison,
    Histogram,
    Optimality,
    Overlong,
    PackGroup,
    Report,
    to_pandas,
)

__all__ = [
    "ALGORITHMS",
    "Comparison",
    "Histogram",
    "Optimality",
    "Overlong",
    "PackGroup",
    "ReadNote",
    "Report",
    "__version__",
    "assign",
    "compare",
    "histogram",
    "pack",
    "place_block",
    "read",
    "to_pandas",
]
