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
 * A tfjs Dataset over `pipeline`; the k-th iterator read from runs epoch k, so each fitDataset
 * epoch sees a new order. The consumer owns (and disposes) the tensors.
 * @example
 * const ds = await toTfData(csv('xy.csv', { label: 'y' }).batch(32));
 * await model.fitDataset(ds, { epochs: 3 });
 */
export async function toTfData(pipeline) {
  const tf = await loadTf();
  let created = 0;
  // The epoch is taken when an iterator is first read, not when it is made:
  // fitDataset makes one iterator up front that it never reads, and counting
  // it would shift every fit epoch by one.
  const nextEpoch = () => (created++) >>> 0;
  const dataset = tf.data.generator(() => tensorIterator(tf, pipeline, nextEpoch));
  const n = pipeline.cardinality();
  // Let tfjs know the length when it is finite and known (steps per epoch).
  if (typeof n === 'number') dataset.size = n;
  return dataset;
}

async function* tensorIterator(tf, pipeline, nextEpoch) {
  const epoch = nextEpoch();
  for await (const record of pipeline.iterate(epoch)) yield recordToTensors(tf, record);
}
