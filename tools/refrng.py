"""Reference implementation of SPEC.md §1 in plain Python integers.

Written to be obviously equal to the text of SPEC.md, not to be fast. It shares
no code with python/streamfit or js/: the golden fixtures it produces are what
both packages are checked against.
"""

M = 0xFFFFFFFF
TAG_PERM = int.from_bytes(b"perm", "big")
TAG_SHUF = int.from_bytes(b"shuf", "big")
TAG_INIT = int.from_bytes(b"init", "big")
TAG_SPLT = int.from_bytes(b"splt", "big")
TAG_SHRD = int.from_bytes(b"shrd", "big")


def mix32(x):
    x &= M
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M
    x ^= x >> 15
    x = (x * 0x846CA68B) & M
    x ^= x >> 16
    return x


def combine(h, v):
    return mix32(mix32(h) ^ (v & M))


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M


class Xoshiro:
    def __init__(self, seed):
        self.s = [mix32((seed + (i + 1) * 0x9E3779B9) & M) for i in range(4)]
        if self.s == [0, 0, 0, 0]:
            self.s[0] = 1

    def next_u32(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & M, 7) * 9) & M
        t = (s1 << 9) & M
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def below(self, n):
        if n == 1 << 32:
            return self.next_u32()
        limit = (1 << 32) - ((1 << 32) % n)
        while True:
            x = self.next_u32()
            if x < limit:
                return x % n

    def uniform(self):
        return (self.next_u32() >> 8) / float(1 << 24)


def permute(i, n, seed, epoch):
    if not 0 <= i < n:
        raise ValueError("index out of range")
    bits = 2
    while (1 << bits) < n:
        bits += 2
    half = bits // 2
    mask = (1 << half) - 1
    keys = [combine(combine(combine(seed, TAG_PERM), epoch), r) for r in range(6)]

    def feistel(x):
        left, right = x >> half, x & mask
        for k in keys:
            left, right = right, left ^ (mix32(right ^ k) & mask)
        return (left << half) | right

    x = feistel(i)
    while x >= n:
        x = feistel(x)
    return x


def buffer_shuffle(items, buffer_size, seed, epoch):
    g = Xoshiro(combine(combine(seed, TAG_SHUF), epoch))
    buf, out = [], []
    for x in items:
        if len(buf) < buffer_size:
            buf.append(x)
            continue
        j = g.below(buffer_size)
        out.append(buf[j])
        buf[j] = x
    while buf:
        j = g.below(len(buf))
        out.append(buf[j])
        buf[j] = buf[-1]
        buf.pop()
    return out
