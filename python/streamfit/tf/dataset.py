"""``to_tf``: a pipeline as a ``tf.data.Dataset`` (SPEC §1.7 adapters).

Built with ``from_generator``; the signature comes from the first element
(tuples stay tuples so ``model.fit`` reads ``(x, y)``). Axis 0 is left
unknown when a ``batch`` may give a short last batch, and image height and
width when an image, class or paired folder source is not resized. The k-th iterator created over the
dataset runs epoch k, so every ``fit`` epoch sees a new order.

Per-step cost: ``from_generator`` pays a Python call, a GIL round trip and a
numpy-to-tensor copy per element, which dominated small models. The generator
therefore yields *groups* of consecutive elements stacked along a new axis --
the pipeline's own blocks (``core/block.py``): for a ``batch`` stage, ``k``
whole batches of one shape -- and ``unbatch()`` (C++) hands Keras exactly the
same elements in the same order. A group is at most ``GROUP_BYTES``.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np

from ..core import block as blk
from ..core.record import map_structure
from ..core.stage import INFINITE
from . import import_tf

GROUP_BYTES = 4 << 20
"""Most bytes handed to TensorFlow per generator step."""


def _groups(pipeline: Any, epoch: int) -> Any:
    """Blocks of elements of ``epoch``, cut to at most ``GROUP_BYTES`` each."""
    for block in pipeline.stages[-1].iterate_blocks(epoch):
        n = blk.rows(block)
        per = max(1, sum(a.nbytes for a in blk.leaves(block)) // n)
        step = max(1, GROUP_BYTES // per)
        if n <= step:
            yield block
            continue
        for lo in range(0, n, step):
            yield blk.cut(block, lo, min(n, lo + step))


def _relax_dims(pipeline: Any) -> tuple[bool, bool, bool]:
    """(unknown batch axis, unknown image height/width, every dimension unknown)."""
    from ..ops.batch import Batch
    from ..ops.map import Map
    from ..sources.class_folder import ClassFolderSource
    from ..sources.generator import GeneratorSource
    from ..sources.image_folder import ImageFolderSource
    from ..sources.paired_folders import PairedFoldersSource

    stages = pipeline.stages
    batch = any(isinstance(s, Batch) and not s.drop_remainder for s in stages)
    images = (ImageFolderSource, ClassFolderSource, PairedFoldersSource)
    ragged = isinstance(stages[0], images) and stages[0].size is None
    # a generator's shapes are free (SPEC §3.6), so are undecoded bytes and a pack's variable fields,
    # and a user map (or decode_image) may change shapes per record
    free = (isinstance(stages[0], GeneratorSource) or stages[0].free_shapes
            or any(isinstance(s, Map) and s.block_fn is None for s in stages))
    return batch, ragged, free


def element_signature(pipeline: Any, first: Any) -> Any:
    """``tf.TensorSpec`` tree for the pipeline, from its first element."""
    tf = import_tf()
    batched, ragged, free = _relax_dims(pipeline)

    def spec(leaf: Any) -> Any:
        a = np.asarray(leaf)
        shape: list[int | None] = list(a.shape)
        if free:
            shape = [None] * len(shape)
        if ragged and len(shape) >= 3:  # [.., h, w, c]: sizes vary per image
            shape[-3] = shape[-2] = None
        if batched and shape:
            shape[0] = None
        return tf.TensorSpec(shape=shape, dtype=tf.as_dtype(a.dtype))

    return map_structure(spec, first)


def group_signature(signature: Any) -> Any:
    """The signature of a group: each element spec with a leading unknown axis."""
    tf = import_tf()
    return map_structure(lambda spec: tf.TensorSpec(shape=[None, *spec.shape], dtype=spec.dtype), signature)


def to_tf(pipeline: Any) -> Any:
    """``tf.data.Dataset`` over ``pipeline``; iterator k runs epoch k.

    Example::

        ds = to_tf(csv("xy.csv", label="y").batch(32))
        model.fit(ds, epochs=3)
    """
    from ..ops.prefetch import Prefetch

    tf = import_tf()
    # The signature comes from epoch 0's first element, read without the prefetch stages (which never
    # change values): their read-ahead thread could finish the source's read, and report its skips
    # (SPEC §4.6), before fit even starts.
    peek = pipeline.stages[-1]
    while isinstance(peek, Prefetch):
        peek = peek.upstream
    first = next(iter(peek.iterate(0)), None)
    if first is None:
        from ..errors import raise_error

        raise_error("SF_EMPTY_SOURCE", f"to_tf(): {pipeline.summary()} yields no elements")
    signature = element_signature(pipeline, first)
    counter = itertools.count()
    lock = threading.Lock()

    def generator() -> Any:
        with lock:  # runs at the first read of an iterator, not at its creation (SPEC §1.7)
            epoch = next(counter) & 0xFFFFFFFF
        yield from _groups(pipeline, epoch)

    ds = tf.data.Dataset.from_generator(generator, output_signature=group_signature(signature)).unbatch().prefetch(2)
    n = pipeline.cardinality()
    if n is INFINITE:
        ds = ds.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
    elif n is not None:
        ds = ds.apply(tf.data.experimental.assert_cardinality(int(n)))
    return ds
