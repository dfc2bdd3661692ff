"""Packed Hugging Face datasets: one row per pack, ready for padding-free training.

:func:`pack_dataset` turns a tokenized ``datasets.Dataset`` (or a
``pyarrow.Table``) into a dataset with one row per pack, packed by Packlab's
engine (:func:`packlab.assign`). Each row holds its sequences' tokens one
after another, and two columns that say where each sequence starts:

- ``seq_lengths``: the lengths of the row's sequences, in row order, the
  column TRL's packing makes and its padding-free collator reads;
- ``position_ids``: each token's position within its own sequence, from 0.

The boundaries matter because a packed row is several unrelated sequences:
attention must stay within each of them (block-diagonal attention), and
flash attention's variable-length kernels, TRL's padding-free collator and
transformers' ``DataCollatorWithFlattening`` find them in ``seq_lengths``
or in the restarts of ``position_ids``. :func:`check_packed` verifies that
a packed dataset keeps every sequence apart.

Everything is done with Arrow and NumPy, without a Python loop over rows or
tokens: each packed column is a list view of the source rows in pack order
(each cut to max_len), flattened into one copy of their values, which new
list offsets cut into packs.

>>> from datasets import Dataset
>>> import packlab.hf
>>> dataset = Dataset.from_dict({"input_ids": [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11]]})
>>> packed = packlab.hf.pack_dataset(dataset, max_len=5, shuffle_packs=False)
>>> packed[:]  # doctest: +NORMALIZE_WHITESPACE
{'input_ids': [[11], [1, 2, 3, 4, 5], [6, 7, 8, 9, 10]],
 'position_ids': [[0], [0, 1, 2, 0, 1], [0, 1, 2, 3, 4]],
 'seq_lengths': [[1], [3, 2], [5]]}
>>> packlab.hf.check_packed(packed, max_len=5)

This module needs ``pyarrow``; :func:`pack_dataset` and Dataset arguments
need ``datasets`` too. ``import packlab`` does not import it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import (
    TYPE_CHECKING,
    Any,
    Iterable,
    List,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import assign

if TYPE_CHECKING:
    import datasets

__all__ = ["check_packed", "pack_dataset", "pack_table"]

#: The columns pack_dataset computes; a source's own columns of these names
#: are left out, since their values would not describe the packs.
COMPUTED_COLUMNS = ("position_ids", "seq_lengths")

#: Most tokens in one Arrow chunk of the packed columns (plus at most one
#: pack). Each chunk is built on its own, so a chunk is the unit of work the
#: threads share, and its list offsets stay far below int32's limit however
#: large the dataset. 4 Mi tokens (16 MB of int32 ids) keeps the cost per
#: chunk negligible and still gives two threads work on a few million tokens.
#: The chunking depends on the data only, never on num_proc.
PIECE_TOKENS = 1 << 22

#: Most rows, and tokens in rows of max_len, that check_packed copies and
#: checks at a time.
CHECK_BLOCK_ROWS = 1 << 15
CHECK_BLOCK_TOKENS = 1 << 24

OVERLONG_POLICIES = ("truncate", "drop", "error")

#: A source of rows: a pyarrow Table or a datasets.Dataset.
Source = Any

#: The most sequences per pack, as packlab.assign takes it.
MaxPerPack = Union[int, str, None]


def pack_table(
    table: pa.Table,
    max_len: int,
    algorithm: str = "optimal",
    column: str = "input_ids",
    seed: int = 0,
    epoch: int = 0,
    max_per_pack: MaxPerPack = None,
    overlong: str = "truncate",
    num_proc: Optional[int] = None,
    *,
    token_columns: Optional[Iterable[str]] = None,
    position_ids: bool = True,
    shuffle_packs: bool = True,
) -> pa.Table:
    """Pack the rows of a pyarrow Table into rows of at most ``max_len`` tokens.

    The same as :func:`pack_dataset`, for a ``pyarrow.Table`` (or a
    ``datasets.Dataset``) and giving a ``pyarrow.Table``; it needs only
    pyarrow. See :func:`pack_dataset` for the arguments.
    """
    source, rows = _source_table(table)
    return _pack(
        source,
        rows,
        max_len,
        algorithm,
        column,
        seed,
        epoch,
        max_per_pack,
        overlong,
        num_proc,
        token_columns,
        position_ids,
        shuffle_packs,
    )


def pack_dataset(
    dataset: Union["datasets.Dataset", pa.Table],
    max_len: int,
    algorithm: str = "optimal",
    column: str = "input_ids",
    seed: int = 0,
    epoch: int = 0,
    max_per_pack: MaxPerPack = None,
    overlong: str = "truncate",
    num_proc: Optional[int] = None,
    *,
    token_columns: Optional[Iterable[str]] = None,
    position_ids: bool = True,
    shuffle_packs: bool = True,
) -> "datasets.Dataset":
    """Pack a tokenized dataset into rows of at most ``max_len`` tokens, one row per pack.

    Packlab decides the packs from the lengths of ``column`` (as
    :func:`packlab.assign` does, so the same seed and epoch give the same
    packs everywhere); then every token column is concatenated in pack
    order, each pack's sequences longest first.

    Parameters
    ----------
    dataset : datasets.Dataset or pyarrow.Table
        Tokenized rows: ``column`` holds one list of token ids per row. A
        Dataset after ``select``, ``shuffle``, ``filter`` or ``sort`` is
        packed in its own row order, without flattening its indices first.
    max_len : int
        Most tokens in a packed row.
    algorithm : {"optimal", "lpfhp", "spfhp", "nnlshp", "bfd", "none"}
        The packing algorithm (see :func:`packlab.pack`). ``"optimal"``
        makes the fewest packs, within a few of the cutting-stock LP's
        bound; ``"none"`` gives one sequence per row.
    column : str
        The column of token ids whose lengths are packed.
    seed, epoch : int
        Seed of the shuffles, and the training epoch: each epoch reshuffles
        which same-length sequences share packs and the order of the packs.
    max_per_pack : int, "unlimited" or None
        Most sequences per pack; None is the algorithm's own default (3 for
        nnlshp, no limit for the others).
    overlong : {"truncate", "drop", "error"}
        Rows longer than ``max_len``: cut every token column to its first
        ``max_len`` values, leave the rows out, or raise ValueError.
    num_proc : int, optional
        Threads that build the packed columns (default 1). Arrow releases
        the interpreter's lock while it copies values, so threads share the
        work without copying the dataset into other processes. The result
        is the same for every num_proc.
    token_columns : list of str, optional
        The columns to pack alongside ``column`` (which is always packed).
        Default: every list column whose length equals ``column``'s in
        every row (``labels``, ``attention_mask``, ``token_type_ids``,
        ``completion_mask``, ``assistant_masks``, ...).
    position_ids : bool
        Add the ``position_ids`` column (True by default). TRL's collator
        computes positions from ``seq_lengths`` and does not need it.
    shuffle_packs : bool
        Shuffle the packs (by seed and epoch); False keeps the plan's
        order, the most frequent composition first.

    Returns
    -------
    datasets.Dataset
        One row per pack, with:

        - each token column, the pack's sequences concatenated, its type
          kept (``list<int32>`` stays ``list<int32>``);
        - ``position_ids`` (``list<int32>``): 0, 1, ... within each
          sequence, restarting at every sequence;
        - ``seq_lengths`` (``list<int32>``, ``list<int64>`` for a
          ``large_list`` column, as TRL makes it): the sequences' lengths
          in row order, summing to the row's length.

        Every other column (text, ids, a source ``position_ids``, ...) is
        left out: a packed row has no single value for it. A packed
        ``attention_mask`` is all the sequences' masks side by side, not a
        mask that separates them: give the model ``position_ids`` or
        ``seq_lengths`` (padding-free attention), never the mask alone. The
        Dataset's format type (``"torch"``, ``"numpy"``, ...) is kept; its
        choice of columns is not, since the columns changed.

    Raises
    ------
    ValueError
        With what is wrong, the column and row, and the fix: a missing
        column, a column that is not a list, a null row or token, an empty
        row, a token column whose length differs from ``column``'s in some
        row, rows longer than max_len with ``overlong="error"``, or bad
        settings (``packlab.assign``'s own messages).
    TypeError
        For a source that is neither a Dataset nor a Table.

    Examples
    --------
    >>> from datasets import Dataset
    >>> import packlab.hf
    >>> rows = [[1, 2, 3], [4, 5, 6, 7]]
    >>> dataset = Dataset.from_dict({"input_ids": rows, "labels": rows, "text": ["a", "b"]})
    >>> packed = packlab.hf.pack_dataset(dataset, max_len=8)
    >>> packed[0]  # doctest: +NORMALIZE_WHITESPACE
    {'input_ids': [4, 5, 6, 7, 1, 2, 3], 'labels': [4, 5, 6, 7, 1, 2, 3],
     'position_ids': [0, 1, 2, 3, 0, 1, 2], 'seq_lengths': [4, 3]}
    """
    import datasets

    packed = pack_table(
        dataset,
        max_len,
        algorithm,
        column,
        seed,
        epoch,
        max_per_pack,
        overlong,
        num_proc,
        token_columns=token_columns,
        position_ids=position_ids,
        shuffle_packs=shuffle_packs,
    )
    from datasets.fingerprint import Hasher, generate_random_fingerprint

    if isinstance(dataset, datasets.Dataset):
        # The same source and settings make the same packs, so a fingerprint
        # derived from them lets `map` and friends reuse their cache files.
        from . import __version__

        settings = (max_len, algorithm, column, seed, epoch, max_per_pack, overlong)
        named = None if token_columns is None else sorted(_names(token_columns))
        fingerprint = Hasher.hash(
            (
                "packlab.hf.pack_dataset",
                __version__,
                dataset._fingerprint,
                settings,
                named,
                position_ids,
                shuffle_packs,
            )
        )
    else:
        # Left to itself, datasets would fingerprint the packed table by
        # pickling and hashing all of it: seconds, and several times its
        # size in memory.
        fingerprint = generate_random_fingerprint()
    result = datasets.Dataset(packed, fingerprint=fingerprint)
    if isinstance(dataset, datasets.Dataset) and dataset.format["type"] is not None:
        result = result.with_format(dataset.format["type"], **dataset.format["format_kwargs"])
    return result


def check_packed(
    packed: Source,
    max_len: int,
    column: str = "input_ids",
    token_columns: Optional[Iterable[str]] = None,
) -> None:
    """Check that a packed dataset keeps its sequences apart.

    For every row: ``seq_lengths`` holds lengths of 1 or more that sum to
    the row's length in ``column``, which is at most ``max_len``;
    ``position_ids`` (when present) runs 0, 1, ..., n - 1 within each
    sequence; and every token column has the row's length. Then no row
    mixes tokens of two sequences in one sequence's span.

    Parameters
    ----------
    packed : datasets.Dataset or pyarrow.Table
        What :func:`pack_dataset` (or TRL's ``pack_dataset``) made.
    max_len : int
        Most tokens a row may hold.
    column : str
        The column of token ids.
    token_columns : list of str, optional
        The columns that must have each row's length. Default: every list
        column but ``seq_lengths``.

    Raises
    ------
    ValueError
        Naming the first row that breaks a rule, and the rule.
    """
    max_len = _checked_max_len(max_len)
    table, rows = _source_table(packed)
    for name in (column, "seq_lengths"):
        _list_column(table, name, "packed")
    if token_columns is None:
        names = [
            name
            for name in table.column_names
            if name != "seq_lengths" and _is_list(table.schema.field(name).type)
        ]
    else:
        names = _names(token_columns)
        for name in names:
            _list_column(table, name, "packed")
    if column not in names:
        names.insert(0, column)
    has_positions = "position_ids" in table.column_names
    if has_positions and "position_ids" not in names:
        names.append("position_ids")
    wanted = names + ["seq_lengths"]

    view_rows = table.num_rows if rows is None else len(rows)
    # Each block is combined into single arrays and checked with int64
    # NumPy arrays of its tokens: about 16 Mi tokens bounds both the
    # memory and the list offsets.
    block_rows = max(1, min(CHECK_BLOCK_ROWS, CHECK_BLOCK_TOKENS // max_len))
    for start in range(0, view_rows, block_rows):
        stop = min(start + block_rows, view_rows)
        if rows is None:
            block = table.select(wanted).slice(start, stop - start)
        else:
            block = table.select(wanted).take(pa.array(rows[start:stop]))
        _check_block(block.combine_chunks(), start, max_len, column, names, has_positions)


# --- The packing itself -------------------------------------------------------


def _pack(
    table: pa.Table,
    rows: Optional[np.ndarray],
    max_len: int,
    algorithm: str,
    column: str,
    seed: int,
    epoch: int,
    max_per_pack: MaxPerPack,
    overlong: str,
    num_proc: Optional[int],
    token_columns: Optional[Iterable[str]],
    position_ids: bool,
    shuffle_packs: bool,
) -> pa.Table:
    """The packed table of the rows `rows` of `table` (all of them, in
    order, when None); the arguments are pack_dataset's."""
    max_len = _checked_max_len(max_len)
    if overlong not in OVERLONG_POLICIES:
        raise ValueError(f"overlong must be 'truncate', 'drop' or 'error', not {overlong!r}")
    threads = _checked_num_proc(num_proc)

    _list_column(table, column, "dataset")
    lengths = _row_lengths(table, column, rows)
    if len(lengths) == 0:
        raise ValueError("the dataset has no rows: there is nothing to pack")
    _refuse_empty_rows(lengths, column)
    names = _token_columns(table, column, rows, lengths, token_columns)
    for name in names:
        _refuse_null_tokens(table, name, rows)
    _check_overlong(lengths, max_len, column, overlong)

    # Packlab's `truncate` keeps overlong sequences as max_len tokens long;
    # pack_dataset cuts them to that length below.
    indices, offsets = assign(
        lengths,
        algorithm,
        max_len,
        max_per_pack,
        seed,
        epoch,
        overlong="truncate" if overlong == "error" else overlong,
        shuffle_packs=shuffle_packs,
    )
    return _packed_rows(
        table, rows, names, column, lengths, indices, offsets, max_len, threads, position_ids
    )


def _packed_rows(
    table: pa.Table,
    rows: Optional[np.ndarray],
    names: List[str],
    column: str,
    lengths: np.ndarray,
    indices: np.ndarray,
    offsets: np.ndarray,
    max_len: int,
    threads: int,
    position_ids: bool,
) -> pa.Table:
    """The packed table of an assignment: pack ``p`` holds the sequences
    ``indices[offsets[p]:offsets[p + 1]]`` (rows of the view `rows` of
    `table`, all of its rows when None), whose lengths in `column` are
    `lengths`; the token columns `names` concatenated, each sequence cut to
    max_len. packlab.ray builds each group of packs with it too."""
    lengths_type = table.schema.field(column).type
    packed_lengths = np.minimum(lengths, max_len)  # what each sequence keeps
    sequence_lengths = packed_lengths[indices]  # in pack order
    token_starts = _starts(sequence_lengths)  # of each sequence, then the total
    pack_token_starts = token_starts[offsets]

    # Contiguous pieces of whole packs, each of about PIECE_TOKENS tokens.
    total_tokens = int(pack_token_starts[-1])
    cuts = np.searchsorted(pack_token_starts, np.arange(PIECE_TOKENS, total_tokens, PIECE_TOKENS))
    bounds = np.unique(np.concatenate(([0], cuts, [len(offsets) - 1])))
    pieces = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))  # noqa: B905 (Python 3.9)
    table, rows = _compact(table, names, rows)
    # The rows of the table each sequence comes from.
    source_rows = indices if rows is None else rows[indices]
    sources = [(table.schema.field(name).type, *_flat_values(table.column(name))) for name in names]
    # Positions are read, like tokens, from a list view: every sequence
    # views this ramp from 0.
    ramp = pa.array(np.arange(max_len, dtype=np.int32))
    seq_lengths_type = pa.int64() if pa.types.is_large_list(lengths_type) else pa.int32()

    def build(piece: Tuple[int, int]) -> List[pa.Array]:
        first_pack, end_pack = piece
        first, end = int(offsets[first_pack]), int(offsets[end_pack])
        # Offsets of the packs, in sequences and in tokens, from this
        # piece's start.
        pack_starts = offsets[first_pack : end_pack + 1] - first
        row_starts = pack_token_starts[first_pack : end_pack + 1] - pack_token_starts[first_pack]
        lengths_here = sequence_lengths[first:end]
        sizes = pa.array(lengths_here)
        rows_here = source_rows[first:end]
        built = []
        for source_type, values, starts in sources:
            # A list view of the piece's sequences, in pack order, each cut
            # to its packed length: flattening it copies each sequence's run
            # of values in one go (Arrow's `take` on lists gathers value by
            # value, several times slower), and truncates overlong ones.
            view = pa.LargeListViewArray.from_arrays(pa.array(starts[rows_here]), sizes, values)
            built.append(_list_array(source_type, row_starts, pc.list_flatten(view)))
        if position_ids:
            view = pa.LargeListViewArray.from_arrays(
                pa.array(np.zeros(end - first, dtype=np.int64)), sizes, ramp
            )
            built.append(
                pa.ListArray.from_arrays(row_starts.astype(np.int32), pc.list_flatten(view))
            )
        built.append(
            pa.ListArray.from_arrays(
                pack_starts.astype(np.int32),
                pa.array(lengths_here.astype(seq_lengths_type.to_pandas_dtype())),
            )
        )
        return built

    if threads == 1 or len(pieces) == 1:
        built_pieces = [build(piece) for piece in pieces]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            built_pieces = list(pool.map(build, pieces))

    out_names = names + (["position_ids"] if position_ids else []) + ["seq_lengths"]
    out_columns = [
        pa.chunked_array([piece[index] for piece in built_pieces])
        for index in range(len(out_names))
    ]
    return pa.Table.from_arrays(out_columns, names=out_names)


