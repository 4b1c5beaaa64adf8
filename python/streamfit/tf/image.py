"""Image decoding and resizing through TensorFlow's own kernels (SPEC §3.2)."""

from __future__ import annotations

import numpy as np

from . import import_tf


def decode(contents: bytes, channels: int) -> np.ndarray:
    """``DecodeImage(channels, uint8, expand_animations=False)`` -> ``uint8 [h, w, c]``.

    Raises whatever TensorFlow raises on undecodable bytes; the caller names the file.

    Example::

        x = decode(open("cat_0.png", "rb").read(), channels=3)
    """
    tf = import_tf()
    x = tf.raw_ops.DecodeImage(contents=contents, channels=channels, dtype=tf.uint8,
                               expand_animations=False)
    return x.numpy()


def resize(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """``ResizeBilinear(align_corners=False, half_pixel_centers=True)`` -> ``float32 [h, w, c]``.

    Example::

        y = resize(x, 32, 32)
    """
    tf = import_tf()
    out = tf.raw_ops.ResizeBilinear(images=x[None], size=[height, width], align_corners=False,
                                    half_pixel_centers=True)
    return out.numpy()[0]  # slice in numpy: a tensor __getitem__ costs more than the resize
