"""The pack format, version 1 (SPEC §9.2): names, dtypes, canonical JSON, safetensors headers.

A shard is a safetensors file: a little-endian u64 header length ``N``, ``N``
bytes of JSON (keys sorted, no spaces, padded with spaces so ``8 + N`` is a
multiple of 8), then the data buffer. Tensors sit in the buffer by item size
(largest first), then by name, without gaps, so each is aligned to its item
size and can be viewed in place (``np.frombuffer`` over a memory map).

Example::

    header = encode_header({"0": ("U8", [3, 2], 6)}, {"format": FORMAT, ...})
    parse_header(header + data, "shard-00000.safetensors")
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from decimal import Decimal
from typing import Any

from ..errors import raise_error

FORMAT = "streamfit-pack"
VERSION = 1
INDEX = "index.json"
TMP = ".tmp"

DTYPES = {"uint8": "U8", "int32": "I32", "float32": "F32", "int64": "I64", "float64": "F64"}
"""Field dtypes a pack stores (SPEC §2.1) and their safetensors names."""
ST_ITEMSIZE = {"U8": 1, "I32": 4, "F32": 4, "I64": 8, "F64": 8, "U64": 8}
ST_NUMPY = {"U8": "<u1", "I32": "<i4", "F32": "<f4", "I64": "<i8", "F64": "<f8", "U64": "<u8"}

MAX_HEADER = 100 << 20
"""Largest header accepted (safetensors' own limit): a bigger length field means a damaged file."""


def shard_name(s: int) -> str:
    """``shard-NNNNN.safetensors`` (at least 5 digits). Example: ``shard_name(3)``."""
    return f"shard-{s:05d}.safetensors"


def shard_number(name: str) -> int | None:
    """The number in a shard file name, or ``None`` for any other name (``.tmp`` files included)."""
    if not (name.startswith("shard-") and name.endswith(".safetensors")):
        return None
    digits = name[len("shard-"):-len(".safetensors")]
    if len(digits) < 5 or not digits.isdigit() or not digits.isascii():
        return None
    n = int(digits)
    return n if shard_name(n) == name else None


def canonical(obj: Any) -> str:
    """JSON with keys sorted and no spaces (SPEC §9.1, §9.2), numbers as JavaScript prints them
    (``2.0`` as ``2``, ``1e-05`` as ``0.00001``), so both languages hash and write the same bytes.

    Example::

        canonical({"b": 1.0, "a": [0.00001]})   # '{"a":[0.00001],"b":1}'
    """
    if isinstance(obj, dict):
        items = sorted((str(k), v) for k, v in obj.items())
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(v) for k, v in items) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(canonical(v) for v in obj) + "]"
    if isinstance(obj, float):
        return js_number(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return json.dumps(obj, ensure_ascii=False)
    raise_error("SF_ARG", f"canonical JSON cannot hold {obj!r} ({type(obj).__name__})", kind="type")


def js_number(x: float) -> str:
    """ECMAScript ``Number::toString`` of a finite float (shortest round-trip digits).

    Example::

        js_number(2.0), js_number(1e-7), js_number(1e21)   # ('2', '1e-7', '1e+21')
    """
    if not math.isfinite(x):
        raise_error("SF_ARG", f"canonical JSON cannot hold {x!r}")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    k = len(digits)
    n = k + int(t.exponent)  # the value is 0.digits * 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    body = digits if k == 1 else digits[0] + "." + digits[1:]
    return sign + body + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def pack_key(summary: str, spec: Any, shard_bytes: int, variable: list[str]) -> str:
    """SPEC §9.1: sha256 (hex) of the canonical JSON of the pipeline summary, the packed spec part
    (``None`` for an API pipeline, or the ``key`` string it was given), ``shard_bytes`` and ``variable``.

    Example::

        pack_key("image_folder(images)", "golden:encoded", 4096, ["0"])
    """
    text = canonical({"pipeline": summary, "spec": spec, "shard_bytes": shard_bytes, "variable": list(variable)})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_header(tensors: dict[str, tuple[str, list[int], int]], meta: dict[str, str]) -> tuple[bytes, list[str]]:
    """``(8-byte length + padded header JSON, tensor names in buffer order)``.

    ``tensors`` maps a name to ``(safetensors dtype, shape, byte size)``; the buffer
    order is item size descending, then name by UTF-8 bytes (SPEC §9.2).
    """
    order = sorted(tensors, key=lambda t: (-ST_ITEMSIZE[tensors[t][0]], t.encode("utf-8")))
    header: dict[str, Any] = {"__metadata__": meta}
    pos = 0
    for name in order:
        dtype, shape, size = tensors[name]
        header[name] = {"data_offsets": [pos, pos + size], "dtype": dtype, "shape": list(shape)}
        pos += size
    text = canonical(header).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text, order


def parse_header(head: bytes, file_size: int, shown: str, damaged: Any = None) -> tuple[dict[str, Any], int]:
    """``(header dict, start of the data buffer)`` of a shard whose first bytes are ``head``
    (at least 8, and the whole header when the length allows); ``SF_PACK_FORMAT`` naming
    ``shown`` when the header is damaged or a tensor lies outside the file (``damaged(why)``
    raises instead when given: a training backup, SPEC §5.6, uses the same layout).
    """
    def bad(why: str) -> None:
        if damaged is not None:
            damaged(f"malformed header ({why})")
        raise_error("SF_PACK_FORMAT", f"packed: shard {shown} has a malformed header ({why}); the pack is "
                    "damaged: write it again with pack")

    if len(head) < 8:
        bad("the file is shorter than 8 bytes")
    (n,) = struct.unpack("<Q", head[:8])
    if n > MAX_HEADER or 8 + n > file_size or len(head) < 8 + n:
        bad(f"header length {n} does not fit a {file_size}-byte file")
    try:
        header = json.loads(bytes(head[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        bad(f"not UTF-8 JSON: {exc}")
    if not isinstance(header, dict):
        bad("not a JSON object")
    data = file_size - 8 - n
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        ok = (isinstance(entry, dict) and entry.get("dtype") in ST_ITEMSIZE
              and isinstance(entry.get("shape"), list) and all(_count(d) for d in entry["shape"])
              and isinstance(entry.get("data_offsets"), list) and len(entry["data_offsets"]) == 2
              and all(_count(d) for d in entry["data_offsets"]))
        if not ok:
            bad(f"tensor {name!r} is not {{dtype, shape, data_offsets}}")
        lo, hi = entry["data_offsets"]
        if hi - lo != math.prod(entry["shape"]) * ST_ITEMSIZE[entry["dtype"]] or hi > data:
            bad(f"tensor {name!r} has data_offsets {entry['data_offsets']} that do not match its shape or the file")
        if lo % ST_ITEMSIZE[entry["dtype"]]:
            bad(f"tensor {name!r} is not aligned to its item size")
    return header, 8 + n


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0
