// numpy's legacy RandomState(seed).shuffle, reimplemented exactly, for
// split_mode "keras": Keras's image_dataset_from_directory shuffles its file
// list with np.random.RandomState(seed).shuffle before splitting, so picking
// the same validation files as Keras needs the same permutation (SPEC.md §1.8).
// Python calls numpy itself (python/streamfit/order/numpy_legacy.py); the
// shared vectors in shared_fixtures/vectors/numpy_legacy.json come from numpy.

const N = 624;
const M = 397;

/** MT19937 as numpy's legacy RandomState seeds it with an integer (init_genrand). */
export class MT19937 {
  /** @param {number} seed integer in [0, 2^32) */
  constructor(seed) {
    const mt = new Uint32Array(N);
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const p = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * p + i, mod 2^32, without losing bits to doubles
      mt[i] = (Math.imul(1812433253, p) + i) >>> 0;
    }
    this.mt = mt;
    this.pos = N;
  }

  #refill() {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
      mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** Next tempered 32-bit output (genrand_int32). */
  nextU32() {
    if (this.pos >= N) this.#refill();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_interval(max): uniform in [0, max] by masked rejection (max < 2^32). */
  interval(max) {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextU32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }
}

/**
 * The order numpy's `np.random.RandomState(seed).shuffle(np.arange(n))` gives.
 * @example legacyShuffleOrder(5, 1337) // same as numpy
 * @param {number} n
 * @param {number} seed
 * @returns {Uint32Array}
 */
export function legacyShuffleOrder(n, seed) {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const g = new MT19937(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = g.interval(i);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