def _list_array(source_type: pa.DataType, offsets: np.ndarray, values: pa.Array) -> pa.Array:
    """Values cut into lists at offsets, of the source's kind of list (a
    fixed-size list becomes a plain one: packs differ in length)."""
    if pa.types.is_large_list(source_type):
        return pa.LargeListArray.from_arrays(offsets.astype(np.int64), values)
    return pa.ListArray.from_arrays(offsets.astype(np.int32), values)


def _flat_values(column: pa.ChunkedArray) -> Tuple[pa.Array, np.ndarray]:
    """(values, starts): the values of every row of a list column in one
    array, and where each row starts in it (row r holds
    ``values[starts[r]:starts[r] + length_r]``).

    A column of one chunk is read where it lies. The values of several
    chunks (as ``Dataset.map`` writes them, 1,000 rows each) are copied
    into one array first, since a list view can point into one array only.
    """
    # Flattening leaves out null rows' values, so they count as empty.
    lengths = pc.list_value_length(column).fill_null(0)
    starts = _starts(_one_chunk(lengths).to_numpy().astype(np.int64))[:-1]
    flat = [pc.list_flatten(chunk) for chunk in column.chunks]
    values = flat[0] if len(flat) == 1 else pa.concat_arrays(flat)
    return values, starts


def _compact(
    table: pa.Table, names: List[str], rows: Optional[np.ndarray]
) -> Tuple[pa.Table, Optional[np.ndarray]]:
    """(table, rows) with the rows of a small selection of a table of many
    chunks taken out first: _flat_values would otherwise copy every row's
    values, however few of them the selection keeps (a select of 10,000
    rows of a memory-mapped dataset of millions)."""
    if rows is None or all(table.column(name).num_chunks == 1 for name in names):
        return table, rows
    kept = np.unique(rows)  # sorted: the take reads the table in order
    if 2 * len(kept) >= table.num_rows:
        return table, rows
    compacted = table.select(names).take(pa.array(kept))
    return compacted, np.searchsorted(kept, rows)


