"""``skip``: all but the first ``count`` records; ``-1`` skips all (SPEC §4.1)."""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from ..core.args import as_int
from ..core.stage import INFINITE, Cardinality, Stage, check_index


class Skip(Stage):
    """Drop the first ``count`` records (``count=-1``: all, as in tf.data); keeps indexability.

    Example::

        Skip(upstream, 5)
    """

    def __init__(self, upstream: Stage, count: int) -> None:
        self.upstream = upstream
        self.count = as_int(count, "skip count", minimum=-1)

    def label(self) -> str:
        return f"skip({self.count})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        if self.count < 0:
            for _ in self.upstream.iterate(epoch):
                pass
            return
        yield from itertools.islice(self.upstream.iterate(epoch), self.count, None)

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if n is None or n is INFINITE:
            return n
        return 0 if self.count < 0 else max(n - self.count, 0)

    @property
    def indexable(self) -> bool:
        return self.upstream.indexable

    def length(self) -> int:
        n = self.upstream.length()
        return 0 if self.count < 0 else max(n - self.count, 0)

    def get(self, i: int, epoch: int) -> Any:
        return self.upstream.get(check_index(self, i) + self.count, epoch)
