"""Shards of a pack, memory-mapped and checked once, and the gather that builds blocks from them.

A shard is opened with ``mmap`` and each tensor viewed in place
(``np.frombuffer``): reading a record copies its bytes once, from the page
cache straight into the block being built. The first time this reader opens
a shard it checks the file's size and sha256 against the index
(``verify=False`` skips the hash; the size is always checked, because a
mapped read past the end of a file would crash the process). At most
``max_open`` shards stay mapped (least recently used first out), so a pack
of thousands of shards never runs out of file descriptors.

Example::

    shards = ShardSet(read_index("flowers_pack"), verify=True)
    block = shards.block(np.array([0, 1, 2]))     # records 0..2, stacked
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Iterator

import numpy as np

from ..core import block as blk
from ..core.buffer_pool import BufferPool
from ..errors import raise_error
from .format import DTYPES, FORMAT, ST_NUMPY, parse_header
from .index import PackIndex, rebuild

RELEASE_BYTES = 64 * 2**20
"""After gathering this many bytes, the mapped pages are released (``madvise(MADV_DONTNEED)``):
they stay in the OS page cache, but no longer count in this process's resident memory, so a
reader's peak RSS does not grow with the size of the pack (every block is a copy, so nothing
still points into the released pages; a later read faults them back in from the cache)."""

RUN_COPY_BYTES = 1024
"""Records at least this big are read run by run with ``preadv`` straight into the block (one
copy, one system call per run of consecutive records); smaller ones are gathered from the
mapping by fancy indexing per shard (vectorised). Reading big records without touching the
mapping keeps them out of this process's resident memory: a shuffled order over a mapped pack
would otherwise pull whole page-cache folios of every shard into RSS."""


HASH_CHUNK = 1 << 20


def file_sha256(fd: int, size: int) -> str:
    """Hex sha256 of a file's first ``size`` bytes, read in chunks into one reused buffer: hashing
    through a mapping would count the whole shard in this process's resident memory while it runs
    (hashlib and the reads release the GIL)."""
    h = hashlib.sha256()
    buf = bytearray(min(HASH_CHUNK, max(1, size)))
    view = memoryview(buf)
    done = 0
    while done < size:
        got = os.preadv(fd, [view[:min(len(buf), size - done)]], done)
        if got <= 0:
            break  # shorter than its size a moment ago: the digest will not match
        h.update(view[:got])
        done += got
    return h.hexdigest()


SMALL_TENSOR_BYTES = 256 << 10
"""A shard's tensor at most this big is held in memory (copied when the shard is opened, at most
``max_open`` shards' worth) instead of read through the mapping."""

