"""``map``: apply a function to every record (SPEC §4.1).

A built-in (``ops/builtins.py``) carries a ``block`` version and is applied to
whole blocks; a user function is called once per record, and its results are
regrouped into blocks for the stages below. A built-in marked ``parallel``
(``decode_image``: TensorFlow kernels that release the GIL) runs record by
record on the thread pool (``core/parallel.py``), results in order.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Sequence

from ..core import block as blk
from ..core.on_error import Read
from ..core.parallel import ordered_map
from ..core.stage import Cardinality, Stage


def per_block(block_fn: Callable[[Any], Any], fn: Callable[[Any], Any], block: Any) -> Iterator[Any]:
    """``block_fn(block)``; if it raises, redo the block record by record with ``fn`` so
    the error comes at the record (and with the message) of the record path."""
    try:
        out = block_fn(block)
    except Exception:  # noqa: BLE001 - re-raised by the per-record pass below
        yield from blk.group(fn(r) for r in blk.unstack(block))
        return
    yield out


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
        self.block_fn = getattr(fn, "block", None)
        self.parallel = getattr(fn, "parallel", False) is True
        self.name = function_name(fn, name)

    def label(self) -> str:
        return f"map({self.name})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        if self.block_fn is not None:
            for block in self.iterate_blocks(epoch):
                yield from blk.unstack(block)
            return
        yield from self._records(self.upstream.iterate(epoch))

    def _records(self, records: Iterable[Any]) -> Iterator[Any]:
        """``fn`` on each record, in order (on the thread pool when the function is ``parallel``)."""
        if self.parallel:
            yield from ordered_map(self.fn, records)
            return
        fn = self.fn
        for record in records:
            yield fn(record)

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        if self.block_fn is None:
            yield from blk.group(self._records(self.upstream.iterate(epoch)))
            return
        for block in self.upstream.iterate_blocks(epoch):
            yield from per_block(self.block_fn, self.fn, block)

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        for block in self.upstream.get_many(indices, epoch, read):
            if self.block_fn is not None:
                yield from per_block(self.block_fn, self.fn, block)
            else:
                yield from blk.group(self._records(blk.unstack(block)))

    def cardinality(self) -> Cardinality:
        return self.upstream.cardinality()

    @property
    def indexable(self) -> bool:
        return self.upstream.indexable

    def length(self) -> int:
        return self.upstream.length()

    def get(self, i: int, epoch: int) -> Any:
        return self.fn(self.upstream.get(i, epoch))
