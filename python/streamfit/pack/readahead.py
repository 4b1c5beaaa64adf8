"""Read-ahead for ``packed`` (SPEC §3.7 ``prefetch_bytes``): check the next shards before they are read.

Checking a shard (its sha256, ``verify=True``) reads the whole file once; done
by the reader, that pass stalls the epoch. One background thread walks the
epoch's shard order and checks the shards the reader will open next, staying
at most ``budget`` bytes ahead of the last shard the reader opened, so the
hashing (which releases the GIL) overlaps the gathering. It only ever fills
the reader's "checked" table: which records come, and their bytes, never
depend on it, and a bad shard still fails when (and only when) it is read.
The thread stops when every shard is checked, when the reader stops moving
for ``IDLE_S`` seconds, or when the reader is gone.

Example::

    ahead = ReadAhead(shards, budget=256 << 20)
    ahead.follow(order.shard_sequence(epoch))     # from the first read of an epoch
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Sequence

from ..errors import StreamfitError
from .shard_reader import ShardSet

IDLE_S = 30.0


class ReadAhead:
    """Checks shards ahead of one reader, within ``budget`` bytes."""

    def __init__(self, shards: ShardSet, budget: int) -> None:
        self._shards = weakref.ref(shards)
        self.budget = budget
        self.sizes = [s.bytes for s in shards.index.shards]
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._sequence: list[int] = []
        self._at = -1  # position in the sequence of the last shard the reader opened
        self._moved = time.monotonic()
        shards.hint = self.opened

    def follow(self, sequence: Sequence[int]) -> None:
        """Check the shards of ``sequence`` (an epoch's read order) ahead of the reader."""
        shards = self._shards()
        if shards is None or not shards.verify or self.budget <= 0:
            return
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            todo = [s for s in sequence if not shards.checked(s)]
            if not todo:
                return
            self._sequence, self._at, self._moved = list(sequence), -1, time.monotonic()
            self._where = {s: k for k, s in enumerate(self._sequence)}
            self._thread = threading.Thread(target=self._run, name="streamfit-readahead", daemon=True)
            self._thread.start()

    def opened(self, s: int) -> None:
        """The reader opened shard ``s``: the window ahead moves on."""
        with self._cond:
            k = getattr(self, "_where", {}).get(s)
            if k is not None and k > self._at:
                self._at, self._moved = k, time.monotonic()
                self._cond.notify_all()

    def _run(self) -> None:
        for k, s in enumerate(self._sequence):
            with self._cond:
                while sum(self.sizes[t] for t in self._sequence[self._at + 1:k + 1]) > self.budget and k > self._at:
                    if time.monotonic() - self._moved > IDLE_S:
                        return  # the reader stopped: so do we
                    self._cond.wait(0.5)
            shards = self._shards()
            if shards is None:
                return  # the reader is gone
            try:
                shards.check(s)
            except StreamfitError:
                pass  # recorded (or met again) by the reader, which raises it at its own position
            except OSError:
                pass
            del shards
