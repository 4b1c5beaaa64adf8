// take: the first `count` records (-1: all). SPEC.md §4.1.
import { Stage, INFINITE } from './stage.mjs';
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

  get indexable() {
    return this.upstream.indexable;
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

  /** Whole blocks, then a view of the first records of the last one; stops pulling there. */
  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    if (this.count === -1) {
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
    if (this.count === -1) {
      yield* this.upstream.iterate(epoch);
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