class Shard:
    """One mapped shard: ``fixed[name]`` is ``[c, ...shape]``, ``variable[name]`` is ``(offsets, data)``."""

    def __init__(self, fixed: dict[str, np.ndarray], variable: dict[str, tuple[np.ndarray, np.ndarray]],
                 mm: Any = None) -> None:
        self.fixed, self.variable, self.mm = fixed, variable, mm
        self.fd = -1
        self.at: dict[str, int] = {}  # file offset of each fixed field's tensor

    def pread(self, name: str, record_bytes: int, first: int, out: np.ndarray) -> None:
        """Records ``first ..`` of fixed field ``name`` into ``out`` (C-contiguous), by ``preadv``."""
        view = memoryview(out).cast("B")
        pos, done = self.at[name] + first * record_bytes, 0
        while done < len(view):
            got = os.preadv(self.fd, [view[done:]], pos + done)
            if got <= 0:  # the size was checked when the shard was opened; it changed since
                raise_error("SF_PACK_CHECKSUM", f"packed: a shard ended early while reading field {name!r}: "
                            "it was truncated after it was opened")
            done += got

    def __del__(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def release(self) -> None:
        """Drop this shard's pages from the process's resident set (they stay cached by the OS)."""
        if self.mm is not None and hasattr(self.mm, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            try:
                self.mm.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):  # a closed map or an OS without it: only memory is at stake
                pass


class ShardSet:
    """The shards of one pack as one reader sees them (thread-safe; shards open lazily)."""

    def __init__(self, index: PackIndex, verify: bool = True, max_open: int = 128) -> None:
        self.index, self.verify, self.max_open = index, verify, max_open
        self.starts = index.starts()
        self._open: OrderedDict[int, Shard] = OrderedDict()
        self._checked: dict[int, str | None] = {}  # shard -> None (good) or the error message
        self._lock = threading.Lock()
        self._shard_locks = [threading.Lock() for _ in index.shards]
        self._since_release = 0
        self.pool = BufferPool()  # gathered blocks reuse arrays nobody holds any more (no fresh page faults)
        # A pack no bigger than RELEASE_BYTES is read from its mapping and never released: the mapped
        # pages then hold at most the whole pack, no more than the release lets a bigger pack hold,
        # and a record costs a copy instead of a system call (a 320-image pack's epoch: 5.0 -> 4.4 ms).
        self.small = sum(entry.bytes for entry in index.shards) <= RELEASE_BYTES
        self.hint: Callable[[int], None] | None = None
        """Called with each shard as it is opened (the read-ahead follows the reader)."""

    # -- opening --------------------------------------------------------------
    def shard(self, s: int) -> Shard:
        """Shard ``s``, mapped (and checked, the first time)."""
        with self._lock:
            got = self._open.get(s)
            if got is not None:
                self._open.move_to_end(s)
                return got
        with self._shard_locks[s]:  # one thread maps a shard; the others wait for it
            with self._lock:
                got = self._open.get(s)
            if got is None:
                got = self._map(s)
                with self._lock:
                    self._open[s] = got
                    while len(self._open) > self.max_open:
                        self._open.popitem(last=False)  # views keep the map alive until they are dropped
        if self.hint is not None:
            self.hint(s)
        return got

    def check(self, s: int) -> None:
        """Size and (with ``verify``) sha256 of shard ``s`` against the index, once per reader;
        ``SF_PACK_CHECKSUM`` naming the file. Safe to call ahead of time from another thread
        (the read-ahead): a reader that needs the shard meanwhile waits for that check."""
        if s not in self._checked:
            with self._shard_locks[s]:
                if s not in self._checked:
                    with _open(self.index, s) as f:
                        size = os.fstat(f.fileno()).st_size
                        self._judge(s, size, f.fileno())
        self._raise_if_bad(s)

    def checked(self, s: int) -> bool:
        """True once shard ``s`` was checked (good or bad)."""
        return s in self._checked

    def _judge(self, s: int, size: int, fd: int) -> None:
        entry = self.index.shards[s]
        if size != entry.bytes:
            self._checked[s] = f"is {size} bytes but the index says {entry.bytes}"
            return
        if self.verify:
            digest = file_sha256(fd, size)
            if digest != entry.sha256:
                self._checked[s] = f"has sha256 {digest} but the index says {entry.sha256}"
                return
        self._checked[s] = None

    def _raise_if_bad(self, s: int) -> None:
        bad = self._checked.get(s)
        if bad is not None:
            raise_error("SF_PACK_CHECKSUM", f"packed: shard {self.index.shards[s].file} in {self.index.folder} "
                        f"{bad}: it is truncated or was changed after packing; write the pack again (or restore it)")

    def _map(self, s: int) -> Shard:
        entry = self.index.shards[s]
        with _open(self.index, s) as f:
            size = os.fstat(f.fileno()).st_size
            # the size is checked again even when the hash was: a mapped read past the end crashes
            if size != entry.bytes or s not in self._checked:
                self._judge(s, size, f.fileno())
            self._raise_if_bad(s)
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        n = int.from_bytes(mm[:8], "little")
        header, start = parse_header(mm[:min(size, 8 + n)], size, entry.file)
        self._check_meta(header.get("__metadata__"), s)
        shard = self._views(header, start, mm, s)
        shard.mm = mm
        shard.fd = os.open(os.path.join(self.index.folder, entry.file), os.O_RDONLY)
        shard.at = {f.name: start + header[f.name]["data_offsets"][0] for f in self.index.fields
                    if f.shape is not None}
        if hasattr(mm, "madvise") and hasattr(mmap, "MADV_RANDOM"):
            # records are copied out whole; the kernel's read-around would pull in (and count in
            # our RSS) the neighbours of every record a shuffled order touches
            mm.madvise(mmap.MADV_RANDOM)
        shard.release()  # the header read touched a few pages; keep only what reads touch from now on
        return shard

    def _check_meta(self, meta: Any, s: int) -> None:
        entry = self.index.shards[s]
        want = {"format": FORMAT, "version": "1", "pack_key": self.index.pack_key, "shard": str(s),
                "first_record": str(int(self.starts[s])), "records": str(entry.records)}
        if not isinstance(meta, dict) or any(meta.get(k) != v for k, v in want.items()):
            raise_error("SF_PACK_FORMAT", f"packed: shard {entry.file} in {self.index.folder} has __metadata__ "
                        f"{meta!r}, which does not match the index (expected {want}); the shard belongs to "
                        "another pack or version: write the pack again")

    def _views(self, header: dict[str, Any], start: int, mm: Any, s: int) -> Shard:
        entry = self.index.shards[s]
        c = entry.records

        def view(name: str, st_dtype: str, shape: list[int]) -> np.ndarray:
            t = header.get(name)
            if not isinstance(t, dict) or t["dtype"] != st_dtype or t["shape"] != shape:
                raise_error("SF_PACK_FORMAT", f"packed: shard {entry.file} in {self.index.folder} has tensor "
                            f"{name!r} = {t!r}, expected dtype {st_dtype} and shape {shape}; write the pack again")
            lo, hi = t["data_offsets"]
            count = int(np.prod(shape, dtype=np.int64))
            a = np.frombuffer(mm, dtype=ST_NUMPY[st_dtype], count=count, offset=start + lo).reshape(shape)
            # a small tensor (labels) is copied out once: gathering from the mapping would touch a page
            # (and can map a whole page-cache folio) of every shard a scattered block draws from
            return a.copy() if a.nbytes <= SMALL_TENSOR_BYTES else a

        fixed: dict[str, np.ndarray] = {}
        variable: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for f in self.index.fields:
            if f.shape is not None:
                fixed[f.name] = view(f.name, DTYPES[f.dtype], [c, *f.shape])
                continue
            data_entry = header.get(f.name + ".data")
            length = data_entry["shape"] if isinstance(data_entry, dict) else None
            offsets = view(f.name + ".offsets", "U64", [c + 1])
            data = view(f.name + ".data", DTYPES[f.dtype], length if isinstance(length, list) and len(length) == 1
                        else [-1])
            if offsets[0] != 0 or offsets[-1] != data.shape[0] or np.any(np.diff(offsets.astype(np.int64)) < 0):
                raise_error("SF_PACK_FORMAT", f"packed: shard {entry.file} in {self.index.folder} has offsets of "
                            f"field {f.name!r} that do not run from 0 to its data length; write the pack again")
            variable[f.name] = (offsets, data)
        return Shard(fixed, variable)

    # -- reading --------------------------------------------------------------
    def locate(self, stored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(shard, record within the shard)`` of each stored record index."""
        sid = np.searchsorted(self.starts, stored, side="right") - 1
        return sid, stored - self.starts[sid]

    def record(self, r: int) -> Any:
        """Stored record ``r`` as a fresh record (writable copies)."""
        sid, loc = self.locate(np.array([r], dtype=np.int64))
        shard, k = self.shard(int(sid[0])), int(loc[0])
        leaves = {}
        for f in self.index.fields:
            if f.shape is not None:
                leaves[f.name] = np.array(shard.fixed[f.name][k])
            else:
                offsets, data = shard.variable[f.name]
                leaves[f.name] = np.array(data[int(offsets[k]):int(offsets[k + 1])])
        return rebuild(self.index.structure, leaves)

    def blocks(self, stored: np.ndarray) -> Iterator[Any]:
        """Blocks holding the stored records ``stored``, in that order: one block when every field
        is fixed (each leaf gathered with one copy), else records grouped as they stack."""
        if any(f.shape is None for f in self.index.fields):
            yield from blk.group(self.record(int(r)) for r in stored)
            return
        if len(stored) == 0:
            return
        sid, loc = self.locate(np.asarray(stored, dtype=np.int64))
        touched = _unique_in_order(sid)
        closed = [s for s in touched if s not in self._open]
        if len(closed) > 1:  # map (and hash) new shards on the thread pool: hashlib releases the GIL
            from ..core.parallel import ordered_map

            for _ in ordered_map(self.shard, closed):
                pass
        shards = {s: self.shard(s) for s in touched}
        leaves = {f.name: _gather(self.pool.take((len(sid), *f.shape), f.dtype), [f.name, f.record_bytes], shards,
                                  sid, loc, self.small)
                  for f in self.index.fields}
        self._count_read(sum(a.nbytes for a in leaves.values()))
        yield rebuild(self.index.structure, leaves)

    def _count_read(self, nbytes: int) -> None:
        """Release the mapped pages every ``RELEASE_BYTES`` read (peak RSS flat in pack size)."""
        if self.small:
            return
        with self._lock:
            self._since_release += nbytes
            if self._since_release < RELEASE_BYTES:
                return
            self._since_release = 0
            shards = list(self._open.values())
        for shard in shards:
            shard.release()


def _unique_in_order(sid: np.ndarray) -> list[int]:
    """Shards in the order the records first touch them (so the read-ahead hint follows the reads)."""
    values, first = np.unique(sid, return_index=True)
    return values[np.argsort(first)].tolist()


def _gather(out: np.ndarray, name_size: list[Any], shards: dict[int, Shard], sid: np.ndarray,
            loc: np.ndarray, mapped: bool = False) -> np.ndarray:
    """``out[j] = shards[sid[j]].fixed[name][loc[j]]``; returns ``out``. ``mapped``: big records
    too are copied from the mapping (a small pack), not read with ``preadv``."""
    name, record_bytes = name_size
    m = len(sid)
    # runs: stretches of consecutive records of one shard (a whole chunk when reading in order)
    cut = np.flatnonzero((sid[1:] != sid[:-1]) | (loc[1:] != loc[:-1] + 1)) + 1
    pread = record_bytes >= RUN_COPY_BYTES and not mapped and hasattr(os, "preadv")
    if len(cut) + 1 <= max(1, m // 8) or pread:
        bounds = np.concatenate([[0], cut, [m]]).tolist()
        sids, locs = sid.tolist(), loc.tolist()
        if pread:
            for a, b in zip(bounds[:-1], bounds[1:]):
                shards[sids[a]].pread(name, record_bytes, locs[a], out[a:b])
            return out
        for a, b in zip(bounds[:-1], bounds[1:]):
            lo = locs[a]
            out[a:b] = shards[sids[a]].fixed[name][lo:lo + b - a]
        return out
    if len(shards) == 1:  # straight into out: no temporary of the block's size to fault in
        # (mode "clip" never clips here, every loc is in range; "raise" would buffer the output)
        np.take(next(iter(shards.values())).fixed[name], loc, axis=0, out=out, mode="clip")
        return out
    for s, view in ((s, shards[s].fixed[name]) for s in shards):
        sel = np.flatnonzero(sid == s)
        out[sel] = view[loc[sel]]
    return out


def _open(index: PackIndex, s: int) -> Any:
    entry = index.shards[s]
    try:
        return open(os.path.join(index.folder, entry.file), "rb")
    except FileNotFoundError:
        raise_error("SF_PACK_FORMAT", f"packed: shard {entry.file} listed in {index.folder}/index.json is "
                    "missing; the pack is incomplete: write it again with pack")
