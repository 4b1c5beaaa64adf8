"""``decode: false`` (SPEC §3.2, §3.4): an image source that yields each file's bytes, undecoded.

Packing encoded images (SPEC §9) keeps a pack small; the ``decode_image``
map (SPEC §4.3) decodes them when the pack is read. Both image sources share
the option's rules here: the options that only make sense for pixels are
``SF_ARG`` next to ``decode=False``, and the bytes come back as ``uint8 [size]``.
"""

from __future__ import annotations

import numpy as np

from ..errors import raise_error


def check_decode(decode: object, who: str, **pixel_options: bool) -> bool:
    """``decode`` as a bool; with ``False``, every pixel option that is set (``True`` in
    ``pixel_options``) is ``SF_ARG`` naming it.

    Example::

        check_decode(False, "image_folder", channels=False, image_size=True)   # raises SF_ARG
    """
    if not isinstance(decode, bool):
        raise_error("SF_ARG", f"{who} decode must be true or false, got {decode!r}", kind="type")
    if not decode:
        given = [name for name, is_set in pixel_options.items() if is_set]
        if given:
            raise_error("SF_ARG", f"{who}: {', '.join(given)} cannot be used with decode=false, which yields "
                        "the files' undecoded bytes; drop them, or decode later with the decode_image map "
                        "(which takes channels, image_size and scale)")
    return decode


def read_bytes(path: str) -> np.ndarray:
    """The file's bytes as a writable ``uint8 [size]`` array (one read, no extra copy).

    Example::

        read_bytes("shapes/circle_0.png")[:4]   # array([137, 80, 78, 71], dtype=uint8)
    """
    return np.fromfile(path, dtype=np.uint8)
