// batch: stack B consecutive records along a new axis 0. SPEC.md §2.2.
// Block path: a batch inside one upstream block is a view of it; a batch
// that straddles blocks gets its ranges copied (TypedArray.set of a
// subarray). No per-record work either way.
import { Stage, INFINITE } from './stage.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { recordBytes, sameLayout, stack, unflatten } from '../core/record.mjs';
import { cloneRecord } from './shuffle.mjs';
import { allocLike, blockRow, leavesOf, recordAsBlock, recordsOf, rowSize, signature, sliceBlock, withLeaves } from '../core/block.mjs';
import { checkInt, typeError } from '../errors.mjs';

export class BatchStage extends Stage {
  constructor(upstream, batchSize, { dropRemainder = false } = {}) {
    super(upstream);
    this.batchSize = checkInt(batchSize, 'batch: batch_size (batchSize)', 1);
    if (typeof dropRemainder !== 'boolean') {
      throw typeError('SF_ARG', `batch: drop_remainder (dropRemainder) must be true or false, got ${dropRemainder}`);
    }
    this.dropRemainder = dropRemainder;
  }

  label() {
    return this.dropRemainder ? `batch(${this.batchSize}, drop_remainder=true)` : `batch(${this.batchSize})`;
  }

  cardinality() {
    const n = this.upstream.cardinality();
    if (n === null || n === INFINITE) return n;
    return this.dropRemainder ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  // Only drop_remainder makes every batch the same shape.
  get uniformRows() {
    return this.dropRemainder && this.upstream.uniformRows;
  }

  /** Each batch as a block of one batch (a view, no copy). */
  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    const B = this.batchSize;
    const it = this.upstream.iterateBlocks(epoch);
    let sig = null;
    let like = null; // a block whose structure the batch takes
    let out = null; // leaves of the batch being filled
    let filled = 0;
    try {
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        const block = next.value;
        const s = signature(block);
        if (filled > 0 && s !== sig) {
          // Records of one batch differ: the reference stack() raises SF_BATCH_SHAPE.
          await this.mixedGroup(it, withLeaves(like, out), filled, block);
          return;
        }
        if (filled === 0) {
          sig = s;
          like = block;
        }
        const leaves = leavesOf(block);
        const n = leaves[0].shape[0];
        const rs = leaves.map(rowSize);
        let off = 0;
        while (off < n) {
          if (filled === 0 && n - off >= B) {
            // A whole batch inside one block is a view of it: no copy (blocks
            // are never written after they are yielded, core/block.mjs).
            yield recordAsBlock(sliceBlock(block, off, off + B));
            off += B;
            continue;
          }
          if (out === null) out = allocLike(leaves, B);
          const take = Math.min(B - filled, n - off);
          for (let l = 0; l < leaves.length; l++) {
            const r = rs[l];
            out[l].data.set(leaves[l].data.subarray(off * r, (off + take) * r), filled * r);
          }
          filled += take;
          off += take;
          if (filled === B) {
            yield recordAsBlock(withLeaves(like, out));
            out = null;
            filled = 0;
          }
        }
      }
    } finally {
      await it.return();
    }
    if (filled > 0 && !this.dropRemainder) {
      yield recordAsBlock(withLeaves(like, firstRows(out, filled)));
    }
  }

  /**
   * A batch whose records differ in structure, dtype or shape: collects the
   * group as records and lets stack() raise the error the per-record path
   * raises, when the per-record path would (when the group is complete, or at
   * the end unless drop_remainder).
   */
  async mixedGroup(it, partial, filled, block) {
    const group = [];
    for (let i = 0; i < filled; i++) group.push(blockRow(partial, i));
    let cur = block;
    while (cur !== null && group.length < this.batchSize) {
      const n = leavesOf(cur)[0].shape[0];
      for (let i = 0; i < n && group.length < this.batchSize; i++) group.push(blockRow(cur, i));
      if (group.length === this.batchSize) break;
      const next = await it.next();
      cur = next.done ? null : next.value;
    }
    if (group.length === this.batchSize || !this.dropRemainder) {
      stack(group);
      throw new Error(`internal: batch blocks with signatures that stack() accepts were taken as different`);
    }
  }

  /**
   * The record path. Each record is copied into the batch being filled as it
   * comes (stack()'s result, built row by row), so the upstream may lend its
   * records (Stage.iterateLoaned): a buffer shuffle hands over its slots and a
   * generator source the user's arrays, without copies that would be garbage
   * a moment later. A group whose records are not all of the first one's
   * layout (or not records) is collected as records, copied where lent, and
   * stack() makes its batch or raises its error, as before.
   */
  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    const B = this.batchSize;
    const lent = this.upstream.lendsRecords;
    const own = (record) => (lent && recordBytes(record) >= 0 ? cloneRecord(record) : record);
    let group = null; // the records of a group off the row-by-row path
    let first = null; // the first record of the group being filled row by row (its layout)
    let out = null; // that group's leaves, [B, ...shape] each
    let filled = 0;
    for await (const record of this.upstream.iterateLoaned(epoch)) {
      if (group === null && filled === 0 && recordBytes(record) >= 0) {
        first = record;
        out = allocLike(leavesOf(recordAsBlock(record)), B);
      } else if (group === null && (filled === 0 || !sameLayout(first, record))) {
        const partial = filled === 0 ? null : unflatten(first, out);
        group = Array.from({ length: filled }, (_, r) => blockRow(partial, r));
        filled = 0;
      }
      if (group !== null) {
        group.push(own(record));
        if (group.length === B) {
          const batch = stack(group);
          group = null;
          yield batch;
        }
        continue;
      }
      leavesOf(record).forEach((leaf, i) => out[i].data.set(leaf.data, filled * leaf.data.length));
      filled += 1;
      if (filled === B) {
        const batch = unflatten(first, out);
        filled = 0;
        out = null;
        yield batch;
      }
    }
    if (this.dropRemainder) return;
    if (group !== null && group.length > 0) yield stack(group);
    if (filled > 0) yield unflatten(first, firstRows(out, filled));
  }
}

/** The first n rows of a batch's leaves, as arrays of their own (the short last batch). */
function firstRows(leaves, n) {
  return leaves.map((leaf) => new NdArray(leaf.dtype, [n, ...leaf.shape.slice(1)], leaf.data.slice(0, n * rowSize(leaf))));
}
