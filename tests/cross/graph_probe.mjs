// Probes a trainer SavedModel from Node for tests/cross/test_graph_engine.py; prints one JSON line.
// `node graph_probe.mjs TRAINER COMMAND [ARG]`, the trainer's spec being TRAINER/../spec.json:
//   key SPEC          Node's trainerKey of SPEC
//   weights           set/get round trip, initial weights vs SPEC §5.1, predictions vs a tfjs LayersModel, step counts
//   checkpoint PREFIX save after 3 steps, 2 more, restore: step and weights back
//   paths OTHER       open, open again as OTHER (refused), close, reopen as OTHER (fresh weights)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { GraphTrainer, trainerKey } from '../../js/src/tfjs/graph_trainer.mjs';
import { buildModel, initialWeights } from '../../js/src/tfjs/model.mjs';
import { NdArray } from '../../js/src/core/ndarray.mjs';
import { Prng } from '../../js/src/order/prng.mjs';
import { loadSpec } from '../../js/src/spec.mjs';

const [dir, command, arg] = process.argv.slice(2);
const same = (a, b) => a.length === b.length && a.every((w, i) => JSON.stringify(w.shape) === JSON.stringify(b[i].shape) && w.data.every((v, k) => Object.is(v, b[i].data[k])));

function batch(info, n, seed) {
  const g = new Prng(seed);
  const size = info.input_shape.reduce((a, b) => a * b, 1);
  const x = new Uint8Array(n * size).map(() => Math.floor(g.uniform() * 256));
  const labels = info.label_shape.length === 0 ? Float32Array.from({ length: n }, (_, i) => i % 3) : Float32Array.from({ length: n }, () => g.uniform());
  return [new NdArray('uint8', [n, ...info.input_shape], x), new NdArray('float32', [n, ...info.label_shape], labels)];
}

const tf = await loadTf();
let out;
if (command === 'key') {
  out = { key: trainerKey(loadSpec(arg)) };
} else if (command === 'weights') {
  const spec = JSON.parse(readFileSync(join(dirname(dir), 'spec.json'), 'utf8'));
  const t = await GraphTrainer.open(tf, dir);
  const stored = t.getWeights();
  const initial = initialWeights(spec.model.seed, t.info.weights.map((w) => w.shape));
  const doubled = stored.map((w) => ({ data: w.data.map((v) => v * 2 + 0.25), shape: w.shape }));
  t.setWeights(doubled);
  const back = t.getWeights();
  const steps = [t.stepCount()];
  const [x, y] = batch(t.info, 4, 7);
  const predicted = t.predict(x);
  const { model } = buildModel(tf, spec.model);
  const tensors = back.map((w) => tf.tensor(w.data, w.shape, 'float32'));
  model.setWeights(tensors);
  const xs = tf.tensor(Float32Array.from(x.data), x.shape, 'float32');
  const layers = model.predict(xs);
  const diff = tf.max(tf.abs(tf.sub(predicted, layers))).dataSync()[0];
  await t.trainStep(x, y);
  await t.trainStep(x, y);
  steps.push(t.stepCount());
  t.close();
  out = { set_then_get_equal: same(back, doubled), initial_equal_spec_seed: same(stored, initial), max_abs_diff_vs_layers: diff, steps };
} else if (command === 'checkpoint') {
  const t = await GraphTrainer.open(tf, dir);
  const [x, y] = batch(t.info, 8, 3);
  for (let i = 0; i < 3; i++) await t.trainStep(x, y);
  t.save(arg);
  const saved = t.getWeights();
  for (let i = 0; i < 2; i++) await t.trainStep(x, y);
  const moved = !same(t.getWeights(), saved);
  const step = t.restore(arg);
  out = { restored_step: step, weights_back: same(t.getWeights(), saved), moved_after_save: moved };
  t.close();
} else if (command === 'paths') {
  const t = await GraphTrainer.open(tf, dir);
  const stored = t.getWeights();
  let second = 'opened';
  try {
    (await GraphTrainer.open(tf, arg)).close();
  } catch (err) {
    second = `${err.code}: ${err.message}`;
  }
  const [x, y] = batch(t.info, 8, 5);
  await t.trainStep(x, y);
  t.close();
  const again = await GraphTrainer.open(tf, arg);
  out = { second_open: second, reopened_initial: same(again.getWeights(), stored) };
  again.close();
} else {
  throw new Error(`unknown command ${command}`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
