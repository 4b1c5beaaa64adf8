// filter: keep records where predicate(record) is true. SPEC.md §4.1.
import { Stage } from './stage.mjs';
import { functionName } from './map.mjs';
import { typeError } from '../errors.mjs';

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

  async *iterate(epoch) {
    for await (const record of this.upstream.iterate(epoch)) {
      if (await this.predicate(record)) yield record;
    }
  }
}
