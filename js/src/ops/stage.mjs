// Base class of every pipeline stage (source or op). A stage iterates plain
// records for an epoch; indexable stages also answer get(i, epoch). SPEC.md §4.2.
// Sources derive from Source, which holds the on-error policy and the skip
// counts of each epoch's read (SPEC.md §4.6, js/src/core/on_error.mjs).
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
import { SkipLog, checkOnError } from '../core/on_error.mjs';

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

  /**
   * Number of indices get(i) accepts on an indexable stage. It is the
   * cardinality, except over a source that may drop records while reading
   * (onError 'skip', SPEC.md §4.6): its listed positions stay indexable for
   * a global shuffle, but how many records an epoch yields is unknown.
   */
  positions() {
    return this.cardinality();
  }

  /** true when the source may drop records while reading (SPEC.md §4.2, §4.6); every op passes it on. */
  get dropsRecords() {
    return this.upstream ? this.upstream.dropsRecords : false;
  }

  /**
   * true when fetching every position of this indexable stage reaches the
   * source's last position, so that the read counts as finished (SPEC.md §4.6);
   * only a take() that cuts says no.
   */
  readsToEnd() {
    return this.upstream ? this.upstream.readsToEnd() : true;
  }

  /** The source of this stage's pipeline. */
  source() {
    let s = this;
    while (s.upstream !== null) s = s.upstream;
    return s;
  }

  /** Record i of an indexable stage (may return a Promise). */
  get(i, epoch) {
    void i;
    void epoch;
    throw typeError('SF_ARG', `${this.label()} is not indexable: only a pipeline made of an indexable source and map, global shuffle, take and skip supports get(i)`);
  }

  /** Checks an index against the positions of an indexable stage. */
  checkIndex(i) {
    const n = this.positions();
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
   * true when iterateLoaned(epoch) lends its records: their arrays may be
   * reused or changed once the consumer asks for the next record. A buffer
   * shuffle lends its slots and a generator source the user's arrays, so that
   * a consumer that copies each record at once (a buffer shuffle, batch) saves
   * them a copy that would be garbage a moment later (issue 6).
   */
  get lendsRecords() {
    return false;
  }

  /**
   * The records of iterate(epoch), lent where lendsRecords says so: for a
   * consumer that has copied (or is done with) each record before it pulls the
   * next one, and copies any it keeps longer.
   * @returns {AsyncIterableIterator<unknown>}
   */
  iterateLoaned(epoch) {
    return this.iterate(epoch);
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
    yield* getInOrder(this, this.positions(), (i) => i, epoch);
  }
}

// Records a stage may fetch ahead of the consumer with getAhead (see Stage.getAhead).
const AHEAD = 8;

/**
 * Yields stage.get(index(i), epoch) for i = 0..n-1 in order; with
 * stage.getAhead up to AHEAD calls are in flight. Errors still surface in
 * order: a call that fails early is only seen when its turn comes. This is a
 * read of the source's epoch: a record the source marks skippable (onError
 * 'skip') is dropped where it falls and counted, and reaching n finishes the
 * read when the positions reach the source's end (stage.readsToEnd(), SPEC.md §4.6).
 */
export async function* getInOrder(stage, n, index, epoch) {
  const read = stage.source().beginRead(epoch);
  let yielded = 0;
  const ahead = stage.getAhead ? AHEAD : 1; // one at a time unless the stage reads ahead well
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
    while (next < n && pending.length < ahead) start();
    let record;
    try {
      record = await pending.shift();
    } catch (err) {
      if (read.drop(err)) continue;
      throw err;
    }
    yielded++;
    yield record;
  }
  if (stage.readsToEnd()) read.finish(yielded);
}

/**
 * Base of every source: its on-error policy (SPEC.md §4.6) and the skip
 * bookkeeping behind pipeline.skipped(epoch). Sources without bad records
 * (range) keep the default 'raise' and still record which epochs were read
 * to the end.
 */
export class Source extends Stage {
  /**
   * @param {unknown} onError the user's option ('raise' when undefined)
   * @param {string} where the factory, for the SF_ARG message, e.g. 'csv'
   */
  constructor(onError, where) {
    super(null);
    this.onError = checkOnError(onError, where);
    this.skips = new SkipLog(this.onError, () => this.label());
  }

  /** A source under 'skip' may drop records while reading (a CSV line, an image that does not decode). */
  get dropsRecords() {
    return this.onError === 'skip';
  }

  /** ", on_error=skip" ending a source's summary label under 'skip' (SPEC.md §4.4), else "". */
  get policyLabel() {
    return this.onError === 'skip' ? ', on_error=skip' : '';
  }

  /** Starts a read of `epoch`; its finish() at the source's end keeps the counts. */
  beginRead(epoch) {
    return this.skips.begin(epoch);
  }

  /** Counts of the last read of `epoch` that reached the end, or null (SPEC.md §4.6). */
  skipped(epoch) {
    return this.skips.skipped(epoch);
  }
}

/**
 * A source whose native path is iterateBlocks(): uniform rows, records are
 * unstacked from its blocks (Python twin: core/stage.py BlockStage).
 */
export class BlockSource extends Source {
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
