"""``batch``: stack consecutive records along a new axis 0 (SPEC §2.2).

Batches are cut out of upstream blocks (``core/block.py``): a block already
holds its records stacked, so a batch is a slice of one block or, when it
straddles blocks, the concatenation of its pieces, never a per-record stack. ``iterate_blocks`` yields
blocks *of batches* (leaves ``[k, batch_size, ...]``, a reshape of the
concatenated rows, so no copy), which is what ``prefetch`` queues and what the
Keras adapter feeds to TensorFlow k batches at a time. A short final batch has
another shape, so it is a block of its own.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..core import block as blk
from ..core.args import as_int
from ..core.record import stack
from ..core.stage import INFINITE, BlockStage, Cardinality, Stage


class Batch(BlockStage):
    """Groups of ``batch_size`` records, each leaf stacked; the last may be short.

    Example::

        Batch(upstream, 32, drop_remainder=True)
    """

    def __init__(self, upstream: Stage, batch_size: int, drop_remainder: bool = False) -> None:
        self.upstream = upstream
        self.batch_size = as_int(batch_size, "batch_size", minimum=1)
        if not isinstance(drop_remainder, bool):
            from ..errors import raise_error

            raise_error("SF_ARG", f"batch drop_remainder must be true or false, got {drop_remainder!r}",
                        kind="type")
        self.drop_remainder = drop_remainder

    def label(self) -> str:
        extra = ", drop_remainder=true" if self.drop_remainder else ""
        return f"batch({self.batch_size}{extra})"

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        """Blocks of whole batches, in order; the short last batch alone.

        The batches inside an upstream block are a reshape of it (no copy); only a batch
        that straddles two blocks is copied together from its pieces.
        """
        size = self.batch_size
        pending: list[Any] = []  # pieces (views) that start the next batch, fewer than `size` rows
        have = 0
        for block in self.upstream.iterate_blocks(epoch):
            n = blk.rows(block)
            pos = 0
            if pending:
                pos = min(n, size - have)
                pending.append(block if pos == n else blk.cut(block, 0, pos))
                have += pos
                if have < size:
                    continue
                yield _joined(pending, size)
                pending, have = [], 0
            full = (n - pos) // size
            if full:
                lo = pos
                yield blk.apply(lambda a: a[lo:lo + full * size].reshape((full, size) + a.shape[1:]), block)
            rest = pos + full * size
            if rest < n:
                pending, have = [blk.cut(block, rest, n)], n - rest
        if pending and not self.drop_remainder:
            yield _joined(pending, have)

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if n is None or n is INFINITE:
            return n
        q, r = divmod(n, self.batch_size)
        return q + (1 if r and not self.drop_remainder else 0)


def _joined(pieces: list[Any], count: int) -> Any:
    """One batch (a block of one) from the pieces holding its ``count`` records; pieces that
    differ in dtype or shape fail as the record path does."""
    sig = blk.signature(pieces[0], 1)
    if any(blk.signature(p, 1) != sig for p in pieces[1:]):
        _fail(pieces, count)
    return blk.apply(lambda a: a[None], blk.concat(pieces))


def _fail(pending: list[Any], size: int) -> None:
    """Raise the record path's ``SF_BATCH_SHAPE`` error for the batch starting at ``pending``.

    ``pending`` holds exactly the batch's pieces; stacking its records gives
    exactly the record path's message.
    """
    records: list[Any] = []
    for block in pending:
        for record in blk.unstack(block):
            records.append(record)
            if len(records) == size:
                break
        if len(records) == size:
            break
    stack(records)
    raise AssertionError("batch: blocks differ but their records stack")  # pragma: no cover
