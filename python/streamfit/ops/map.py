"""``map``: apply a function to every record (SPEC §4.1)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from ..core.stage import Cardinality, Stage


def function_name(fn: Callable[..., Any], name: str | None) -> str:
    """The name a summary shows for a user function (SPEC §4.4)."""
    if name is not None:
        return str(name)
    return str(getattr(fn, "__name__", None) or type(fn).__name__)


class Map(Stage):
    """Apply ``fn(record) -> record``; keeps indexability and cardinality.

    Example::

        Map(upstream, lambda r: r * 2)
    """

    def __init__(self, upstream: Stage, fn: Callable[[Any], Any], name: str | None = None) -> None:
        if not callable(fn):
            from ..errors import raise_error

            raise_error("SF_ARG", f"map(fn): fn must be callable, got {fn!r}", kind="type")
        self.upstream = upstream
        self.fn = fn
        self.name = function_name(fn, name)

    def label(self) -> str:
        return f"map({self.name})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        fn = self.fn
        for record in self.upstream.iterate(epoch):
            yield fn(record)

    def cardinality(self) -> Cardinality:
        return self.upstream.cardinality()

    @property
    def indexable(self) -> bool:
        return self.upstream.indexable

    def length(self) -> int:
        return self.upstream.length()

    def get(self, i: int, epoch: int) -> Any:
        return self.fn(self.upstream.get(i, epoch))
