// Base class of every pipeline stage (source or op). A stage iterates plain
// records for an epoch; indexable stages also answer get(i, epoch). SPEC.md §4.2.
import { typeError, rangeError } from '../errors.mjs';

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

  /** Default iteration of an indexable stage: records 0..n-1 in order. */
  async *iterate(epoch) {
    const n = this.cardinality();
    for (let i = 0; i < n; i++) yield await this.get(i, epoch);
  }
}
