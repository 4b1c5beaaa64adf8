// The in-memory reference: DATA_DIR/xy.csv read and parsed once, before any clock starts, into
// x and y, float32 [N, 1] each. fit: model.fit(x, y, {batchSize 250}) as users write it, so with
// tfjs's default shuffle (true: a gather per batch). alone: tf.slice batches in file order.
import { parseContenderArgs, getTf, csvModel, csvTensors, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs();
const tf = await getTf();
const { x, y, n } = csvTensors(tf, args.dataDir);
const BATCH = 250;

async function* sliceBatches() {
  for (let start = 0; start < n; start += BATCH) {
    const size = Math.min(BATCH, n - start);
    yield { xs: tf.slice(x, [start, 0], [size, 1]), ys: tf.slice(y, [start, 0], [size, 1]) };
  }
}

if (args.mode === 'alone') {
  emit(await runAlone(tf, sliceBatches, args));
} else {
  const model = csvModel(tf);
  emit(await runFit(tf, (callbacks) => model.fit(x, y, { batchSize: BATCH, epochs: args.epochs, verbose: 0, callbacks }), args));
}
