"""A PNG of loss curves, drawn with Pillow (already a dependency): no plotting library needed.

Example::

    loss_plot("crosscheck.png", {"python": [0.9, 0.5, 0.3], "node": [0.9, 0.5, 0.3]}, "loss per step")
"""

from __future__ import annotations

import math
import os
from typing import Sequence

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)]


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``[lo, hi]``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step) + 1)]


def loss_plot(path: str, curves: dict[str, Sequence[float]], title: str, width: int = 900,
              height: int = 480) -> None:
    """Write a PNG with one line per curve (x = step from 1), axes, ticks and a legend.

    Later curves are drawn thinner over the first, so two equal curves stay visible.
    """
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 70, width - 20, 40, height - 50
    values = [v for c in curves.values() for v in c if math.isfinite(v)]
    n = max((len(c) for c in curves.values()), default=1)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.05
    lo, hi = lo - pad, hi + pad

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (right - left) * (i / max(1, n - 1))
        return x, bottom - (bottom - top) * (v - lo) / (hi - lo)

    d.text((left, 12), title, fill="black")
    d.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    for t in _ticks(lo, hi):
        _, y = xy(0, t)
        d.line([(left - 4, y), (left, y)], fill="black")
        d.line([(left + 1, y), (right, y)], fill=(230, 230, 230))
        d.text((4, y - 6), f"{t:.4g}", fill="black")
    for t in _ticks(1, n):
        x, _ = xy(int(t) - 1, lo)
        d.line([(x, bottom), (x, bottom + 4)], fill="black")
        d.text((x - 8, bottom + 8), f"{int(t)}", fill="black")
    d.text(((left + right) // 2 - 10, height - 22), "step", fill="black")
    for k, (name, curve) in enumerate(curves.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = [xy(i, v) for i, v in enumerate(curve) if math.isfinite(v)]
        if len(points) > 1:
            d.line(points, fill=colour, width=4 if k == 0 else 1)
        d.line([(right - 150, top + 12 + 18 * k), (right - 120, top + 12 + 18 * k)], fill=colour, width=3)
        d.text((right - 112, top + 6 + 18 * k), name, fill="black")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    img.save(path, format="PNG")
