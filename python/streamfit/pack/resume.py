"""What a pack run finds in its folder (SPEC §9.1): a finished pack, another pack, or shards to keep.

- ``index.json`` with the same ``pack_key``: the pack is done, nothing to write;
- ``index.json`` with another key (or one that cannot be read): ``SF_ARG`` -- a pack never
  overwrites another pack;
- no index: shards ``0, 1, ...`` (no gap) whose header carries this ``pack_key``, follows on
  from the shard before, and whose size matches the header are kept; the run resumes at the
  record after them. A shard with another key anywhere in the folder is ``SF_ARG``. Damaged
  shards after the kept ones and leftover ``.tmp`` files are replaced.

Example::

    state = scan("out", key)
    if state.finished is None:
        print(f"resuming at record {state.records} after {len(state.kept)} shards")
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

from ..errors import raise_error
from .format import INDEX, MAX_HEADER, TMP, shard_name, shard_number


@dataclass
class FolderState:
    """``finished``: the index of a done pack of this key; else the shards kept and their records."""

    finished: dict[str, Any] | None = None
    kept: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0


def _header(path: str) -> tuple[dict[str, Any], int] | None:
    """``(metadata, size the header says the file has)`` of a shard, or ``None`` if it is damaged."""
    try:
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) < 8:
                return None
            (n,) = struct.unpack("<Q", raw)
            if n > MAX_HEADER:
                return None
            header = json.loads(f.read(n).decode("utf-8"))
        ends = [e["data_offsets"][1] for k, e in header.items() if k != "__metadata__"]
        meta = header["__metadata__"]
        if not isinstance(meta, dict):
            return None
        return meta, 8 + n + max(ends, default=0)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def scan(folder: str, key: str) -> FolderState:
    """Inspect ``folder`` (creating it if missing) for a pack of ``key``; see the module docstring."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise_error("SF_ARG", f"pack: {folder!r} is a file; give a folder to write the pack into")
    os.makedirs(folder, exist_ok=True)
    index_path = os.path.join(folder, INDEX)
    if os.path.exists(index_path):
        try:
            with open(index_path, "rb") as f:
                index = json.loads(f.read().decode("utf-8"))
            other = index.get("pack_key") if isinstance(index, dict) else None
        except (OSError, ValueError):
            index, other = None, None
        if other == key:
            return FolderState(finished=index)
        raise_error("SF_ARG", f"pack: {folder} already holds another pack (pack_key {other!r}, this pipeline's is "
                    f"{key!r}); a pack never overwrites another: choose another folder, or delete that one first")
    state = FolderState()
    names = sorted(os.listdir(folder))
    for name in names:  # refuse before touching anything
        s = shard_number(name)
        got = _header(os.path.join(folder, name)) if s is not None else None
        if got is not None and got[0].get("pack_key") != key:
            raise_error("SF_ARG", f"pack: {folder} holds {name} of another pack (pack_key "
                        f"{got[0].get('pack_key')!r}, this pipeline's is {key!r}); a pack never overwrites "
                        "another: choose another folder, or delete that one first")
    s = 0
    while True:
        path = os.path.join(folder, shard_name(s))
        got = _header(path) if os.path.isfile(path) else None
        if got is None:
            break
        meta, size = got
        ok = (meta.get("shard") == str(s) and meta.get("first_record") == str(state.records)
              and str(meta.get("records", "")).isdigit() and int(meta["records"]) >= 1
              and os.path.getsize(path) == size)
        if not ok:
            break
        state.kept.append({"file": shard_name(s), "records": int(meta["records"]), "bytes": size,
                           "sha256": _sha256(path)})
        state.records += int(meta["records"])
        s += 1
    for name in names:
        if name == INDEX + TMP or name.endswith(TMP) and shard_number(name[:-len(TMP)]) is not None:
            os.remove(os.path.join(folder, name))  # a shard a killed run was writing: replaced
    return state


def remove_stale(folder: str, shards: int) -> None:
    """Remove this pack's shard files numbered ``shards`` or more (left by an earlier, longer run)."""
    for name in os.listdir(folder):
        s = shard_number(name)
        if s is not None and s >= shards:
            os.remove(os.path.join(folder, name))
