"""``prefetch``: read ahead on a background thread; never changes order or values.

The producer thread owns the upstream iterator of blocks (``core/block.py``):
queueing a block instead of each record keeps the per-record cost off the
queue and the GIL. A bounded queue holds at most ``buffer_size`` blocks; exceptions travel through the queue and are re-raised
at the same position. When the consumer stops early (``close()``, garbage
collection, ``break``), the producer is told to stop, closes the upstream and
is joined, so no thread outlives its iterator.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Iterator

from ..core.args import as_int
from ..core.stage import BlockStage, Cardinality, Stage

_END = object()
_POLL_S = 0.05


class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _produce(source: Iterator[Any], q: "queue.Queue[Any]", stop: threading.Event) -> None:
    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    try:
        for record in source:
            if not put(record):
                return
        put(_END)
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
        put(_Raised(exc))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # noqa: BLE001 - the consumer is already gone
                pass


class Prefetch(BlockStage):
    """Read up to ``buffer_size`` blocks ahead on a daemon thread.

    Example::

        Prefetch(upstream, 2)
    """

    def __init__(self, upstream: Stage, buffer_size: int = 2) -> None:
        self.upstream = upstream
        self.buffer_size = as_int(buffer_size, "prefetch buffer_size", minimum=1)

    def label(self) -> str:
        return f"prefetch({self.buffer_size})"

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        q: "queue.Queue[Any]" = queue.Queue(maxsize=self.buffer_size)
        stop = threading.Event()
        worker = threading.Thread(target=_produce, args=(self.upstream.iterate_blocks(epoch), q, stop),
                                  name="streamfit-prefetch", daemon=True)
        worker.start()
        try:
            while True:
                item = q.get()
                if item is _END:
                    return
                if isinstance(item, _Raised):
                    raise item.exc
                yield item
        finally:
            stop.set()
            worker.join()

    def cardinality(self) -> Cardinality:
        return self.upstream.cardinality()
