"""Mixer, domain tags and the xoshiro128** generator of SPEC §1.1–1.2.

All arithmetic is on unsigned 32-bit words (``& MASK32`` after ``+`` / ``*``).
"""

from __future__ import annotations

MASK32 = 0xFFFFFFFF

# Domain tags: ASCII of the word, big-endian (SPEC §1.1).
TAG_PERM = 0x7065726D  # "perm"
TAG_SHUF = 0x73687566  # "shuf"
TAG_INIT = 0x696E6974  # "init"
TAG_SPLT = 0x73706C74  # "splt"
TAG_SHRD = 0x73687264  # "shrd"

_GOLDEN = 0x9E3779B9
_TWO32 = 1 << 32


def mix32(x: int) -> int:
    """The "lowbias32" integer hash (SPEC §1.1).

    Example::

        >>> mix32(0)
        0
    """
    x &= MASK32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & MASK32
    x ^= x >> 15
    x = (x * 0x846CA68B) & MASK32
    x ^= x >> 16
    return x


def combine(h: int, v: int) -> int:
    """Fold word ``v`` into hash ``h``: ``mix32(mix32(h) ^ v)`` (SPEC §1.1).

    Example::

        key = combine(combine(seed, TAG_PERM), epoch)
    """
    return mix32(mix32(h) ^ (v & MASK32))


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK32


def seed_state(seed: int) -> list[int]:
    """The four state words for ``seed`` (SPEC §1.2 ``seed_state``)."""
    s = [mix32((seed + (i + 1) * _GOLDEN) & MASK32) for i in range(4)]
    if not any(s):
        s[0] = 1
    return s


class Prng:
    """xoshiro128** seeded through :func:`mix32` (SPEC §1.2).

    The four-word ``state`` is the whole resumable state.

    Example::

        g = Prng(7)
        word = g.next_u32()
        die = g.below(6)
        saved = g.state
        g.state = saved   # resume later
    """

    __slots__ = ("_s0", "_s1", "_s2", "_s3")

    def __init__(self, seed: int = 0) -> None:
        self._s0, self._s1, self._s2, self._s3 = seed_state(seed & MASK32)

    @property
    def state(self) -> tuple[int, int, int, int]:
        """The four state words ``(s0, s1, s2, s3)``; assignable to resume."""
        return (self._s0, self._s1, self._s2, self._s3)

    @state.setter
    def state(self, words: tuple[int, int, int, int] | list[int]) -> None:
        w = [int(v) & MASK32 for v in words]
        if len(w) != 4:
            from ..errors import raise_error

            raise_error("SF_ARG", f"Prng.state needs four 32-bit words, got {len(w)}")
        self._s0, self._s1, self._s2, self._s3 = w

    def next_u32(self) -> int:
        """Next 32-bit word.

        Example::

            Prng(1).next_u32()
        """
        s0, s1, s2, s3 = self._s0, self._s1, self._s2, self._s3
        result = (_rotl((s1 * 5) & MASK32, 7) * 9) & MASK32
        t = (s1 << 9) & MASK32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self._s0, self._s1, self._s2, self._s3 = s0, s1, s2, s3
        return result

    def below(self, n: int) -> int:
        """Uniform integer in ``[0, n)`` for ``1 <= n <= 2**32``, by rejection.

        Example::

            Prng(3).below(10)   # 0..9
        """
        if n == _TWO32:
            return self.next_u32()
        if not 1 <= n < _TWO32:
            from ..errors import raise_error

            raise_error("SF_ARG", f"Prng.below(n) needs 1 <= n <= 2**32, got {n}")
        limit = _TWO32 - (_TWO32 % n)
        while True:
            x = self.next_u32()
            if x < limit:
                return x % n

    def uniform(self) -> float:
        """Float in ``[0, 1)`` with 24 random bits (exact in float32).

        Example::

            Prng(5).uniform()
        """
        return (self.next_u32() >> 8) / 16777216.0
