"""The stage protocol every source and op implements, and cardinality values.

A stage is one link of a pipeline: it knows its upstream, how to iterate an
epoch (SPEC §1.7), its cardinality (SPEC §4.2) and, when indexable, how to
fetch record ``i`` directly.

Every stage has two equivalent ways to iterate: ``iterate`` (records) and
``iterate_blocks`` (blocks of records, ``core/block.py``). Block-native stages
override ``iterate_blocks`` and unstack it in ``iterate`` (``BlockStage``);
the rest iterate records and are grouped into blocks by the base class.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence, Union

from ..errors import StreamfitError, raise_error
from . import block as blk
from .on_error import Read, SkipLog

INDEX_CHUNK = 1024
"""Indices fetched per ``get_many`` call when an indexable stage is walked in blocks."""


class _Infinite:
    """Cardinality of a pipeline that never ends (``repeat()``)."""

    _instance: "_Infinite | None" = None

    def __new__(cls) -> "_Infinite":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INFINITE"

    def __reduce__(self) -> str:
        return "INFINITE"


INFINITE = _Infinite()
"""Sentinel returned by ``Pipeline.cardinality()`` for an endless pipeline."""

Cardinality = Union[int, None, _Infinite]


class Stage:
    """Base class: a source (``upstream is None``) or an op on ``upstream``."""

    upstream: "Stage | None" = None
    skips: SkipLog | None = None
    """A source's skip counts (SPEC §4.6); ``None`` on ops."""
    free_shapes = False
    """True on a source whose records' shapes vary in ways no option fixes (undecoded file
    bytes, a pack's variable fields): adapters then leave every dimension unknown."""

    def label(self) -> str:
        """This stage's part of the summary, e.g. ``batch(32)`` (SPEC §4.4)."""
        raise NotImplementedError

    def iterate(self, epoch: int) -> Iterator[Any]:
        """Records of ``epoch``; the default walks ``get`` for indexable stages."""
        if not self.indexable:
            raise NotImplementedError
        for i in range(self.length()):
            yield self.get(i, epoch)

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        """The records of ``epoch`` as blocks (``core/block.py``), in the same order.

        The base version fetches an indexable stage ``INDEX_CHUNK`` indices at a
        time through ``get_many`` and groups any other stage's records. It is
        then the stage that drives the source's read of the epoch, so it opens
        the read and finishes it when every position was fetched (SPEC §4.6).
        """
        if self.indexable:
            yield from self.indexed_blocks(epoch)
            return
        yield from blk.group(self.iterate(epoch))

    def indexed_blocks(self, epoch: int, start: int = 0) -> Iterator[Any]:
        """Blocks of positions ``start..length()-1`` of an indexable stage, fetched ``INDEX_CHUNK``
        at a time, as one read of the source (``start > 0``: a resumed pack, SPEC §9.1, whose
        earlier positions count as read)."""
        read = self.source_read(epoch)
        if read is not None:
            read.kept += start
        n = self.length()
        chunk = self.index_chunk()
        for lo in range(start, n, chunk):
            for block in self.get_many(range(lo, min(n, lo + chunk)), epoch, read):
                if read is not None:
                    read.kept += blk.rows(block)
                yield block
        if read is not None and self.reads_to_end():
            read.finish()

    def index_chunk(self) -> int:
        """Positions fetched per ``get_many`` when this indexable stage is walked in blocks: the
        source's choice (a ``packed`` source sizes it by its record bytes), else ``INDEX_CHUNK``."""
        return self.upstream.index_chunk() if self.upstream is not None else INDEX_CHUNK

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        """Blocks holding records ``indices`` (valid, in order) of an indexable stage.

        ``read`` (when iterating an epoch) counts the records a skipping source drops (SPEC §4.6);
        ``batch_at`` passes none.
        """
        yield from blk.group(self.get(int(i), epoch) for i in indices)

    def source_read(self, epoch: int) -> Read | None:
        """A new read of ``epoch`` on this pipeline's source, or ``None`` for a source without a log
        (or behind a ``cache``, which reads its pack)."""
        if self.upstream is not None:
            return self.upstream.source_read(epoch)
        return None if self.skips is None else self.skips.begin(epoch)

    @property
    def may_drop(self) -> bool:
        """True when fetching a position may yield no record (a source with ``on_error="skip"``
        upstream, SPEC §4.2): positions stay good for a global shuffle, counts are unknown."""
        return self.upstream.may_drop if self.upstream is not None else False

    def reads_to_end(self) -> bool:
        """True when fetching every position of this indexable stage reaches the source's last
        position (SPEC §4.6); only a ``take`` that cuts says no."""
        return self.upstream.reads_to_end() if self.upstream is not None else True

    def cardinality(self) -> Cardinality:
        """Number of records, ``None`` if unknown, ``INFINITE`` if endless."""
        return None

    @property
    def indexable(self) -> bool:
        """True when ``get(i, epoch)`` works (SPEC §4.2)."""
        return False

    def length(self) -> int:
        """Number of records of an indexable stage."""
        raise_error("SF_ARG", f"{self.label()} is not indexable")

    def get(self, i: int, epoch: int) -> Any:
        """Record ``i`` of ``epoch`` for an indexable stage."""
        raise_error("SF_ARG", f"{self.label()} is not indexable; iterate it instead")

    def chain(self) -> list["Stage"]:
        """Stages from the source to this one."""
        out: list[Stage] = []
        node: Stage | None = self
        while node is not None:
            out.append(node)
            node = node.upstream
        return out[::-1]


