// map: fn(record) -> record. SPEC.md §4.1.
import { Stage } from './stage.mjs';
import { typeError } from '../errors.mjs';

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

  async get(i, epoch) {
    return this.fn(await this.upstream.get(i, epoch));
  }

  async *iterate(epoch) {
    for await (const record of this.upstream.iterate(epoch)) yield await this.fn(record);
  }
}
