// Base class of every pipeline stage (source or op). A stage iterates plain
// records for an epoch; indexable stages also answer get(i, epoch). SPEC.md §4.2.
//
// Block fast path (internal, js/src/core/block.mjs): iterateBlocks(epoch)
// yields the same records stacked into blocks. A pipeline runs on blocks from
// its source up to the first stage that is not block-native (a user function,
// a global shuffle, an image folder); from there on every stage runs its
// per-record code, unchanged. Deciding per pipeline, not per stage, keeps the
// record path exactly as it was wherever user code runs: user functions are
// called lazily, on the same records, and may return anything.
import { typeError, rangeError } from '../errors.mjs';
import { recordAsBlock, recordsOf } from '../core/block.mjs';

/** Cardinality of an unbounded pipeline (like tfjs's Dataset.size). */
export const INFINITE = Infinity;

export class Stage {
  /** @param {Stage|null} upstream */
  constructor(upstream) {
    this.upstream = upstream;
  }

  /** Text of this stage in the summary, e.g. "take(10)". */
  label() {
    throw new Error('internal: Stage.label not implemented');
  }

  /** true when get(i, epoch) is available. */
  get indexable() {
    return false;
  }

  /** Number of records (number), unknown (null) or INFINITE. */
  cardinality() {
    return null;
  }

  /** Record i of an indexable stage (may return a Promise). */
  get(i, epoch) {
    void i;
    void epoch;
    throw typeError('SF_ARG', `${this.label()} is not indexable: only a pipeline made of an indexable source and map, global shuffle, take and skip supports get(i)`);
  }

  /** Checks an index against the cardinality of an indexable stage. */
  checkIndex(i) {
    const n = this.cardinality();
    if (!(Number.isInteger(i) && i >= 0 && i < n)) {
      throw rangeError('SF_ARG', `get(i): index ${i} is outside [0, ${n}) for ${this.label()}`);
    }
  }

  /**
   * true when iterateBlocks(epoch) is this stage's own fast path (its source
   * and every stage up to it are block-native); its iterate() then unstacks blocks.
   * An op answers as its upstream does unless it overrides; a source has no upstream.
   */
  get blockNative() {
    return this.upstream ? this.upstream.blockNative : false;
  }

  /** true when every record has the same structure, dtypes and shapes (a columnar buffer can hold them). */
  get uniformRows() {
    return this.upstream ? this.upstream.uniformRows : false;
  }

  /**
   * The records of iterate(epoch) as blocks (SPEC.md §2.2 stacking). The base
   * makes a block of one per record, without copying: grouping more would
   * read ahead of the consumer. Block-native stages override it.
   * @returns {AsyncGenerator<unknown>}
   */
  async *iterateBlocks(epoch) {
    for await (const record of this.iterate(epoch)) yield recordAsBlock(record);
  }

  /**
   * true when get(i) of this indexable stage may run ahead of the consumer:
   * it runs no user code, so calling it early only overlaps its I/O (an image
   * file read while the previous image decodes). Sources say so; take, skip,
   * global shuffle and built-in maps forward it.
   */
  get getAhead() {
    return false;
  }

  /** Default iteration of an indexable stage: records 0..n-1 in order. */
  async *iterate(epoch) {
    const n = this.cardinality();
    yield* getInOrder(this, n, (i) => i, epoch);
  }
}

// Records a stage may fetch ahead of the consumer with getAhead (see Stage.getAhead).
const AHEAD = 8;

/**
 * Yields stage.get(index(i), epoch) for i = 0..n-1 in order; with
 * stage.getAhead up to AHEAD calls are in flight. Errors still surface in
 * order: a call that fails early is only seen when its turn comes.
 */
export async function* getInOrder(stage, n, index, epoch) {
  if (!stage.getAhead) {
    for (let i = 0; i < n; i++) yield await stage.get(index(i), epoch);
    return;
  }
  const pending = [];
  let next = 0;
  const start = () => {
    const k = index(next);
    const p = Promise.resolve().then(() => stage.get(k, epoch));
    p.catch(() => {});
    pending.push(p);
    next++;
  };
  for (let i = 0; i < n; i++) {
    while (next < n && pending.length < AHEAD) start();
    yield await pending.shift();
  }
}

/**
 * A source whose native path is iterateBlocks(): uniform rows, records are
 * unstacked from its blocks (Python twin: core/stage.py BlockStage).
 */
export class BlockSource extends Stage {
  get blockNative() {
    return true;
  }

  get uniformRows() {
    return true;
  }

  async *iterate(epoch) {
    yield* recordsOf(this.iterateBlocks(epoch));
  }
}
