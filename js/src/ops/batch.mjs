// batch: stack B consecutive records along a new axis 0. SPEC.md §2.2.
import { Stage, INFINITE } from './stage.mjs';
import { stack } from '../core/record.mjs';
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

  async *iterate(epoch) {
    let group = [];
    for await (const record of this.upstream.iterate(epoch)) {
      group.push(record);
      if (group.length === this.batchSize) {
        const out = stack(group);
        group = [];
        yield out;
      }
    }
    if (group.length > 0 && !this.dropRemainder) yield stack(group);
  }
}
