"""``to_tf``: a pipeline as a ``tf.data.Dataset`` (SPEC §1.7 adapters).

Built with ``from_generator``; the signature comes from the first element
(tuples stay tuples so ``model.fit`` reads ``(x, y)``). Axis 0 is left
unknown when a ``batch`` may give a short last batch, and image height and
width when an image folder is not resized. The k-th iterator created over the
dataset runs epoch k, so every ``fit`` epoch sees a new order.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np

from ..core.record import map_structure
from ..core.stage import INFINITE
from . import import_tf


def _relax_dims(pipeline: Any) -> tuple[bool, bool]:
    """(unknown batch axis, unknown image height/width) for this pipeline's stages."""
    from ..ops.batch import Batch
    from ..sources.image_folder import ImageFolderSource

    stages = pipeline.stages
    batch = any(isinstance(s, Batch) and not s.drop_remainder for s in stages)
    ragged = isinstance(stages[0], ImageFolderSource) and stages[0].size is None
    return batch, ragged


def element_signature(pipeline: Any, first: Any) -> Any:
    """``tf.TensorSpec`` tree for the pipeline, from its first element."""
    tf = import_tf()
    batched, ragged = _relax_dims(pipeline)

    def spec(leaf: Any) -> Any:
        a = np.asarray(leaf)
        shape: list[int | None] = list(a.shape)
        if ragged and len(shape) >= 3:  # [.., h, w, c]: sizes vary per image
            shape[-3] = shape[-2] = None
        if batched and shape:
            shape[0] = None
        return tf.TensorSpec(shape=shape, dtype=tf.as_dtype(a.dtype))

    return map_structure(spec, first)


def to_tf(pipeline: Any) -> Any:
    """``tf.data.Dataset`` over ``pipeline``; iterator k runs epoch k.

    Example::

        ds = to_tf(csv("xy.csv", label="y").batch(32))
        model.fit(ds, epochs=3)
    """
    tf = import_tf()
    first = next(iter(pipeline.iterate(0)), None)
    if first is None:
        from ..errors import raise_error

        raise_error("SF_EMPTY_SOURCE", f"to_tf(): {pipeline.summary()} yields no elements")
    signature = element_signature(pipeline, first)
    counter = itertools.count()
    lock = threading.Lock()

    def generator() -> Any:
        with lock:
            epoch = next(counter) & 0xFFFFFFFF
        for element in pipeline.iterate(epoch):
            yield element

    ds = tf.data.Dataset.from_generator(generator, output_signature=signature)
    n = pipeline.cardinality()
    if n is INFINITE:
        ds = ds.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
    elif n is not None:
        ds = ds.apply(tf.data.experimental.assert_cardinality(int(n)))
    return ds
