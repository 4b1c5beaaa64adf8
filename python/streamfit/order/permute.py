"""Keyed, stateless permutation of ``[0, n)`` (SPEC §1.4).

A 6-round Feistel network on ``bits`` bits with cycle-walking. The scalar and
the vectorised versions compute the same words; tests hold them to the shared
vectors in ``shared_fixtures/vectors/permute.json``.
"""

from __future__ import annotations

import numpy as np

from ..core.args import as_int, as_u32
from ..errors import raise_error
from .prng import TAG_PERM, combine, mix32
from .seed import check_seed

_ROUNDS = 6


def _geometry(n: int) -> tuple[int, int]:
    bits = 2
    while (1 << bits) < n:
        bits += 2
    half = bits // 2
    return half, (1 << half) - 1


def _keys(seed: int, epoch: int) -> list[int]:
    base = combine(combine(seed, TAG_PERM), epoch)
    return [combine(base, r) for r in range(_ROUNDS)]


def _check(n: object, seed: object, epoch: object) -> tuple[int, int, int]:
    n_ = as_int(n, "permute n", 1, 2**32)
    return n_, check_seed(seed), as_u32(epoch, "epoch")


def permute(i: int, n: int, seed: int, epoch: int = 0) -> int:
    """Position ``i`` of the ``(seed, epoch)`` permutation of ``range(n)``.

    Example::

        order = [permute(i, 10, seed=7, epoch=0) for i in range(10)]
        assert sorted(order) == list(range(10))
    """
    n, seed, epoch = _check(n, seed, epoch)
    i = as_int(i, "permute index i")
    if not 0 <= i < n:
        raise_error("SF_ARG", f"permute index i={i} is outside [0, {n}); pass 0 <= i < n")
    half, mask = _geometry(n)
    keys = _keys(seed, epoch)

    def feistel(x: int) -> int:
        left, right = x >> half, x & mask
        for k in keys:
            left, right = right, left ^ (mix32(right ^ k) & mask)
        return (left << half) | right

    x = feistel(i)
    while x >= n:
        x = feistel(x)
    return x


def permute_many(indices: np.ndarray | list[int], n: int, seed: int, epoch: int = 0) -> np.ndarray:
    """Vectorised :func:`permute`: ``out[j] = permute(indices[j], n, seed, epoch)``.

    Returns ``int64``. Same words as the scalar version.

    Example::

        order = permute_many(np.arange(1000), 1000, seed=7, epoch=1)
    """
    n, seed, epoch = _check(n, seed, epoch)
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise_error("SF_ARG", f"permute indices must lie in [0, {n})")
    half, mask = _geometry(n)
    keys = [np.uint32(k) for k in _keys(seed, epoch)]
    m = np.uint32(mask)
    sh = np.uint32(half)

    def mix(x: np.ndarray) -> np.ndarray:
        x = x ^ (x >> np.uint32(16))
        x = x * np.uint32(0x7FEB352D)
        x = x ^ (x >> np.uint32(15))
        x = x * np.uint32(0x846CA68B)
        return x ^ (x >> np.uint32(16))

    def feistel(x: np.ndarray) -> np.ndarray:
        x64 = x.astype(np.uint64)
        left = (x64 >> np.uint64(half)).astype(np.uint32)
        right = (x64 & np.uint64(mask)).astype(np.uint32)
        for k in keys:
            left, right = right, left ^ (mix(right ^ k) & m)
        return (left.astype(np.uint64) << np.uint64(sh)) | right.astype(np.uint64)

    with np.errstate(over="ignore"):
        domain = 1 << (2 * half)
        if domain <= _TABLE_MAX and 4 * idx.size >= domain:
            # Dense request: the network's value for every word of the domain at once (as many
            # evaluations as the walks below make on average), then each walk step is a lookup
            # instead of a whole network pass of a few dozen numpy calls.
            table = feistel(np.arange(domain, dtype=np.uint64)).astype(np.int64)
            x = table[idx]
            walk = x >= n
            while walk.any():
                x[walk] = table[x[walk]]
                walk = x >= n
            return x
        x = feistel(idx.astype(np.uint64))
        walk = x >= np.uint64(n)
        while walk.any():
            x[walk] = feistel(x[walk])
            walk = x >= np.uint64(n)
    return x.astype(np.int64)


_TABLE_MAX = 1 << 22
"""Largest domain (2^bits) ``permute_many`` tabulates: 32 MiB of int64 at most."""


def order(n: int, seed: int, epoch: int = 0) -> np.ndarray:
    """The whole permutation ``[permute(i, n, seed, epoch) for i in range(n)]``.

    Example::

        order(5, seed=1)   # e.g. array([3, 0, 4, 1, 2])
    """
    return permute_many(np.arange(n, dtype=np.int64), n, seed, epoch)

