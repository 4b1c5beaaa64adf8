"""Random access to batches (SPEC §4.5): batch ``i`` of an epoch without reading the ones before it.

A pipeline qualifies when its stages are an indexable part (SPEC §4.2: an
indexable source, then only ``map``, global ``shuffle``, ``take``, ``skip``),
then one ``batch(B)``, then any number of ``prefetch``. Batch ``i`` is records
``[i*B, min((i+1)*B, n))`` of the indexable part, fetched with ``get_many``
(parallel decoding for image sources) and stacked as SPEC §2.2 -- the bytes
iteration gives, because iteration cuts its batches from the same records.
A source with ``on_error="skip"`` that may drop records while reading does not
qualify: batch positions are unknown until the epoch is read (SPEC §4.2).
"""

from __future__ import annotations

from typing import Any

from ..core import block as blk
from ..core.args import as_int
from ..core.record import stack
from ..core.stage import Stage
from ..errors import raise_error
from .batch import Batch
from .prefetch import Prefetch


def random_access_batch(last: Stage, summary: str) -> Batch:
    """The ``Batch`` stage that ``batch_at`` reads through, or ``SF_ARG`` naming what breaks random access.

    Example::

        random_access_batch(pipe.stages[-1], pipe.summary())   # the batch(32) stage
    """
    stage = last
    while isinstance(stage, Prefetch):
        stage = stage.upstream  # type: ignore[assignment]
    if not isinstance(stage, Batch):
        raise_error("SF_ARG", f"batch_at() needs a pipeline that ends in batch(B) (optionally followed by "
                    f"prefetch), but {summary} ends in {stage.label()}; add .batch(B) last, or move "
                    f"{stage.label()} before the batch if it is a map, global shuffle, take or skip")
    source = stage.chain()[0]
    if source.may_drop:  # checked first: it is also why a take/skip after the source is a stream
        raise_error("SF_ARG", f"batch_at() cannot index {summary}: {source.label()} has on_error=\"skip\", which "
                    "drops records that fail while reading, so the records of batch i (and the number of batches) "
                    "are unknown until the epoch is read; use on_error=\"raise\", or iterate the pipeline "
                    "(to_tf()) instead of batch_at()/to_keras_pydataset() (SPEC §4.2, §4.6)")
    if not stage.upstream.indexable:  # type: ignore[union-attr]
        breaker = next(s for s in stage.upstream.chain() if not s.indexable)  # type: ignore[union-attr]
        why = ("is a stream (not indexable)" if breaker.upstream is None
               else "breaks random access (only map, global shuffle, take and skip keep records indexable)")
        raise_error("SF_ARG", f"batch_at() cannot index {summary}: {breaker.label()} {why}; remove it, "
                    "use a global shuffle() instead of a buffer shuffle, or iterate the pipeline")
    return stage


def batch_count(batch: Batch) -> int:
    """Number of batches of ``batch`` (its upstream is indexable)."""
    q, r = divmod(batch.upstream.length(), batch.batch_size)  # type: ignore[union-attr]
    return q + (1 if r and not batch.drop_remainder else 0)


def batch_at(batch: Batch, i: int, epoch: int) -> Any:
    """Batch ``i`` of ``epoch``: records ``[i*B, min((i+1)*B, n))`` of the indexable part, stacked.

    Example::

        batch_at(random_access_batch(last, summary), 3, epoch=1)
    """
    count = batch_count(batch)
    i = as_int(i, "batch_at index")
    if not 0 <= i < count:
        raise_error("SF_ARG", f"batch_at index {i} is outside [0, {count}): the pipeline has {count} "
                    f"batch{'es' if count != 1 else ''} per epoch")
    upstream = batch.upstream
    assert upstream is not None
    size = batch.batch_size
    lo, hi = i * size, min((i + 1) * size, upstream.length())
    blocks = list(upstream.get_many(range(lo, hi), epoch))
    sig = blk.signature(blocks[0], 1)
    if any(blk.signature(b, 1) != sig for b in blocks[1:]):
        # the record path's SF_BATCH_SHAPE message
        stack([r for b in blocks for r in blk.unstack(b)])
    return blk.concat(blocks)
