"""SPEC §1.5 buffer shuffle over blocks, with a columnar buffer.

The algorithm is exactly the record version (``shuffle.buffer_shuffle``), so
the order is identical; only the bookkeeping changes. The buffer is a
preallocated array per leaf (``[B, ...]``). The PRNG draws are inherently
sequential, so one tight loop over Python ints (xoshiro128** inlined) draws a
whole incoming block's slots and records, per output position, *which row*
it takes: a buffer slot (``< B``) or a row of the incoming block (``B + k``).
The rows themselves then move with two numpy gathers per leaf, and the
buffer is updated with the last row written to each slot.

If a block's records differ in shape or dtype from the buffer's, the rest of
the stream falls back to the record version with the same generator state.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any, Iterable, Iterator

import numpy as np

from ..core import block as blk
from ..order.prng import MASK32, TAG_SHUF, Prng, combine

_TWO32 = 1 << 32

STEP_ROWS = blk.MAX_ROWS
"""Most incoming rows drawn for at once (4,096, the most rows grouped into a block). The draws are
Python lists of ints (~70 bytes a row with their ints); a 222k-row CSV block made ~20 MB of them at
once, and the peak RSS climbed with the number of such blocks (BENCHMARKS.md, suite run 11).
Longer blocks are taken in views of this many rows; the order is the same, only the output blocks
are shorter. Steps of 4,096 rows were also faster than steps of 16,384 (a 20M-row epoch through
shuffle(buffer_size=10000): 18.6 s against 27.6 s), the gathers staying in cache."""


def _bounded(blocks: Iterable[Any]) -> Iterator[Any]:
    """``blocks``, each longer than ``STEP_ROWS`` cut into views of at most that many rows."""
    for block in blocks:
        n = blk.rows(block)
        if n <= STEP_ROWS:
            yield block
            continue
        for lo in range(0, n, STEP_ROWS):
            yield blk.cut(block, lo, min(n, lo + STEP_ROWS))


def shuffle_records(records: Iterable[Any], buffer_size: int, g: Prng, buf: list[Any]) -> Iterator[Any]:
    """SPEC §1.5 verbatim, continuing from a partly filled ``buf`` and generator ``g``."""
    for x in records:
        if len(buf) < buffer_size:
            buf.append(x)
            continue
        j = g.below(buffer_size)
        out = buf[j]
        buf[j] = x
        yield out
    while buf:
        j = g.below(len(buf))
        out = buf[j]
        buf[j] = buf[-1]
        buf.pop()
        yield out


def _below_draws(g: Prng, sizes: Iterable[int]) -> Iterator[int]:
    """``g.below(size)`` for each size in turn, xoshiro128** (SPEC §1.2) inlined: the
    hot loop of this file. ``g.state`` is written back once the draws are used up."""
    s0, s1, s2, s3 = g.state
    try:
        for size in sizes:
            limit = _TWO32 - _TWO32 % size
            while True:  # rejection (rare): draw again
                x = s1 * 5 & MASK32
                r = ((x << 7 | x >> 25) & MASK32) * 9 & MASK32
                t = s1 << 9 & MASK32
                s2 ^= s0
                s3 ^= s1
                s1 ^= s2
                s0 ^= s3
                s2 ^= t
                s3 = (s3 << 11 | s3 >> 21) & MASK32
                if r < limit:
                    break
            yield r % size
    finally:
        g.state = (s0, s1, s2, s3)


def _fill_draws(g: Prng, n: int, m: int, slot: list[int], base: int) -> tuple[list[int], list[int]]:
    """``m`` draws of ``below(n)`` (steady state): for output ``k`` the row it takes
    (``slot[j]``), then slot ``j`` holds incoming row ``base + k``."""
    taken = [0] * m
    js = [0] * m
    for k, j in enumerate(_below_draws(g, repeat(n, m))):
        js[k] = j
        taken[k] = slot[j]
        slot[j] = base + k
    return taken, js


def _drain_order(g: Prng, count: int) -> list[int]:
    """The slots the final drain emits, in order: ``below(len)``, move the last slot in."""
    idx = list(range(count))
    out = []
    for j in _below_draws(g, range(count, 0, -1)):
        out.append(idx[j])
        idx[j] = idx[-1]
        idx.pop()
    return out


def _gather(buf: np.ndarray, x: np.ndarray, src: np.ndarray, from_x: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((src.size,) + buf.shape[1:], dtype=buf.dtype)
    out[from_x] = x[src[from_x] - size]
    keep = ~from_x
    out[keep] = buf[src[keep]]
    return out


def buffer_shuffle_blocks(blocks: Iterable[Any], buffer_size: int, seed: int, epoch: int) -> Iterator[Any]:
    """Blocks of the SPEC §1.5 order of the records in ``blocks``.

    Example::

        list(buffer_shuffle_blocks(iter([np.arange(10, dtype=np.int32)]), 4, seed=7, epoch=0))
    """
    size = buffer_size
    g = Prng(combine(combine(seed, TAG_SHUF), epoch))
    it = _bounded(blocks)
    buf: Any = None
    sig: Any = None
    filled = 0
    slot = list(range(size))
    for block in it:
        n = blk.rows(block)
        if buf is None:
            sig = blk.signature(block, 1)
            buf = blk.apply(lambda a: np.empty((size,) + a.shape[1:], dtype=a.dtype), block)
        elif blk.signature(block, 1) != sig:
            records = [r for r in blk.unstack(blk.apply(lambda a: a[:filled].copy(), buf))]
            rest = (r for b in ([block], it) for bb in b for r in blk.unstack(bb))
            yield from blk.group(shuffle_records(rest, size, g, records))
            return
        pos = 0
        if filled < size:
            pos = min(size - filled, n)
            lo = filled

            def fill(dst: np.ndarray, src: np.ndarray) -> None:
                dst[lo:lo + pos] = src[:pos]

            _zip(fill, buf, block)
            filled += pos
            if pos == n:
                continue
        x = blk.cut(block, pos, n) if pos else block
        taken, js = _fill_draws(g, size, n - pos, slot, size)
        src = np.array(taken, dtype=np.int64)
        from_x = src >= size
        jarr = np.array(js, dtype=np.int64)
        last = np.array([slot[j] for j in js], dtype=np.int64) - size  # final writer of each slot
        for j in js:
            slot[j] = j
        out = _zip_out(lambda b, a: _gather(b, a, src, from_x, size), buf, x)

        def update(b: np.ndarray, a: np.ndarray) -> None:
            b[jarr] = a[last]  # repeated slots get the same row: order does not matter

        _zip(update, buf, x)
        yield out
    if buf is None or filled == 0:
        return
    order = np.array(_drain_order(g, filled), dtype=np.int64)
    step = max(1, min(blk.MAX_ROWS, blk.BLOCK_BYTES // max(1, sum(a[:1].nbytes for a in blk.leaves(buf)))))
    for lo in range(0, filled, step):
        idx = order[lo:lo + step]
        yield blk.apply(lambda a: a[idx], buf)


def _zip(fn: Any, a: Any, b: Any) -> None:
    """``fn(leaf_a, leaf_b)`` over two trees of one structure."""
    for x, y in zip(blk.leaves(a), blk.leaves(b)):
        fn(x, y)


def _zip_out(fn: Any, a: Any, b: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(_zip_out(fn, x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: _zip_out(fn, a[k], b[k]) for k in a}
    return fn(a, b)
