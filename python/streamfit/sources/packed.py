"""Packed data (SPEC §3.7): read a folder written by ``pack`` (SPEC §9), in any of three orders.

The index is read and checked when the source is built; shards are mapped
and checked the first time they are read (``pack/shard_reader.py``). The
source is indexable in every order: position ``i`` of epoch ``e`` reads the
stored record ``PackOrder.stored`` gives (``order/pack_order.py``), and
``get_many`` builds a whole block with one copy per leaf, which ``batch``
then cuts into batches without copying again. A background read-ahead
(``pack/readahead.py``) maps and hashes the next shards within
``prefetch_bytes``; it never changes which records come, or their bytes.

Example::

    pipe = packed("flowers_pack", order="global", seed=7).batch(64)
    print(pipe)          # packed(flowers_pack, order=global, seed=7) -> batch(64)
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

import numpy as np

from ..core.args import as_int
from ..core.on_error import Read, SkipLog
from ..core.pipeline import Pipeline
from ..core.stage import BlockStage, Cardinality, check_index
from ..errors import raise_error
from ..order.pack_order import ORDERS, PackOrder
from ..order.seed import check_seed
from ..pack.index import read_index
from ..pack.readahead import ReadAhead
from ..pack.shard_reader import ShardSet

DEFAULT_PREFETCH_BYTES = 268435456
CHUNK_BYTES = 32 << 20


class PackedSource(BlockStage):
    """The records of a pack; indexable, ``n`` = the pack's record count."""

    def __init__(self, path: str, order: str = "sequential", seed: int | None = None, window: int = 2,
                 verify: bool = True, prefetch_bytes: int = DEFAULT_PREFETCH_BYTES) -> None:
        if not isinstance(order, str) or order not in ORDERS:
            raise_error("SF_ARG", f"packed order must be one of {', '.join(ORDERS)}, got {order!r}")
        if order == "sequential" and seed is not None:
            raise_error("SF_ARG", f"packed: seed={seed!r} given with order=\"sequential\", which has no randomness; "
                        "drop the seed, or use order=\"global\" or \"shards\"")
        if order != "sequential":
            if seed is None:
                raise_error("SF_SEED", f"packed: order=\"{order}\" needs a seed (an integer in [0, 2**32)), so "
                            "the order can be repeated; pass e.g. seed=7")
            seed = check_seed(seed, "packed seed")
        self.window = as_int(window, "packed window", minimum=1)
        if not isinstance(verify, bool):
            raise_error("SF_ARG", f"packed verify must be true or false, got {verify!r}", kind="type")
        self.prefetch_bytes = as_int(prefetch_bytes, "packed prefetch_bytes", minimum=0)
        self.path = os.fspath(path)
        self.name = os.path.basename(os.path.normpath(self.path))
        self.how, self.seed, self.verify = order, seed, verify
        self.index = read_index(self.path)
        self.shards = ShardSet(self.index, verify)
        self.ahead = ReadAhead(self.shards, self.prefetch_bytes)
        self.order = PackOrder([s.records for s in self.index.shards], order, seed, self.window)
        self.free_shapes = any(f.variable for f in self.index.fields)
        self.skips = SkipLog(self.label)  # a pack has no bad records: a finished read counts {}

    def label(self) -> str:
        extra = ""
        if self.how == "global":
            extra = f", order=global, seed={self.seed}"
        elif self.how == "shards":
            extra = f", order=shards, seed={self.seed}, window={self.window}"
        return f"packed({self.name}{extra})"

    @property
    def record_bytes(self) -> int | None:
        """Bytes of one record when every field is fixed, else ``None``."""
        if self.free_shapes:
            return None
        return sum(f.record_bytes for f in self.index.fields)

    def index_chunk(self) -> int:
        # blocks of at most about CHUNK_BYTES (a few in a prefetch queue stay cheap), a power of two
        # records, so that a power-of-two batch size cuts them without a batch straddling two blocks
        size = self.record_bytes
        if not size:
            return 1024
        fit = max(1, min(65536, CHUNK_BYTES // size))
        return max(64, 1 << (fit.bit_length() - 1))

    def cardinality(self) -> Cardinality:
        return self.index.records

    @property
    def indexable(self) -> bool:
        return True

    def length(self) -> int:
        return self.index.records

    def get(self, i: int, epoch: int) -> Any:
        i = check_index(self, i)
        return self.shards.record(int(self.order.stored(np.array([i]), epoch)[0]))

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        stored = self.order.stored(np.asarray(indices, dtype=np.int64), epoch)
        self.ahead.follow(self.order.shard_sequence(epoch))
        return self.shards.blocks(stored)


def packed(path: str, order: str = "sequential", seed: int | None = None, window: int = 2, verify: bool = True,
           prefetch_bytes: int = DEFAULT_PREFETCH_BYTES) -> Pipeline:
    """Records of a pack folder written by ``pack`` (SPEC §3.7), in ``order``:
    ``"sequential"`` (stored order), ``"global"`` (a keyed permutation of all records, as
    ``shuffle(seed=seed)``), or ``"shards"`` (``window`` shards at a time, for packs larger than memory).

    ``verify`` checks each shard's sha256 against the index the first time it is read.

    Example::

        pipe = packed("flowers_pack", order="shards", seed=7, window=4).batch(64)
        model.fit(pipe.to_tf(), epochs=5)     # a new order every epoch
    """
    return Pipeline(PackedSource(path, order, seed, window, verify, prefetch_bytes))
