"""``take``: the first ``count`` records; ``-1`` takes all (SPEC §4.1)."""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from ..core.args import as_int
from ..core.stage import INFINITE, Cardinality, Stage, check_index


class Take(Stage):
    """The first ``count`` records (``count=-1``: all); keeps indexability.

    Example::

        Take(upstream, 10)
    """

    def __init__(self, upstream: Stage, count: int) -> None:
        self.upstream = upstream
        self.count = as_int(count, "take count", minimum=-1)

    def label(self) -> str:
        return f"take({self.count})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        if self.count < 0:
            yield from self.upstream.iterate(epoch)
        elif self.count > 0:
            yield from itertools.islice(self.upstream.iterate(epoch), self.count)

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if self.count < 0 or n is None:
            return n
        if n is INFINITE:
            return self.count
        return min(n, self.count)

    @property
    def indexable(self) -> bool:
        return self.upstream.indexable

    def length(self) -> int:
        n = self.upstream.length()
        return n if self.count < 0 else min(n, self.count)

    def get(self, i: int, epoch: int) -> Any:
        return self.upstream.get(check_index(self, i), epoch)
