"""Packlab's engine (Rust): one function per function of ``packlab``.

Internal: call ``packlab``'s functions, which check and convert the
arguments and wrap the answers. Errors raise ``ValueError`` with the
command line's message (the user's input or settings), or ``RuntimeError``
(a bug in Packlab).
"""

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

def histogram(
    data: npt.NDArray[np.integer], histogram: bool, max_len: Optional[int], overlong: str
) -> Tuple[npt.NDArray[np.int64], str]:
    """The dense counts at max_len, and what the overlong policy did (JSON).

    ``data``: one length per sequence, or with ``histogram`` a histogram's
    dense counts (``data[i]`` sequences of length ``i + 1``).
    """

def pack(
    data: npt.NDArray[np.integer],
    histogram: bool,
    algorithm: str,
    max_len: Optional[int],
    max_per_pack: str,
    overlong: str,
) -> str:
    """The JSON object ``packlab pack --json`` prints."""

def compare(
    data: npt.NDArray[np.integer],
    histogram: bool,
    algorithms: List[str],
    max_len: Optional[int],
    max_per_pack: str,
    overlong: str,
) -> str:
    """A JSON array of ``packlab pack --json`` objects, one per algorithm (all when empty)."""

def assign(
    lengths: npt.NDArray[np.integer],
    algorithm: str,
    max_len: Optional[int],
    max_per_pack: str,
    overlong: str,
    seed: int,
    epoch: int,
    shuffle_packs: bool,
    steps: Optional[Dict[str, Any]] = None,
) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The ``indices`` and ``offsets`` arrays of ``packlab assign --npy``;
    with ``steps`` (world_size, micro_batch, grad_accum, model, balance,
    rank), laid out across ranks as ``--world-size`` lays them."""

def place_block(
    lengths: npt.NDArray[np.integer],
    first_ranks: npt.NDArray[np.int64],
    plan: str,
    overlong: str,
    seed: int,
    epoch: int,
    shuffle_packs: bool,
) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each sequence's pack and place (-1, -1 when dropped), from the JSON
    of a ``PackingPlan`` and the counts of the blocks before this one."""

def read(
    path: str,
    column: Optional[str],
    format: Optional[str],
    documents: bool,
    tokenizer: Optional[str],
    text_field: Optional[str],
    special_tokens: bool,
    sample: Optional[int],
) -> Tuple[npt.NDArray[np.int64], bool, List[str]]:
    """The lengths in row order (or, with ``sample``, estimated dense
    counts, and True), and the notes the command line prints."""
