"""``to_keras_pydataset``: a pipeline as a ``keras.utils.PyDataset`` over ``batch_at`` (SPEC §4.5).

Keras asks for batches by index, possibly from several workers and out of
order; ``batch_at`` answers each index directly, so any index gives the same
bytes every time within an epoch and the same bytes iteration gives.
Every ``on_epoch_begin`` after the first moves to the next pipeline epoch, so
``fit`` epoch k serves pipeline epoch k and a global shuffle reshuffles
between epochs (SPEC §1.7, §4.5). ``on_epoch_end`` cannot be the signal:
Keras 3 also calls it once after peeking at items 0 and 1, before epoch 1. This module imports Keras; it
is itself imported only when the adapter is asked for.
"""

from __future__ import annotations

from typing import Any

from . import import_tf

import_tf()  # SF_DEPENDENCY with the fix if TensorFlow (and so Keras) is missing
import keras  # noqa: E402

from ..ops.batch_at import batch_at, batch_count, random_access_batch  # noqa: E402


def as_keras_batch(batch: Any) -> Any:
    """The batch in a shape Keras reads: ``(x, y)``, ``(x, y, w)``, ``(x,)`` and dicts pass as they are,
    a bare array becomes ``(x,)``, a longer tuple is one multi-part input ``(x,)``."""
    if isinstance(batch, tuple) and len(batch) > 3:
        return (batch,)
    if isinstance(batch, (tuple, dict)):
        return batch
    return (batch,)


class PipelinePyDataset(keras.utils.PyDataset):
    """Batches of a streamfit pipeline by index; ``epoch`` is the pipeline epoch being served.

    Example::

        ds = PipelinePyDataset(pipe, workers=2)
        len(ds), ds[0]            # number of batches, batch 0 of epoch 0 as (x, y)
    """

    def __init__(self, pipeline: Any, epoch: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pipeline = pipeline
        self._batch = random_access_batch(pipeline.stages[-1], pipeline.summary())
        self._count = batch_count(self._batch)
        self.epoch = epoch
        self._begun = False

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, int) and index < 0:
            index += self._count  # Python sequence semantics; batch_at itself takes [0, n)
        return as_keras_batch(batch_at(self._batch, index, self.epoch))

    def on_epoch_begin(self) -> None:
        # Keras peeks at items 0 and 1 and calls on_epoch_end before its first on_epoch_begin,
        # so counting begins (not ends) keeps fit epoch k on pipeline epoch k.
        if self._begun:
            self.epoch = (self.epoch + 1) & 0xFFFFFFFF
        self._begun = True

    def __repr__(self) -> str:
        return f"PipelinePyDataset({self.pipeline.summary()}, epoch={self.epoch})"


def to_keras_pydataset(pipeline: Any, **kwargs: Any) -> PipelinePyDataset:
    """Wrap ``pipeline`` (indexable part -> ``batch(B)`` [-> ``prefetch``]); ``kwargs`` go to ``PyDataset``.

    Example::

        model.fit(to_keras_pydataset(pipe, workers=2, use_multiprocessing=False), epochs=3)
    """
    return PipelinePyDataset(pipeline, **kwargs)
