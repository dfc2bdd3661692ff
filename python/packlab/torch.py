"""Packed batches for PyTorch's ``DataLoader``: :class:`PackedBatchSampler`.

The sampler hands a ``DataLoader`` batches of whole packs, as
:func:`packlab.assign` makes them, split among data-parallel processes the
way ``torch.utils.data.DistributedSampler`` splits samples, or (with
``balance=True``) so that every rank of a step has about the same work.
It needs neither torch nor a GPU: it only yields lists of dataset
indices, so this module never imports torch, and ``import packlab.torch``
works without it.

>>> from packlab.torch import PackedBatchSampler
>>> sampler = PackedBatchSampler([3, 3, 5, 5], max_len=8, batch_size=1)
>>> len(sampler)
2
"""

from __future__ import annotations

import operator
import sys
from typing import Iterator, List, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._api import Lengths, MaxPerPack, assign

__all__ = ["PackedBatchSampler"]

# The engine draws its shuffles from a 64-bit seed and a 32-bit epoch
# (`AssignOptions` in the Rust library); values past these would overflow
# on their way in, so they are refused here with the argument's name.
SEED_LIMIT = 2**64 - 1
EPOCH_LIMIT = 2**32 - 1

#: One batch: the dataset indices of its packs, concatenated in pack order,
#: or (with ``yield_packs=True``) one list of indices per pack.
Batch = Union[List[int], List[List[int]]]


