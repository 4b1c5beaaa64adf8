"""``repeat``: iterate the upstream again and again, a new epoch each pass (SPEC §1.7)."""

from __future__ import annotations

from typing import Any, Iterator

from ..core.args import as_int
from ..core.stage import INFINITE, BlockStage, Cardinality, Stage

_MASK32 = 0xFFFFFFFF


class Repeat(BlockStage):
    """``count`` passes (``None`` or ``-1``: forever). Pass ``r`` of epoch ``e`` runs
    the upstream at epoch ``e*count + r``, or ``e*2**20 + r`` when endless (mod 2**32).

    Example::

        Repeat(upstream, 3)
    """

    def __init__(self, upstream: Stage, count: int | None = None) -> None:
        self.upstream = upstream
        c = None if count is None else as_int(count, "repeat count", minimum=-1)
        self.count = None if c == -1 else c

    def label(self) -> str:
        return "repeat()" if self.count is None else f"repeat({self.count})"

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        if self.count is not None:
            for r in range(self.count):
                yield from self.upstream.iterate_blocks((epoch * self.count + r) & _MASK32)
            return
        r = 0
        while True:
            seen = False
            for record in self.upstream.iterate_blocks((epoch * (1 << 20) + r) & _MASK32):
                seen = True
                yield record
            if not seen:  # an empty upstream would otherwise spin forever
                return
            r += 1

    def cardinality(self) -> Cardinality:
        n = self.upstream.cardinality()
        if n is None:
            return None
        if self.count is None:
            return INFINITE
        if n is INFINITE:
            return INFINITE if self.count > 0 else 0
        return n * self.count
