"""``range`` source: int32 scalars ``0..n-1``, indexable (SPEC §3.3)."""

from __future__ import annotations

import numpy as np

from ..core.args import as_int
from ..core.on_error import SkipLog
from ..core.pipeline import Pipeline
from ..core.stage import Cardinality, Stage, check_index
from ..errors import raise_error


class RangeSource(Stage):
    """Records ``np.int32(i)`` as 0-d arrays for ``i`` in ``[0, n)``."""

    def __init__(self, n: int) -> None:
        self.n = as_int(n, "range n", minimum=0, maximum=2**31)
        if self.n == 0:
            raise_error("SF_EMPTY_SOURCE", "range(0) lists no records; use n >= 1")
        self.skips = SkipLog(self.label)  # range has no bad records: a finished read counts {} (SPEC §4.6)

    def label(self) -> str:
        return f"range({self.n})"

    def cardinality(self) -> Cardinality:
        return self.n

    @property
    def indexable(self) -> bool:
        return True

    def length(self) -> int:
        return self.n

    def get(self, i: int, epoch: int) -> np.ndarray:
        return np.array(check_index(self, i), dtype=np.int32)

    def get_many(self, indices, epoch, read=None):  # type: ignore[override]
        yield np.asarray(indices, dtype=np.int32)

    def iterate(self, epoch: int):  # type: ignore[override]
        read = self.skips.begin(epoch)
        for i in range(self.n):
            yield np.array(i, dtype=np.int32)
        read.kept = self.n
        read.finish()


def from_range(n: int) -> Pipeline:
    """A pipeline of int32 scalars ``0..n-1`` (SPEC §3.3).

    Example::

        list(from_range(3))   # [array(0, dtype=int32), array(1, ...), array(2, ...)]
    """
    return Pipeline(RangeSource(n))
