// Pipeline -> tfjs tf.data.Dataset at the edge: one tensor per leaf per
// element; the k-th iterator created runs epoch k (SPEC.md §1.7).
import { loadTf } from './load.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { sortedKeys } from '../core/record.mjs';

// tfjs has no uint8/float64/int64 tensors: widen or narrow to its dtypes.
const TF_DTYPE = { uint8: 'int32', int32: 'int32', float32: 'float32', float64: 'float32', int64: 'int32' };

/** One tensor for one leaf. */
export function leafToTensor(tf, leaf) {
  const dtype = TF_DTYPE[leaf.dtype];
  let values = leaf.data;
  if (leaf.dtype === 'uint8') values = Int32Array.from(values);
  else if (leaf.dtype === 'float64') values = Float32Array.from(values);
  else if (leaf.dtype === 'int64') values = Int32Array.from(values, (v) => Number(v));
  return tf.tensor(values, leaf.shape, dtype);
}

/**
 * A record tree as tensors; an (x, y) pair becomes {xs, ys} for fitDataset,
 * and a one-element tuple (x,) becomes {xs}: inputs only, as Keras reads it
 * (SPEC.md §3.5: unlabelled paired folders).
 */
export function recordToTensors(tf, record) {
  const convert = (node) => {
    if (node instanceof NdArray) return leafToTensor(tf, node);
    if (Array.isArray(node)) return node.map(convert);
    const out = {};
    for (const k of sortedKeys(node)) out[k] = convert(node[k]);
    return out;
  };
  if (Array.isArray(record) && record.length === 2) return { xs: convert(record[0]), ys: convert(record[1]) };
  if (Array.isArray(record) && record.length === 1) return { xs: convert(record[0]) };
  return convert(record);
}

/**
 * What toTfData's iterator handed tfjs, in order: [samples, waited] per element, where samples is
 * the element's first dimension (a batch's size) and waited the seconds fitDataset waited for the
 * pipeline before it (the progress bar's input-bound share, SPEC.md §8). The trainer takes one
 * entry per step, in step order.
 */
export class Feed {
  constructor() {
    this.items = [];
    this.head = 0;
  }

  put(record, waited) {
    let first = Array.isArray(record) ? record[0] : record;
    while (!(first instanceof NdArray)) first = Array.isArray(first) ? first[0] : first[sortedKeys(first)[0]];
    this.items.push([first.shape.length >= 1 ? first.shape[0] : 1, waited]);
  }

  /** The next step's [samples, waited]; [null, 0] when nothing was recorded. */
  take() {
    if (this.head >= this.items.length) return [null, 0];
    const item = this.items[this.head++];
    if (this.head > 1024) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * A tfjs Dataset over `pipeline`; the k-th iterator read from runs epoch `firstEpoch + k`, so each
 * fitDataset epoch sees a new order, and the first one drops its first `skip` elements (a run resumed
 * mid-epoch, SPEC.md §5.6); `feed` records each element's size and input wait for the trainer.
 * The consumer owns (and disposes) the tensors.
 * @example
 * const ds = await toTfData(csv('xy.csv', { label: 'y' }).batch(32));
 * await model.fitDataset(ds, { epochs: 3 });
 * @param {any} pipeline
 * @param {{firstEpoch?: number, skip?: number, feed?: Feed}} [options]
 */
export async function toTfData(pipeline, { firstEpoch = 0, skip = 0, feed = undefined } = {}) {
  const tf = await loadTf();
  let created = firstEpoch;
  // The epoch is taken when an iterator is first read, not when it is made:
  // fitDataset makes one iterator up front that it never reads, and counting
  // it would shift every fit epoch by one.
  const nextEpoch = () => created++;
  const dataset = tf.data.generator(() => tensorIterator(tf, pipeline, nextEpoch, firstEpoch, skip, feed));
  const n = pipeline.cardinality();
  // Let tfjs know the length when it is finite and known (steps per epoch) and the same every epoch.
  if (typeof n === 'number' && skip === 0) dataset.size = n;
  return dataset;
}

async function* tensorIterator(tf, pipeline, nextEpoch, firstEpoch, skip, feed) {
  const epoch = nextEpoch();
  let drop = epoch === firstEpoch ? skip : 0;
  const records = pipeline.iterate(epoch >>> 0)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const t0 = performance.now();
      const { value, done } = await records.next();
      if (done) return;
      if (drop > 0) {
        drop -= 1; // SPEC.md §5.6: a resumed epoch replays its first steps untrained
        continue;
      }
      if (feed !== undefined) feed.put(value, (performance.now() - t0) / 1000);
      yield recordToTensors(tf, value);
    }
  } finally {
    await records.return?.(); // the consumer stopped early: let the pipeline release what it holds
  }
}
