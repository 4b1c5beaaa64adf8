// take: the first `count` records (-1: all). SPEC.md §4.1.
import { Stage, INFINITE, getInOrder } from './stage.mjs';
import { checkInt } from '../errors.mjs';
import { blockLength, recordsOf, sliceBlock } from '../core/block.mjs';

export class TakeStage extends Stage {
  constructor(upstream, count) {
    super(upstream);
    this.count = checkInt(count, 'take: count', -1);
  }

  label() {
    return `take(${this.count})`;
  }

  // Over a source that may drop records while reading (onError 'skip'),
  // position c is not record c: take counts records as on a stream (SPEC.md §4.2).
  get indexable() {
    return this.upstream.indexable && !this.upstream.dropsRecords;
  }

  cardinality() {
    const n = this.upstream.cardinality();
    if (this.count === -1 || n === null) return n;
    return n === INFINITE ? this.count : Math.min(n, this.count);
  }

  async get(i, epoch) {
    this.checkIndex(i);
    return this.upstream.get(i, epoch);
  }

  get getAhead() {
    return this.upstream.getAhead;
  }

  /** Takes every position of an indexable upstream: count -1, or at least its length. */
  takesAll() {
    return this.count === -1 || (this.indexable && this.count >= this.upstream.positions());
  }

  // Fetching positions [0, count) of an indexable upstream reads to its end
  // only when they are all of them (SPEC.md §4.6: the read finishes).
  readsToEnd() {
    return this.takesAll() && this.upstream.readsToEnd();
  }

  /** Whole blocks, then a view of the first records of the last one; stops pulling there. */
  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    if (this.takesAll()) {
      yield* this.upstream.iterateBlocks(epoch);
      return;
    }
    let left = this.count;
    if (left === 0) return;
    for await (const block of this.upstream.iterateBlocks(epoch)) {
      const n = blockLength(block);
      if (n >= left) {
        yield n === left ? block : sliceBlock(block, 0, left);
        return;
      }
      left -= n;
      yield block;
    }
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    if (this.takesAll()) {
      yield* this.upstream.iterate(epoch);
      return;
    }
    if (this.indexable) {
      // Exactly the positions taken; a read that stops short of the source's end stays unfinished.
      yield* getInOrder(this, this.positions(), (i) => i, epoch);
      return;
    }
    if (this.count === 0) return;
    let k = 0;
    for await (const record of this.upstream.iterate(epoch)) {
      yield record;
      if (++k >= this.count) return;
    }
  }
}
