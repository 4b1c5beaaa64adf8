// prefetch: read ahead up to N records; never changes order or values. SPEC.md §4.1.
import { Stage } from './stage.mjs';
import { checkInt } from '../errors.mjs';
import { recordsOf } from '../core/block.mjs';

export class PrefetchStage extends Stage {
  constructor(upstream, bufferSize = 2) {
    super(upstream);
    this.bufferSize = checkInt(bufferSize, 'prefetch: buffer_size (bufferSize)', 1);
  }

  label() {
    return `prefetch(${this.bufferSize})`;
  }

  cardinality() {
    return this.upstream.cardinality();
  }

  /**
   * Reads up to bufferSize blocks ahead. After batch a block is one batch,
   * so prefetch(n) there holds n batches, as on the per-record path.
   */
  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    yield* readAhead(this.upstream.iterateBlocks(epoch), this.bufferSize);
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    yield* readAhead(this.upstream.iterate(epoch), this.bufferSize);
  }
}

/**
 * Keeps up to `n` next() calls in flight on `iterable`'s iterator. An async
 * generator queues them and runs ahead while the consumer works. Every
 * pending promise gets a no-op catch so an early stop leaves no unhandled
 * rejection; errors still reach the consumer in order when awaited.
 */
export async function* readAhead(iterable, n) {
  const it = iterable[Symbol.asyncIterator]();
  const pending = [];
  let finished = false;
  const pull = () => {
    if (finished) return;
    const p = Promise.resolve(it.next());
    p.catch(() => {});
    pending.push(p);
  };
  try {
    for (let k = 0; k < n; k++) pull();
    while (pending.length > 0) {
      const result = await pending.shift();
      if (result.done) {
        finished = true;
        return;
      }
      pull();
      yield result.value;
    }
  } finally {
    finished = true;
    if (typeof it.return === 'function') {
      try {
        await it.return();
      } catch {
        // The upstream already failed; the consumer saw (or chose not to see) that error.
      }
    }
  }
}