class PackedBatchSampler:
    """Batches of packed sequences for ``DataLoader(batch_sampler=...)``.

    Each epoch ``e`` packs the sequences with
    ``packlab.assign(lengths, algorithm, max_len, max_per_pack, seed, e)``
    (the packs of ``packlab assign --epoch e``), and each batch holds
    ``batch_size`` whole packs: their dataset indices, concatenated in pack
    order, as a padding-free collator takes them (TRL's
    ``DataCollatorForLanguageModeling(padding_free=True)``, transformers'
    ``DataCollatorWithFlattening``, or a collator for variable-length
    attention), in one row of at most ``batch_size * max_len`` tokens
    (once sequences over max_len are cut to it).

    With several data-parallel processes, a step of training takes
    ``num_replicas * batch_size`` consecutive packs of the epoch, and they
    are dealt like cards: the ``k``-th pack of the step goes to rank
    ``k % num_replicas``. That is ``DistributedSampler``'s split
    (``packs[rank::num_replicas]``) followed by batches of ``batch_size``,
    so every step's packs are a contiguous run of the epoch's order,
    whatever the number of processes. Every rank yields the same number of
    batches, each of exactly ``batch_size`` packs (DDP waits for every
    rank at each step, so a rank with one batch more would hang).

    When the packs do not fill the last step, ``drop_last=True`` leaves
    them out, and ``drop_last=False`` (the default) fills the step with the
    epoch's first packs again, as ``DistributedSampler`` repeats its first
    samples: of ``P`` packs, the first ``(-P) % (num_replicas *
    batch_size)`` of the epoch's order are seen twice (cycling through the
    packs again when there are fewer of them than that), so fewer than
    ``num_replicas * batch_size`` packs and their sequences repeat.

    Balanced steps (``balance=True``): with packing every row holds about
    ``max_len`` tokens but not the same work, since attention grows with
    the square of each sequence's length, and a data-parallel step waits
    for its slowest rank. With ``balance=True`` the epoch's order is
    ``packlab.assign(..., world_size=num_replicas, micro_batch=batch_size,
    model=model, balance=True)``'s: each pack weighs its training FLOPs
    under ``model`` in Packlab's model (the linear layers per token, plus
    attention per pair of tokens within each sequence, as a variable-length
    kernel computes it), and the packs are ordered so that every rank of
    every whole step has about the same work; the order is still shuffled
    afresh by seed and epoch. A step is then laid out rank after rank, as
    ``assign`` lays it out: rank ``r``'s batch of step ``s`` is the packs
    ``(s * num_replicas + r) * batch_size`` to ``(s * num_replicas + r + 1)
    * batch_size - 1`` of that order, not the packs dealt in turn. The last
    step, when the packs do not fill it, is left out or filled as above
    (the first packs of the balanced order, cycling, taken in the same
    layout), and is not balanced. What it costs: the engine weighs and
    orders the packs at each ``set_epoch`` on every rank, about twice the
    time of the packing alone (some 25 ms more for a million sequences).
    ``balance=False`` (the default) keeps the dealt order above, the
    sampler's from before ``balance`` existed.

    Parameters
    ----------
    lengths : array of int, list of int, or pyarrow array
        One length per dataset row, in tokens, in the dataset's order:
        ``packlab.read(path)`` for a file, or for a ``datasets.Dataset``
        ``pyarrow.compute.list_value_length(dataset.with_format("arrow")["input_ids"])``.
        Kept, not copied: do not change it while the sampler is in use.
    max_len : int
        Row length in tokens: no pack holds more.
    batch_size : int
        Packs per batch on each rank, from 1.
    algorithm : str
        The packing algorithm, as for :func:`packlab.assign` (default
        ``"lpfhp"``, the package's and the command line's).
    seed : int
        Seed of the shuffles, the same on every rank: the same seed gives
        the same batches on every machine.
    num_replicas, rank : int, optional
        Number of data-parallel processes, and this one's rank. Default:
        those of torch.distributed's process group when this process has
        initialised one, otherwise 1 and 0. With tensor or pipeline
        parallelism, give the data-parallel group's size and rank: a
        ``num_replicas`` other than the process group's size (or 1) needs
        its ``rank``.
    max_per_pack : int, "unlimited" or None
        Most sequences per pack, as for :func:`packlab.assign`.
    overlong : {"truncate", "drop", "error"}
        Sequences longer than max_len: "truncate" gives each a pack of its
        own (the collator must cut it to max_len tokens), "drop" leaves
        them out of every batch, "error" raises ValueError.
    drop_last : bool
        Leave out the packs that do not fill a last step on every rank,
        instead of repeating the epoch's first packs to fill it.
    shuffle : bool
        Shuffle the order of the packs each epoch. False keeps the plan's
        order (the most frequent composition first), as ``packlab assign
        --no-shuffle-packs`` does; which same-length sequences share a pack
        still changes with the epoch. ``balance=True`` chooses the order
        itself, so it needs ``shuffle=True``.
    balance : bool
        Order the packs so that every rank of a step has about the same
        work (see above), instead of dealing them in turn.
    model : {"bert-base", "bert-large", "decoder-7b"}
        The model whose training FLOPs weigh each pack, as for
        :func:`packlab.assign`; only ``balance=True`` uses it, but a name
        Packlab does not know is refused either way.
    yield_packs : bool
        Yield each batch as a list of ``batch_size`` packs, each a list of
        dataset indices, instead of one flat list: for a collator that
        makes one row per pack. A ``DataLoader`` then passes each pack to
        ``dataset[pack]``, so give it a dataset that takes a list of rows.

    Raises
    ------
    ValueError
        For a setting out of range (the message names it), or from
        :func:`packlab.assign`, with the command line's message, for bad
        lengths or packing settings: at construction, not mid-training.

    Examples
    --------
    Twelve rows make six packs of 5 + 3 tokens, two packs a batch. Which
    rows share a pack, and the packs' order, are ``assign``'s draw:

    >>> import packlab
    >>> from packlab.torch import PackedBatchSampler
    >>> lengths = [5, 3] * 6
    >>> sampler = PackedBatchSampler(lengths, max_len=8, batch_size=2)
    >>> len(sampler)
    3
    >>> batches = list(sampler)
    >>> [[lengths[row] for row in batch] for batch in batches]
    [[5, 3, 5, 3], [5, 3, 5, 3], [5, 3, 5, 3]]
    >>> sorted(row for batch in batches for row in batch) == list(range(12))
    True
    >>> indices, offsets = packlab.assign(lengths, max_len=8)
    >>> batches[0] == indices[offsets[0] : offsets[2]].tolist()
    True

    The pack boundaries, kept:

    >>> packs = PackedBatchSampler(lengths, max_len=8, batch_size=2, yield_packs=True)
    >>> [[len(pack) for pack in batch] for batch in packs]
    [[2, 2], [2, 2], [2, 2]]

    On two ranks, a step takes four packs: the second step takes the last
    two and, to fill it, the epoch's first two again, whose four rows are
    seen twice:

    >>> ranks = [PackedBatchSampler(lengths, 8, 2, num_replicas=2, rank=r) for r in (0, 1)]
    >>> [len(rank) for rank in ranks]
    [2, 2]
    >>> rows = [row for rank in ranks for batch in rank for row in batch]
    >>> len(rows), len(set(rows))
    (16, 12)
    >>> twice = {row for row in rows if rows.count(row) == 2}
    >>> twice == set(indices[offsets[0] : offsets[2]].tolist())
    True

    Epoch 1 is ``assign``'s epoch 1:

    >>> sampler.set_epoch(1)
    >>> indices, offsets = packlab.assign(lengths, max_len=8, epoch=1)
    >>> next(iter(sampler)) == indices[offsets[0] : offsets[2]].tolist()
    True

    Balanced, each rank's batch is its share of ``assign``'s balanced
    layout, rank 0's packs of the step first:

    >>> steps = dict(world_size=2, micro_batch=2, model="decoder-7b", balance=True)
    >>> indices, offsets = packlab.assign(lengths, max_len=8, **steps)
    >>> balanced = [
    ...     PackedBatchSampler(lengths, 8, 2, num_replicas=2, rank=r, balance=True, model="decoder-7b")
    ...     for r in (0, 1)
    ... ]
    >>> [next(iter(rank)) for rank in balanced] == [
    ...     indices[offsets[0] : offsets[2]].tolist(), indices[offsets[2] : offsets[4]].tolist()
    ... ]
    True
    """

    def __init__(
        self,
        lengths: Lengths,
        max_len: int,
        batch_size: int,
        *,
        algorithm: str = "lpfhp",
        seed: int = 0,
        num_replicas: Union[int, None] = None,
        rank: Union[int, None] = None,
        max_per_pack: MaxPerPack = None,
        overlong: str = "truncate",
        drop_last: bool = False,
        shuffle: bool = True,
        balance: bool = False,
        model: str = "bert-base",
        yield_packs: bool = False,
    ) -> None:
        # Kept private, not as `batch_size`: libraries that read a batch
        # sampler's `batch_size` (Accelerate) take it for rows per batch.
        self._batch_size = _whole_number("batch_size", batch_size)
        if self._batch_size < 1:
            raise ValueError(f"batch_size: a batch holds at least 1 pack, got {self._batch_size}")
        self._seed = _whole_number("seed", seed)
        if not 0 <= self._seed <= SEED_LIMIT:
            raise ValueError(f"seed: give a whole number from 0 to {SEED_LIMIT}, got {self._seed}")
        self._num_replicas, self._rank = _replicas_and_rank(num_replicas, rank)

        # What `packlab.assign` takes besides the epoch, unchanged: the
        # engine checks them, with the command line's messages.
        self._lengths = lengths
        self._packing = dict(
            algorithm=algorithm,
            max_len=max_len,
            max_per_pack=max_per_pack,
            overlong=overlong,
            shuffle_packs=bool(shuffle),
        )
        self._drop_last = bool(drop_last)
        self._yield_packs = bool(yield_packs)
        self._balance = bool(balance)
        self._model = model
        if self._balance and not self._packing["shuffle_packs"]:
            raise ValueError(
                "shuffle: balance=True orders the packs itself (shuffled by seed and epoch), "
                "so it cannot keep the plan's order; give shuffle=True, or balance=False"
            )
        if not self._balance:
            # Unused, but a name Packlab does not know is a mistake to say
            # now, not when balance is turned on: the engine says it, in
            # the command line's words, for one sequence.
            assign([1], max_len=1, world_size=1, model=model)

        # The current epoch's packs, as `assign` gives them: pack p is
        # indices[offsets[p]:offsets[p + 1]]. Packed here rather than at the
        # first batch so that bad lengths or settings fail at this line.
        self._epoch = 0
        self._indices, self._offsets = self._assign(0)

    @property
    def num_replicas(self) -> int:
        """The number of data-parallel processes the packs are split among."""
        return self._num_replicas

    @property
    def rank(self) -> int:
        """This process's rank among them, from 0."""
        return self._rank

    @property
    def epoch(self) -> int:
        """The epoch whose packs the next iteration yields."""
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """Use the packs of ``epoch``: those of ``packlab.assign(..., epoch=epoch)``.

        Call it with the same epoch on every rank before each epoch, as for
        ``DistributedSampler``; without it, every epoch repeats the same
        batches. An iteration already under way keeps its epoch's packs.

        Raises
        ------
        ValueError
            If ``epoch`` is not a whole number from 0 to 4294967295.
        """
        epoch = _whole_number("epoch", epoch)
        if not 0 <= epoch <= EPOCH_LIMIT:
            raise ValueError(f"epoch: give a whole number from 0 to {EPOCH_LIMIT}, got {epoch}")
        if epoch != self._epoch:
            self._indices, self._offsets = self._assign(epoch)
            self._epoch = epoch

    def __len__(self) -> int:
        """The number of batches this rank yields in the current epoch (the
        same on every rank)."""
        return self._steps(len(self._offsets) - 1)

    def __iter__(self) -> Iterator[Batch]:
        # Local names, so that a set_epoch() during the iteration does not
        # mix two epochs' packs.
        indices, offsets = self._indices, self._offsets
        for pack_numbers in self._packs_of_this_rank(len(offsets) - 1):
            packs = [indices[offsets[p] : offsets[p + 1]] for p in pack_numbers]
            if self._yield_packs:
                yield [pack.tolist() for pack in packs]
            else:
                yield np.concatenate(packs).tolist()

    def __repr__(self) -> str:
        packing = self._packing
        # The constructor's names, so that the text reads as the call.
        settings = {
            "max_len": packing["max_len"],
            "batch_size": self._batch_size,
            "algorithm": packing["algorithm"],
            "max_per_pack": packing["max_per_pack"],
            "overlong": packing["overlong"],
            "shuffle": packing["shuffle_packs"],
            "seed": self._seed,
            "epoch": self._epoch,
            "num_replicas": self._num_replicas,
            "rank": self._rank,
            "drop_last": self._drop_last,
            "balance": self._balance,
            "model": self._model,
            "yield_packs": self._yield_packs,
        }
        return "PackedBatchSampler({})".format(
            ", ".join(f"{name}={value!r}" for name, value in settings.items())
        )

    # Private helpers.

    def _assign(self, epoch: int) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The packs of `epoch`, the same on every rank and every machine.

        Balanced, the whole epoch's order rather than this rank's packs
        (`assign(..., rank=)`): the repeats that fill the last step are the
        epoch's first packs, which other ranks hold.
        """
        if not self._balance:
            return assign(self._lengths, seed=self._seed, epoch=epoch, **self._packing)
        return assign(
            self._lengths,
            seed=self._seed,
            epoch=epoch,
            world_size=self._num_replicas,
            micro_batch=self._batch_size,
            grad_accum=1,
            model=self._model,
            balance=True,
            **self._packing,
        )

    def _steps(self, packs: int) -> int:
        """Steps (batches per rank) an epoch of `packs` packs makes."""
        per_step = self._num_replicas * self._batch_size
        if self._drop_last:
            return packs // per_step
        return -(-packs // per_step)

    def _packs_of_this_rank(self, packs: int) -> npt.NDArray[np.int64]:
        """The pack numbers of this rank's batches, one row per batch.

        Step s takes the packs s * R * B to (s + 1) * R * B - 1 of the
        epoch's order extended by repeats (R replicas, B packs a batch).
        Dealt, rank r takes the step's packs r, r + R, r + 2R, ...;
        balanced, the step's packs r * B to (r + 1) * B - 1, as `assign`
        lays a step out.
        """
        steps = self._steps(packs)
        if steps == 0:
            return np.empty((0, self._batch_size), dtype=np.int64)
        # Past the last pack, the order starts again from the first one:
        # the repeats that fill the last step (at most one step's worth).
        order = np.arange(steps * self._num_replicas * self._batch_size) % packs
        if self._balance:
            return order.reshape(steps, self._num_replicas, self._batch_size)[:, self._rank, :]
        return order[self._rank :: self._num_replicas].reshape(steps, self._batch_size)


def _whole_number(name: str, value: int) -> int:
    """`value` as an int; TypeError naming `name` for a float or other type."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}: expected a whole number, got {value!r}") from None


