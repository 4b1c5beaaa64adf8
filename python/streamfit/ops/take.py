"""``take``: the first ``count`` records; ``-1`` takes all (SPEC §4.1)."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from ..core import block as blk
from ..core.args import as_int
from ..core.on_error import Read
from ..core.stage import INFINITE, BlockStage, Cardinality, Stage, check_index


class Take(BlockStage):
    """The first ``count`` records (``count=-1``: all); keeps indexability.

    Example::

        Take(upstream, 10)
    """

    def __init__(self, upstream: Stage, count: int) -> None:
        self.upstream = upstream
        self.count = as_int(count, "take count", minimum=-1)

    def label(self) -> str:
        return f"take({self.count})"

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        if self.count < 0:
            yield from self.upstream.iterate_blocks(epoch)
            return
        if self.indexable:  # fetch exactly the records taken
            yield from super().iterate_blocks(epoch)
            return
        left = self.count
        if left == 0:
            return
        for block in self.upstream.iterate_blocks(epoch):
            n = blk.rows(block)
            if n >= left:  # stop before reading past the last record taken
                yield block if n == left else blk.cut(block, 0, left)
                return
            left -= n
            yield block

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        return self.upstream.get_many(indices, epoch, read)

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if self.count < 0 or n is None:
            return n
        if n is INFINITE:
            return self.count
        return min(n, self.count)

    @property
    def indexable(self) -> bool:
        # over a source that may drop records, take counts records as a stream does (SPEC §4.2)
        return self.upstream.indexable and not self.upstream.may_drop

    def reads_to_end(self) -> bool:
        return (self.count < 0 or self.count >= self.upstream.length()) and self.upstream.reads_to_end()

    def length(self) -> int:
        n = self.upstream.length()
        return n if self.count < 0 else min(n, self.count)

    def get(self, i: int, epoch: int) -> Any:
        return self.upstream.get(check_index(self, i), epoch)
