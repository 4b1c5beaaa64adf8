// skip: all but the first `count` records. SPEC.md §4.1.
// skip(-1) skips everything, as in tf.data.
import { Stage, INFINITE } from './stage.mjs';
import { checkInt } from '../errors.mjs';

export class SkipStage extends Stage {
  constructor(upstream, count) {
    super(upstream);
    this.count = checkInt(count, 'skip: count', -1);
  }

  label() {
    return `skip(${this.count})`;
  }

  get indexable() {
    return this.upstream.indexable;
  }

  cardinality() {
    const n = this.upstream.cardinality();
    if (n === null) return null;
    if (this.count === -1) return 0;
    return n === INFINITE ? INFINITE : Math.max(n - this.count, 0);
  }

  async get(i, epoch) {
    this.checkIndex(i);
    return this.upstream.get(i + this.count, epoch);
  }

  async *iterate(epoch) {
    if (this.count === -1) return;
    if (this.upstream.indexable) {
      // Indexable upstream: jump straight to the first kept record.
      const n = this.upstream.cardinality();
      for (let i = this.count; i < n; i++) yield await this.upstream.get(i, epoch);
      return;
    }
    let k = 0;
    for await (const record of this.upstream.iterate(epoch)) {
      if (k < this.count) {
        k++;
        continue;
      }
      yield record;
    }
  }
}
