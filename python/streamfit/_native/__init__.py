"""Optional native kernels, built by ``make install`` with the system C compiler (``cc``).

``csv_decimal`` is the plain-decimal fast path of CSV numbers (``csv_decimal.c``): the same rule and
the same float64 as the numpy path (``sources/csv_decimal.py``), ~10x cheaper per field. Without the
library (no compiler, a wheel install), or with ``STREAMFIT_NATIVE=0``, streamfit parses with numpy
alone: the values are the same either way (the tests compare both on every kind of field).
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

import numpy as np

LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libstreamfit_native.so")


def _load() -> Any:
    if os.environ.get("STREAMFIT_NATIVE", "1") == "0" or not os.path.exists(LIBRARY):
        return None
    try:
        lib = ctypes.CDLL(LIBRARY)
    except OSError:
        return None
    p = ctypes.c_void_p
    lib.sf_csv_decimal.argtypes = [p, p, p, ctypes.c_int64, p, p, p, p]
    lib.sf_csv_decimal.restype = None
    return lib


_LIB = _load()


def available() -> bool:
    """Whether the native library is loaded."""
    return _LIB is not None


def csv_decimal(a: np.ndarray, starts: np.ndarray, ends: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(s, e, values float64, ok bool)``: fields ``a[starts[k]:ends[k]]`` trimmed of spaces and tabs
    to ``a[s[k]:e[k]]``, and the plain decimals among them parsed (``ok``). Needs ``available()``."""
    a = np.ascontiguousarray(a, dtype=np.uint8)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    n = starts.size
    s, e = np.empty(n, np.int64), np.empty(n, np.int64)
    values, ok = np.empty(n, np.float64), np.empty(n, np.bool_)
    _LIB.sf_csv_decimal(a.ctypes.data, starts.ctypes.data, ends.ctypes.data, n,
                        s.ctypes.data, e.ctypes.data, values.ctypes.data, ok.ctypes.data)
    return s, e, values, ok
