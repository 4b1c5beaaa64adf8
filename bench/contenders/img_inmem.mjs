// The in-memory reference: every file of DATA_DIR/flat decoded once, before any clock starts, into
// one float32 [N, S, S, 3] tensor (/255) and N float32 labels (tfjs's sparseCategoricalCrossentropy
// takes float32 labels only). fit: model.fit(x, y, {batchSize 32, shuffle true}). alone: what that
// fit does for its input: a new index permutation each epoch, tf.gather of each batch's rows.
// --dataset: fit feeds those same batches through model.fitDataset (tf.data.generator) instead of
// model.fit: what tfjs's dataset training loop costs by itself, on data already in memory.
import { parseContenderArgs, getTf, imageTensors, imageModel, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs(['dataset']);
const tf = await getTf();
const { x, y, n } = imageTensors(tf, args.dataDir, args.size);
const BATCH = 32;

// One epoch of batches as model.fit makes them (tfjs-layers' fitLoop: shuffled indices, gather).
async function* shuffledBatches() {
  const order = tf.util.createShuffledIndices(n);
  for (let start = 0; start < order.length; start += BATCH) {
    const ids = tf.tensor1d(Int32Array.from(order.subarray(start, start + BATCH)), 'int32');
    const batch = { xs: tf.gather(x, ids), ys: tf.gather(y, ids) };
    ids.dispose();
    yield batch;
  }
}

if (args.mode === 'alone') {
  emit(await runAlone(tf, shuffledBatches, args));
} else {
  const model = imageModel(tf, args.size);
  const fit = args.dataset
    ? (callbacks) => model.fitDataset(tf.data.generator(shuffledBatches), { epochs: args.epochs, verbose: 0, callbacks })
    : (callbacks) => model.fit(x, y, { batchSize: BATCH, epochs: args.epochs, shuffle: true, verbose: 0, callbacks });
  emit(await runFit(tf, fit, args));
}
