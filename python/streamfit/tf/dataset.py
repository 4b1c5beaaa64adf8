"""``to_tf``: a pipeline as a ``tf.data.Dataset`` (SPEC §1.7 adapters).

Built on a generator (``_bridge``: ``from_generator``'s contract, cheaper); the signature comes
from the first element
(tuples stay tuples so ``model.fit`` reads ``(x, y)``). Axis 0 is left
unknown when a ``batch`` may give a short last batch, and image height and
width when an image, class or paired folder source is not resized. The k-th iterator created over the
dataset runs epoch k, so every ``fit`` epoch sees a new order.

Per-step cost: the bridge pays a Python call and a GIL round trip per element, which dominated
small models. The generator
therefore yields *groups* of consecutive elements stacked along a new axis --
the pipeline's own blocks (``core/block.py``): for a ``batch`` stage, ``k``
whole batches of one shape -- and ``unbatch()`` (C++) hands Keras exactly the
same elements in the same order. A group is at most ``GROUP_BYTES``.

Big elements (half of ``GROUP_BYTES`` or more, e.g. a batch of images) gain nothing from groups and
``unbatch`` would copy each one again: they are handed over one per step. Every large leaf is handed
over ``ALIGN``-aligned so that TensorFlow adopts its memory instead of copying it (measured for
batches of 32 float32 128x128x3 images: 2.3k img/s grouped and unaligned, 16k one per step and
aligned).

The pipeline's trailing ``divide`` / ``normalize`` / ``cast`` maps (its *tail*, SPEC §1.7) run at
the bridge, on each element as it is handed over, into recycled aligned float32 arrays
(``_tail_into``): uint8 pixels travel the pipeline as uint8, and the float32 batch is written once.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from typing import Any, Callable, Iterator

import numpy as np

from ..core import block as blk
from ..core.buffer_pool import BufferPool
from ..core.record import map_structure
from ..core.stage import INFINITE
from . import import_tf

GROUP_BYTES = 4 << 20
"""Most bytes handed to TensorFlow per generator step."""

ALIGN = 64
"""TensorFlow takes a numpy array's memory as the tensor's own, without a copy, only when it is
C-contiguous and starts at a multiple of this (Eigen's alignment); otherwise it copies element by
element, which measured 5x slower than numpy's copy for a batch of 32 float32 128x128x3 images."""

ALIGN_MIN_BYTES = 64 << 10
"""Smaller leaves are handed over as they are: their copy costs less than a new buffer."""


def _aligner() -> Any:
    """A function giving each leaf, or a copy of it, in memory TensorFlow can adopt (C-contiguous,
    ``ALIGN``-aligned). The copies go into recycled buffers (``core/buffer_pool.py``): reused once
    TensorFlow has let go of them, so that a new batch does not mean new pages to fault in."""
    pool = BufferPool(capacity=16, align=ALIGN)

    def aligned(a: np.ndarray) -> np.ndarray:
        if a.nbytes < ALIGN_MIN_BYTES or (a.flags.c_contiguous and a.ctypes.data % ALIGN == 0):
            return a
        out = pool.take(a.shape, a.dtype)
        np.copyto(out, a)
        return out

    return aligned


def _groups(pipeline: Any, epoch: int, grow: float = 1.0) -> Any:
    """Blocks of elements of ``epoch``, cut to at most ``GROUP_BYTES`` each once handed over
    (``grow``: the bytes an element has then over those it has here, the tail's float32 over uint8)."""
    for block in pipeline.stages[-1].iterate_blocks(epoch):
        n = blk.rows(block)
        per = max(1, int(sum(a.nbytes for a in blk.leaves(block)) * grow) // n)
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


class Feed:
    """What ``to_tf``'s generator handed TensorFlow, in order: ``(samples, waited)`` per element, where
    ``samples`` is the element's first dimension (a batch's size) and ``waited`` the seconds the
    generator spent waiting for the pipeline before it (the progress bar's input-bound share, SPEC §8).
    The trainer takes one entry per step, in step order."""

    def __init__(self) -> None:
        self._items: collections.deque[tuple[int, float]] = collections.deque()

    def put(self, group: Any, waited: float) -> None:
        first = blk.leaves(group)[0]
        samples = int(first.shape[1]) if first.ndim >= 2 else 1
        self._items.extend((samples, waited if i == 0 else 0.0) for i in range(blk.rows(group)))

    def take(self) -> tuple[int | None, float]:
        """The next step's ``(samples, waited)``; ``(None, 0.0)`` when nothing was recorded."""
        return self._items.popleft() if self._items else (None, 0.0)


def _skip(groups: Any, skip: int) -> Any:
    """``groups`` without their first ``skip`` elements (SPEC §5.6: a resumed epoch replays them untrained)."""
    for group in groups:
        n = blk.rows(group)
        if skip >= n:
            skip -= n
            continue
        yield blk.cut(group, skip, n) if skip else group
        skip = 0


def split_tail(pipeline: Any) -> tuple[Any, list[Any]]:
    """``(head, tail)``: ``tail`` the pipeline's trailing built-in maps that have a tail form
    (divide, normalize, cast to float32; ``ops/builtins.py`` ``TailForm``), in order, and ``head``
    the pipeline before them, with the ``prefetch`` stages among them kept on top of it (SPEC §1.7).

    Example::

        head, tail = split_tail(packed("p").batch(32).map(divide(255.0)).prefetch(4))
        # head: packed -> batch(32) -> prefetch(4); tail: [divide]
    """
    from ..core.pipeline import Pipeline
    from ..ops.map import Map
    from ..ops.prefetch import Prefetch

    tail: list[Any] = []
    prefetches: list[int] = []
    stage = pipeline.stages[-1]
    while True:
        if isinstance(stage, Prefetch):
            prefetches.insert(0, stage.buffer_size)
        elif isinstance(stage, Map) and getattr(stage.fn, "tail", None) is not None:
            tail.insert(0, stage.fn)
        else:
            break
        stage = stage.upstream
    if not tail:
        return pipeline, []
    for size in prefetches:
        stage = Prefetch(stage, size)
    return Pipeline(stage), tail


def _tail_applies(head: Any, first: Any, tail: list[Any]) -> bool:
    """Whether ``tail`` may run at the bridge after ``head``: every leaf it reads is a number (bool,
    integer or float), and its maps accept ``head``'s first element (a label is there; a list of
    values fits the last axis, and where a map has such a list, the head's shapes are fixed, so that
    it fits every element): then no element makes them raise."""
    from ..errors import StreamfitError
    from ..ops.builtins import on_part

    if _relax_dims(head)[2] and any(fn.tail.per_last_axis for fn in tail):
        return False
    touched: list[Any] = []
    try:
        for fn in tail:
            on_part(first, fn.tail.on, fn.tail.name, lambda a: touched.append(a) or a)
        for fn in tail:
            first = fn(first)
    except StreamfitError:
        return False  # the numpy form raises it where the record path would
    return all(np.asarray(a).dtype.kind in "biuf" for a in touched)


def _tail_into(tail: list[Any], pool: Any) -> Any:
    """The function giving an element (or a group) after ``tail``: each leaf the tail reads is cast
    to float32 into an aligned array of ``pool`` (``core/buffer_pool.py``: reused once TensorFlow has
    let go of it) and the maps run on it in place, each step one correctly rounded float32 operation
    as in the maps themselves (SPEC §1.7). One pass for a divide, in memory whose pages are already
    there, on the feeding thread with the GIL released: measured for batches of 32 uint8 128x128x3
    images, 0.3 ms, against ~1 ms for the same Cast and RealDiv as TensorFlow ops."""
    from ..ops.builtins import on_part

    def run(element: Any) -> Any:
        mine: set[int] = set()

        def leaf(a: Any, form: Any) -> Any:
            if id(a) not in mine:
                a = np.asarray(a)
                out = pool.take(a.shape, np.float32)
                np.copyto(out, a, casting="unsafe")
                mine.add(id(out))
                a = out
            form.inplace(a)
            return a

        for fn in tail:
            form = fn.tail
            element = on_part(element, form.on, form.name, lambda a, form=form: leaf(a, form))
        return element

    return run


def _bridge(make: Callable[[], Iterator[Any]], signature: Any) -> Any:
    """A dataset of the elements of ``make()``, a fresh generator for each iterator, made at the
    iterator's first read and closed when TensorFlow drops the iterator (read to its end or not):
    ``tf.data.Dataset.from_generator``'s contract, at a fraction of its fixed costs.

    ``from_generator`` wraps its generator dataset in a ``flat_map`` (~7 ms an iterator here, and
    a ``from_generator`` iterator ~15 ms before its first element against ~6) and converts and
    checks each element in Python; this bridge hands TensorFlow the arrays as they are, after a
    check of each leaf's dtype and shape against ``signature`` (a mismatch raises ``TypeError``,
    as ``from_generator`` does). Like any dataset over a generator, the pipeline built on it gets
    none of tf.data's graph rewrites (a ``map`` after it is not made parallel by itself). Without
    TensorFlow's private ``_GeneratorDataset`` (another TensorFlow version), ``from_generator``
    serves.

    Example::

        ds = _bridge(lambda: iter([np.zeros(3, np.float32)]), tf.TensorSpec([3], tf.float32))
    """
    tf = import_tf()
    try:
        from tensorflow.python.data.ops.from_generator_op import _GeneratorDataset
    except ImportError:
        return tf.data.Dataset.from_generator(make, output_signature=signature)
    specs = tf.nest.flatten(signature)
    types = [spec.dtype for spec in specs]
    wants = [(spec.dtype.as_numpy_dtype, spec.shape) for spec in specs]
    live: dict[int, Any] = {}  # iterator id -> its generator (None until its first read)
    ids = itertools.count()

    def start(_: Any) -> np.int64:
        i = next(ids)
        live[i] = None
        return np.int64(i)

    def step(i: Any) -> list[np.ndarray]:
        i = int(i)
        it = live[i]
        if it is None:
            it = live[i] = make()
        leaves = [np.asarray(a) for a in tf.nest.flatten(next(it))]
        for a, (dtype, shape) in zip(leaves, wants):
            if a.dtype != dtype or not shape.is_compatible_with(a.shape):
                raise TypeError(f"to_tf: an element's leaf is {a.dtype} {list(a.shape)} where the dataset's "
                                f"signature says {np.dtype(dtype).name} {shape}")
        return leaves

    def finish(i: Any) -> np.int64:
        it = live.pop(int(i), None)
        if it is not None:
            it.close()
        return np.int64(0)

    def next_fn(i: Any) -> Any:
        out = tf.numpy_function(step, [i], types, stateful=True)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        for t, spec in zip(out, specs):
            t.set_shape(spec.shape)
        return tf.nest.pack_sequence_as(signature, out)

    ds = _GeneratorDataset(np.int64(0), lambda d: tf.numpy_function(start, [d], tf.int64, stateful=True), next_fn,
                           lambda i: tf.numpy_function(finish, [i], tf.int64, stateful=True), signature)
    # tf.data cannot rewrite a pipeline over a generator dataset (it has no graph form) and logs so
    # once per process when it tries; not trying changes nothing else
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    return ds.with_options(options)


def _first_element(pipeline: Any) -> Any:
    """Epoch 0's first element (``None`` if there is none), read without the prefetch stages (which
    never change values): their read-ahead thread could finish the source's read, and report its
    skips (SPEC §4.6), before fit even starts."""
    from ..ops.prefetch import Prefetch

    stage = pipeline.stages[-1]
    while isinstance(stage, Prefetch):
        stage = stage.upstream
    return next(iter(stage.iterate(0)), None)


def to_tf(pipeline: Any, first_epoch: int = 0, skip: int = 0, feed: Feed | None = None) -> Any:
    """``tf.data.Dataset`` over ``pipeline``; iterator k runs epoch ``first_epoch + k``, and the first
    one drops its first ``skip`` elements (a run resumed mid-epoch, SPEC §5.6); ``feed`` records each
    element's size and input wait for the trainer.

    Example::

        ds = to_tf(csv("xy.csv", label="y").batch(32))
        model.fit(ds, epochs=3)
    """
    tf = import_tf()
    first = _first_element(pipeline)
    if first is None:
        from ..errors import raise_error

        raise_error("SF_EMPTY_SOURCE", f"to_tf(): {pipeline.summary()} yields no elements")
    head, tail = split_tail(pipeline)
    if tail:
        head_first = _first_element(head)
        if _tail_applies(head, head_first, tail):
            pipeline = head
        else:
            tail = []
    signature = element_signature(pipeline, first)
    per = sum(np.asarray(a).nbytes for a in blk.leaves(first))
    grow = per / max(1, sum(np.asarray(a).nbytes for a in blk.leaves(head_first))) if tail else 1.0
    grouped = 2 * per < GROUP_BYTES
    counter = itertools.count(first_epoch)
    lock = threading.Lock()
    # one set of recycled buffers for every iterator: a new epoch does not fault in new pages
    aligned = _aligner()
    finish = _tail_into(tail, BufferPool(capacity=16, align=ALIGN)) if tail else (lambda element: element)

    def hand(element: Any) -> Any:
        return blk.apply(aligned, finish(element))

    def generator() -> Any:
        with lock:  # runs at the first read of an iterator, not at its creation (SPEC §1.7)
            epoch = next(counter)
        groups = _groups(pipeline, epoch & 0xFFFFFFFF, grow)
        if skip and epoch == first_epoch:
            groups = _skip(groups, skip)
        while True:
            t0 = time.perf_counter()
            group = next(groups, None)
            if group is None:
                return
            if feed is not None:
                feed.put(group, time.perf_counter() - t0)
            if grouped:
                yield hand(group)
            else:
                yield from (hand(element) for element in blk.unstack(group))

    if grouped:
        ds = _bridge(generator, group_signature(signature)).unbatch()
    else:
        ds = _bridge(generator, signature)
    ds = ds.prefetch(2)
    n = pipeline.cardinality()
    if skip:
        n = None  # the first epoch is shorter than the others: its length is not told
    if n is INFINITE:
        ds = ds.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
    elif n is not None:
        ds = ds.apply(tf.data.experimental.assert_cardinality(int(n)))
    return ds
