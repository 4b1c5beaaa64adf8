"""Recycled output arrays for block gathers: a new block need not mean new pages.

A gather writes a whole block (tens of MB) into a fresh array. Allocated on
a background thread (``prefetch``), every such array comes from a new
``mmap`` and the copy into it page-faults once per 4 KiB, which costs more
than the copy itself (measured: 54k faults and 1.6x the time of the same
gather on the main thread, whose allocator happens to reuse freed memory).
The pool hands back an array it gave out before, but only once nothing else
refers to it: no batch view (a view holds its base), no tensor aliasing it
(TensorFlow and NumPy hold a reference while they alias), no user variable.
CPython's reference count says so exactly, so reuse never overwrites data
that someone can still read.

Example::

    pool = BufferPool()
    out = pool.take((512, 128, 128, 3), np.uint8)   # recycled when free, else new
"""

from __future__ import annotations

import sys
import threading
from collections import deque

import numpy as np

# references to an array the pool holds alone: the deque's, the local variable's, getrefcount's argument
_ALONE = 3


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype, align: int) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts at a multiple of ``align`` bytes."""
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + align, np.uint8)
    start = -raw.ctypes.data % align
    return raw[start:start + nbytes].view(dtype).reshape(shape)


class BufferPool:
    """At most ``capacity`` arrays, reused when their only owner is the pool; with ``align``, each
    array's data starts at a multiple of that many bytes."""

    def __init__(self, capacity: int = 8, align: int = 0) -> None:
        self.capacity = capacity
        self.align = align
        self._held: deque[np.ndarray] = deque()
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: np.dtype | str) -> np.ndarray:
        """An uninitialised array of ``shape`` and ``dtype`` that nobody else holds."""
        dtype = np.dtype(dtype)
        with self._lock:
            for k in range(len(self._held)):  # not enumerate: its cached result tuple holds one more reference
                a = self._held[k]
                if a.shape == shape and a.dtype == dtype and sys.getrefcount(a) == _ALONE:
                    del self._held[k]  # by position: == on arrays compares elements
                    self._held.append(a)  # most recently given out last
                    return a
            a = aligned_empty(shape, dtype, self.align) if self.align else np.empty(shape, dtype=dtype)
            self._held.append(a)
            if len(self._held) > self.capacity:
                self._held.popleft()  # forgotten by the pool; whoever holds it keeps it
            return a

    def clear(self) -> None:
        """Drop every array the pool holds (memory goes back once no one else holds them)."""
        with self._lock:
            self._held.clear()
