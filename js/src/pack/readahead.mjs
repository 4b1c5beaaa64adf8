// Shard bytes held in memory for a packed source, within its prefetch_bytes
// budget (SPEC.md §3.7), and the read-ahead plan: while the reader is in one
// group of shards (a shard of a sequential epoch, a window of the shards
// order), the next groups are loaded in the background as far as the budget
// allows. Only where bytes come from changes: which records come, and their
// bytes, never depend on it (a shard not held is read with positional reads).
// Also the small per-shard regions of small fields (labels) a scattered order
// keeps. Python twin: python/streamfit/pack/readahead.py.

/**
 * Whole shard files kept in memory, least recently used first out, never
 * more than `budget` bytes (held and being read); shards in `keep` (the
 * reader's group and the ones read ahead for it) and shards a gather is
 * copying from (pinned) are never evicted. An evicted shard's buffer
 * is reused for the next shard read: a buffer the process already has fills
 * faster than fresh pages.
 * @example
 * const cache = new ShardCache(256 << 20);
 * const buf = cache.reserve(size); await readInto(buf); cache.put(0, buf);
 * const held = cache.pin(0); try { copy(held) } finally { cache.unpin(0) }
 */
export class ShardCache {
  /** @param {number} budget bytes */
  constructor(budget) {
    this.budget = budget;
    /** @type {Map<number, {buf: Buffer, pins: number}>} */
    this.held = new Map();
    /** Bytes held and reserved. */
    this.bytes = 0;
    /** Shards the reader needs now or next. */
    this.keep = new Set();
    /** @type {Buffer[]} buffers of evicted shards, for reuse */
    this.spare = [];
  }

  /** true when a shard of `size` bytes may be held at all. */
  fits(size) {
    return size <= this.budget;
  }

  has(s) {
    return this.held.has(s);
  }

  /**
   * A buffer of `size` bytes for reading a shard into, after making room by
   * evicting unpinned shards outside `keep`; null when no room can be made
   * (the shard is then read from the file: a window larger than the budget
   * holds what fits, and never evicts its own shards for each other).
   * Counted against the budget until put() or cancel().
   */
  reserve(size) {
    if (!this.fits(size)) return null;
    for (const [t, e] of this.held) {
      if (this.bytes + size <= this.budget) break;
      if (e.pins > 0 || this.keep.has(t)) continue;
      this.held.delete(t);
      this.bytes -= e.buf.length;
      this.spare.push(e.buf);
    }
    if (this.bytes + size > this.budget) return null;
    this.bytes += size;
    const k = this.spare.findIndex((b) => b.buffer.byteLength >= size);
    const reused = k === -1 ? null : this.spare.splice(k, 1)[0];
    this.spare.length = 0; // spare memory is never kept beyond the budget's turnover
    return reused !== null ? Buffer.from(reused.buffer, 0, size) : Buffer.allocUnsafeSlow(size);
  }

  /** Holds the reserved buffer `buf`, filled with shard s. */
  put(s, buf) {
    if (this.held.has(s)) {
      this.cancel(buf);
      return;
    }
    this.held.set(s, { buf, pins: 0 });
  }

  /** Gives back a reserved buffer that was not filled. */
  cancel(buf) {
    this.bytes -= buf.length;
    this.spare.push(buf);
  }

  /** The bytes of shard s, kept from eviction until unpin(s); undefined when not held. */
  pin(s) {
    const e = this.held.get(s);
    if (e === undefined) return undefined;
    this.held.delete(s); // most recently used last
    this.held.set(s, e);
    e.pins++;
    return e.buf;
  }

  unpin(s) {
    const e = this.held.get(s);
    if (e !== undefined) e.pins--;
  }
}

/**
 * The shards to keep while the reader is in group g of `groups` (an epoch's
 * shard groups in read order): group g itself, then the shards of the groups
 * after it, in order, while their bytes fit `budget`.
 * @example aheadOf([[0], [1], [2]], 0, [100, 100, 100], 250) // {keep: [0, 1], ahead: [1]}
 * @param {number[][]} groups
 * @param {number} g
 * @param {number[]} sizes bytes of each shard
 * @param {number} budget
 * @returns {{keep: number[], ahead: number[]}}
 */
export function aheadOf(groups, g, sizes, budget) {
  const keep = [...groups[g]];
  let used = keep.reduce((a, s) => a + sizes[s], 0);
  const ahead = [];
  for (let h = g + 1; h < groups.length; h++) {
    for (const s of groups[h]) {
      used += sizes[s];
      if (used > budget) return { keep, ahead };
      keep.push(s);
      ahead.push(s);
    }
  }
  return { keep, ahead };
}

/**
 * Small byte regions kept by key within `budget` bytes, least recently used
 * first out: the records of a small field (a label) of one shard, read once,
 * so that a scattered order does not make a system call per record for it.
 * @example const bytes = await regions.get('3/1', 4 * records, (out) => readInto(out));
 */
export class RegionCache {
  constructor(budget) {
    this.budget = budget;
    /** @type {Map<string, {size: number, bytes: Promise<Uint8Array>}>} */
    this.held = new Map();
    this.bytes = 0;
  }

  /**
   * The region `key` of `size` bytes, filled by `fill(out)` the first time.
   * @param {string} key
   * @param {number} size
   * @param {(out: Uint8Array) => Promise<void>} fill
   * @returns {Promise<Uint8Array>}
   */
  get(key, size, fill) {
    const got = this.held.get(key);
    if (got !== undefined) {
      this.held.delete(key); // most recently used last
      this.held.set(key, got);
      return got.bytes;
    }
    const entry = { size, bytes: (async () => { const out = new Uint8Array(size); await fill(out); return out; })() };
    entry.bytes.catch(() => {
      if (this.held.get(key) === entry) this.drop(key, entry);
    });
    this.held.set(key, entry);
    this.bytes += size;
    for (const [k, e] of this.held) {
      if (this.bytes <= this.budget || k === key) break;
      this.drop(k, e);
    }
    return entry.bytes;
  }

  drop(key, entry) {
    this.held.delete(key);
    this.bytes -= entry.size;
  }
}
