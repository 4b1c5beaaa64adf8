// Stateless keyed permutation of [0, n). SPEC.md §1.4.
import { mix32, combine, TAG_PERM } from './prng.mjs';
import { rangeError, typeError } from '../errors.mjs';

const TWO32 = 4294967296;

/** Precomputed round keys and widths for one (n, seed, epoch). */
export class Permutation {
  constructor(n, seed, epoch) {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO32)) {
      throw rangeError('SF_ARG', `permute: n must be an integer in [1, 2^32], got ${n}`);
    }
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.n = n;
    this.half = bits / 2;
    this.scale = 2 ** this.half; // multiplication, not <<: half can be 16
    this.mask = (this.scale - 1) >>> 0;
    const base = combine(combine(seed >>> 0, TAG_PERM), epoch >>> 0);
    this.keys = new Uint32Array(6);
    for (let r = 0; r < 6; r++) this.keys[r] = combine(base, r);
  }

  feistel(x) {
    const { mask, keys } = this;
    let L = Math.floor(x / this.scale) >>> 0;
    let R = (x % this.scale) >>> 0;
    for (let r = 0; r < 6; r++) {
      const next = (L ^ (mix32((R ^ keys[r]) >>> 0) & mask)) >>> 0;
      L = R;
      R = next;
    }
    return L * this.scale + R;
  }

  /** permute(i) with cycle-walking. */
  at(i) {
    if (!(Number.isInteger(i) && i >= 0 && i < this.n)) {
      throw rangeError('SF_ARG', `permute: index ${i} is outside [0, ${this.n})`);
    }
    let x = this.feistel(i);
    while (x >= this.n) x = this.feistel(x);
    return x;
  }
}

/**
 * The i-th element of a seeded bijection of [0, n). SPEC.md §1.4.
 * @example
 * const order = Array.from({ length: 10 }, (_, i) => permute(i, 10, 7, 0));
 * @param {number} i index in [0, n)
 * @param {number} n 1 <= n <= 2^32
 * @param {number} seed u32
 * @param {number} [epoch=0] u32
 */
export function permute(i, n, seed, epoch = 0) {
  if (typeof i !== 'number' || typeof n !== 'number') {
    throw typeError('SF_ARG', `permute(i, n, seed, epoch): i and n must be numbers, got ${typeof i}, ${typeof n}`);
  }
  return new Permutation(n, seed, epoch).at(i);
}
