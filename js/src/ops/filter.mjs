// filter: keep records where predicate(record) is true. SPEC.md §4.1.
import { Stage } from './stage.mjs';
import { functionName } from './map.mjs';
import { typeError } from '../errors.mjs';
import { BLOCK_FN, blockLength, blockRow, recordsOf, selectRows } from '../core/block.mjs';

export class FilterStage extends Stage {
  constructor(upstream, predicate, { name } = {}) {
    super(upstream);
    if (typeof predicate !== 'function') {
      throw typeError('SF_ARG', `filter(predicate): predicate must be a function record => boolean, got ${typeof predicate}`);
    }
    this.predicate = predicate;
    this.name = functionName(predicate, name);
  }

  label() {
    return `filter(${this.name})`;
  }

  // A filter makes the length unknown and the pipeline a stream (SPEC.md §4.2).
  cardinality() {
    return null;
  }

  /** Block-native for a built-in predicate (it has a mask form); a user predicate runs per record. */
  get blockNative() {
    return typeof this.predicate[BLOCK_FN] === 'function' && this.upstream.blockNative;
  }

  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    const maskFn = this.predicate[BLOCK_FN];
    for await (const block of this.upstream.iterateBlocks(epoch)) {
      const n = blockLength(block);
      const mask = new Uint8Array(n);
      let error = null;
      try {
        maskFn(block, mask);
      } catch {
        // Replay record by record: the kept records before a failing one come
        // out, then its own error, as on the per-record path.
        let i = 0;
        try {
          for (; i < n; i++) mask[i] = this.predicate(blockRow(block, i)) ? 1 : 0;
        } catch (recordError) {
          error = recordError;
          mask.fill(0, i);
        }
      }
      let kept = 0;
      for (let i = 0; i < n; i++) kept += mask[i];
      if (kept === n) yield block;
      else if (kept > 0) yield selectRows(block, mask, kept);
      if (error !== null) throw error;
    }
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    for await (const record of this.upstream.iterate(epoch)) {
      if (await this.predicate(record)) yield record;
    }
  }
}
