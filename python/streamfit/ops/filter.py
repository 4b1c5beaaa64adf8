"""``filter``: keep records where a predicate holds (SPEC §4.1)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

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
        self.name = function_name(predicate, name)

    def label(self) -> str:
        return f"filter({self.name})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        keep = self.predicate
        for record in self.upstream.iterate(epoch):
            if bool(keep(record)):
                yield record

    def cardinality(self) -> Cardinality:
        return None  # SPEC §4.2: unknown below a filter
