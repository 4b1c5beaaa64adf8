"""Image decoding and resizing through TensorFlow's own kernels (SPEC §3.2)."""

from __future__ import annotations

import numpy as np

from ..errors import raise_error
from . import import_tf


def decode_file(path: str, channels: int, source: str, shown: str, folder: str, fix: str = "") -> np.ndarray:
    """Read and decode one image file (``decode``); an undecodable file is
    ``SF_IMAGE_DECODE`` naming it as the user knows it (``shown``, in ``folder``).
    The one place every image source turns a TensorFlow failure into our error
    (the JS twin: js/src/tfjs/image.mjs).

    Example::

        x = decode_file("imgs/cat_0.png", 3, "image_folder", "cat_0.png", "imgs")
    """
    with open(path, "rb") as f:
        contents = f.read()
    try:
        return decode(contents, channels)
    except Exception as exc:
        if getattr(exc, "code", None) == "SF_DEPENDENCY":
            raise
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise_error("SF_IMAGE_DECODE", f"{source}: cannot decode {shown!r} in {folder} ({first}); "
                    f"replace or remove the file{fix}")


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


def resize_nearest(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """``ResizeNearestNeighbor(align_corners=False, half_pixel_centers=True)``; keeps the dtype (masks, SPEC §3.5).

    Example::

        m = resize_nearest(mask, 32, 32)   # uint8 [32, 32, 1]
    """
    tf = import_tf()
    out = tf.raw_ops.ResizeNearestNeighbor(images=x[None], size=[height, width], align_corners=False,
                                           half_pixel_centers=True)
    return out.numpy()[0]


def crop_box(height: int, width: int, target_h: int, target_w: int) -> tuple[int, int, int, int]:
    """``(top, left, crop_h, crop_w)`` of Keras's ``smart_resize`` as it runs in ``tf.data`` (SPEC §3.4).

    Each division is a float32 operation on float32 operands; ``int()`` truncates.

    Example::

        crop_box(30, 18, 10, 6)   # (0, 0, 30, 18): already 5:3
    """
    f32 = np.float32
    ch = max(min(height, int(f32(width * target_h) / f32(target_w))), 1)
    cw = max(min(width, int(f32(height * target_w) / f32(target_h))), 1)
    top = int(f32(height - ch) / f32(2))
    left = int(f32(width - cw) / f32(2))
    return top, left, ch, cw


def pad_box(height: int, width: int, target_h: int, target_w: int) -> tuple[int, int, int, int]:
    """``(top, left, resized_h, resized_w)`` of ``tf.image.resize_with_pad`` (SPEC §3.4), all float32 steps.

    Example::

        pad_box(17, 23, 7, 13)   # resize to 7 x 9, place at row 0, column 2
    """
    f32 = np.float32
    fh_t, fw_t = f32(target_h), f32(target_w)
    ratio = max(f32(width) / fw_t, f32(height) / fh_t)
    fh, fw = f32(height) / ratio, f32(width) / ratio
    top = max(0, int(np.floor((fh_t - fh) / f32(2))))
    left = max(0, int(np.floor((fw_t - fw) / f32(2))))
    return top, left, int(np.floor(fh)), int(np.floor(fw))


def crop_resize(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Centre crop to the target aspect ratio, then :func:`resize` (``crop_to_aspect_ratio``).

    Example::

        y = crop_resize(x, 10, 6)   # float32 [10, 6, c]
    """
    top, left, ch, cw = crop_box(x.shape[0], x.shape[1], height, width)
    return resize(x[top:top + ch, left:left + cw], height, width)


def pad_resize(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize to fit inside ``[height, width]`` keeping the aspect ratio, zero-padded (``pad_to_aspect_ratio``).

    Raises ``ValueError`` when the fitted size has a zero side (a very thin image); the caller names the file.

    Example::

        y = pad_resize(x, 7, 13)   # float32 [7, 13, c]
    """
    top, left, rh, rw = pad_box(x.shape[0], x.shape[1], height, width)
    if rh < 1 or rw < 1:
        raise ValueError(f"a {x.shape[0]}x{x.shape[1]} image fitted into {height}x{width} keeps "
                         f"{rh}x{rw} pixels")
    out = np.zeros((height, width, x.shape[2]), dtype=np.float32)
    out[top:top + rh, left:left + rw] = resize(x, rh, rw)
    return out
