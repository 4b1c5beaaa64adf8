"""Argument checks shared by ops and sources (SPEC §4.1: ints in range, else SF_ARG)."""

from __future__ import annotations

import numbers

from ..errors import raise_error


def as_int(value: object, name: str, minimum: int | None = None, maximum: int | None = None,
           code: str = "SF_ARG") -> int:
    """``value`` as an ``int`` within ``[minimum, maximum]``, else ``code``.

    Integral floats (``3.0``) are accepted because a JSON number cannot tell
    ``3`` from ``3.0`` in JavaScript; booleans are not numbers here.

    Example::

        as_int(3, "batch_size", minimum=1)   # 3
    """
    v = value
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, numbers.Integral)):
        if float(v).is_integer():
            v = int(v)
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise_error(code, f"{name} must be an integer, got {value!r}",
                    kind="type" if not isinstance(value, numbers.Real) else "value")
    v = int(v)
    if minimum is not None and v < minimum:
        raise_error(code, f"{name} must be >= {minimum}, got {value!r}")
    if maximum is not None and v > maximum:
        raise_error(code, f"{name} must be <= {maximum}, got {value!r}")
    return v


def as_u32(value: object, name: str) -> int:
    """``value`` as an unsigned 32-bit integer (epochs), else ``SF_ARG``.

    Example::

        as_u32(0, "epoch")
    """
    return as_int(value, name, 0, 2**32 - 1)
