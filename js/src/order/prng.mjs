// 32-bit mixer and xoshiro128** generator. SPEC.md §1.1, §1.2.
// All arithmetic is on u32 words: Math.imul + >>> 0 for multiplication,
// >>> 0 after addition, >>> for logical shifts.

export const TAG_PERM = 0x7065726d; // "perm"
export const TAG_SHUF = 0x73687566; // "shuf"
export const TAG_INIT = 0x696e6974; // "init"
export const TAG_SPLT = 0x73706c74; // "splt"
export const TAG_SHRD = 0x73687264; // "shrd" (SPEC.md §3.7: the shards order of a packed source)

const TWO32 = 4294967296;

/**
 * lowbias32 mixer (C. Wellons). SPEC.md §1.1.
 * @example mix32(0) // 0
 * @param {number} x u32
 * @returns {number} u32
 */
export function mix32(x) {
  x = x >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/**
 * combine(h, v) = mix32(mix32(h) ^ v). SPEC.md §1.1.
 * @example combine(7, TAG_PERM)
 */
export function combine(h, v) {
  return mix32((mix32(h) ^ (v >>> 0)) >>> 0);
}

function rotl(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * xoshiro128** seeded through mix32. SPEC.md §1.2.
 * @example
 * const g = new Prng(42);
 * g.nextU32(); g.below(10); g.uniform();
 */
export class Prng {
  /** @param {number} seed u32 */
  constructor(seed) {
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      s[i] = mix32((seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
    }
    if (s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 0) s[0] = 1;
    this._s = s;
  }

  /** The four state words (a copy); the whole resumable state. */
  get state() {
    return Array.from(this._s);
  }

  set state(words) {
    if (!Array.isArray(words) && !(words instanceof Uint32Array)) {
      throw new TypeError('Prng.state must be an array of four u32 words');
    }
    if (words.length !== 4) throw new RangeError('Prng.state must hold exactly four u32 words');
    for (let i = 0; i < 4; i++) this._s[i] = words[i] >>> 0;
  }

  /** Next u32 word. */
  nextU32() {
    const s = this._s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * Uniform integer in [0, n) by rejection, for 1 <= n <= 2^32.
   * Doubles represent every value here exactly, so `2^32 % n` is exact.
   */
  below(n) {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO32)) {
      throw new RangeError(`Prng.below(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    if (n === TWO32) return this.nextU32();
    const limit = TWO32 - (TWO32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Float in [0, 1) with 24 random bits (exact in float32 and float64). */
  uniform() {
    return (this.nextU32() >>> 8) / 16777216;
  }
}
