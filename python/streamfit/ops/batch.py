"""``batch``: stack consecutive records along a new axis 0 (SPEC §2.2)."""

from __future__ import annotations

from typing import Any, Iterator

from ..core.args import as_int
import numpy as np

from ..core.record import flatten, map_structure, stack
from ..core.stage import INFINITE, Cardinality, Stage


class Batch(Stage):
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

    def iterate(self, epoch: int) -> Iterator[Any]:
        if hasattr(self.upstream, "iterate_blocks"):
            yield from self._from_blocks(epoch)
            return
        size = self.batch_size
        group: list[Any] = []
        for record in self.upstream.iterate(epoch):
            group.append(record)
            if len(group) == size:
                yield stack(group)
                group = []
        if group and not self.drop_remainder:
            yield stack(group)

    def _from_blocks(self, epoch: int) -> Iterator[Any]:
        """Fast path: slice batches out of an upstream's row blocks (same values as stacking)."""
        size = self.batch_size
        pending: list[Any] = []  # blocks (trees) whose rows are not yet emitted
        have = 0
        for block in self.upstream.iterate_blocks(epoch):
            rows = len(flatten(block)[0])
            if not rows:
                continue
            pending.append(block)
            have += rows
            if have < size:
                continue
            merged = _concat(pending)
            start = 0
            while have - start >= size:
                yield map_structure(lambda a: a[start:start + size].copy(), merged)
                start += size
            pending = [map_structure(lambda a: a[start:], merged)] if have > start else []
            have -= start
        if pending and not self.drop_remainder:
            yield map_structure(lambda a: np.ascontiguousarray(a), _concat(pending))

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if n is None or n is INFINITE:
            return n
        q, r = divmod(n, self.batch_size)
        return q + (1 if r and not self.drop_remainder else 0)


def _concat(blocks: list[Any]) -> Any:
    if len(blocks) == 1:
        return blocks[0]
    first = blocks[0]
    if isinstance(first, tuple):
        return tuple(_concat([b[i] for b in blocks]) for i in range(len(first)))
    return np.concatenate(blocks, axis=0)
