"""Fast path for the common CSV number: ``[+-]? digits with at most one "."`` (SPEC §3.1).

numpy's bytes-to-float cast costs ~250 ns a field; this path is ~10x cheaper
and gives the same float64. Fields are gathered right-aligned into a
``[n, W]`` byte matrix (the last character in column ``W-1``), so every
column has a fixed place value: the digits, read as an integer ``S`` with the
dot as a 0 digit, are one float64 matrix-vector product. Removing the dot
gives the mantissa ``M`` (an integer below 10**15, so exact in float64), and
``M / 10**q`` (``q`` = digits after the dot, ``10**q`` exact) is a single
correctly rounded IEEE division -- Clinger's fast path -- hence the correctly
rounded float64 that SPEC §2.4 asks for. Fields this path does not take
(exponents, ``nan``/``inf``, 15+ characters, anything malformed) are left to
the general parser in ``csv_number``.
"""

from __future__ import annotations

import numpy as np

MAX_WIDTH = 15  # digits + dot; keeps the mantissa below 10**15 < 2**53, so exact in float64
_W = 16  # bytes gathered per field: two little-endian uint64 words
_ONES = np.uint64(0x0101010101010101)
_ZEROS = np.uint64(0x3030303030303030)  # eight ASCII "0"
_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)
_SIX = np.uint64(0x0606060606060606)
_PLACE = np.uint64(0x0102030405060708)  # (word * _PLACE) >> 56 = 1 + byte index of a lone 0x01 byte
_POW10_INT = (10 ** np.arange(MAX_WIDTH + 1, dtype=np.uint64)).astype(np.uint64)
_POW10 = 10.0 ** np.arange(MAX_WIDTH + 1)
_KEEP = np.zeros((_W + 1, _W), dtype=np.uint8)  # _KEEP[len]: 0xFF on the last len bytes
for _n in range(_W + 1):
    _KEEP[_n, _W - _n:] = 0xFF
_KEEP64 = _KEEP.view(np.uint64)


def _eight_digits(w: np.ndarray) -> np.ndarray:
    """Value of eight ASCII digits per uint64 (first character in the low byte).

    The SWAR reduction of D. Lemire, "Parsing eight digits" (fast_float): pairs,
    then quads, then the eight, all in wrapping uint64 arithmetic.
    """
    v = w - _ZEROS
    v = v * np.uint64(10) + (v >> np.uint64(8))
    lo = (v & np.uint64(0x000000FF000000FF)) * np.uint64(100 + (1000000 << 32))
    hi = ((v >> np.uint64(16)) & np.uint64(0x000000FF000000FF)) * np.uint64(1 + (10000 << 32))
    return (lo + hi) >> np.uint64(32)


def _words(a: np.ndarray) -> np.ndarray:
    """``out[i]`` = bytes ``a[i:i+8]`` as a little-endian uint64 (an overlapping view, no copy)."""
    a = np.ascontiguousarray(a)
    return np.ndarray(shape=(a.size - 7,), dtype="<u8", buffer=a, strides=(1,))


def _bytesum(w: np.ndarray) -> np.ndarray:
    return (w * _ONES) >> np.uint64(56)


def parse_decimal(a: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values float64, ok bool)`` for trimmed fields ``a[s[k]:e[k]]``; ``ok`` False = not taken.

    Example::

        a = np.frombuffer(b"................-1.25,7.", np.uint8)
        parse_decimal(a, np.array([16, 22]), np.array([21, 24]))   # ([-1.25, 7.0], [True, True])
    """
    n = s.size
    values = np.zeros(n, dtype=np.float64)
    ok = np.zeros(n, dtype=bool)
    if n == 0 or a.size < _W:
        return values, ok
    first = a[np.minimum(s, a.size - 1)]
    signed = ((first == 43) | (first == 45)) & (e > s)
    lens = e - (s + signed)
    rows = np.flatnonzero((lens >= 1) & (lens <= MAX_WIDTH) & (e >= _W))
    if rows.size == 0:
        return values, ok
    words = _words(a)
    end = e[rows]
    ln = lens[rows]
    with np.errstate(over="ignore"):
        fields = []
        for k, at in enumerate((end - _W, end - 8)):  # the two words ending at the field's end
            keep = _KEEP64[ln, k]
            w = words[at]
            w = (w & keep) | (_ZEROS & ~keep)  # bytes left of the field become leading "0"s
            dot = (w.view(np.uint8) == 46).view(np.uint64)  # 0x01 where a "." is
            w = w + (dot << np.uint64(1))  # "." (46) -> "0" (48): S reads the digits with a 0 there
            digits = ((w & _HIGH) == _ZEROS) & (((w + _SIX) & _HIGH) == _ZEROS)
            fields.append((w, dot, digits))
        (w0, dot0, dig0), (w1, dot1, dig1) = fields
        dots = _bytesum(dot0) + _bytesum(dot1)
        has_dot = dots == 1
        good = dig0 & dig1 & (dots <= 1) & (ln > dots)
        whole = _eight_digits(w0) * np.uint64(10 ** 8) + _eight_digits(w1)  # S, exact
        place0 = (dot0 * _PLACE) >> np.uint64(56)  # 1 + byte index of the dot, or 0
        place1 = (dot1 * _PLACE) >> np.uint64(56)
        col = np.where(place1 > 0, place1 + np.uint64(7), place0 - np.uint64(1))
        frac = np.where(has_dot & good, np.uint64(_W - 1) - col, np.uint64(0)).astype(np.intp)
    low = whole % _POW10_INT[frac]
    mant = np.where(has_dot, (whole - low) // np.uint64(10) + low, whole)  # drop the dot's 0
    v = mant.astype(np.float64) / _POW10[frac]  # exact / exact: one correctly rounded division
    v = np.where(first[rows] == 45, -v, v)
    values[rows[good]] = v[good]
    ok[rows[good]] = True
    return values, ok
