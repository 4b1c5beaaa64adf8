"""Which stored record each position of a ``packed`` epoch reads (SPEC §3.7): plain integer math.

- ``sequential``: ``r(i) = i``;
- ``global``: ``r(i) = permute(i, n, seed, e)`` (SPEC §1.4), what ``shuffle(seed)`` after a
  sequential source gives;
- ``shards``: shard order ``o[j] = permute(j, S, k, e)`` with ``k = combine(seed, TAG_SHRD)``;
  window ``w`` holds shards ``o[w*W .. (w+1)*W - 1]``, its records ``R_w`` those shards'
  records concatenated in that order; position ``j`` of window ``w`` reads
  ``R_w[permute(j, m_w, combine(k, w), e)]``. Only ``W`` shards are read at a time.

Everything is vectorised over a chunk of positions; nothing is O(n) per epoch but
``global``'s own permutation, which is O(1) memory per position anyway.

Example::

    order = PackOrder(counts=[3, 3, 2], how="shards", seed=5, window=2)
    order.stored(np.arange(8), epoch=0)     # stored record index of positions 0..7
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

from .permute import permute_many
from .permute_pages import PermutePages
from .prng import TAG_SHRD, combine

ORDERS = ("sequential", "global", "shards")


class _Plan:
    """One epoch of the ``shards`` order: the shard order and each window's extent."""

    def __init__(self, counts: np.ndarray, starts: np.ndarray, key: int, window: int, epoch: int) -> None:
        s = len(counts)
        self.shards = permute_many(np.arange(s), s, key, epoch)
        self.windows = (s + window - 1) // window
        sizes = counts[self.shards]
        # within window w: cumulative record counts of its shards, in window order
        self.inner = [np.concatenate([[0], np.cumsum(sizes[w * window:(w + 1) * window])])
                      for w in range(self.windows)]
        self.first = np.concatenate([[0], np.cumsum([c[-1] for c in self.inner])])  # first position of each window
        self.keys = [combine(key, w) for w in range(self.windows)]
        self.window, self.starts = window, starts
        self.pages: OrderedDict[int, PermutePages] = OrderedDict()  # the windows being read (a few)
        self._lock = threading.Lock()  # Keras workers ask on several threads

    def permute(self, w: int, j: np.ndarray, epoch: int) -> np.ndarray:
        """``permute(j, m_w, combine(k, w), epoch)`` for positions ``j`` of window ``w``."""
        with self._lock:
            pages = self.pages.get(w)
            if pages is None:
                pages = PermutePages(int(self.inner[w][-1]), self.keys[w])
                self.pages[w] = pages
                while len(self.pages) > 2:
                    self.pages.popitem(last=False)
        return pages.get(j, epoch)


class PackOrder:
    """Stored record of each position, for one ``packed`` source's order (SPEC §3.7)."""

    def __init__(self, counts: Sequence[int], how: str, seed: int | None, window: int = 2) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)])
        self.n = int(self.starts[-1])
        self.how, self.seed, self.window = how, seed, window
        self._plans: OrderedDict[int, _Plan] = OrderedDict()
        self._lock = threading.Lock()
        self._pages = PermutePages(self.n, seed) if how == "global" and seed is not None else None

    def plan(self, epoch: int) -> _Plan:
        """The ``shards`` plan of ``epoch`` (a few are kept: Keras workers may ask for two epochs)."""
        with self._lock:
            got = self._plans.get(epoch)
            if got is None:
                assert self.seed is not None
                got = _Plan(self.counts, self.starts, combine(self.seed, TAG_SHRD), self.window, epoch)
                self._plans[epoch] = got
                while len(self._plans) > 4:
                    self._plans.popitem(last=False)
            return got

    def stored(self, positions: np.ndarray, epoch: int) -> np.ndarray:
        """``r(i)`` for each position ``i`` (valid positions, any order), as ``int64``."""
        pos = np.asarray(positions, dtype=np.int64)
        if self.how == "sequential" or len(pos) == 0:
            return pos
        assert self.seed is not None
        if self._pages is not None:
            return self._pages.get(pos, epoch)
        plan = self.plan(epoch)
        w = np.searchsorted(plan.first, pos, side="right") - 1
        out = np.empty_like(pos)
        for win in np.unique(w).tolist():
            sel = np.flatnonzero(w == win)
            inner = plan.inner[win]
            j = plan.permute(win, pos[sel] - plan.first[win], epoch)
            t = np.searchsorted(inner, j, side="right") - 1
            shard = plan.shards[win * self.window + t]
            out[sel] = self.starts[shard] + (j - inner[t])
        return out

    def shard_sequence(self, epoch: int) -> list[int]:
        """Shards in the order an epoch first reads them (for read-ahead); ``global`` reads all at once."""
        if self.how == "shards":
            return self.plan(epoch).shards.tolist()
        return list(range(len(self.counts)))
