"""Packlab on Ray Data: the lengths and the packing of a dataset too large
for one machine, computed where its blocks lie.

Two steps, each as small on the driver as a histogram:

1. :func:`length_histogram`: every block counts its sequences per length
   (Arrow's list sizes, no Python loop over tokens), and the counts merge by
   adding. The driver gets one number per length.
2. :func:`pack_dataset`: the driver packs that histogram once
   (:func:`packlab.pack`), then every block places its own rows into the
   plan's packs (:func:`packlab.place_block`), knowing only how many
   sequences of each length the blocks before it hold. One shuffle then
   brings each pack's rows together, and each pack becomes one row, as
   :func:`packlab.hf.pack_dataset` makes it. No row goes through the
   driver.

A sequence's pack depends only on its length and its rank among the
sequences of that length, so however the dataset is cut into blocks, the
packs are the same. The plan is the one :func:`packlab.hf.pack_dataset`
fills on one machine (as many rows, of the same compositions); which
sequences of one length share a pack is drawn differently (see
:func:`packlab.place_block`).

Ray Data's order of blocks is the dataset's order; the packed rows come in
the order of Ray's shuffle (packs in assignment order within each group of
packs). Needs ``ray[data]`` and ``pyarrow``; ``import packlab`` does not
import this module.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import hf
from ._api import histogram as _histogram
from ._api import pack as _pack
from ._api import place_block
from ._results import Histogram, Report

__all__ = ["length_histogram", "pack_dataset"]

#: Internal columns of the placed rows, dropped from the packed dataset.
PACK_COLUMN = "__packlab_pack"
POSITION_COLUMN = "__packlab_position"
GROUP_COLUMN = "__packlab_group"

#: Tokens a group of packs holds, about: the unit of work of the last step
#: (one call per group), as hf.pack_dataset's pieces are.
GROUP_TOKENS = hf.PIECE_TOKENS


def length_histogram(
    ds: "ray.data.Dataset",
    column: str = "input_ids",
    max_len: Optional[int] = None,
    overlong: str = "truncate",
) -> Histogram:
    """The histogram of a Ray dataset's sequence lengths, counted on the cluster.

    Each block counts the lengths of its rows of ``column`` (lists of
    token ids); the driver adds the counts, one per length.

    Parameters
    ----------
    ds : ray.data.Dataset
        Rows with a list column of token ids.
    column : str
        The column of token ids.
    max_len : int, optional
        Row length in tokens. Default: the longest sequence.
    overlong : {"truncate", "drop", "error"}
        As for :func:`packlab.histogram`.

    Returns
    -------
    packlab.Histogram
        ``counts[i]``: the sequences of length ``i + 1``; the same as
        ``packlab.histogram`` of every row's length.

    Raises
    ------
    ValueError
        A missing or non-list column, a null or empty row (named by its
        row within its block), or what :func:`packlab.histogram` refuses.
    """
    import ray

    counted = ds.map_batches(
        _length_counts, batch_format="pyarrow", batch_size=None, fn_kwargs={"column": column}
    )
    totals = counted.groupby("length").sum("count")
    tables = [table for table in ray.get(totals.to_arrow_refs()) if table.num_rows]
    if not tables:
        raise ValueError("the dataset has no rows: there is nothing to count")
    merged = pa.concat_tables(tables)
    lengths = merged.column("length").to_numpy()
    counts = merged.column("sum(count)").to_numpy()
    dense = np.zeros(int(lengths.max()), dtype=np.int64)
    dense[lengths - 1] = counts
    return _histogram(Histogram(dense), max_len=max_len, overlong=overlong)


def pack_dataset(
    ds: "ray.data.Dataset",
    max_len: int,
    algorithm: str = "optimal",
    column: str = "input_ids",
    seed: int = 0,
    epoch: int = 0,
    max_per_pack: Any = None,
    overlong: str = "truncate",
    *,
    token_columns: Optional[Iterable[str]] = None,
    position_ids: bool = True,
    shuffle_packs: bool = True,
) -> "ray.data.Dataset":
    """Pack a Ray dataset into rows of at most ``max_len`` tokens, on the cluster.

    The result has the columns and the plan of
    :func:`packlab.hf.pack_dataset` on the same data (one row per pack: the
    token columns concatenated, ``position_ids`` from 0 in each sequence,
    ``seq_lengths``), in Ray's order. The arguments are those of
    :func:`packlab.hf.pack_dataset`.

    How: the dataset's blocks are materialized once (``to_arrow_refs``);
    a task per block counts its lengths; the driver packs the histogram and
    gives each block the counts of the blocks before it; a task per block
    places its rows (:func:`packlab.place_block`); a ``groupby`` on groups
    of packs brings each pack's rows together, and each group's packs are
    built with Arrow as :func:`packlab.hf.pack_dataset` builds them.

    Returns
    -------
    ray.data.Dataset
        One row per pack, lazily computed.

    Raises
    ------
    ValueError
        As :func:`packlab.hf.pack_dataset` (rows named within their block).
    """
    import ray
    import ray.data

    max_len = hf._checked_max_len(max_len)
    if overlong not in hf.OVERLONG_POLICIES:
        raise ValueError(f"overlong must be 'truncate', 'drop' or 'error', not {overlong!r}")
    if token_columns is not None:
        token_columns = [token_columns] if isinstance(token_columns, str) else list(token_columns)
    blocks = ds.to_arrow_refs()
    if not blocks:
        raise ValueError("the dataset has no rows: there is nothing to pack")

    count = ray.remote(_block_counts)
    counted = ray.get([count.remote(block, column, max_len, overlong, token_columns) for block in blocks])
    names = _agreed_names(counted, column)
    histogram = np.zeros(max_len, dtype=np.int64)
    for lengths, counts, _ in counted:
        histogram[lengths - 1] += counts
    if not histogram.any():
        raise ValueError(
            f"column {column!r}: every row is longer than max_len {max_len}, so overlong='drop' "
            f"leaves nothing to pack: raise max_len, or use overlong='truncate'"
        )
    plan = _pack(Histogram(histogram), algorithm, max_len=max_len, max_per_pack=max_per_pack)
    tokens_per_pack = max(1, plan.tokens // max(plan.packs, 1))
    packs_per_group = max(1, GROUP_TOKENS // tokens_per_pack)
    settings = dict(
        plan=ray.put(plan),
        names=names,
        column=column,
        max_len=max_len,
        overlong=overlong,
        seed=seed,
        epoch=epoch,
        shuffle_packs=shuffle_packs,
        packs_per_group=packs_per_group,
    )
    place = ray.remote(_place_rows)
    placed = []
    before = np.zeros(max_len, dtype=np.int64)
    for block, (lengths, counts, _) in zip(blocks, counted):
        placed.append(place.remote(block, lengths, before[lengths - 1].copy(), **settings))
        before[lengths - 1] += counts
    # As many shuffle partitions as the dataset had blocks (Ray's default
    # of 200 made 1M rows on two CPUs 2.4 times slower), and never more
    # than there are groups.
    groups = -(-plan.packs // packs_per_group)
    return (
        ray.data.from_arrow_refs(placed)
        .groupby(GROUP_COLUMN, num_partitions=max(1, min(groups, len(blocks))))
        .map_groups(
            _build_packs,
            batch_format="pyarrow",
            fn_kwargs=dict(names=names, column=column, max_len=max_len, position_ids=position_ids),
        )
    )


# --- What the blocks run ------------------------------------------------------------


def _length_counts(block: pa.Table, column: str) -> pa.Table:
    """One block's sequences per length, as rows of (length, count)."""
    hf._list_column(block, column, "dataset")
    lengths = hf._row_lengths(block, column, None)
    hf._refuse_empty_rows(lengths, column)
    found, counts = np.unique(lengths, return_counts=True)
    return pa.table({"length": found.astype(np.int64), "count": counts.astype(np.int64)})


