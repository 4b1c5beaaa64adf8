// skip: all but the first `count` records. SPEC.md §4.1.
// skip(-1) skips everything, as in tf.data.
import { Stage, INFINITE, getInOrder } from './stage.mjs';
import { checkInt } from '../errors.mjs';
import { blockLength, recordsOf, sliceBlock } from '../core/block.mjs';

export class SkipStage extends Stage {
  constructor(upstream, count) {
    super(upstream);
    this.count = checkInt(count, 'skip: count', -1);
  }

  label() {
    return `skip(${this.count})`;
  }

  // Over a source that may drop records while reading (onError 'skip'),
  // position c is not record c: skip counts records as on a stream (SPEC.md §4.2).
  get indexable() {
    return this.upstream.indexable && !this.upstream.dropsRecords;
  }

  cardinality() {
    const n = this.upstream.cardinality();
    if (n === null) return null;
    if (this.count === -1) return 0;
    return n === INFINITE ? INFINITE : Math.max(n - this.count, 0);
  }

  async get(i, epoch) {
    this.checkIndex(i);
    return this.upstream.get(i + this.count, epoch);
  }

  // An indexable upstream keeps the per-record path: get() jumps past the
  // skipped records, where blocks would have to be made and dropped.
  get blockNative() {
    return this.upstream.blockNative && !this.upstream.indexable;
  }

  get getAhead() {
    return this.upstream.getAhead;
  }

  /** Drops whole blocks, then a view of the rest of the block where the count ends. */
  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    if (this.count === -1) return;
    let left = this.count;
    for await (const block of this.upstream.iterateBlocks(epoch)) {
      if (left === 0) {
        yield block;
        continue;
      }
      const n = blockLength(block);
      if (n <= left) {
        left -= n;
        continue;
      }
      const rest = sliceBlock(block, left, n);
      left = 0;
      yield rest;
    }
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    if (this.count === -1) return;
    if (this.indexable) {
      // Indexable upstream: jump straight to the first kept record.
      const n = this.upstream.positions();
      yield* getInOrder(this.upstream, Math.max(n - this.count, 0), (i) => i + this.count, epoch);
      return;
    }
    let k = 0;
    for await (const record of this.upstream.iterate(epoch)) {
      if (k < this.count) {
        k++;
        continue;
      }
      yield record;
    }
  }
}
