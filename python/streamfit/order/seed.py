"""Seed validation and OS-drawn seeds (SPEC §1.3)."""

from __future__ import annotations

import numbers
import os

from ..errors import raise_error


def check_seed(seed: object, where: str = "seed") -> int:
    """Return ``seed`` as an int if it is an integer in ``[0, 2**32)``, else ``SF_SEED``.

    Integral floats (``7.0``, as JSON numbers may arrive) are accepted.

    Example::

        check_seed(7)      # 7
        check_seed(-1)     # raises SF_SEED
    """
    value = seed
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        if float(value).is_integer():
            value = int(value)
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or not 0 <= int(value) < 2**32):
        raise_error(
            "SF_SEED",
            f"{where} must be an integer in [0, 2**32), got {seed!r}; "
            "pass e.g. seed=7, or leave it out to draw one from the OS",
        )
    return int(value)


def draw_seed() -> int:
    """A seed from the OS: ``os.urandom(4)`` read as a little-endian u32.

    Example::

        seed = draw_seed()   # reported as "seed=N (drawn)" in summaries
    """
    return int.from_bytes(os.urandom(4), "little")


def resolve_seed(seed: object | None, where: str = "seed") -> tuple[int, bool]:
    """``(seed, drawn)``: validate a given seed, or draw one once when it is ``None``.

    Example::

        seed, drawn = resolve_seed(None)
    """
    if seed is None:
        return draw_seed(), True
    return check_seed(seed, where), False