def _block_counts(
    block: pa.Table,
    column: str,
    max_len: int,
    overlong: str,
    token_columns: Optional[List[str]],
) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """(packed lengths, their counts, token columns) of one block, the
    overlong policy applied, after the checks hf.pack_dataset makes."""
    hf._list_column(block, column, "dataset")
    lengths = hf._row_lengths(block, column, None)
    hf._refuse_empty_rows(lengths, column)
    names = hf._token_columns(block, column, None, lengths, token_columns)
    for name in names:
        hf._refuse_null_tokens(block, name, None)
    over = lengths > max_len
    if over.any() and overlong == "error":
        hf._check_overlong(lengths, max_len, column, overlong)
    kept = lengths[~over] if overlong == "drop" else np.minimum(lengths, max_len)
    found, counts = np.unique(kept, return_counts=True)
    return found.astype(np.int64), counts.astype(np.int64), names


def _agreed_names(counted: List[Tuple[np.ndarray, np.ndarray, List[str]]], column: str) -> List[str]:
    """The token columns every block found; they must agree."""
    names = counted[0][2]
    for index, (_, _, others) in enumerate(counted):
        if others != names:
            differ = sorted(set(names) ^ set(others))
            raise ValueError(
                f"blocks 0 and {index} disagree on which columns hold one value per token of "
                f"{column!r} ({', '.join(differ)}): say which do with token_columns=[...]"
            )
    return names


def _place_rows(
    block: pa.Table,
    lengths: np.ndarray,
    first_ranks: np.ndarray,
    *,
    plan: Report,
    names: List[str],
    column: str,
    max_len: int,
    overlong: str,
    seed: int,
    epoch: int,
    shuffle_packs: bool,
    packs_per_group: int,
) -> pa.Table:
    """One block's token columns, each row with its pack, its place in the
    pack, and the pack's group; rows the overlong policy drops left out."""
    ranks = np.zeros(max_len, dtype=np.int64)
    ranks[lengths - 1] = first_ranks
    row_lengths = hf._row_lengths(block, column, None)
    packs, positions = place_block(
        row_lengths,
        plan,
        ranks,
        seed,
        epoch,
        overlong="drop" if overlong == "drop" else "truncate",
        shuffle_packs=shuffle_packs,
    )
    kept = packs >= 0
    table = block.select(names)
    if not kept.all():
        table = table.filter(pa.array(kept))
        packs, positions = packs[kept], positions[kept]
    return (
        table.append_column(PACK_COLUMN, pa.array(packs))
        .append_column(POSITION_COLUMN, pa.array(positions))
        .append_column(GROUP_COLUMN, pa.array(packs // packs_per_group))
    )


def _build_packs(
    group: pa.Table, names: List[str], column: str, max_len: int, position_ids: bool
) -> pa.Table:
    """The packed rows of one group of packs: its rows in pack order, each
    pack's sequences in their places, built as hf.pack_dataset builds them."""
    ordered = group.sort_by([(PACK_COLUMN, "ascending"), (POSITION_COLUMN, "ascending")])
    packs = ordered.column(PACK_COLUMN).to_numpy()
    starts = np.flatnonzero(np.diff(packs)) + 1
    offsets = np.concatenate(([0], starts, [len(packs)])).astype(np.int64)
    table = ordered.select(names)
    lengths = np.minimum(hf._row_lengths(table, column, None), max_len)
    return hf._packed_rows(
        table,
        None,
        names,
        column,
        lengths,
        np.arange(len(packs), dtype=np.int64),
        offsets,
        max_len,
        threads=1,
        position_ids=position_ids,
    )