def _one_chunk(array: Union[pa.Array, pa.ChunkedArray]) -> pa.Array:
    """An array of the chunks of `array`, without a copy when there is one."""
    if isinstance(array, pa.ChunkedArray):
        return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    return array


def _starts(lengths: np.ndarray) -> np.ndarray:
    """[0, l0, l0 + l1, ...]: where each of `lengths` starts, then their sum."""
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return starts


# --- The source's rows and columns ----------------------------------------------


def _source_table(source: Source) -> Tuple[pa.Table, Optional[np.ndarray]]:
    """(table, rows): the Arrow table under `source` and which of its rows
    `source` shows, in order (None: all of them)."""
    if isinstance(source, pa.Table):
        return source, None
    if isinstance(source, pa.RecordBatch):
        return pa.Table.from_batches([source]), None
    kind = type(source).__name__
    if kind in ("DatasetDict", "IterableDatasetDict"):
        raise TypeError(
            f"a {kind} holds several splits: pack each split, e.g. "
            "{name: pack_dataset(split, max_len) for name, split in dataset_dict.items()}"
        )
    if kind == "IterableDataset":
        raise TypeError(
            "an IterableDataset streams its rows, but packing needs every row's length first: "
            "load the dataset without streaming=True"
        )
    try:
        import datasets
    except ImportError:
        datasets = None
    if datasets is None or not isinstance(source, datasets.Dataset):
        raise TypeError(f"expected a datasets.Dataset or a pyarrow.Table, not {kind}")
    table = source.data.table
    # After select, shuffle, filter or sort a Dataset shows the rows of an
    # indices mapping rather than its table's; taking rows through the
    # mapping packs the Dataset as it reads, without flatten_indices() first
    # copying every column.
    mapping = getattr(source, "_indices", None)
    if mapping is None:
        return table, None
    return table, mapping.column(0).to_numpy().astype(np.int64)