class BlockStage(Stage):
    """A stage whose native path is ``iterate_blocks``; records are unstacked from it."""

    def iterate(self, epoch: int) -> Iterator[Any]:
        for block in self.iterate_blocks(epoch):
            yield from blk.unstack(block)



class FileSource(Stage):
    """An indexable source of files read by position (image, class and paired folders):
    ``length()`` files, ``get(i, epoch)`` reads file ``i``, and ``get_many`` reads a run of
    them on the thread pool, in order (TF's decode kernels run outside the GIL).

    With ``on_error="skip"`` (SPEC §4.6) a file that does not decode is dropped where it
    falls and counted in the read: positions stay (a global shuffle permutes them), the
    number of records is unknown until read.
    """

    on_error = "raise"
    READ_SKIPS = ("SF_IMAGE_DECODE",)
    """Codes of a record that cannot be read, counted instead of raised under ``skip``."""

    def cardinality(self) -> Cardinality:
        return None if self.on_error == "skip" else self.length()

    @property
    def indexable(self) -> bool:
        return True

    @property
    def may_drop(self) -> bool:
        return self.on_error == "skip"

    def attempt(self, i: int, epoch: int) -> tuple[Any, StreamfitError | None]:
        """``(record i, None)``, or ``(None, error)`` for a record that ``skip`` drops."""
        try:
            return self.get(i, epoch), None
        except StreamfitError as err:
            if self.on_error != "skip" or err.code not in self.READ_SKIPS:
                raise
            return None, err

    def iterate(self, epoch: int) -> Iterator[Any]:
        # the record path (a user map or filter below): one file at a time, as lazily as before
        read = self.source_read(epoch)
        for i in range(self.length()):
            record, err = self.attempt(i, epoch)
            if err is not None:
                if read is not None:
                    read.skip(err)
                continue
            if read is not None:
                read.kept += 1
            yield record
        if read is not None:
            read.finish()

    def get_many(self, indices: Sequence[int], epoch: int, read: Read | None = None) -> Iterator[Any]:
        from .parallel import ordered_map

        if self.on_error != "skip":
            yield from blk.group(ordered_map(lambda i: self.get(i, epoch), indices))
            return

        def kept() -> Iterator[Any]:
            for record, err in ordered_map(lambda i: self.attempt(i, epoch), indices):
                if err is None:
                    yield record
                elif read is not None:
                    read.skip(err)

        yield from blk.group(kept())


def check_index(stage: Stage, i: int) -> int:
    """``i`` as an int in ``[0, stage.length())``, else ``SF_ARG``."""
    from .args import as_int

    n = stage.length()
    i = as_int(i, "index")
    if not 0 <= i < n:
        raise_error("SF_ARG", f"index {i} is outside [0, {n}) for {stage.label()}")
    return i
