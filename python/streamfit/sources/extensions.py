"""The ``extensions`` option every file-folder source takes, checked in one place."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import raise_error


def normalize_extensions(extensions: Any, default: Sequence[str], who: str) -> tuple[str, ...]:
    """``extensions`` (or ``default``) as lower-case names without a dot; a bare string or a
    non-string entry is ``SF_ARG`` (a string would otherwise be split into letters).

    Example::

        normalize_extensions([".PNG", "jpg"], ("png",), "image_folder")   # ("png", "jpg")
    """
    exts = default if extensions is None else extensions
    if isinstance(exts, (str, bytes)) or not all(isinstance(e, str) and e.strip(".") for e in exts):
        raise_error("SF_ARG", f"{who} extensions must be a list of names like [\"png\", \"jpg\"], got {exts!r}",
                    kind="type")
    return tuple(e.lower().lstrip(".") for e in exts)