def _is_list(data_type: pa.DataType) -> bool:
    return (
        pa.types.is_list(data_type)
        or pa.types.is_large_list(data_type)
        or pa.types.is_fixed_size_list(data_type)
    )


def _list_column(table: pa.Table, name: str, what: str) -> pa.Field:
    """The field of the column `name`, which must be a list column."""
    if name not in table.column_names:
        raise ValueError(
            f"column {name!r} is not in the {what} (its columns: {', '.join(table.column_names)}): "
            f"name the column of token ids with column=..."
            if what == "dataset"
            else f"column {name!r} is not in the {what} dataset (its columns: "
            f"{', '.join(table.column_names)})"
        )
    field = table.schema.field(name)
    if not _is_list(field.type):
        raise ValueError(
            f"column {name!r} holds {field.type}, not lists of tokens: pack a column of token "
            f"ids (one list per row, as a tokenizer's input_ids)"
        )
    return field


def _row_lengths(table: pa.Table, name: str, rows: Optional[np.ndarray]) -> np.ndarray:
    """The length of each row of the list column `name`, in view order, as
    int64; a null row raises ValueError naming it."""
    lengths = pc.list_value_length(table.column(name))
    if rows is not None:
        lengths = lengths.take(pa.array(rows))
    if lengths.null_count:
        row = int(np.flatnonzero(pc.is_null(lengths).to_numpy(zero_copy_only=False))[0])
        raise ValueError(
            f"column {name!r} row {row} is null (missing): every row needs its list of tokens; "
            f"fill the row or filter it out"
        )
    return _one_chunk(lengths).to_numpy().astype(np.int64)


