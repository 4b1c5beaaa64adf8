"""Vectorised number grammar and parsing for CSV fields (SPEC §3.1, §2.4).

A field (bytes ``a[start:end]``) is trimmed of ASCII spaces and tabs, checked
against the grammar with a small DFA run column-wise over all rows at once,
and converted with numpy's correctly rounded text-to-float64 cast -- except
plain decimals, which ``csv_decimal`` converts first at a tenth of the cost (or the native kernel,
``_native/csv_decimal.c``, at a tenth of that, where ``make install`` built it). Only rare
fields (``nan``/``inf`` spellings, very long fields) take a per-field path.
"""

from __future__ import annotations

import re

import numpy as np

from .. import _native
from .csv_decimal import parse_decimal

_PIECE = 16384  # fields parsed per pass (measured: 2.5x faster than 200k at a time)
_MAX_FAST = 64  # fields longer than this (after trimming) take the slow path
_SPECIAL = re.compile(rb"[+-]?(nan|inf|infinity)", re.IGNORECASE)
_NUMBER = re.compile(rb"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

_DEAD = 9
_ACCEPT = np.zeros(10, dtype=bool)
_ACCEPT[[2, 3, 5, 8]] = True


def _table() -> np.ndarray:
    t = np.full((10, 256), _DEAD, dtype=np.uint8)
    digits = list(range(ord("0"), ord("9") + 1))
    sign = [ord("+"), ord("-")]
    dot, exp = ord("."), [ord("e"), ord("E")]
    t[0, sign] = 1
    t[0, digits] = 2
    t[0, dot] = 4
    t[1, digits] = 2
    t[1, dot] = 4
    t[2, digits] = 2
    t[2, dot] = 3
    t[2, exp] = 6
    t[3, digits] = 5
    t[3, exp] = 6
    t[4, digits] = 5
    t[5, digits] = 5
    t[5, exp] = 6
    t[6, sign] = 7
    t[6, digits] = 8
    t[7, digits] = 8
    t[8, digits] = 8
    return t


_T = _table()
_WS = np.zeros(256, dtype=bool)
_WS[[ord(" "), ord("\t")]] = True


def trim(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move ``starts``/``ends`` past leading/trailing spaces and tabs."""
    s, e = starts.copy(), ends.copy()
    if a.size == 0:
        return s, e
    last = a.size - 1
    while True:
        m = (s < e) & _WS[a[np.minimum(s, last)]]
        if not m.any():
            break
        s[m] += 1
    while True:
        m = (e > s) & _WS[a[np.maximum(e - 1, 0)]]
        if not m.any():
            break
        e[m] -= 1
    return s, e


def parse_fields(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values float64, ok bool)`` for the fields ``a[starts[k]:ends[k]]``.

    ``ok[k]`` is False when field ``k`` breaks the grammar; its value is then 0.

    Example::

        a = np.frombuffer(b"1.5, x", np.uint8)
        parse_fields(a, np.array([0, 4]), np.array([3, 6]))  # ([1.5, 0], [True, False])
    """
    if starts.size > _PIECE:  # in cache-sized pieces: numpy passes over L2-resident arrays
        parts = [parse_fields(a, starts[i:i + _PIECE], ends[i:i + _PIECE])
                 for i in range(0, starts.size, _PIECE)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    if _native.available():  # trim + plain decimals in C (_native/csv_decimal.c): the same values
        s, e, values, ok = _native.csv_decimal(a, starts, ends)
    else:
        s, e = trim(a, starts, ends)
        values, ok = parse_decimal(a, s, e)  # plain decimals: the common case, ~10x cheaper
    lens = e - s
    fast = (lens > 0) & (lens <= _MAX_FAST) & ~ok
    rows = np.flatnonzero(fast)
    if rows.size:
        width = int(lens[rows].max())
        cols = np.arange(width)
        idx = s[rows, None] + cols
        valid = cols < lens[rows, None]
        mat = np.where(valid, a[np.minimum(idx, a.size - 1)], 0).astype(np.uint8)
        state = np.zeros(rows.size, dtype=np.uint8)
        for j in range(width):
            state = np.where(valid[:, j], _T[state, mat[:, j]], state)
        good = _ACCEPT[state]
        if good.any():
            text = np.ascontiguousarray(mat[good]).view(f"S{width}").ravel()
            with np.errstate(all="ignore"):
                values[rows[good]] = text.astype(np.float64)
        ok[rows[good]] = True
    for k in np.flatnonzero(~ok).tolist():  # specials, overlong fields, errors
        token = a[s[k]:e[k]].tobytes()
        if _SPECIAL.fullmatch(token) or _NUMBER.fullmatch(token):
            values[k] = float(token)
            ok[k] = True
    return values, ok


def field_text(a: np.ndarray, start: int, end: int) -> str:
    """The raw field as text for an error message."""
    return a[start:end].tobytes().decode("utf-8", errors="replace")


def to_dtype(values: np.ndarray, ok: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Round float64 to float32, or check and convert to int32 (SPEC §3.1 ``dtype``).

    NaN becomes the canonical quiet NaN (``0x7fc00000``) so digests do not
    depend on the sign the text carried (``-nan``).
    """
    if dtype == "float32":
        with np.errstate(all="ignore"):
            out = values.astype(np.float32)
        nan = np.isnan(out)
        if nan.any():
            out[nan] = np.float32("nan")
            out[nan] = np.abs(out[nan])
        return out, ok
    integral = np.isfinite(values) & (np.floor(values) == values)
    in_range = (values >= -(2**31)) & (values <= 2**31 - 1)
    ok = ok & integral & in_range
    return np.where(ok, values, 0).astype(np.int32), ok
