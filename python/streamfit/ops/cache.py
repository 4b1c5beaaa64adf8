"""``cache``: pack the records before it once, then read them from the pack (SPEC §4.7).

The first time the pipeline is read (any epoch, ``get``, ``batch_at``), the
cache folder is checked: a finished pack with this pipeline's ``pack_key`` is
used as it is; otherwise the upstream's epoch 0 is packed there (resuming an
unfinished pack of the same key; another pack there is ``SF_ARG``, never
overwritten). Every epoch then reads the pack in stored order: a cache freezes
epoch 0's records, as ``tf.data``'s does, so shuffle after it.

Indexable (``n`` = the pack's records) when the upstream is indexable with a
known cardinality, or once the pack exists; a stream before that.

Example::

    pipe = csv("big.csv", label="y").map(normalize(0, 1)).cache("big_cache").shuffle(buffer_size=10000)
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Iterator, Sequence

from ..core.on_error import Read
from ..core.stage import BlockStage, Cardinality, Stage
from ..errors import raise_error
from ..pack.format import INDEX, pack_key
from ..pack.writer import DEFAULT_SHARD_BYTES, check_packable, pack_stage


class Cache(BlockStage):
    """Records of ``upstream``'s epoch 0, packed into ``path`` on first use and read back from there.

    ``key`` (API) or ``spec`` (the spec part before the cache, from a spec file) identifies the
    upstream in ``pack_key`` beside its summary (SPEC §9.1).

    Example::

        Cache(upstream, "cache_dir")
    """

    def __init__(self, upstream: Stage, path: str, key: str | None = None, spec: Any = None) -> None:
        self.upstream = upstream
        stages = upstream.chain()
        self.summary = " -> ".join(s.label() for s in stages)
        if not isinstance(path, (str, os.PathLike)):
            raise_error("SF_ARG", f"cache path must be a folder path, got {path!r}", kind="type")
        check_packable(stages, self.summary)
        self.path = os.fspath(path)
        self.name = os.path.basename(os.path.normpath(self.path))
        self.key, self.spec = key, spec
        self.pack_key = pack_key(self.summary, spec if spec is not None else key, DEFAULT_SHARD_BYTES, [])
        self._reader: Stage | None = None
        self._lock = threading.Lock()
        if self._finished_here():  # the pack exists: read it from the start, indexable
            self._open()

    def label(self) -> str:
        return f"cache({self.name})"

    def _finished_here(self) -> bool:
        try:
            with open(os.path.join(self.path, INDEX), "rb") as f:
                index = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(index, dict) and index.get("pack_key") == self.pack_key

    def _open(self) -> None:
        from ..sources.packed import PackedSource

        self._reader = PackedSource(self.path)

    def reader(self) -> Stage:
        """The packed source of the cache, packing the upstream first if needed."""
        with self._lock:
            if self._reader is None:
                pack_stage(self.upstream, self.path, key=self.key, spec=self.spec)  # type: ignore[arg-type]
                self._open()
            assert self._reader is not None
            return self._reader

    # -- reading (SPEC §4.7: every epoch reads the pack in stored order) --------
    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        yield from self.reader().iterate_blocks(0)

    def index_chunk(self) -> int:
        return self._reader.index_chunk() if self._reader is not None else super().index_chunk()

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        return self.reader().get_many(indices, 0)

    def get(self, i: int, epoch: int) -> Any:
        return self.reader().get(i, 0)

    def source_read(self, epoch: int) -> Read | None:
        return None  # records come from the pack, where nothing is skipped

    def reads_to_end(self) -> bool:
        return True

    @property
    def may_drop(self) -> bool:
        return False if self._reader is not None else self.upstream.may_drop  # type: ignore[union-attr]

    def cardinality(self) -> Cardinality:
        return self._reader.cardinality() if self._reader is not None else self.upstream.cardinality()  # type: ignore

    @property
    def indexable(self) -> bool:
        if self._reader is not None:
            return True
        up = self.upstream
        assert up is not None
        return up.indexable and not up.may_drop and isinstance(up.cardinality(), int)

    def length(self) -> int:
        return self._reader.length() if self._reader is not None else self.upstream.length()  # type: ignore
