"""``shuffle``: buffer shuffle for streams, keyed permutation for indexables.

SPEC §1.5 (buffer) and §1.6 (global). The seed is fixed when the stage is
built; a drawn seed is reported in the summary so a run can be repeated.
Blocks: the buffer shuffle keeps a columnar buffer (``shuffle_buffer.py``);
the global shuffle fetches each chunk of permuted indices with ``get_many``.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from ..core.args import as_int
from ..core.on_error import Read
from ..core.stage import BlockStage, Cardinality, Stage
from ..errors import raise_error
from ..order.permute import permute, permute_many
from ..order.prng import TAG_SHUF, Prng, combine
from ..order.seed import resolve_seed
from .shuffle_buffer import buffer_shuffle_blocks, shuffle_records


def buffer_shuffle(records: Iterator[Any], buffer_size: int, seed: int, epoch: int) -> Iterator[Any]:
    """SPEC §1.5 verbatim: a buffer of ``buffer_size`` records, slots drawn by ``below``.

    Example::

        list(buffer_shuffle(iter(range(10)), 4, seed=7, epoch=0))
    """
    g = Prng(combine(combine(seed, TAG_SHUF), epoch))
    return shuffle_records(records, buffer_size, g, [])


class Shuffle(BlockStage):
    """Shuffle records: ``buffer_size=None`` means global (needs an indexable upstream).

    Example::

        Shuffle(upstream, buffer_size=1000, seed=7)
    """

    def __init__(self, upstream: Stage, buffer_size: int | None = None, seed: int | None = None,
                 reshuffle_each_iteration: bool = True) -> None:
        self.upstream = upstream
        if buffer_size is not None:
            buffer_size = as_int(buffer_size, "shuffle buffer_size", minimum=1)
        elif not upstream.indexable:
            why = (" (a take/skip after a source with on_error=\"skip\" counts records as a stream does, "
                   "SPEC §4.2)" if upstream.may_drop else "")
            raise_error(
                "SF_SHUFFLE_BUFFER",
                f"shuffle() without buffer_size needs an indexable upstream, but "
                f"{upstream.label()} is a stream{why}; set buffer_size (e.g. shuffle(buffer_size=10000), "
                "ideally the dataset size) or shuffle before ops that make it a stream",
            )
        if not isinstance(reshuffle_each_iteration, bool):
            raise_error("SF_ARG", "shuffle reshuffle_each_iteration must be true or false, "
                        f"got {reshuffle_each_iteration!r}", kind="type")
        self.buffer_size = buffer_size
        self.seed, self.drawn = resolve_seed(seed, "shuffle seed")
        self.reshuffle = reshuffle_each_iteration

    def label(self) -> str:
        kind = "global" if self.buffer_size is None else f"buffer={self.buffer_size}"
        drawn = " (drawn)" if self.drawn else ""
        return f"shuffle({kind}, seed={self.seed}{drawn})"

    def _epoch(self, epoch: int) -> int:
        return epoch if self.reshuffle else 0

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        if self.buffer_size is not None:
            yield from buffer_shuffle_blocks(self.upstream.iterate_blocks(epoch), self.buffer_size,
                                             self.seed, self._epoch(epoch))
            return
        yield from super().iterate_blocks(epoch)  # indexable: get_many over chunks of i

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        idx = permute_many(list(indices), self.length(), self.seed, self._epoch(epoch))
        return self.upstream.get_many(idx.tolist(), epoch, read)

    def cardinality(self) -> Cardinality:
        return self.upstream.cardinality()

    @property
    def indexable(self) -> bool:
        return self.buffer_size is None

    def length(self) -> int:
        if self.buffer_size is not None:
            return super().length()
        return self.upstream.length()

    def get(self, i: int, epoch: int) -> Any:
        if self.buffer_size is not None:
            return super().get(i, epoch)
        from ..core.stage import check_index

        i = check_index(self, i)
        return self.upstream.get(permute(i, self.length(), self.seed, self._epoch(epoch)), epoch)
