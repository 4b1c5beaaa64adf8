"""``filter``: keep records where a predicate holds (SPEC §4.1).

A built-in predicate carries a ``block`` version giving a boolean mask per
block; a user predicate is called once per record.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..core import block as blk
from ..core.stage import Cardinality, Stage
from ..errors import raise_error
from .map import function_name


class Filter(Stage):
    """Keep records with ``predicate(record)`` true; cardinality becomes unknown.

    Example::

        Filter(upstream, lambda r: r[1] > 0)
    """

    def __init__(self, upstream: Stage, predicate: Callable[[Any], Any], name: str | None = None) -> None:
        if not callable(predicate):
            raise_error("SF_ARG", f"filter(predicate): predicate must be callable, got {predicate!r}",
                        kind="type")
        self.upstream = upstream
        self.predicate = predicate
        self.block_fn = getattr(predicate, "block", None)
        self.name = function_name(predicate, name)

    def label(self) -> str:
        return f"filter({self.name})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        if self.block_fn is not None:
            for block in self.iterate_blocks(epoch):
                yield from blk.unstack(block)
            return
        keep = self.predicate
        for record in self.upstream.iterate(epoch):
            if bool(keep(record)):
                yield record

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        if self.block_fn is None:
            keep = self.predicate
            yield from blk.group(r for r in self.upstream.iterate(epoch) if bool(keep(r)))
            return
        for block in self.upstream.iterate_blocks(epoch):
            yield from self._filter_block(block)

    def _filter_block(self, block: Any) -> Iterator[Any]:
        try:
            mask = np.asarray(self.block_fn(block), dtype=bool)  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - redo record by record: the error comes where it should
            keep = self.predicate
            yield from blk.group(r for r in blk.unstack(block) if bool(keep(r)))
            return
        if mask.all():
            yield block
        elif mask.any():
            yield blk.select(block, mask)

    def cardinality(self) -> Cardinality:
        return None  # SPEC §4.2: unknown below a filter
