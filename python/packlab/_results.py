"""What Packlab's functions return: a histogram, a report, a comparison.

The report's attributes are the fields of ``packlab pack --json``, with the
same names and values, so that a script can move between the command line
and Python without renaming anything.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, TypedDict

import numpy as np
import numpy.typing as npt


if TYPE_CHECKING:
    import pandas


class Overlong(TypedDict):
    """What the overlong policy did to sequences longer than max_len.

    ``policy``: ``"truncate"``, ``"drop"`` or ``"error"``; ``sequences``:
    those longer than max_len; ``tokens_lost``: the tokens past max_len
    when truncating, whole sequences when dropping.
    """

    policy: str
    sequences: int
    tokens_lost: int


class PackGroup(TypedDict):
    """One composition of a plan: ``count`` packs holding ``lengths``.

    ``lengths``: the sequences of each such pack, longest first; ``count``:
    how many packs hold exactly these (at least 1).
    """

    lengths: List[int]
    count: int


class Optimality(TypedDict):
    """How near the optimal packer's plan is to the fewest packs possible.

    ``lower_bound_packs``: no plan at this max_per_pack uses fewer (the
    cutting-stock LP bound); ``proven_optimal``: the plan uses exactly that
    many; ``lp_bound_exact``: the LP was solved far enough that its bound
    cannot rise; ``plan_from``: the packer whose plan was kept
    (``lp_rounding``, ``lpfhp``, ``spfhp``, ``bfd`` or ``nnlshp``).
    """

    lower_bound_packs: int
    proven_optimal: bool
    lp_bound_exact: bool
    plan_from: str


class Histogram:
    """Counts of sequences per length: ``counts[i]`` sequences of length ``i + 1``.

    What ``packlab histogram`` prints, and what ``pack`` and ``compare``
    take instead of lengths: a compact form of a dataset that merges by
    adding counts. Its row length is ``max_len = len(counts)``, the default
    max_len of every question asked of it.

    Attributes
    ----------
    counts : numpy.ndarray of int64
        ``counts[i]``: the sequences of length ``i + 1``.
    overlong : dict or None
        When made by :func:`packlab.histogram`, what its overlong policy
        did (``policy``, ``sequences``, ``tokens_lost``); otherwise None.
    """

    __slots__ = ("counts", "overlong")

    counts: npt.NDArray[np.int64]
    overlong: Optional[Overlong]

    def __init__(self, counts: Any, overlong: Optional[Overlong] = None) -> None:
        array = np.asarray(counts)
        if array.size == 0:
            array = array.astype(np.int64)
        if array.ndim != 1 or array.dtype.kind not in "iu":
            raise TypeError(
                f"counts: expected one dimension of integers, got shape {array.shape} "
                f"of {array.dtype}"
            )
        if array.dtype != np.int64:
            if array.dtype.kind == "u" and array.size and array.max() > np.iinfo(np.int64).max:
                raise ValueError("counts: a count is above 2^63 - 1; no real dataset holds that many")
            array = array.astype(np.int64)
        self.counts = array
        self.overlong = overlong

    @property
    def max_len(self) -> int:
        """The row length: the longest length counted, ``len(counts)``."""
        return int(self.counts.shape[0])

    @property
    def sequences(self) -> int:
        """The number of sequences."""
        return int(self.counts.sum(dtype=np.uint64))

    @property
    def tokens(self) -> int:
        """The real tokens of all sequences: the sum of ``count * length``."""
        lengths = np.arange(1, self.max_len + 1, dtype=np.uint64)
        return int((self.counts.astype(np.uint64) * lengths).sum(dtype=np.uint64))

    def to_dict(self) -> Dict[str, Any]:
        """``{"max_len": N, "counts": [...]}``, as ``packlab histogram`` prints it."""
        return {"max_len": self.max_len, "counts": self.counts.tolist()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Histogram):
            return NotImplemented
        return bool(np.array_equal(self.counts, other.counts))

    __hash__ = None  # type: ignore[assignment]  # mutable array inside

    def __repr__(self) -> str:
        return (
            f"Histogram(max_len={self.max_len}, sequences={self.sequences}, "
            f"tokens={self.tokens})"
        )


@dataclass(frozen=True)
class Report:
    """What one packing plan achieves, as ``packlab pack --json`` prints it.

    Every attribute is a field of that JSON object, of the same name and
    value; :meth:`to_dict` gives the object back.

    Attributes
    ----------
    algorithm : str
        The algorithm that made the plan.
    max_len : int
        The row length in tokens.
    max_per_pack : int or None
        The most sequences a pack may hold; None for no limit.
    sequences : int
        Sequences packed.
    tokens : int
        Real tokens packed.
    packs : int
        Rows of max_len tokens the plan needs.
    efficiency : float
        Real tokens / (packs x max_len).
    padding_fraction : float
        1 - efficiency: the share of computed tokens that are padding.
    speedup : float
        Sequences / packs: how many times fewer rows than without packing
        (the paper's achieved speed-up).
    speedup_limit : float
        Sequences x max_len / tokens: the speed-up if no padding were left.
    volume_bound : int
        ceil(tokens / max_len): no plan can use fewer rows.
    mean_sequences_per_pack : float
        Sequences / packs (the same figure as ``speedup``).
    sequences_per_pack : list of int
        ``sequences_per_pack[i]``: packs holding ``i + 1`` sequences.
    pack_fill : list of int
        ``pack_fill[i]``: packs whose real tokens fill more than i/20 and
        at most (i+1)/20 of the row.
    full_packs : int
        Packs with no padding at all.
    bucket_tokens : int or None
        NNLSHP at a large max_len: tokens per length bucket; None when
        every length was planned exactly.
    bucketing_cost : float or None
        At most this share of the row tokens is padding added by bucketing.
    optimality : dict or None
        The optimal packer only (see :class:`Optimality`): its LP bound,
        and whether the plan is proven to reach it.
    runtime_ms : float
        Wall-clock time the algorithm took, in milliseconds.
    overlong : dict
        What the overlong policy did (see :class:`Overlong`).
    plan : list of dict
        Every composition with its number of packs, most frequent first
        (see :class:`PackGroup`).
    """

    algorithm: str
    max_len: int
    max_per_pack: Optional[int]
    sequences: int
    tokens: int
    packs: int
    efficiency: float
    padding_fraction: float
    speedup: float
    speedup_limit: float
    volume_bound: int
    mean_sequences_per_pack: float
    sequences_per_pack: List[int]
    pack_fill: List[int]
    full_packs: int
    bucket_tokens: Optional[int]
    bucketing_cost: Optional[float]
    optimality: Optional[Optimality]
    runtime_ms: float
    overlong: Overlong
    plan: List[PackGroup]

    def to_dict(self) -> Dict[str, Any]:
        """The report as the JSON object ``packlab pack --json`` prints."""
        return {field.name: _copied(getattr(self, field.name)) for field in fields(self)}

    def __repr__(self) -> str:
        return (
            f"Report(algorithm={self.algorithm!r}, max_len={self.max_len}, "
            f"max_per_pack={self.max_per_pack}, packs={self.packs}, "
            f"efficiency={self.efficiency:.4f}, speedup={self.speedup:.4f})"
        )


def _copied(value: Any) -> Any:
    """A copy of JSON-like data, so that a dict from ``to_dict`` can be changed freely."""
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value


#: The columns of a comparison's table: every figure of a report that is one number.
TABLE_COLUMNS = (
    "algorithm",
    "max_len",
    "max_per_pack",
    "sequences",
    "tokens",
    "packs",
    "efficiency",
    "padding_fraction",
    "speedup",
    "speedup_limit",
    "volume_bound",
    "mean_sequences_per_pack",
    "full_packs",
    "bucket_tokens",
    "bucketing_cost",
    "runtime_ms",
)


def to_pandas(reports: Iterable[Report]) -> "pandas.DataFrame":
    """A pandas DataFrame of reports, one row each, one column per figure.

    The columns are the reports' single-number fields (``algorithm``,
    ``packs``, ``efficiency``, ``speedup``, ...); the lists (``plan``,
    ``pack_fill``, ...) stay on the reports. Needs pandas installed.
    """
    try:
        import pandas
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas needs pandas: pip install pandas") from error
    rows = [{column: getattr(report, column) for column in TABLE_COLUMNS} for report in reports]
    return pandas.DataFrame(rows, columns=list(TABLE_COLUMNS))


class Comparison(List[Report]):
    """The reports of several algorithms at the same settings, in order.

    A list of :class:`Report`; :meth:`to_pandas` makes it a table.
    """

    def to_pandas(self) -> "pandas.DataFrame":
        """The reports as a pandas DataFrame (see :func:`packlab.to_pandas`)."""
        return to_pandas(self)

    def by_algorithm(self) -> Dict[str, Report]:
        """The reports keyed by algorithm name."""
        return {report.algorithm: report for report in self}


def _report(data: Dict[str, Any]) -> Report:
    """A report from the engine's JSON object."""
    return Report(**data)


def _reports(data: Sequence[Dict[str, Any]]) -> Comparison:
    return Comparison(_report(item) for item in data)