def _replicas_and_rank(num_replicas: Union[int, None], rank: Union[int, None]) -> Tuple[int, int]:
    """(num_replicas, rank), checked, with the process group's for those not given."""
    group = _process_group()
    group_size, group_rank = group if group is not None else (1, 0)
    if num_replicas is None:
        num_replicas = group_size
    num_replicas = _whole_number("num_replicas", num_replicas)
    if num_replicas < 1:
        raise ValueError(f"num_replicas: at least 1 process holds the data, got {num_replicas}")
    if rank is None:
        if num_replicas == group_size:
            rank = group_rank
        elif num_replicas == 1:
            rank = 0
        else:
            # Rank 0 would give every process rank 0's batches (the same
            # data num_replicas times over, none of the rest), and the
            # rank in a process group of another size (one with tensor
            # parallelism, say) is not this process's data-parallel rank.
            why = (
                "torch.distributed has no process group to say it"
                if group is None
                else f"torch.distributed's process group has {group_size} processes, "
                f"so its rank is not the one among {num_replicas}"
            )
            raise ValueError(
                f"rank: give this process's rank, from 0 to {num_replicas - 1}, "
                f"with num_replicas={num_replicas}; {why}"
            )
    rank = _whole_number("rank", rank)
    if not 0 <= rank < num_replicas:
        raise ValueError(
            f"rank: {rank} is not a rank of num_replicas={num_replicas} processes; "
            f"give one from 0 to {num_replicas - 1}"
        )
    return num_replicas, rank


def _process_group() -> Union[Tuple[int, int], None]:
    """(world size, rank) of torch.distributed's default process group, or
    None when there is none.

    A process group exists only in a process that has imported
    torch.distributed and initialised it, so the module is looked up rather
    than imported: a process without torch, or not using it, does not pay
    the seconds importing torch takes.
    """
    distributed = sys.modules.get("torch.distributed")
    if distributed is None or not distributed.is_available() or not distributed.is_initialized():
        return None
    return distributed.get_world_size(), distributed.get_rank()
