"""``pack``: write epoch 0 of a pipeline as a pack (SPEC §9.1), resumably.

The pipeline's blocks are checked against the fields of its first record
(``fields.py``), cut into shards by the closing rule (a shard closes after
the record that brings its data bytes to at least ``shard_bytes``), and each
shard is written atomically on a writer thread (``shard_writer.py``) while
the pipeline produces the next one -- decoding on the thread pool, hashing
and writing on the writer thread, so both cores work. ``index.json`` is
written last. A run on a folder holding this pack's first shards resumes
after them (``resume.py``): an indexable pipeline fetches from the next
record on, a stream is read and the packed records dropped.

Example::

    info = image_folder("flowers", image_size=[64, 64]).pack("flowers_pack", shard_bytes=64 << 20)
    info["records"], len(info["shards"])
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np

from ..core import block as blk
from ..core.args import as_int
from ..core.buffer_pool import BufferPool
from ..core.stage import Stage
from ..errors import raise_error
from ..ops.prefetch import Prefetch
from .fields import Fields
from .format import FORMAT, INDEX, TMP, VERSION, pack_key
from .progress import Progress
from .resume import remove_stale, scan
from .shard_writer import Piece, sync_folder, write_shard

DEFAULT_SHARD_BYTES = 128 << 20


def check_packable(stages: Sequence[Stage], summary: str) -> None:
    """``SF_ARG`` unless the stages are a source then only map, filter, take, skip and prefetch."""
    from ..ops.filter import Filter
    from ..ops.map import Map
    from ..ops.prefetch import Prefetch
    from ..ops.skip import Skip
    from ..ops.take import Take

    for stage in stages[1:]:
        if not isinstance(stage, (Map, Filter, Take, Skip, Prefetch)):
            raise_error("SF_ARG", f"pack: {summary} has {stage.label()}, which a pack does not store: a pipeline to "
                        "pack is a source followed by map, filter, take, skip and prefetch only; pack the records, "
                        "then shuffle, batch or repeat the packed source (SPEC §9.1)")


class _Shards:
    """Cuts pieces into shards and writes each on one writer thread, one shard in flight.

    Fixed-shape fields are copied into one buffer per field for the shard being filled
    (recycled once its shard is written, ``core/buffer_pool.py``), so the source's blocks are
    let go at once: what the writer holds is two shards' worth (filling, in flight), whatever
    the block sizes and however long the run (peak memory flat in data size). Variable fields
    are kept as row ranges of their blocks."""

    def __init__(self, folder: str, fields: Fields, key: str, shard_bytes: int, kept: list[dict[str, Any]],
                 first_record: int) -> None:
        self.folder, self.fields, self.key, self.shard_bytes = folder, fields, key, shard_bytes
        self.entries = list(kept)
        self.first_record = first_record
        self.pieces: list[Piece] = []
        self.size = 0
        self.rows = 0
        self.buffers: list[Any] = []
        fixed = sum(_record_bytes(shape, dtype) for _, dtype, shape, _ in fields.leaves if shape is not None)
        # a shard closes once its bytes reach shard_bytes, so it never holds more rows than this
        self.capacity = math.ceil(shard_bytes / fixed) if fixed else 0
        self.recycle = BufferPool(capacity=2 * len(fields.leaves) + 2)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="streamfit-pack")
        self.pending: Future[dict[str, Any]] | None = None

    def add(self, leaves: list[Any], lo: int, hi: int) -> None:
        """Records ``lo..hi-1`` of a checked block (its leaves in field order)."""
        rows = int(leaves[0].shape[0])
        per = 0  # data bytes of one record of this block: all its records have the same shapes
        for a, (_, _, shape, _) in zip(leaves, self.fields.leaves):
            per += a.nbytes // rows if shape is not None else a.shape[1] * a.dtype.itemsize + 8
        while lo < hi:
            take = hi - lo if per == 0 else min(hi - lo, math.ceil((self.shard_bytes - self.size) / per))
            if not self.buffers and self.capacity:
                self.buffers = [self.recycle.take((self.capacity, *shape), dtype) if shape is not None else None
                                for _, dtype, shape, _ in self.fields.leaves]
            piece = []
            for a, buf in zip(leaves, self.buffers or [None] * len(leaves)):
                if buf is None:
                    piece.append(a[lo:lo + take])
                else:
                    buf[self.rows:self.rows + take] = a[lo:lo + take]
                    piece.append(buf[self.rows:self.rows + take])
            self.pieces.append(piece)
            self.size += take * per
            self.rows += take
            lo += take
            if self.size >= self.shard_bytes:
                self.flush()

    def flush(self) -> None:
        if not self.pieces:
            return
        self._collect()
        number = len(self.entries) + (self.pending is not None)
        first, self.first_record = self.first_record, self.first_record + self.rows
        self.pending = self.pool.submit(self._write, number, [self.pieces], first)
        self.pieces, self.size, self.rows, self.buffers = [], 0, 0, []

    def _write(self, number: int, box: list[list[Piece]], first_record: int) -> dict[str, Any]:
        # the pieces leave the box, so the executor's work item does not hold them: once the result
        # is set, the shard's buffers are free for the next shard (no third buffer in a race)
        return write_shard(self.folder, number, box.pop(), self.fields, self.key, first_record)

    def _collect(self) -> None:
        if self.pending is not None:
            self.entries.append(self.pending.result())
            self.pending = None

    def close(self, last: bool = True) -> list[dict[str, Any]]:
        """Write the last shard (``last``), wait for the writer, return every shard's entry.

        After an error ``last`` is false: the records pending are not a shard the closing rule
        made, so they are dropped (a resumed run writes them); the shard in flight is finished."""
        try:
            if last:
                self.flush()
            self._collect()
        finally:
            self.pool.shutdown(wait=True)
        return self.entries


def _record_bytes(shape: tuple[int, ...], dtype: str) -> int:
    return math.prod(shape) * np.dtype(dtype).itemsize


def _variable(variable: Any) -> list[str]:
    if isinstance(variable, (str, bytes)) or not all(isinstance(v, str) for v in variable):
        raise_error("SF_ARG", f"pack variable must be a list of field names like [\"0\"], got {variable!r}",
                    kind="type")
    names = list(variable)
    if len(set(names)) != len(names):
        raise_error("SF_ARG", f"pack variable lists a field twice: {names}")
    return names


def pack_stage(last: Stage, out_dir: str, shard_bytes: int = DEFAULT_SHARD_BYTES, variable: Sequence[str] = (),
               key: str | None = None, progress: Any = True, spec: Any = None) -> dict[str, Any]:
    """Pack epoch 0 of the pipeline ending in ``last`` into ``out_dir``; returns the pack's index.

    ``spec`` is the packed spec part (the CLI and a spec's ``cache``); an API pipeline has none and
    may give a ``key`` string instead, which identifies it in ``pack_key`` (SPEC §9.1).
    """
    stages = last.chain()
    summary = " -> ".join(s.label() for s in stages)
    check_packable(stages, summary)
    shard_bytes = as_int(shard_bytes, "pack shard_bytes", minimum=1)
    names = _variable(variable)
    if key is not None and not isinstance(key, str):
        raise_error("SF_ARG", f"pack key must be a string or None, got {key!r}", kind="type")
    folder = os.fspath(out_dir)
    pk = pack_key(summary, spec if spec is not None else key, shard_bytes, names)
    state = scan(folder, pk)
    stream = progress if hasattr(progress, "write") else None
    total = last.cardinality()
    report = Progress(stream is not None or bool(progress), total if isinstance(total, int) else None,
                      state.records, stream)
    if state.finished is not None:
        report.note(f"pack: {folder} already holds this pack (pack_key {pk[:12]}...); nothing to do")
        return state.finished
    start = state.records
    fields: Fields | None = None
    core = last
    while isinstance(core, Prefetch) and core.upstream is not None:
        core = core.upstream  # a prefetch never changes values: resume through what it reads
    if start and core.indexable and not core.may_drop:  # positions are records: fetch from the next one
        fields = Fields.of(blk.cut(next(iter(core.get_many([0], 0))), 0, 1), names)
        blocks = core.indexed_blocks(0, start)
        done = start
    else:  # a stream (or a source that drops records): read it, dropping what is packed
        blocks = last.iterate_blocks(0)
        done = 0
    shards: _Shards | None = None
    try:
        for block in blocks:
            if fields is None:
                fields = Fields.of(blk.cut(block, 0, 1), names)
            if shards is None:
                shards = _Shards(folder, fields, pk, shard_bytes, state.kept, start)
            leaves = fields.check(block, done)
            rows = blk.rows(block)
            lo = min(rows, max(0, start - done))
            shards.add(leaves, lo, rows)
            done += rows
            report.update(done)
    except BaseException:
        if shards is not None:
            shards.close(last=False)
        raise
    entries = shards.close() if shards is not None else list(state.kept)
    if fields is None:
        raise_error("SF_EMPTY_SOURCE", f"pack: {summary} yields no records; there is nothing to pack")
    if done < start:
        raise_error("SF_ARG", f"pack: {summary} now yields {done} records, fewer than the {start} in the shards "
                    f"already in {folder}; its data changed since: delete the folder and pack again")
    index = {"format": FORMAT, "version": VERSION, "pack_key": pk, "structure": fields.structure,
             "fields": fields.index_fields(), "records": done, "shards": entries,
             "skipped": stages[0].skips.get(0) if stages[0].skips is not None else {},
             "producer": {"language": "python", "pipeline": summary, "spec": spec}}
    remove_stale(folder, len(entries))
    _write_index(folder, index)
    report.finish(done, len(entries), folder)
    return index


def _write_index(folder: str, index: dict[str, Any]) -> None:
    path = os.path.join(folder, INDEX)
    with open(path + TMP, "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + TMP, path)
    sync_folder(folder)
