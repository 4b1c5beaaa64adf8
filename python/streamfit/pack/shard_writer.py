"""Writing one shard (SPEC §9.2): safetensors bytes from blocks of records, written atomically.

A shard's records arrive as *pieces* (row ranges of blocks, already checked
against the fields); each fixed field's tensor is those pieces' rows one
after another, each variable field's ``.data`` their values and ``.offsets``
the running element counts. Nothing is concatenated: the header is computed
from the sizes, then every piece is written (and hashed) in place. The file is
written as ``<name>.tmp``, flushed to disk, then renamed (SPEC §9.1), so a
killed run leaves complete shards and, at worst, a ``.tmp`` that a resumed
run replaces.

Example::

    entry = write_shard(folder, 0, pieces, fields, pack_key, first_record=0)
    entry   # {"file": "shard-00000.safetensors", "records": 3, "bytes": 2628, "sha256": "..."}
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Sequence

import numpy as np

from .fields import Fields
from .format import DTYPES, FORMAT, TMP, encode_header, shard_name

Piece = list[np.ndarray]
"""One row range of a block: its leaves in field order, each ``[rows, ...]``."""


def _le(a: np.ndarray) -> np.ndarray:
    """C-contiguous and little-endian (a no-op on the usual little-endian machine)."""
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))


def shard_tensors(pieces: Sequence[Piece], fields: Fields) -> dict[str, tuple[str, list[int], list[np.ndarray]]]:
    """``name -> (safetensors dtype, shape, arrays to write in order)`` for the shard's tensors."""
    rows = sum(int(p[0].shape[0]) for p in pieces)
    out: dict[str, tuple[str, list[int], list[np.ndarray]]] = {}
    for k, (name, dtype, shape, _) in enumerate(fields.leaves):
        parts = [_le(p[k]) for p in pieces]
        if shape is not None:
            out[name] = (DTYPES[dtype], [rows, *shape], parts)
            continue
        lengths = np.concatenate([np.full(p.shape[0], p.shape[1], dtype=np.uint64) for p in parts])
        offsets = np.zeros(rows + 1, dtype="<u8")
        np.cumsum(lengths, out=offsets[1:])
        out[name + ".offsets"] = ("U64", [rows + 1], [offsets])
        out[name + ".data"] = (DTYPES[dtype], [int(offsets[-1])], parts)
    return out


def write_shard(folder: str, number: int, pieces: Sequence[Piece], fields: Fields, pack_key: str,
                first_record: int) -> dict[str, Any]:
    """Write shard ``number`` of the pack in ``folder`` and return its ``index.json`` entry.

    Example::

        write_shard("out", 0, [[x_block, y_block]], fields, key, 0)["records"]   # rows of the blocks
    """
    rows = sum(int(p[0].shape[0]) for p in pieces)
    tensors = shard_tensors(pieces, fields)
    meta = {"format": FORMAT, "version": "1", "pack_key": pack_key, "shard": str(number),
            "first_record": str(first_record), "records": str(rows)}
    head, order = encode_header({n: (t[0], t[1], sum(a.nbytes for a in t[2])) for n, t in tensors.items()}, meta)
    name = shard_name(number)
    path = os.path.join(folder, name)
    h = hashlib.sha256(head)
    size = len(head)
    with open(path + TMP, "wb") as f:
        f.write(head)
        for t in order:
            for a in tensors[t][2]:
                view = memoryview(a).cast("B") if a.nbytes else b""
                h.update(view)  # hashlib and the write release the GIL: the reader keeps going
                f.write(view)
                size += a.nbytes
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + TMP, path)
    sync_folder(folder)
    return {"file": name, "records": rows, "bytes": size, "sha256": h.hexdigest()}


def sync_folder(folder: str) -> None:
    """Flush a folder's entries (the renames) to disk where the OS allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
