"""``permute`` (SPEC §1.4) for runs of consecutive positions, a page at a time, remembered.

A chunked read of a globally shuffled epoch asks for positions ``lo..hi-1``,
then the next run, and so on; ``permute_many`` has a fixed cost per call
(the cycle-walking loop), so computing ``PAGE`` positions at once and slicing
them is several times cheaper for small chunks. The values are exactly
``permute_many``'s; only the work is shared.

Example::

    pages = PermutePages(n=1_000_000, seed=7)
    pages.get(np.arange(1024, 2048), epoch=0)   # == permute_many(np.arange(1024, 2048), n, 7, 0)
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from .permute import permute_many

PAGE = 1 << 16
KEEP = 4


class PermutePages:
    """``permute_many(positions, n, seed, epoch)`` with pages of consecutive positions cached."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.seed = n, seed
        self._pages: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # Keras workers read batches on several threads

    def _page(self, epoch: int, p: int) -> np.ndarray:
        key = (epoch, p)
        with self._lock:
            got = self._pages.get(key)
            if got is not None:
                self._pages.move_to_end(key)
                return got
        lo = p * PAGE
        got = permute_many(np.arange(lo, min(self.n, lo + PAGE), dtype=np.int64), self.n, self.seed, epoch)
        with self._lock:
            self._pages[key] = got
            while len(self._pages) > KEEP:
                self._pages.popitem(last=False)
        return got

    def get(self, positions: np.ndarray, epoch: int) -> np.ndarray:
        """``permute(i, n, seed, epoch)`` for each position (any positions; runs are the fast case)."""
        pos = np.asarray(positions, dtype=np.int64)
        if len(pos) == 0:
            return pos
        lo, hi = int(pos[0]), int(pos[-1])
        if hi - lo + 1 != len(pos) or (len(pos) > 1 and not np.all(np.diff(pos) == 1)):
            return permute_many(pos, self.n, self.seed, epoch)  # not a run: no page to share
        parts = []
        p = lo
        while p <= hi:
            end = min(hi, (p // PAGE + 1) * PAGE - 1)
            parts.append(self._page(epoch, p // PAGE)[p % PAGE:end % PAGE + 1])
            p = end + 1
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
