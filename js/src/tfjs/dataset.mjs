// Pipeline -> tfjs tf.data.Dataset at the edge: one tensor per leaf per
// element; the k-th iterator created runs epoch k (SPEC.md §1.7).
import { loadTf } from './load.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { flatten, sortedKeys, unflatten } from '../core/record.mjs';
import { MapStage } from '../ops/map.mjs';
import { PrefetchStage } from '../ops/prefetch.mjs';
import { TENSOR_FN, TENSOR_TAIL_DTYPES, partRange } from '../ops/builtins.mjs';

// tfjs has no uint8/float64/int64 tensors: widen or narrow to its dtypes.
const TF_DTYPE = { uint8: 'int32', int32: 'int32', float32: 'float32', float64: 'float32', int64: 'int32' };

/**
 * One tensor for one leaf. A uint8 leaf goes to TensorFlow as uint8 (a quarter of the bytes) and
 * TF's Cast widens it there, to int32, or straight to float32 with `toFloat` (where the tensor
 * tail casts it to float32 next: one pass and one tensor fewer, the same values): no JavaScript
 * loop over its values.
 */
export function leafToTensor(tf, leaf, toFloat = false) {
  if (leaf.dtype === 'uint8') return uint8Tensor(tf, leaf, toFloat ? 'float32' : 'int32');
  const dtype = TF_DTYPE[leaf.dtype];
  let values = leaf.data;
  if (leaf.dtype === 'float64') values = Float32Array.from(values);
  else if (leaf.dtype === 'int64') values = Int32Array.from(values, (v) => Number(v));
  return tf.tensor(values, leaf.shape, dtype);
}

function uint8Tensor(tf, leaf, dtype) {
  const backend = tf.backend();
  const binding = backend.binding;
  if (binding === undefined) { // not tfjs-node
    return tf.tensor(dtype === 'int32' ? Int32Array.from(leaf.data) : Float32Array.from(leaf.data), leaf.shape, dtype);
  }
  // the binding copies the bytes into a TF tensor of its own; tfjs labels a uint8 tensor int32
  const raw = backend.createOutputTensor({ id: binding.createTensor(leaf.shape, binding.TF_UINT8, leaf.data), shape: leaf.shape, dtype: binding.TF_UINT8 });
  try {
    return backend.executeSingleOutput('Cast', [
      { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
      { name: 'DstT', type: binding.TF_ATTR_TYPE, value: dtype === 'int32' ? binding.TF_INT32 : binding.TF_FLOAT },
      { name: 'Truncate', type: binding.TF_ATTR_BOOL, value: false },
    ], [raw]);
  } finally {
    raw.dispose();
  }
}

/**
 * The pipeline's last stages split where the tensor tail begins: `head`, the stages before its
 * trailing built-in maps that have a tensor form (divide, normalize, cast to float32; SPEC.md §1.7),
 * with the prefetch stages among them kept on top of it, and `tail`, those maps in order. The
 * head's records become tensors and the tail runs on them in TensorFlow: the same values, with the
 * element-wise work off the JavaScript thread that also runs every training step.
 * @returns {{head: import('../ops/stage.mjs').Stage, tail: Function[]}}
 */
export function splitTensorTail(stage) {
  const tail = [];
  const prefetches = [];
  let s = stage;
  for (;;) {
    if (s instanceof PrefetchStage) prefetches.unshift(s.bufferSize);
    else if (s instanceof MapStage && s.fn[TENSOR_FN] !== undefined) tail.unshift(s.fn);
    else break;
    s = s.upstream;
  }
  if (tail.length === 0) return { head: stage, tail };
  for (const size of prefetches) s = new PrefetchStage(s, size);
  return { head: s, tail };
}

/**
 * A record as tensors with `tail` (maps with a tensor form) applied: in TensorFlow when every leaf
 * a map touches has a dtype whose tensor holds the values the map's typed-array form reads, else
 * through the maps' own functions first (the same values either way).
 */
function tensorsWithTail(tf, record, tail) {
  if (tail.length === 0) return treeToTensors(tf, record);
  const leaves = flatten(record);
  const plan = leaves.map(() => []);
  for (const fn of tail) {
    const t = fn[TENSOR_FN];
    const [lo, hi] = partRange(record, t.on, t.name);
    for (let i = lo; i < hi; i++) plan[i].push(t.leaf);
  }
  if (plan.some((fns, i) => fns.length > 0 && !TENSOR_TAIL_DTYPES.has(leaves[i].dtype))) {
    let out = record;
    for (const fn of tail) out = fn(out);
    return treeToTensors(tf, out);
  }
  // Every tensor form begins with a cast to float32 (builtins.mjs TENSOR_MAPS).
  const tensors = leaves.map((leaf, i) => tf.tidy(() => plan[i].reduce((t, f) => f(tf, t, leaf.shape), leafToTensor(tf, leaf, plan[i].length > 0))));
  return unflatten(record, tensors);
}

function treeToTensors(tf, tree) {
  if (tree instanceof NdArray) return leafToTensor(tf, tree);
  if (Array.isArray(tree)) return tree.map((t) => treeToTensors(tf, t));
  const out = {};
  for (const k of sortedKeys(tree)) out[k] = treeToTensors(tf, tree[k]);
  return out;
}

/**
 * A record tree as tensors; an (x, y) pair becomes {xs, ys} for fitDataset,
 * and a one-element tuple (x,) becomes {xs}: inputs only, as Keras reads it
 * (SPEC.md §3.5: unlabelled paired folders).
 */
export function recordToTensors(tf, record, tail = []) {
  const tensors = tensorsWithTail(tf, record, tail);
  if (Array.isArray(record) && record.length === 2) return { xs: tensors[0], ys: tensors[1] };
  if (Array.isArray(record) && record.length === 1) return { xs: tensors[0] };
  return tensors;
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
  const { head, tail } = splitTensorTail(pipeline.stage);
  const dataset = tf.data.generator(() => tensorIterator(tf, head, tail, nextEpoch, firstEpoch, skip, feed));
  const n = pipeline.cardinality();
  // Let tfjs know the length when it is finite and known (steps per epoch) and the same every epoch.
  if (typeof n === 'number' && skip === 0) dataset.size = n;
  return dataset;
}

async function* tensorIterator(tf, head, tail, nextEpoch, firstEpoch, skip, feed) {
  const epoch = nextEpoch();
  let drop = epoch === firstEpoch ? skip : 0;
  const records = head.iterate(epoch >>> 0)[Symbol.asyncIterator]();
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
      yield recordToTensors(tf, value, tail);
    }
  } finally {
    await records.return?.(); // the consumer stopped early: let the pipeline release what it holds
  }
}
