"""Packlab's functions: each one asks the engine (``packlab._native``) what
the command line asks it, and wraps the answer."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Iterable, Optional, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

from . import _native
from ._results import Comparison, Histogram, Report, _report, _reports

#: Lengths as Packlab takes them: a 1-D NumPy array of any integer type
#: (read in place), a list or other sequence of ints, or a pyarrow array.
Lengths = Any

#: The most sequences per pack: a number from 1, ``"unlimited"``, or None
#: (or ``"default"``) for the algorithm's own default.
MaxPerPack = Union[int, str, None]

#: The algorithms, in the command line's order.
ALGORITHMS = ("none", "spfhp", "lpfhp", "nnlshp", "bfd", "optimal")


class ReadNote(UserWarning):
    """A rule a file was read by that its content cannot confirm (a table's
    only numeric column taken as the lengths, a sample's estimate, ...):
    the notes ``packlab`` prints on standard error."""


def histogram(
    lengths: Union[Lengths, Histogram],
    max_len: Optional[int] = None,
    overlong: str = "truncate",
) -> Histogram:
    """Count the sequences per length, as ``packlab histogram`` does.

    Parameters
    ----------
    lengths : array of int, list of int, pyarrow array, or Histogram
        One length per sequence, in tokens (each at least 1); a NumPy
        array of any integer type is read in place, without a copy.
    max_len : int, optional
        Row length in tokens. Default: the longest sequence (a Histogram's
        own max_len).
    overlong : {"truncate", "drop", "error"}
        What to do with sequences longer than max_len: count them as
        max_len tokens long, leave them out, or raise ValueError.

    Returns
    -------
    Histogram
        ``counts[i]`` sequences of length ``i + 1`` for ``i < max_len``,
        and ``overlong``, what the policy did.

    Raises
    ------
    ValueError
        With the command line's message: no sequences, a length of 0 or a
        negative one, max_len out of range, or overlong sequences under
        ``overlong="error"``.
    """
    data, is_histogram = _dataset(lengths)
    counts, outcome = _native.histogram(data, is_histogram, _max_len(max_len), overlong)
    return Histogram(counts, overlong=json.loads(outcome))


def pack(
    lengths_or_histogram: Union[Lengths, Histogram],
    algorithm: str = "lpfhp",
    max_len: Optional[int] = None,
    max_per_pack: MaxPerPack = None,
    *,
    overlong: str = "truncate",
) -> Report:
    """Pack the sequences with one algorithm, as ``packlab pack --json`` does.

    Parameters
    ----------
    lengths_or_histogram : array of int, list of int, pyarrow array, or Histogram
        One length per sequence, in tokens, or their :class:`Histogram`.
        A NumPy array of any integer type is read in place.
    algorithm : {"lpfhp", "spfhp", "nnlshp", "bfd", "optimal", "none"}
        The packing algorithm: longest-pack-first histogram packing
        (default), shortest-pack-first, non-negative least-squares
        histogram packing, best-fit decreasing, the cutting-stock LP's plan
        (within a few packs of the bound, and says how far), or no packing.
    max_len : int, optional
        Row length in tokens. Default: a Histogram's max_len, otherwise the
        longest sequence.
    max_per_pack : int, "unlimited" or None
        Most sequences per pack: a number from 1, ``"unlimited"``, or None
        (``"default"``) for the algorithm's default: 3 for nnlshp (the
        paper's setting; its cost grows with the limit), no limit for the
        others.
    overlong : {"truncate", "drop", "error"}
        What to do with sequences longer than max_len.

    Returns
    -------
    Report
        The plan's figures and the plan, its attributes named as the
        fields of ``packlab pack --json`` (``packs``, ``efficiency``,
        ``speedup``, ..., ``plan``); ``to_dict()`` gives that object.

    Raises
    ------
    ValueError
        With the command line's message, for bad input or settings.
    RuntimeError
        When Packlab itself failed (a bug, to report with the input).

    Examples
    --------
    >>> import packlab
    >>> report = packlab.pack([3, 3, 3, 3, 5, 5, 5, 5], max_len=8)
    >>> report.packs, report.efficiency
    (4, 1.0)
    >>> report.plan
    [{'lengths': [5, 3], 'count': 4}]
    """
    data, is_histogram = _dataset(lengths_or_histogram)
    answer = _native.pack(
        data, is_histogram, algorithm, _max_len(max_len), _limit(max_per_pack), overlong
    )
    return _report(json.loads(answer))


def compare(
    lengths_or_histogram: Union[Lengths, Histogram],
    algorithms: Optional[Iterable[str]] = None,
    max_len: Optional[int] = None,
    max_per_pack: MaxPerPack = None,
    *,
    overlong: str = "truncate",
) -> Comparison:
    """Pack with several algorithms at the same settings and compare them.

    The reports equal those of ``packlab compare --json`` (which leaves out
    the plans) and of ``packlab pack --json`` for each algorithm.

    Parameters
    ----------
    lengths_or_histogram : array of int, list of int, pyarrow array, or Histogram
        One length per sequence, in tokens, or their :class:`Histogram`.
    algorithms : list of str, optional
        The algorithms to run (see :func:`pack`). Default: all of them, in
        the command line's order: none, spfhp, lpfhp, nnlshp, bfd, optimal.
    max_len : int, optional
        Row length in tokens. Default: a Histogram's max_len, otherwise the
        longest sequence.
    max_per_pack : int, "unlimited" or None
        Most sequences per pack for every algorithm: a number from 1,
        ``"unlimited"``, or None for each algorithm's default (3 for
        nnlshp, no limit for the others).
    overlong : {"truncate", "drop", "error"}
        What to do with sequences longer than max_len.

    Returns
    -------
    Comparison
        A list of :class:`Report`, one per algorithm, in the order asked;
        ``to_pandas()`` makes it a table (with pandas installed).
    """
    data, is_histogram = _dataset(lengths_or_histogram)
    if isinstance(algorithms, str):
        algorithms = [algorithms]
    names = list(algorithms) if algorithms is not None else []
    if algorithms is not None and not names:
        raise ValueError("algorithms: name at least one algorithm, or leave it out for all")
    answer = _native.compare(
        data, is_histogram, names, _max_len(max_len), _limit(max_per_pack), overlong
    )
    return _reports(json.loads(answer))


def assign(
    lengths: Lengths,
    algorithm: str = "lpfhp",
    max_len: Optional[int] = None,
    max_per_pack: MaxPerPack = None,
    seed: int = 0,
    epoch: int = 0,
    *,
    overlong: str = "truncate",
    shuffle_packs: bool = True,
    world_size: Optional[int] = None,
    micro_batch: int = 1,
    grad_accum: int = 1,
    model: str = "bert-base",
    balance: bool = False,
    rank: Optional[int] = None,
) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Assign the sequences, in dataset order, to packs, as ``packlab assign --npy``.

    Packs the lengths' histogram, then says which sequence goes into which
    pack: pack ``p`` holds the sequences ``indices[offsets[p]:offsets[p + 1]]``
    (positions in ``lengths``, from 0), longest first.

    Parameters
    ----------
    lengths : array of int, list of int, or pyarrow array
        One length per sequence, in dataset order (a Histogram has no
        order, so it is refused).
    algorithm : str
        The packing algorithm, as for :func:`pack`.
    max_len : int, optional
        Row length in tokens. Default: the longest sequence.
    max_per_pack : int, "unlimited" or None
        Most sequences per pack, as for :func:`pack`.
    seed : int
        Seed of the shuffles: the same seed and epoch give the same packs.
    epoch : int
        Training epoch: each one reshuffles which same-length sequences
        share packs, and the order of the packs (the plan stays the same).
    overlong : {"truncate", "drop", "error"}
        What to do with sequences longer than max_len: truncate keeps them
        (the loader cuts them to max_len tokens), drop leaves them out.
    shuffle_packs : bool
        Shuffle the packs; False keeps the plan's order (most frequent
        composition first), as ``--no-shuffle-packs`` does.
    world_size : int, optional
        Lay the packs out in training steps of this many data-parallel
        ranks, as ``--world-size`` does: a step is ``world_size *
        micro_batch * grad_accum`` consecutive packs, rank 0's first.
    micro_batch, grad_accum : int
        With ``world_size``: packs per rank per forward pass, and passes
        per optimizer step.
    model : {"bert-base", "bert-large", "decoder-7b"}
        With ``balance``: the model whose training FLOPs weigh each pack.
    balance : bool
        With ``world_size``: order the packs so that every rank of a step
        has about the same work (``--balance``).
    rank : int, optional
        With ``world_size``: only the packs this rank takes, in step order
        (the arrays of ``PREFIX.rankR.*.npy``).

    Returns
    -------
    (indices, offsets) : tuple of numpy.ndarray of int64
        The arrays ``packlab assign --npy PREFIX`` writes to
        ``PREFIX.indices.npy`` and ``PREFIX.offsets.npy``.
    """
    if isinstance(lengths, Histogram):
        raise ValueError(
            "lengths: a Histogram holds counts, which do not say which sequence has which "
            "length, so its sequences cannot be assigned to packs. Give one length per "
            "sequence, in dataset order"
        )
    if seed < 0 or epoch < 0:
        raise ValueError("seed and epoch are whole numbers from 0")
    steps = None
    if world_size is not None:
        for name, value in (("world_size", world_size), ("micro_batch", micro_batch), ("grad_accum", grad_accum)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value < 2**32:
                raise ValueError(f"{name} must be a whole number from 1 to 2^32 - 1, not {value!r}")
        if rank is not None and (
            isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 0 <= rank < 2**32
        ):
            raise ValueError(f"rank must be a whole number from 0, not {rank!r}")
        steps = {
            "world_size": int(world_size),
            "micro_batch": int(micro_batch),
            "grad_accum": int(grad_accum),
            "model": model,
            "balance": bool(balance),
            "rank": None if rank is None else int(rank),
        }
    elif balance or rank is not None:
        raise ValueError("balance and rank lay packs out across ranks: give world_size too")
    return _native.assign(
        _lengths_array(lengths, "lengths"),
        algorithm,
        _max_len(max_len),
        _limit(max_per_pack),
        overlong,
        seed,
        epoch,
        bool(shuffle_packs),
        steps,
    )


def place_block(
    block_lengths: Lengths,
    plan: Report,
    first_ranks: Any,
    seed: int = 0,
    epoch: int = 0,
    *,
    overlong: str = "truncate",
    shuffle_packs: bool = True,
) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Place one block of a dataset split in blocks into the packs of the
    whole dataset's plan.

    For datasets on several machines (Ray Data, Spark): pack the histogram
    of the whole dataset once (:func:`pack`; histograms merge by adding),
    then place every block on its own. A sequence's pack depends only on
    its length and on how many sequences of that length come before it,
    so each block needs only ``first_ranks``: the histogram of the blocks
    before it. However the dataset is cut into blocks, every sequence gets
    the same place, and pack ``p`` holds the sequences whose ``packs``
    value is ``p``, in the order of their ``positions``.

    The packs are those of the plan: as many as :func:`assign` makes, of
    the same compositions. Which sequences of one length share a pack is
    drawn differently: :func:`assign` shuffles each length's sequences as a
    whole, which is faster when they are all in memory.

    Parameters
    ----------
    block_lengths : array of int, list of int, or pyarrow array
        The block's lengths, in dataset order.
    plan : Report
        :func:`pack`'s report on the whole dataset's histogram, made with
        the same ``overlong`` policy.
    first_ranks : array of int
        ``first_ranks[i]``: the sequences of length ``i + 1`` (after the
        overlong policy) in the blocks before this one; ``plan.max_len``
        counts, all 0 for the first block. The ``counts`` of the
        :class:`Histogram` of those blocks at ``plan.max_len``.
    seed, epoch : int
        The seed and the training epoch of the permutations, as for
        :func:`assign`: each epoch draws new neighbours and a new pack order.
    overlong : {"truncate", "drop", "error"}
        As for :func:`assign`.
    shuffle_packs : bool
        Number the packs in a random order; False keeps the plan's order.

    Returns
    -------
    (packs, positions) : tuple of numpy.ndarray of int64
        For each sequence of the block, its pack (from 0 to the plan's
        packs) and its place in the pack, from 0, longest sequence first;
        -1 and -1 for a sequence ``overlong="drop"`` leaves out.

    Examples
    --------
    >>> import numpy as np, packlab
    >>> lengths = np.array([3, 5, 3, 5, 2, 6, 8, 1], dtype=np.int64)
    >>> plan = packlab.pack(lengths, max_len=8)
    >>> whole = packlab.place_block(lengths, plan, np.zeros(8, np.int64))
    >>> first = packlab.place_block(lengths[:5], plan, np.zeros(8, np.int64))
    >>> before = packlab.histogram(lengths[:5], max_len=8).counts
    >>> second = packlab.place_block(lengths[5:], plan, before)
    >>> bool((np.concatenate([first[0], second[0]]) == whole[0]).all())
    True
    >>> sorted(np.bincount(whole[0]).tolist()) == sorted(len(g["lengths"]) for g in plan.plan for _ in range(g["count"]))
    True
    """
    if not isinstance(plan, Report):
        raise TypeError(f"plan: expected the Report of packlab.pack, got {type(plan).__name__}")
    if seed < 0 or epoch < 0:
        raise ValueError("seed and epoch are whole numbers from 0")
    ranks = np.asarray(first_ranks)
    if ranks.ndim != 1 or ranks.dtype.kind not in "iu":
        raise ValueError(
            f"first_ranks: expected one count per length (1-D integers), got shape "
            f"{ranks.shape} of {ranks.dtype}"
        )
    plan_json = json.dumps(
        {"max_len": plan.max_len, "max_per_pack": plan.max_per_pack, "groups": plan.plan}
    )
    return _native.place_block(
        _lengths_array(block_lengths, "block_lengths"),
        ranks.astype(np.int64, copy=False),
        plan_json,
        overlong,
        seed,
        epoch,
        bool(shuffle_packs),
    )


@overload
def read(
    path: Union[str, "os.PathLike[str]"],
    column: Optional[str] = ...,
    format: Optional[str] = ...,
    documents: bool = ...,
    tokenizer: Union[str, "os.PathLike[str]", None] = ...,
    text_field: Optional[str] = ...,
    special_tokens: bool = ...,
    sample: None = ...,
) -> npt.NDArray[np.int64]: ...


@overload
def read(
    path: Union[str, "os.PathLike[str]"],
    column: Optional[str] = ...,
    format: Optional[str] = ...,
    documents: bool = ...,
    tokenizer: Union[str, "os.PathLike[str]", None] = ...,
    text_field: Optional[str] = ...,
    special_tokens: bool = ...,
    *,
    sample: int,
) -> Histogram: ...


def read(
    path: Union[str, "os.PathLike[str]"],
    column: Optional[str] = None,
    format: Optional[str] = None,
    documents: bool = False,
    tokenizer: Union[str, "os.PathLike[str]", None] = None,
    text_field: Optional[str] = None,
    special_tokens: bool = True,
    sample: Optional[int] = None,
) -> Union[npt.NDArray[np.int64], Histogram]:
    """Read the sequence lengths of a file, in row order, as the command line reads it.

    Parameters
    ----------
    path : str or path
        A file of sequence lengths: text, CSV, JSON, JSON Lines, NumPy
        .npy, a Megatron-LM / NeMo .idx, Parquet or Arrow (token-id lists
        or a length column), or a dataset folder (``save_to_disk``, or
        .arrow / .parquet shards, read in order). The format is detected
        from the extension and content.
    column : str, optional
        The field holding lengths: a CSV column; a JSON object's field
        holding an array of lengths; each JSON Lines object's field holding
        its length or its token ids; or a Parquet / Arrow column of token
        ids or lengths. Default: ``length``, ``num_tokens`` and similar, or
        ``input_ids``; in CSV, the only numeric column; in Parquet, the
        only list of integers.
    format : str, optional
        Read the file as this format instead of detecting it: text, csv,
        json, jsonl, npy, megatron, parquet or arrow.
    documents : bool
        Megatron indexes: one length per document (its sequences joined)
        instead of per sequence.
    tokenizer : str or path, optional
        A ``tokenizer.json`` (the model's own) to count rows of raw text
        or conversations with: ``{"text": ...}`` as ``tokenizer.encode``
        counts it, ``{"messages": [...]}`` as ``apply_chat_template(...,
        tokenize=True)`` does, with the ``tokenizer_config.json`` and
        ``chat_template.jinja`` beside it. Rows with a length field keep it.
    text_field : str, optional
        With a tokenizer: the field of each row holding its text or its
        messages. Default: ``text``, or ``messages``.
    special_tokens : bool
        With a tokenizer: count the special tokens it adds to each text
        (``add_special_tokens=True``, the default).
    sample : int, optional
        With a tokenizer: tokenize only a uniform random sample of this
        many rows (the same on every run) and estimate the rest from it.
        No single row's length is known then, so a :class:`Histogram` of
        the estimated counts is returned instead of lengths.

    Returns
    -------
    numpy.ndarray of int64, or Histogram
        ``lengths[i]``: the length of row ``i``; with ``sample``, the
        estimated histogram. The rules the file was read by that its
        content cannot confirm are issued as :class:`ReadNote` warnings.

    Raises
    ------
    ValueError
        With the command line's message, naming the file, the place and
        the fix; also for a histogram file, which holds no order.
    """
    values, estimated, notes = _native.read(
        os.fspath(path),
        column,
        format,
        bool(documents),
        os.fspath(tokenizer) if tokenizer is not None else None,
        text_field,
        bool(special_tokens),
        sample,
    )
    for note in notes:
        warnings.warn(note, ReadNote, stacklevel=2)
    if estimated:
        return Histogram(values)
    return values


def _dataset(data: Union[Lengths, Histogram]) -> Tuple[Any, bool]:
    """The array the engine reads, and whether it holds a histogram's counts."""
    if isinstance(data, Histogram):
        return data.counts, True
    return _lengths_array(data, "lengths"), False


def _lengths_array(values: Lengths, what: str) -> np.ndarray:
    """A 1-D NumPy integer array of `values`, without a copy where one exists.

    NumPy arrays pass as they are (the engine reads any integer type in
    place); pyarrow arrays become NumPy views of their buffers; anything
    else goes through ``numpy.asarray``.
    """
    if isinstance(values, np.ndarray):
        array = values
    elif type(values).__module__.split(".")[0] == "pyarrow":
        array = _arrow_array(values, what)
    else:
        array = np.asarray(values)
        if array.size == 0:
            # An empty list becomes float64; it holds no sequences, which the
            # engine says in its own words.
            array = array.astype(np.int64)
    if array.ndim != 1:
        raise ValueError(f"{what}: expected one length per sequence (1-D), got shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{what}: expected whole numbers of tokens, got {array.dtype}; "
            "convert with .astype(numpy.int64) if every value is whole"
        )
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _arrow_array(values: Any, what: str) -> np.ndarray:
    """A pyarrow Array or ChunkedArray of integers as NumPy, without nulls."""
    nulls = getattr(values, "null_count", 0)
    if nulls:
        raise ValueError(
            f"{what}: {nulls} of the values are null. Every sequence needs a length: "
            "drop the rows without one first"
        )
    if hasattr(values, "chunks"):
        # A ChunkedArray: one array of all its chunks (a view when there is one).
        return np.asarray(values.to_numpy())
    return np.asarray(values.to_numpy(zero_copy_only=False))


def _max_len(max_len: Optional[int]) -> Optional[int]:
    if max_len is None:
        return None
    if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)):
        raise TypeError(f"max_len: expected a whole number of tokens, got {max_len!r}")
    if max_len < 0:
        raise ValueError("max_len must be at least 1 token")
    return int(max_len)


def _limit(max_per_pack: MaxPerPack) -> str:
    """The limit as the command line's --max-per-pack takes it, which the engine parses."""
    if max_per_pack is None:
        return "default"
    if isinstance(max_per_pack, bool):
        raise TypeError("max_per_pack: expected a number from 1, 'unlimited' or None")
    if isinstance(max_per_pack, (int, np.integer)):
        return str(int(max_per_pack))
    if isinstance(max_per_pack, str):
        return max_per_pack
    raise TypeError(f"max_per_pack: expected a number from 1, 'unlimited' or None, got {max_per_pack!r}")
