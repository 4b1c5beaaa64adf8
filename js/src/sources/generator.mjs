// User generator source (SPEC.md §3.6): fn() makes a fresh sync or async
// iterator for every epoch; its elements become records. A stream: not
// indexable, cardinality unknown. Leaf conversion and the element spec live
// in generator_spec.mjs.
import { Source } from '../ops/stage.mjs';
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

/**
 * "fromGenerator(gen): element 12", made only when a message needs it. A
 * string made per element would be kept by V8's number-to-string cache past
 * young collections, and old space would fill with them (issue 6).
 */
class ElementAt {
  constructor(where, index) {
    this.where = where;
    this.index = index;
  }

  toString() {
    return `${this.where}: element ${this.index}`;
  }
}

export class GeneratorSource extends Source {
  /**
   * @param {() => Iterator<unknown>|AsyncIterator<unknown>|Iterable<unknown>|AsyncIterable<unknown>} fn
   * @param {{elementSpec?: object|null, name?: string, onError?: 'raise'|'skip'}} [options]
   */
  constructor(fn, options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('SF_ARG', `fromGenerator(fn, options): options must be an object, got ${describe(options)}`);
    super(options.onError, 'fromGenerator');
    if (typeof fn !== 'function') {
      throw typeError('SF_ARG', `fromGenerator(fn): fn must be a function that returns a fresh iterator per epoch (e.g. function* () { yield ... }), got ${describe(fn)}`);
    }
    const { elementSpec = null, name } = options;
    this.fn = fn;
    this.name = functionName(fn, name);
    this.elementSpec = elementSpec === null ? null : checkElementSpec(elementSpec, `fromGenerator(${this.name}) elementSpec`);
  }

  label() {
    return `generator(${this.name}${this.policyLabel})`;
  }

  /**
   * The records of one call of fn(). A user generator has no order of its own
   * to vary by epoch; the epoch only names the read. Under onError 'skip' an
   * element that does not match the spec (SF_ARG) is dropped and counted;
   * its tensors are disposed all the same (SPEC.md §3.6, §4.6).
   */
  iterate(epoch) {
    return this.records(epoch, true);
  }

  /** Lends the user's arrays (Stage.lendsRecords): the generator runs on only when the consumer pulls again. */
  get lendsRecords() {
    return true;
  }

  iterateLoaned(epoch) {
    return this.records(epoch, false);
  }

  /** iterate(epoch), each record with its own copy of the data (`copy`) or lent. */
  async *records(epoch, copy) {
    const where = `fromGenerator(${this.name})`;
    const read = this.beginRead(epoch);
    const it = iteratorOf(await this.fn(), this.name);
    // Without an elementSpec, the first good element of each epoch sets it (SPEC.md §3.6).
    let spec = this.elementSpec;
    let index = 0; // of the element in the generator's output, skipped ones included
    let yielded = 0;
    let done = false;
    try {
      for (;;) {
        const step = await it.next();
        if (step.done) {
          done = true;
          read.finish(yielded);
          return;
        }
        let record;
        try {
          record = convertElement(step.value, spec, new ElementAt(where, index), copy);
        } catch (err) {
          if (!read.skipping || err.code !== 'SF_ARG') throw err;
          read.skip(err);
          index++;
          continue;
        }
        if (spec === null) spec = inferSpec(record);
        index++;
        yielded++;
        yield record;
      }
    } finally {
      // An early stop (take, an error downstream) closes the user's generator.
      if (!done && typeof it.return === 'function') await it.return();
    }
  }
}