def _refuse_empty_rows(lengths: np.ndarray, column: str) -> None:
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        raise ValueError(
            f"column {column!r} row {int(empty[0])} has no tokens ({_count(len(empty), 'empty row')} "
            f"in all): "
            f"Packlab packs sequences of 1 token or more; filter them out first, e.g. "
            f"dataset.filter(lambda row: len(row[{column!r}]) > 0)"
        )


def _token_columns(
    table: pa.Table,
    column: str,
    rows: Optional[np.ndarray],
    lengths: np.ndarray,
    token_columns: Optional[Iterable[str]],
) -> List[str]:
    """The columns to pack, in the table's order: `column` and the named
    ones, or every list column of `column`'s lengths."""
    if token_columns is not None:
        named = set(_names(token_columns))
        for name in named:
            if name in COMPUTED_COLUMNS:
                raise ValueError(
                    f"token_columns names {name!r}, which pack_dataset computes for the packs: "
                    f"leave it out of token_columns"
                )
            _list_column(table, name, "dataset")
        named.add(column)
        for name in named - {column}:
            mismatch = _first_mismatch(table, name, rows, lengths)
            if mismatch is not None:
                row, length = mismatch
                raise ValueError(
                    f"column {name!r} row {row} {_holds(length)} but {column!r} has "
                    f"{_count(lengths[row], 'token')}: a token column needs one value per token; "
                    f"fix the row, "
                    f"or leave {name!r} out of token_columns"
                )
        return [name for name in table.column_names if name in named]

    chosen = []
    for name in table.column_names:
        if name == column:
            chosen.append(name)
            continue
        if name in COMPUTED_COLUMNS or not _is_list(table.schema.field(name).type):
            continue
        candidate = pc.list_value_length(table.column(name))
        if rows is not None:
            candidate = candidate.take(pa.array(rows))
        same = pc.equal(candidate, pa.array(lengths, candidate.type))
        matching = int(pc.sum(same.fill_null(False)).as_py() or 0)
        if matching == len(lengths):
            chosen.append(name)
        elif matching:
            # Some rows match and some do not: most likely a token column
            # with a broken row. Dropping it quietly could train on other
            # labels or masks than the user's, so ask.
            row, length = _first_mismatch(table, name, rows, lengths)
            raise ValueError(
                f"column {name!r} has as many values as {column!r} has tokens in some rows but "
                f"not in row {row} (it {_holds(length)}, {column!r} {_count(lengths[row], 'token')}): "
                f"fix that row, or "
                f"say which columns hold one value per token with token_columns=[...]"
            )
    return chosen


