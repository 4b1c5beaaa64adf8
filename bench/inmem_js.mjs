// In-memory reference for the fit figures (Node): prints one JSON line.
// Loads the whole CSV (or the whole pack, divided as the spec's map(divide) says)
// into two tensors first (what you do when it fits in RAM),
// builds the spec's model with the same initial weights, and times epochs 2..E of
// model.fit on those tensors (E = the spec's train.epochs, at least 2) with the spec's batch size.
import { readFileSync } from 'node:fs';
import { loadSpec, packed } from '../js/index.mjs';
import { loadTf } from '../js/src/tfjs/load.mjs';
import { buildModel, makeLoss, makeOptimizer } from '../js/src/tfjs/model.mjs';

const spec = loadSpec(process.argv[2]);
const tf = await loadTf();
let x;
let y;
let count;
if (spec.source.type === 'packed') {
  // every record in stored order, pixels divided as the spec's map(divide) says
  const divide = spec.ops.find((op) => op.op === 'map' && op.fn === 'divide')?.value ?? 1;
  const recs = [];
  for await (const r of packed(spec.source.path).iterate(0)) recs.push(r);
  const shape = recs[0][0].shape;
  const per = shape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(recs.length * per);
  const ys = new Float32Array(recs.length);
  recs.forEach(([xi, yi], i) => {
    for (let k = 0; k < per; k++) xs[i * per + k] = Math.fround(xi.data[k] / divide);
    ys[i] = yi.data[0];
  });
  x = tf.tensor(xs, [recs.length, ...shape]);
  y = tf.tensor1d(ys);
  count = recs.length;
} else {
  const lines = readFileSync(spec.source.path, 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  const xs = new Float32Array(lines.length);
  const ys = new Float32Array(lines.length);
  lines.forEach((l, i) => {
    const c = l.indexOf(',');
    xs[i] = Number(l.slice(0, c));
    ys[i] = Number(l.slice(c + 1));
  });
  x = tf.tensor2d(xs, [xs.length, 1]);
  y = tf.tensor1d(ys);
  count = xs.length;
}
const batch = spec.ops.find((op) => op.op === 'batch').batch_size;
const { model } = buildModel(tf, spec.model);
model.compile({ loss: makeLoss(tf, spec.train.loss), optimizer: makeOptimizer(tf, spec.train.optimizer) });
const epochs = Math.max(2, spec.train.epochs ?? 2);
const times = [];
let t0 = 0;
const callbacks = { onEpochBegin: async () => { t0 = performance.now(); }, onEpochEnd: async () => { times.push((performance.now() - t0) / 1000); } };
if (spec.train.loss === 'sparse_categorical_crossentropy') {
  // tfjs's fit(x, y) insists that targets have the output's shape unless the loss is its own
  // sparse one; our loss (the one train.mjs uses) takes integer labels, so feed the same
  // in-memory tensors as ready-made batches through fitDataset, the path train.mjs takes
  const xs = tf.split(x, splits(count, batch));
  const ys = tf.split(y, splits(count, batch));
  const ds = tf.data.array(xs.map((xb, i) => ({ xs: xb, ys: ys[i] })));
  await model.fitDataset(ds, { epochs, verbose: 0, callbacks });
} else {
  await model.fit(x, y, { batchSize: batch, epochs, shuffle: false, verbose: 0, callbacks });
}
const seconds = times.slice(1).reduce((a, b) => a + b, 0);
const records = count * (epochs - 1);

function splits(n, b) {
  const out = [];
  for (let i = 0; i < n; i += b) out.push(Math.min(b, n - i));
  return out;
}
console.log(JSON.stringify({ language: 'node', records, seconds, records_per_s: records / seconds }));
