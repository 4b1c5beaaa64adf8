"""``skip``: all but the first ``count`` records; ``-1`` skips all (SPEC §4.1)."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from ..core import block as blk
from ..core.args import as_int
from ..core.on_error import Read
from ..core.stage import INFINITE, BlockStage, Cardinality, Stage, check_index


class Skip(BlockStage):
    """Drop the first ``count`` records (``count=-1``: all, as in tf.data); keeps indexability.

    Example::

        Skip(upstream, 5)
    """

    def __init__(self, upstream: Stage, count: int) -> None:
        self.upstream = upstream
        self.count = as_int(count, "skip count", minimum=-1)

    def label(self) -> str:
        return f"skip({self.count})"

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        # Skipped records are still read, as in the record path: their errors still surface.
        left = self.count
        for block in self.upstream.iterate_blocks(epoch):
            if left < 0:
                continue
            if left == 0:
                yield block
                continue
            n = blk.rows(block)
            if n > left:
                yield blk.cut(block, left, n)
                left = 0
            else:
                left -= n

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        return self.upstream.get_many([int(i) + self.count for i in indices], epoch, read)

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if n is None or n is INFINITE:
            return n
        return 0 if self.count < 0 else max(n - self.count, 0)

    @property
    def indexable(self) -> bool:
        # over a source that may drop records, skip counts records as a stream does (SPEC §4.2)
        return self.upstream.indexable and not self.upstream.may_drop

    def length(self) -> int:
        n = self.upstream.length()
        return 0 if self.count < 0 else max(n - self.count, 0)

    def get(self, i: int, epoch: int) -> Any:
        return self.upstream.get(check_index(self, i) + self.count, epoch)
