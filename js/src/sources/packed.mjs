// Packed data (SPEC.md §3.7): reads a folder written by pack (SPEC.md §9), in
// one of three orders. Python twin: python/streamfit/sources/packed.py.
//
// The index is read and checked when the source is built; shards are opened
// and checked the first time they are read (pack/shard_reader.mjs). The
// source is indexable in every order: position i of epoch e reads stored
// record order.stored(i, e) (order/pack_order.mjs). Blocks of positions are
// gathered with one copy per leaf, sized to a power of two records so that
// batch (SPEC.md §2.2) cuts most batches out of a block without copying
// again. The read-ahead (pack/readahead.mjs) holds the next shards within
// prefetch_bytes; it never changes which records come, or their bytes.
import { basename } from 'node:path';
import { Source, getInOrder } from '../ops/stage.mjs';
import { recordsOf } from '../core/block.mjs';
import { checkInt, rangeError, typeError, describe } from '../errors.mjs';
import { checkSeed } from '../order/seed.mjs';
import { ORDERS, PackOrder } from '../order/pack_order.mjs';
import { readIndex } from '../pack/index.mjs';
import { ShardSet } from '../pack/shard_reader.mjs';

export const DEFAULT_PREFETCH_BYTES = 268435456;
/**
 * Bytes of a block of positions, about (at least 64 records: a batch of up to
 * 64 is always a view of one block, no copy). Small: a block lives until its
 * last batch is dropped, and freed blocks wait for V8's GC; 16 MiB blocks held
 * ~70 MB more RSS than 2 MiB ones over the same epoch (issue 6's memory proof:
 * 190 -> 122 MB at 20,000 records of 12 KiB, 270 -> 168 MB at 200,000), at the
 * same speed (uint8 batches alone, 128x128x3: 48.9k and 50.8k img/s).
 */
const BLOCK_BYTES = 2 << 20;

export class PackedSource extends Source {
  /**
   * @param {string} path the pack folder
   * @param {{order?: 'sequential'|'global'|'shards', seed?: number|null, window?: number, verify?: boolean, prefetchBytes?: number}} [options]
   */
  constructor(path, { order = 'sequential', seed = null, window = 2, verify = true, prefetchBytes = DEFAULT_PREFETCH_BYTES } = {}) {
    super(undefined, 'packed'); // a pack has no bad records: nothing to skip (SPEC.md §4.6)
    if (typeof path !== 'string') throw typeError('SF_ARG', `packed(path): path must be a string, got ${describe(path)}`);
    if (!ORDERS.includes(order)) throw rangeError('SF_ARG', `packed({order}) must be one of ${ORDERS.join(', ')}, got ${describe(order)}`);
    seed = seed ?? null;
    if (order === 'sequential' && seed !== null) {
      throw rangeError('SF_ARG', `packed: seed ${describe(seed)} given with order "sequential", which has no randomness; drop the seed, or use order "global" or "shards"`);
    }
    if (order !== 'sequential') {
      if (seed === null) throw typeError('SF_SEED', `packed: order "${order}" needs a seed (an integer in [0, 2^32)), so the order can be repeated; pass e.g. seed: 7`);
      checkSeed(seed, 'packed({seed})');
    }
    this.window = checkInt(window, 'packed({window})', 1);
    if (typeof verify !== 'boolean') throw typeError('SF_ARG', `packed({verify}) must be true or false, got ${describe(verify)}`);
    this.prefetchBytes = checkInt(prefetchBytes, 'packed({prefetchBytes}) (prefetch_bytes)', 0);
    this.path = path;
    this.how = order;
    this.seed = seed;
    this.verify = verify;
    this.index = readIndex(path);
    const packBytes = this.index.shards.reduce((a, s) => a + s.bytes, 0);
    // Where records come from (values never depend on it): a sequential epoch
    // reads long runs straight from the files into its blocks (one copy); the
    // shards order holds its window's shards and reads the next ones ahead
    // (big sequential reads: I/O friendly); a global order holds the shards
    // only when the whole pack fits the budget (it touches every shard in
    // every block), else reads record by record.
    const whole = order === 'shards' || (order === 'global' && packBytes <= this.prefetchBytes);
    this.shards = new ShardSet(this.index, { verify, budget: this.prefetchBytes, whole });
    this.order = new PackOrder(this.index.shards.map((s) => s.records), order, seed, this.window);
    this.fixedOnly = this.shards.fixedOnly;
    const recordBytes = this.index.fields.reduce((a, f) => a + f.recordBytes, 0);
    const fit = Math.max(1, Math.min(65536, Math.floor(BLOCK_BYTES / Math.max(1, recordBytes))));
    /** @type {{epoch: number, g: number}|null} the group the read-ahead last followed */
    this.followed = null;
    /** Positions per block: a power of two, 64 .. 65536. */
    this.blockRecords = Math.max(64, 2 ** Math.floor(Math.log2(fit)));
  }

  label() {
    let extra = '';
    if (this.how === 'global') extra = `, order=global, seed=${this.seed}`;
    else if (this.how === 'shards') extra = `, order=shards, seed=${this.seed}, window=${this.window}`;
    return `packed(${basename(this.path)}${extra})`;
  }

  get indexable() {
    return true;
  }

  cardinality() {
    return this.index.records;
  }

  /** Blocks need one shape per leaf: a pack with a variable field runs record by record. */
  get blockNative() {
    return this.fixedOnly;
  }

  get uniformRows() {
    return this.fixedOnly;
  }

  // get(i) only reads the pack: fetching ahead overlaps the reads.
  get getAhead() {
    return true;
  }

  async get(i, epoch = 0) {
    this.checkIndex(i);
    this.follow(i, epoch);
    return this.shards.record(this.order.stored(i, epoch));
  }

  /**
   * Positions lo..hi-1 of `epoch` as one block (fixed fields only): what
   * batchAt() stacks, gathered directly.
   */
  async getBlock(lo, hi, epoch) {
    this.follow(lo, epoch);
    return this.shards.gather(this.order.storedRange(lo, hi, epoch));
  }

  /** Tells the read-ahead where the reader is (the group of shards position i reads). */
  follow(i, epoch) {
    const g = this.order.groupOf(i, epoch);
    if (g === null || (this.followed?.epoch === epoch && this.followed.g === g)) return;
    this.followed = { epoch, g };
    this.shards.follow(this.order.shardGroups(epoch), g);
  }

  async *iterateBlocks(epoch) {
    if (!this.fixedOnly) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    const read = this.beginRead(epoch);
    const n = this.index.records;
    const B = this.blockRecords;
    // The next block is gathered while the consumer works on this one.
    let next = n > 0 ? this.getBlock(0, Math.min(B, n), epoch) : null;
    next?.catch(() => {});
    for (let lo = 0; lo < n; lo += B) {
      const block = await next;
      const lo2 = lo + B;
      next = lo2 < n ? this.getBlock(lo2, Math.min(lo2 + B, n), epoch) : null;
      next?.catch(() => {});
      yield block;
    }
    read.finish(n);
  }

  async *iterate(epoch) {
    if (this.fixedOnly) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    yield* getInOrder(this, this.index.records, (i) => i, epoch);
  }
}
