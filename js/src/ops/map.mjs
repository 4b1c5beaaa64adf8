// map: fn(record) -> record. SPEC.md §4.1.
import { Stage } from './stage.mjs';
import { typeError } from '../errors.mjs';
import { BLOCK_FN, blockLength, blockRow, recordsOf } from '../core/block.mjs';
import { stack } from '../core/record.mjs';

/** Name a user function shows in summaries ("anonymous" for arrows without a name). */
export function functionName(fn, name) {
  if (name !== undefined && name !== null) return String(name);
  return fn.name ? fn.name : 'anonymous';
}

export class MapStage extends Stage {
  constructor(upstream, fn, { name } = {}) {
    super(upstream);
    if (typeof fn !== 'function') {
      throw typeError('SF_ARG', `map(fn): fn must be a function record => record, got ${typeof fn}`);
    }
    this.fn = fn;
    this.name = functionName(fn, name);
  }

  label() {
    return `map(${this.name})`;
  }

  get indexable() {
    return this.upstream.indexable;
  }

  cardinality() {
    return this.upstream.cardinality();
  }

  positions() {
    return this.upstream.positions();
  }

  async get(i, epoch) {
    return this.fn(await this.upstream.get(i, epoch));
  }

  /** Block-native for a built-in (it has a whole-block form); a user function runs per record. */
  get blockNative() {
    return typeof this.fn[BLOCK_FN] === 'function' && this.upstream.blockNative;
  }

  // A user function is never called ahead of the consumer; a built-in may be.
  get getAhead() {
    return typeof this.fn[BLOCK_FN] === 'function' && this.upstream.getAhead;
  }

  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    const blockFn = this.fn[BLOCK_FN];
    for await (const block of this.upstream.iterateBlocks(epoch)) {
      let out;
      try {
        out = blockFn(block);
      } catch {
        // Replay record by record: the records before a failing one come
        // out, then its own error, as on the per-record path.
        const done = [];
        let error = null;
        try {
          const n = blockLength(block);
          for (let i = 0; i < n; i++) done.push(this.fn(blockRow(block, i)));
        } catch (recordError) {
          error = recordError;
        }
        if (done.length > 0) yield stack(done);
        if (error !== null) throw error;
        continue;
      }
      yield out;
    }
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    for await (const record of this.upstream.iterate(epoch)) yield await this.fn(record);
  }
}