def _first_mismatch(
    table: pa.Table, name: str, rows: Optional[np.ndarray], lengths: np.ndarray
) -> Optional[Tuple[int, Optional[int]]]:
    """(row, its length) of the first row where column `name` does not have
    `lengths` values (None for a null row), or None when every row has."""
    candidate = pc.list_value_length(table.column(name))
    if rows is not None:
        candidate = candidate.take(pa.array(rows))
    values = _one_chunk(candidate.fill_null(-1)).to_numpy()  # -1: a null row
    differ = np.flatnonzero(values != lengths)
    if not len(differ):
        return None
    row = int(differ[0])
    return row, (None if values[row] < 0 else int(values[row]))


def _names(columns: Iterable[str]) -> List[str]:
    """Column names given as one name or several."""
    return [columns] if isinstance(columns, str) else list(columns)


def _holds(length: Optional[int]) -> str:
    """What a row of `length` values holds, in words (None: a null row)."""
    return "is null (missing)" if length is None else f"has {_count(length, 'value')}"


def _count(count: int, noun: str) -> str:
    """'1 row', '3 rows'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _refuse_null_tokens(table: pa.Table, name: str, rows: Optional[np.ndarray]) -> None:
    """Raise ValueError naming the first row (in view order) of column
    `name` with a null among its values, or a null row."""
    source = table.column(name)
    bad_rows = []
    first_row = 0
    for chunk in source.chunks:
        flat = pc.list_flatten(chunk)
        if chunk.null_count or flat.null_count:
            null_rows = np.asarray(chunk.is_null().to_numpy(zero_copy_only=False)).nonzero()[0]
            parents = pc.list_parent_indices(chunk).to_numpy()
            null_values = flat.is_null().to_numpy(zero_copy_only=False)
            bad_rows.append(np.union1d(null_rows, parents[null_values]) + first_row)
        first_row += len(chunk)
    if not bad_rows:
        return
    bad = np.concatenate(bad_rows)
    in_view = np.flatnonzero(np.isin(rows, bad)) if rows is not None else bad
    if len(in_view):
        row = int(in_view.min())
        raise ValueError(
            f"column {name!r} row {row} holds a null (missing) value: a packed row needs every "
            f"token; fill the nulls or filter the row out"
        )


def _check_overlong(lengths: np.ndarray, max_len: int, column: str, overlong: str) -> None:
    over = np.flatnonzero(lengths > max_len)
    if not len(over):
        return
    if overlong == "error":
        raise ValueError(
            f"column {column!r}: {_count(len(over), 'row')} {'is' if len(over) == 1 else 'are'} "
            f"longer than max_len {max_len} (the first is "
            f"row {int(over[0])}, with {int(lengths[over[0]])} tokens; the longest has "
            f"{int(lengths.max())}): raise max_len, or use overlong='truncate' (cut them) or "
            f"overlong='drop' (leave them out)"
        )
    if overlong == "drop" and len(over) == len(lengths):
        raise ValueError(
            f"column {column!r}: every row is longer than max_len {max_len}, so overlong='drop' "
            f"leaves nothing to pack: raise max_len, or use overlong='truncate'"
        )


def _checked_max_len(max_len: Any) -> int:
    if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or max_len < 1:
        raise ValueError(f"max_len must be a whole number of tokens from 1, not {max_len!r}")
    return int(max_len)


def _checked_num_proc(num_proc: Any) -> int:
    if num_proc is None:
        return 1
    if isinstance(num_proc, bool) or not isinstance(num_proc, (int, np.integer)) or num_proc < 1:
        raise ValueError(
            f"num_proc must be a number of threads from 1 (or None for 1), not {num_proc!r}; "
            f"this machine has {os.cpu_count()} cores"
        )
    return int(num_proc)


# --- Checking packed rows -------------------------------------------------------


def _check_block(
    block: pa.Table,
    first_row: int,
    max_len: int,
    column: str,
    names: Sequence[str],
    has_positions: bool,
) -> None:
    """check_packed's rules on the rows of `block`, whose first row is row
    `first_row` of the packed dataset."""

    def fail(row_in_block: int, rule: str) -> NoReturn:
        raise ValueError(f"packed row {first_row + int(row_in_block)}: {rule}")

    lengths_column = block.column("seq_lengths").chunk(0)
    if lengths_column.null_count:
        fail(
            np.flatnonzero(lengths_column.is_null().to_numpy(zero_copy_only=False))[0],
            "seq_lengths is null",
        )
    sequence_lengths = pc.list_flatten(lengths_column)
    if sequence_lengths.null_count:
        parents = pc.list_parent_indices(lengths_column).to_numpy()
        fail(
            parents[sequence_lengths.is_null().to_numpy(zero_copy_only=False)][0],
            "seq_lengths holds a null",
        )
    sequence_lengths = sequence_lengths.to_numpy().astype(np.int64)
    sequence_counts = pc.list_value_length(lengths_column).to_numpy().astype(np.int64)
    # Each sequence's row, for the rules on single sequences.
    sequence_rows = np.repeat(np.arange(len(sequence_counts)), sequence_counts)

    short = np.flatnonzero(sequence_lengths < 1)
    if len(short):
        fail(
            sequence_rows[short[0]],
            f"seq_lengths holds {sequence_lengths[short[0]]}, not a length of 1 or more",
        )
    row_lengths = _block_lengths(block, column, fail)
    empty = np.flatnonzero(sequence_counts == 0)
    if len(empty):
        fail(empty[0], "holds no sequence (seq_lengths is empty)")
    sums = (
        np.add.reduceat(sequence_lengths, _starts(sequence_counts)[:-1])
        if len(sequence_lengths)
        else sequence_counts
    )
    wrong_sum = np.flatnonzero(sums != row_lengths)
    if len(wrong_sum):
        row = wrong_sum[0]
        fail(row, f"seq_lengths sum to {sums[row]} but {column!r} holds {row_lengths[row]} tokens")
    too_long = np.flatnonzero(row_lengths > max_len)
    if len(too_long):
        fail(too_long[0], f"holds {row_lengths[too_long[0]]} tokens, more than max_len {max_len}")
    for name in names:
        if name == column:
            continue
        other = _block_lengths(block, name, fail)
        differ = np.flatnonzero(other != row_lengths)
        if len(differ):
            row = differ[0]
            fail(
                row,
                f"{name!r} has {_count(other[row], 'value')} but {column!r} has "
                f"{_count(row_lengths[row], 'token')}",
            )
    if has_positions:
        position_column = block.column("position_ids").chunk(0)
        positions = pc.list_flatten(position_column)
        if positions.null_count:
            parents = pc.list_parent_indices(position_column).to_numpy()
            fail(
                parents[positions.is_null().to_numpy(zero_copy_only=False)][0],
                "position_ids holds a null",
            )
        starts = _starts(sequence_lengths)
        expected = np.arange(starts[-1]) - np.repeat(starts[:-1], sequence_lengths)
        wrong = np.flatnonzero(positions.to_numpy().astype(np.int64) != expected)
        if len(wrong):
            sequence = int(np.searchsorted(starts, wrong[0], side="right")) - 1
            fail(
                sequence_rows[sequence],
                f"position_ids has {positions[int(wrong[0])].as_py()} where its sequence "
                f"(of {sequence_lengths[sequence]} tokens) has position {expected[wrong[0]]}: "
                f"each sequence's positions run 0, 1, ..., length - 1",
            )


def _block_lengths(block: pa.Table, name: str, fail: Any) -> np.ndarray:
    """Each row's length in column `name` of a checked block; a null row fails."""
    lengths = pc.list_value_length(block.column(name).chunk(0))
    if lengths.null_count:
        fail(
            np.flatnonzero(lengths.is_null().to_numpy(zero_copy_only=False))[0], f"{name!r} is null"
        )
    return lengths.to_numpy().astype(np.int64)
