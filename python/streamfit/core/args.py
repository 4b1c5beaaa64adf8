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


def as_channels(value: object, who: str) -> int:
    """``DecodeImage`` channels (0, 1, 3 or 4) for ``who`` (e.g. ``"image_folder"``), else ``SF_ARG``.

    Example::

        as_channels(3, "image_folder")   # 3
    """
    ch = as_int(value, f"{who} channels", 0, 4)
    if ch == 2:
        raise_error("SF_ARG", f"{who} channels must be 0, 1, 3 or 4, got 2")
    return ch


def as_image_size(value: object, who: str) -> tuple[int, int] | None:
    """``[height, width]`` (each >= 1) as a tuple, or ``None`` for no resize; else ``SF_ARG``.

    Example::

        as_image_size([64, 48], "class_folder")   # (64, 48)
    """
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise_error("SF_ARG", f"{who} image_size must be [height, width], got {value!r}")
    return as_int(value[0], "image_size height", 1), as_int(value[1], "image_size width", 1)


def as_flag(value: object, name: str) -> bool:
    """``value`` if it is a bool, else ``SF_ARG`` (a type error) naming ``name``.

    Example::

        as_flag(True, "image_folder scale")   # True
    """
    if not isinstance(value, bool):
        raise_error("SF_ARG", f"{name} must be true or false, got {value!r}", kind="type")
    return value
