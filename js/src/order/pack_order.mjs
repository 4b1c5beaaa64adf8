// Which stored record each position of a packed epoch reads (SPEC.md §3.7):
// plain integer math. Python twin: python/streamfit/order/pack_order.py.
//
// - sequential: r(i) = i;
// - global: r(i) = permute(i, n, seed, e) (SPEC.md §1.4), what shuffle(seed)
//   after a sequential packed source gives;
// - shards: shard order o[j] = permute(j, S, k, e) with k = combine(seed, TAG_SHRD);
//   window w holds shards o[w*W .. (w+1)*W - 1], its records R_w those shards'
//   records concatenated in that order; position j of window w reads
//   R_w[permute(j, m_w, combine(k, w), e)]. Only W shards are read at a time.
import { Permutation } from './permute.mjs';
import { TAG_SHRD, combine } from './prng.mjs';

export const ORDERS = Object.freeze(['sequential', 'global', 'shards']);

// Plans and permutations kept per source: a few epochs (a consumer may read two at once).
const KEEP = 4;

/**
 * Index of the last entry of the ascending `list` that is <= x (the shard of
 * a stored record, given the shards' first records; the window of a position).
 * @example floorIndex([0, 9, 18, 27], 9) // 1
 */
export function floorIndex(list, x) {
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (list[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * One epoch of the shards order: the shard order and each window's extent.
 * @example const plan = new ShardsPlan([3, 3, 2], 5, 2, 0); plan.windows[0].shards // two shards
 */
export class ShardsPlan {
  /**
   * @param {number[]} counts records of each shard
   * @param {number} seed u32
   * @param {number} window shards per window (>= 1)
   * @param {number} epoch u32
   */
  constructor(counts, seed, window, epoch) {
    const S = counts.length;
    const k = combine(seed >>> 0, TAG_SHRD);
    const perm = new Permutation(S, k, epoch);
    /** Shards in the order the epoch reads them. */
    this.shards = Array.from({ length: S }, (_, j) => perm.at(j));
    /** @type {{first: number, shards: number[], inner: number[], perm: Permutation}[]} */
    this.windows = [];
    /** First position of each window, then the total. */
    this.firsts = [0];
    for (let w = 0; w * window < S; w++) {
      const shards = this.shards.slice(w * window, Math.min((w + 1) * window, S));
      const inner = [0];
      for (const s of shards) inner.push(inner[inner.length - 1] + counts[s]);
      const m = inner[inner.length - 1];
      const first = this.firsts[this.firsts.length - 1];
      this.windows.push({ first, shards, inner, perm: new Permutation(m, combine(k, w), epoch) });
      this.firsts.push(first + m);
    }
  }
}

/**
 * Stored record of each position, for one packed source's order (SPEC.md §3.7).
 * @example
 * const order = new PackOrder([3, 3, 2], 'shards', 5, 2);
 * Array.from({ length: 8 }, (_, i) => order.stored(i, 0)); // a permutation of 0..7
 */
export class PackOrder {
  /**
   * @param {number[]} counts records of each shard
   * @param {'sequential'|'global'|'shards'} how
   * @param {number|null} seed u32 (global, shards)
   * @param {number} window shards per window (shards)
   */
  constructor(counts, how, seed, window = 2) {
    this.counts = counts.slice();
    this.starts = [0];
    for (const c of counts) this.starts.push(this.starts[this.starts.length - 1] + c);
    this.n = this.starts[this.starts.length - 1];
    this.how = how;
    this.seed = seed;
    this.window = window;
    /** @type {Map<number, ShardsPlan|Permutation>} */
    this.cache = new Map();
  }

  /** The epoch's global permutation or shards plan (a few epochs are kept). */
  plan(epoch) {
    const e = epoch >>> 0;
    let got = this.cache.get(e);
    if (got === undefined) {
      got = this.how === 'global' ? new Permutation(this.n, this.seed, e) : new ShardsPlan(this.counts, this.seed, this.window, e);
      if (this.cache.size >= KEEP) this.cache.delete(this.cache.keys().next().value);
      this.cache.set(e, got);
    }
    return got;
  }

  /** r(i): the stored record position i of `epoch` reads. */
  stored(i, epoch) {
    if (this.how === 'sequential') return i;
    const plan = this.plan(epoch);
    if (plan instanceof Permutation) return plan.at(i);
    const w = floorIndex(plan.firsts, i);
    const win = plan.windows[w];
    const j = win.perm.at(i - win.first);
    const t = floorIndex(win.inner, j);
    return this.starts[win.shards[t]] + (j - win.inner[t]);
  }

  /** r(i) for positions lo..hi-1, as a Float64Array (record indices may pass 2^32). */
  storedRange(lo, hi, epoch) {
    const out = new Float64Array(hi - lo);
    for (let i = lo; i < hi; i++) out[i - lo] = this.stored(i, epoch);
    return out;
  }

  /**
   * Shards in the order an epoch first reads them, grouped: each group is read
   * together (a window of the shards order; one shard otherwise).
   * @returns {number[][]}
   */
  shardGroups(epoch) {
    if (this.how === 'shards') return /** @type {ShardsPlan} */ (this.plan(epoch)).windows.map((w) => w.shards);
    return this.counts.map((_, s) => [s]);
  }

  /** The group of shardGroups(epoch) that position i reads from (global: null, every shard at once). */
  groupOf(i, epoch) {
    if (this.how === 'global') return null;
    if (this.how === 'sequential') return floorIndex(this.starts, i);
    return floorIndex(/** @type {ShardsPlan} */ (this.plan(epoch)).firsts, i);
  }
}
