// User generator source (SPEC.md §3.6): fn() makes a fresh sync or async
// iterator for every epoch; its elements become records. A stream: not
// indexable, cardinality unknown. Leaf conversion and the element spec live
// in generator_spec.mjs.
import { Stage } from '../ops/stage.mjs';
import { functionName } from '../ops/map.mjs';
import { typeError, describe } from '../errors.mjs';
import { checkElementSpec, convertElement, inferSpec } from './generator_spec.mjs';

function iteratorOf(made, name) {
  if (made !== null && typeof made === 'object') {
    if (typeof made[Symbol.asyncIterator] === 'function') return made[Symbol.asyncIterator]();
    if (typeof made[Symbol.iterator] === 'function') return made[Symbol.iterator]();
    if (typeof made.next === 'function') return made;
  }
  throw typeError('SF_ARG', `fromGenerator(${name}): fn() must return an iterator (call a generator function: function* () { yield ... } or async function* ...), got ${describe(made)}`);
}

export class GeneratorSource extends Stage {
  /**
   * @param {() => Iterator<unknown>|AsyncIterator<unknown>|Iterable<unknown>|AsyncIterable<unknown>} fn
   * @param {{elementSpec?: object|null, name?: string}} [options]
   */
  constructor(fn, options = {}) {
    super(null);
    if (typeof fn !== 'function') {
      throw typeError('SF_ARG', `fromGenerator(fn): fn must be a function that returns a fresh iterator per epoch (e.g. function* () { yield ... }), got ${describe(fn)}`);
    }
    if (options === null || typeof options !== 'object') throw typeError('SF_ARG', `fromGenerator(fn, options): options must be an object, got ${describe(options)}`);
    const { elementSpec = null, name } = options;
    this.fn = fn;
    this.name = functionName(fn, name);
    this.elementSpec = elementSpec === null ? null : checkElementSpec(elementSpec, `fromGenerator(${this.name}) elementSpec`);
  }

  label() {
    return `generator(${this.name})`;
  }

  async *iterate(epoch) {
    void epoch; // a user generator has no order of its own to vary by epoch
    const where = `fromGenerator(${this.name})`;
    const it = iteratorOf(await this.fn(), this.name);
    // Without an elementSpec, the first element of each epoch sets it (SPEC.md §3.6).
    let spec = this.elementSpec;
    let index = 0;
    let done = false;
    try {
      for (;;) {
        const step = await it.next();
        if (step.done) {
          done = true;
          return;
        }
        const record = convertElement(step.value, spec, `${where}: element ${index}`);
        if (spec === null) spec = inferSpec(record);
        yield record;
        index++;
      }
    } finally {
      // An early stop (take, an error downstream) closes the user's generator.
      if (!done && typeof it.return === 'function') await it.return();
    }
  }
}
