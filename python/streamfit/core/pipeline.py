"""The fluent ``Pipeline`` object. Its methods only build stages and forward.

Example::

    import streamfit as sf
    pipe = sf.csv("xy.csv", label="y").shuffle(buffer_size=1000, seed=7).batch(250)
    print(pipe)                 # csv(xy.csv) -> shuffle(buffer=1000, seed=7) -> batch(250)
    for x, y in pipe.iterate(epoch=0):
        ...
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from .args import as_u32
from .stage import INFINITE, Cardinality, Stage
from ..errors import raise_error


class Pipeline:
    """An immutable chain of stages; every method returns a new pipeline.

    Example::

        pipe = from_range(10).shuffle(seed=1).batch(4)
        assert pipe.cardinality() == 3
    """

    INFINITE = INFINITE

    def __init__(self, stage: Stage) -> None:
        self._stage = stage

    # -- fluent ops (SPEC §4.1); each only builds its stage -----------------
    def map(self, fn: Callable[[Any], Any], name: str | None = None) -> "Pipeline":
        """Apply ``fn`` to every record. Example: ``pipe.map(lambda r: r * 2)``."""
        from ..ops.map import Map

        return Pipeline(Map(self._stage, fn, name))

    def filter(self, predicate: Callable[[Any], Any], name: str | None = None) -> "Pipeline":
        """Keep records where ``predicate`` is true. Example: ``pipe.filter(lambda r: r % 2 == 0)``."""
        from ..ops.filter import Filter

        return Pipeline(Filter(self._stage, predicate, name))

    def shuffle(self, buffer_size: int | None = None, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> "Pipeline":
        """Shuffle; no ``buffer_size`` = global (indexable upstream). Example: ``pipe.shuffle(seed=7)``."""
        from ..ops.shuffle import Shuffle

        return Pipeline(Shuffle(self._stage, buffer_size, seed, reshuffle_each_iteration))

    def batch(self, batch_size: int, drop_remainder: bool = False) -> "Pipeline":
        """Stack ``batch_size`` records per element. Example: ``pipe.batch(32)``."""
        from ..ops.batch import Batch

        return Pipeline(Batch(self._stage, batch_size, drop_remainder))

    def take(self, count: int) -> "Pipeline":
        """The first ``count`` records (``-1``: all). Example: ``pipe.take(10)``."""
        from ..ops.take import Take

        return Pipeline(Take(self._stage, count))

    def skip(self, count: int) -> "Pipeline":
        """All but the first ``count`` records. Example: ``pipe.skip(5)``."""
        from ..ops.skip import Skip

        return Pipeline(Skip(self._stage, count))

    def repeat(self, count: int | None = None) -> "Pipeline":
        """Repeat ``count`` times (``None``: forever), a new epoch each pass. Example: ``pipe.repeat(3)``."""
        from ..ops.repeat import Repeat

        return Pipeline(Repeat(self._stage, count))

    def prefetch(self, buffer_size: int = 2) -> "Pipeline":
        """Read ahead on a background thread. Example: ``pipe.prefetch(4)``."""
        from ..ops.prefetch import Prefetch

        return Pipeline(Prefetch(self._stage, buffer_size))

    def cache(self, path: str, key: str | None = None) -> "Pipeline":
        """Pack the records before it into ``path`` on first use, then read them from there (SPEC §4.7).

        Example::

            pipe = image_folder("flowers", image_size=[64, 64]).cache("flowers_cache").shuffle(seed=1).batch(32)
        """
        from ..ops.cache import Cache

        return Pipeline(Cache(self._stage, path, key=key))

    # -- writing ------------------------------------------------------------
    def pack(self, out_dir: str, shard_bytes: int = 128 * 2**20, variable: Any = (), key: str | None = None,
             progress: Any = True) -> dict[str, Any]:
        """Write epoch 0's records as a pack (SPEC §9): resumable, a no-op when already packed.

        ``variable`` names 1-d fields whose length may change per record (e.g. ``["0"]`` for file
        bytes); ``key`` identifies an API pipeline in ``pack_key``; ``progress`` (stderr) may be
        ``False`` or a text stream. Returns the pack's ``index.json`` content.

        Example::

            image_folder("flowers", decode=False).pack("flowers_pack", variable=["0"])
            packed("flowers_pack", order="global", seed=1).map(decode_image(image_size=[64, 64])).batch(32)
        """
        from ..pack.writer import pack_stage

        return pack_stage(self._stage, out_dir, shard_bytes, variable, key, progress)

    # -- reading ----------------------------------------------------------
    def iterate(self, epoch: int = 0) -> Iterator[Any]:
        """Records (or batches) of ``epoch`` (SPEC §1.7).

        Example::

            for x, y in pipe.iterate(epoch=1): ...
        """
        epoch = as_u32(epoch, "epoch")
        return self._stage.iterate(epoch)

    def __iter__(self) -> Iterator[Any]:
        return self.iterate(0)

    def cardinality(self) -> Cardinality:
        """Element count: an ``int``, ``None`` (unknown) or ``Pipeline.INFINITE`` (SPEC §4.2).

        Example::

            from_range(10).batch(3).cardinality()   # 4
        """
        return self._stage.cardinality()

    def skipped(self, epoch: int = 0) -> dict[str, int] | None:
        """Records the source skipped in its last finished read of ``epoch``, by code (SPEC §4.6).

        ``{}`` when nothing was skipped; ``None`` when no read of that epoch reached the
        source's end yet (not read, or stopped early by a ``take`` or a consumer). The
        epoch is the one the source sees (a ``repeat`` runs its upstream at other epochs).

        Example::

            pipe = csv("messy.csv", on_error="skip")
            pipe.skipped()              # None: not read yet
            rows = list(pipe)
            pipe.skipped()              # {"SF_CSV_COLUMNS": 1, "SF_CSV_NUMBER": 2}
        """
        epoch = as_u32(epoch, "epoch")
        log = self._stage.chain()[0].skips
        return None if log is None else log.get(epoch)

    def __len__(self) -> int:
        n = self.cardinality()
        if n is None or n is INFINITE:
            raise_error("SF_ARG", f"len() of {self.summary()} is {'unknown' if n is None else 'infinite'}; "
                        "use cardinality() to test for that", kind="type")
        return int(n)  # type: ignore[arg-type]

    @property
    def indexable(self) -> bool:
        """True when ``get(i)`` works (SPEC §4.2). Example: ``from_range(3).indexable``."""
        return self._stage.indexable

    def get(self, i: int, epoch: int = 0) -> Any:
        """Record ``i`` of ``epoch`` of an indexable pipeline. Example: ``pipe.get(0)``."""
        if not self._stage.indexable:
            raise_error("SF_ARG", f"{self.summary()} is not indexable (a stream or a batch/filter/"
                        "repeat/prefetch/buffer shuffle sits in it); iterate it instead", kind="type")
        return self._stage.get(i, as_u32(epoch, "epoch"))

    def batch_at(self, i: int, epoch: int = 0) -> Any:
        """Batch ``i`` of ``epoch`` without reading the batches before it (SPEC §4.5).

        The pipeline must be an indexable part, then ``batch(B)``, then optionally ``prefetch``.

        Example::

            pipe = image_folder("shapes", image_size=[32, 32]).shuffle(seed=1).batch(32)
            x, y = pipe.batch_at(3, epoch=1)   # the 4th batch iteration of epoch 1 gives
        """
        from ..ops.batch_at import batch_at, random_access_batch

        batch = random_access_batch(self._stage, self.summary())
        return batch_at(batch, i, as_u32(epoch, "epoch"))

    def to_keras_pydataset(self, **kwargs: Any) -> Any:
        """A ``keras.utils.PyDataset`` over :meth:`batch_at` (SPEC §4.5); ``kwargs`` go to ``PyDataset``.

        ``__getitem__(i)`` is batch ``i`` of the current epoch; each ``on_epoch_begin`` after the first moves to the next one.

        Example::

            model.fit(pipe.to_keras_pydataset(workers=2), epochs=3)
        """
        from ..tf.pydataset import to_keras_pydataset

        return to_keras_pydataset(self, **kwargs)

    def summary(self) -> str:
        """Stages joined by `` -> `` (SPEC §4.4).

        Example::

            from_range(10).batch(4).summary()   # "range(10) -> batch(4)"
        """
        return " -> ".join(stage.label() for stage in self._stage.chain())

    def __repr__(self) -> str:
        return self.summary()

    @property
    def file_paths(self) -> list[str] | None:
        """The source's selected files, relative to its folder with ``/`` separators, in record order
        (SPEC §3.4); ``None`` when the source has no such list.

        Example::

            class_folder("flowers").file_paths[:2]   # ['daisy/1.jpg', 'daisy/2.jpg']
        """
        source = self._stage.chain()[0]
        paths = getattr(source, "file_paths", None)
        return paths() if callable(paths) else None

    @property
    def stages(self) -> list[Stage]:
        """The stages from source to last (read-only view for adapters)."""
        return self._stage.chain()

    def to_tf(self) -> Any:
        """A ``tf.data.Dataset`` of this pipeline; the k-th iterator runs epoch k (SPEC §1.7).

        Example::

            model.fit(pipe.to_tf(), epochs=3)
        """
        from ..tf.dataset import to_tf

        return to_tf(self)
