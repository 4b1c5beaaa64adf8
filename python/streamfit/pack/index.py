"""A pack's ``index.json`` (SPEC §9.2): read and check it, rebuild records from its structure.

Everything a reader needs before opening a shard is checked here, once, when
the ``packed`` source is built: the format and version, the fields, the
structure, the shard list and the record count. A folder with shards or
``.tmp`` files but no index is an unfinished pack (SPEC §3.7): its message
says to run ``pack`` again to resume it.

Example::

    index = read_index("flowers_pack")
    index.records, [f.name for f in index.fields], index.shards[0].file
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import raise_error
from .format import DTYPES, FORMAT, INDEX, TMP, VERSION, shard_number


@dataclass(frozen=True)
class Field:
    """One leaf of the records: ``shape`` is ``None`` for a variable field (1-d, any length)."""

    name: str
    dtype: str
    shape: tuple[int, ...] | None

    @property
    def variable(self) -> bool:
        return self.shape is None

    @property
    def record_bytes(self) -> int:
        """Bytes of one record's value (fixed fields only)."""
        assert self.shape is not None
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class ShardEntry:
    """One shard as the index lists it."""

    file: str
    records: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class PackIndex:
    """The checked content of ``index.json``."""

    folder: str
    pack_key: str
    structure: Any
    fields: tuple[Field, ...]
    records: int
    shards: tuple[ShardEntry, ...]
    skipped: Any
    raw: dict[str, Any]

    def starts(self) -> np.ndarray:
        """First stored record of each shard, plus the total at the end (``S + 1`` entries)."""
        return np.concatenate([[0], np.cumsum([s.records for s in self.shards], dtype=np.int64)])


def _bad(folder: str, why: str) -> None:
    raise_error("SF_PACK_FORMAT", f"packed: {os.path.join(folder, INDEX)} {why}; the folder is not a "
                "readable streamfit pack (write it with pack)")


def _is_int(v: Any, minimum: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _structure_names(node: Any, folder: str, out: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _structure_names(item, folder, out)
    elif isinstance(node, dict):
        for key in sorted(node, key=lambda k: k.encode("utf-8")):
            _structure_names(node[key], folder, out)
    elif isinstance(node, str):
        out.append(node)
    else:
        _bad(folder, f"has a structure leaf {node!r} that is not a field name")


def read_index(folder: str) -> PackIndex:
    """Read and check ``folder/index.json``; ``SF_FILE_NOT_FOUND`` / ``SF_PACK_FORMAT`` as SPEC §3.7 says.

    Example::

        read_index("shared_fixtures/packs/images16").records   # 8
    """
    if not os.path.exists(folder):
        raise_error("SF_FILE_NOT_FOUND", f"packed: folder {folder!r} does not exist; check the path (relative "
                    "paths in a spec resolve against the spec file's folder)")
    if not os.path.isdir(folder):
        raise_error("SF_ARG", f"packed: {folder!r} is a file, not a pack folder (the folder holding index.json)")
    path = os.path.join(folder, INDEX)
    if not os.path.isfile(path):
        names = os.listdir(folder)
        if any(shard_number(n) is not None or n.endswith(TMP) for n in names):
            raise_error("SF_PACK_FORMAT", f"packed: {folder} is an unfinished pack (shard files but no {INDEX}); "
                        "run pack again with the same pipeline and folder to resume it")
        raise_error("SF_PACK_FORMAT", f"packed: {folder} has no {INDEX}, so it is not a streamfit pack; "
                    "write one with pack")
    try:
        with open(path, "rb") as f:
            raw = json.loads(f.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        _bad(folder, f"is not UTF-8 JSON ({exc})")
    if not isinstance(raw, dict):
        _bad(folder, "is not a JSON object")
    if raw.get("format") != FORMAT:
        _bad(folder, f"has format {raw.get('format')!r}, expected {FORMAT!r}")
    if raw.get("version") != VERSION or isinstance(raw.get("version"), bool):
        _bad(folder, f"has version {raw.get('version')!r}; this reader reads version {VERSION} only")
    if not isinstance(raw.get("pack_key"), str):
        _bad(folder, "has no pack_key string")
    fields = []
    for f in raw.get("fields") if isinstance(raw.get("fields"), list) else _bad(folder, "has no fields list"):
        ok = (isinstance(f, dict) and isinstance(f.get("name"), str) and f.get("dtype") in DTYPES
              and isinstance(f.get("shape"), list)
              and (f["shape"] == [None] or all(_is_int(d) for d in f["shape"])))
        if not ok:
            _bad(folder, f"has a malformed field {f!r} (needs name, a dtype of {', '.join(DTYPES)}, and a shape)")
        shape = None if f["shape"] == [None] else tuple(f["shape"])
        fields.append(Field(f["name"], f["dtype"], shape))
    names = [f.name for f in fields]
    if not fields or len(set(names)) != len(names):
        _bad(folder, "lists no fields, or one name twice")
    used: list[str] = []
    _structure_names(raw.get("structure"), folder, used)
    if sorted(used) != sorted(names):
        _bad(folder, f"has a structure naming {used} but fields {names}")
    shards = []
    for s in raw.get("shards") if isinstance(raw.get("shards"), list) else _bad(folder, "has no shards list"):
        ok = (isinstance(s, dict) and isinstance(s.get("file"), str) and shard_number(s["file"]) is not None
              and _is_int(s.get("records"), 1) and _is_int(s.get("bytes"), 8) and isinstance(s.get("sha256"), str))
        if not ok:
            _bad(folder, f"has a malformed shard entry {s!r}")
        shards.append(ShardEntry(s["file"], s["records"], s["bytes"], s["sha256"].lower()))
    if not shards:
        _bad(folder, "lists no shards")
    if not _is_int(raw.get("records"), 1) or raw["records"] != sum(s.records for s in shards):
        _bad(folder, f"says records={raw.get('records')!r}, but its shards hold {sum(s.records for s in shards)}")
    return PackIndex(folder, raw["pack_key"], raw["structure"], tuple(fields), raw["records"], tuple(shards),
                     raw.get("skipped"), raw)


def rebuild(structure: Any, leaves: dict[str, Any]) -> Any:
    """The record (or block) tree of ``structure`` with each field name replaced by its leaf.

    Example::

        rebuild([["0", "1"], "2"], {"0": a, "1": b, "2": c})   # ((a, b), c)
    """
    if isinstance(structure, list):
        return tuple(rebuild(s, leaves) for s in structure)
    if isinstance(structure, dict):
        return {k: rebuild(structure[k], leaves) for k in sorted(structure, key=lambda k: k.encode("utf-8"))}
    return leaves[structure]
