// The in-memory reference: DATA_DIR/xy.csv read and parsed once, before any clock starts, into
// x and y, float32 [N, 1] each. fit: model.fit(x, y, {batchSize 250}) as users write it, so with
// tfjs's default shuffle (true: a gather per batch). alone: tf.slice batches in file order.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseContenderArgs, getTf, csvModel, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs();
const tf = await getTf();
const lines = readFileSync(path.join(args.dataDir, 'xy.csv'), 'utf8').split('\n');
const xs = new Float32Array(lines.length);
const ys = new Float32Array(lines.length);
let n = 0;
for (let i = 1; i < lines.length; i++) { // line 0: the header
  if (lines[i] === '') continue;
  const c = lines[i].indexOf(',');
  xs[n] = Number(lines[i].slice(0, c));
  ys[n] = Number(lines[i].slice(c + 1));
  n += 1;
}
const x = tf.tensor2d(xs.subarray(0, n), [n, 1]);
const y = tf.tensor2d(ys.subarray(0, n), [n, 1]);
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
