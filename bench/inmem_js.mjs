// In-memory reference for the CSV fit figure (Node): prints one JSON line.
// Loads the whole CSV into two tensors first (what you do when it fits in RAM),
// builds the spec's model with the same initial weights, and times the second
// of two model.fit epochs on those tensors with the spec's batch size.
import { readFileSync } from 'node:fs';
import { loadSpec } from '../js/index.mjs';
import { loadTf } from '../js/src/tfjs/load.mjs';
import { buildModel, makeLoss, makeOptimizer } from '../js/src/tfjs/model.mjs';

const spec = loadSpec(process.argv[2]);
const lines = readFileSync(spec.source.path, 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
const xs = new Float32Array(lines.length);
const ys = new Float32Array(lines.length);
lines.forEach((l, i) => {
  const c = l.indexOf(',');
  xs[i] = Number(l.slice(0, c));
  ys[i] = Number(l.slice(c + 1));
});
const tf = await loadTf();
const batch = spec.ops.find((op) => op.op === 'batch').batch_size;
const { model } = buildModel(tf, spec.model);
model.compile({ loss: makeLoss(tf, spec.train.loss), optimizer: makeOptimizer(tf, spec.train.optimizer) });
const x = tf.tensor2d(xs, [xs.length, 1]);
const y = tf.tensor1d(ys);
const times = [];
let t0 = 0;
await model.fit(x, y, {
  batchSize: batch, epochs: 2, shuffle: false, verbose: 0,
  callbacks: { onEpochBegin: async () => { t0 = performance.now(); }, onEpochEnd: async () => { times.push((performance.now() - t0) / 1000); } },
});
const seconds = times[times.length - 1];
console.log(JSON.stringify({ language: 'node', records: xs.length, seconds, records_per_s: xs.length / seconds }));
