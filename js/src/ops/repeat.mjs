// repeat: pass r of epoch e runs the upstream with epoch e*c + r, or
// e*2^20 + r when unbounded, mod 2^32. SPEC.md §1.7.
import { Stage, INFINITE } from './stage.mjs';
import { checkInt } from '../errors.mjs';
import { blockLength, recordsOf } from '../core/block.mjs';

const TWO32 = 4294967296;

export class RepeatStage extends Stage {
  /** @param {number|null} count null (or -1, as in tf.data): forever */
  constructor(upstream, count = null) {
    super(upstream);
    if (count !== null && count !== undefined) checkInt(count, 'repeat: count', -1);
    this.count = count === undefined || count === -1 ? null : count;
  }

  label() {
    return this.count === null ? 'repeat()' : `repeat(${this.count})`;
  }

  cardinality() {
    const n = this.upstream.cardinality();
    if (n === null) return null;
    if (this.count === null) return INFINITE; // SPEC.md §4.2 (iteration still ends after an empty pass)
    if (n === INFINITE) return this.count === 0 ? 0 : INFINITE;
    return n * this.count;
  }

  /** Upstream epoch of pass r (u32 arithmetic). */
  passEpoch(epoch, r) {
    const factor = this.count === null ? 1048576 : this.count % TWO32;
    return (Math.imul(epoch >>> 0, factor >>> 0) + (r % TWO32)) >>> 0;
  }

  /** The upstream's blocks, pass after pass (a block never spans two passes). */
  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    for (let r = 0; this.count === null || r < this.count; r++) {
      let seen = 0;
      for await (const block of this.upstream.iterateBlocks(this.passEpoch(epoch, r))) {
        seen += blockLength(block);
        yield block;
      }
      if (seen === 0 && this.count === null) return;
    }
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    for (let r = 0; this.count === null || r < this.count; r++) {
      let seen = 0;
      for await (const record of this.upstream.iterate(this.passEpoch(epoch, r))) {
        seen++;
        yield record;
      }
      // An empty upstream repeated forever would spin; it yields nothing instead.
      if (seen === 0 && this.count === null) return;
    }
  }
}
