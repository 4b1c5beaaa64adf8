"""Ordered parallel map with a bounded window, for record work that releases the GIL.

Image decoding runs TensorFlow eager kernels, which release the GIL, so a few
threads keep every core busy while results still come back in input order.
At most ``window`` results are in flight, so memory stays bounded however far
behind the consumer is. A worker's exception is raised at its own position,
after the results before it, exactly as a sequential loop would.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def workers() -> int:
    """Threads used: one per core (``os.cpu_count()``)."""
    return max(1, os.cpu_count() or 1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:  # one shared pool: pipelines nest and repeat, threads are reused
            _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="streamfit-decode")
        return _pool


def ordered_map(fn: Callable[[Any], Any], items: Iterable[Any], window: int | None = None) -> Iterator[Any]:
    """``fn(item)`` for each item, computed in parallel, yielded in order.

    Example::

        list(ordered_map(decode, paths))   # same as [decode(p) for p in paths]
    """
    n = workers()
    if n == 1:
        for item in items:
            yield fn(item)
        return
    window = window or 4 * n
    pool = _executor()
    pending: deque[Future[Any]] = deque()
    it = iter(items)
    try:
        for item in it:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:  # the consumer stopped early: drop work not yet started
            f.cancel()
