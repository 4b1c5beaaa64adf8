// The tfjs edge: image decode, toTfData with fitDataset, model init, train CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csv, fromRange, imageFolder, Prng, combine, pipelineFromSpec } from '../../js/index.mjs';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { decodeImage } from '../../js/src/tfjs/image.mjs';
import { initialWeightValues } from '../../js/src/tfjs/model.mjs';
import { tempDir, writeFile, collect } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMAGES = join(ROOT, 'shared_fixtures', 'data', 'images');
const tf = await loadTf();
const tmp = tempDir();

// A 2x2 RGB BMP (24-bit, bottom-up rows padded to 4 bytes), written by hand.
function bmp2x2() {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + 16, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(16, 34);
  // Bottom row first, pixels stored B, G, R. Top row: red, green; bottom row: blue, white.
  const bottom = [255, 0, 0, 255, 255, 255, 0, 0];
  const top = [0, 0, 255, 0, 255, 0, 0, 0];
  return Buffer.concat([header, Buffer.from(bottom), Buffer.from(top)]);
}

test('decodes a hand-made BMP to the expected uint8 pixels; scale and same-size resize', async () => {
  const img = await decodeImage(bmp2x2(), { channels: 3, imageSize: null, scale: false, file: 'x.bmp' });
  assert.equal(img.dtype, 'uint8');
  assert.deepEqual(img.shape, [2, 2, 3]);
  assert.deepEqual(img.toList(), [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 255]]]);
  const scaled = await decodeImage(bmp2x2(), { channels: 3, imageSize: null, scale: true, file: 'x.bmp' });
  assert.equal(scaled.dtype, 'float32');
  assert.deepEqual(scaled.toList()[1][1], [1, 1, 1]);
  assert.deepEqual(scaled.toList()[0][0], [1, 0, 0]);
  // Resizing the 2x2 image to 2x2 with half-pixel centers reproduces the pixels (as float32).
  const same = await decodeImage(bmp2x2(), { channels: 3, imageSize: [2, 2], scale: false, file: 'x.bmp' });
  assert.equal(same.dtype, 'float32');
  assert.deepEqual(same.toList(), img.toList());
});

test('decodes all five formats (JPEG, PNG, BMP, GIF, WebP) without leaking tensors', async () => {
  const byExt = new Map();
  for (const name of readdirSync(IMAGES).sort()) if (!byExt.has(extname(name))) byExt.set(extname(name), name);
  assert.deepEqual([...byExt.keys()].sort(), ['.bmp', '.gif', '.jpg', '.png', '.webp']);
  const before = tf.memory().numTensors;
  for (const name of byExt.values()) {
    const bytes = readFileSync(join(IMAGES, name));
    const raw = await decodeImage(bytes, { channels: 3, imageSize: null, scale: false, file: name });
    assert.equal(raw.dtype, 'uint8', name);
    assert.equal(raw.shape.length, 3, name);
    assert.equal(raw.shape[2], 3, name);
    const resized = await decodeImage(bytes, { channels: 3, imageSize: [5, 7], scale: true, file: name });
    assert.deepEqual(resized.shape, [5, 7, 3]);
    assert.ok(resized.data.every((v) => v >= 0 && v <= 1));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('undecodable bytes are SF_IMAGE_DECODE naming the file', async () => {
  const dir = join(tmp.dir, 'imgs');
  (await import('node:fs')).mkdirSync(dir);
  writeFile(dir, 'cat_1.png', 'not an image');
  writeFile(dir, '.hidden_1.png', 'ignored');
  writeFile(dir, 'cat_2.txt', 'ignored');
  const p = imageFolder(dir);
  assert.equal(p.cardinality(), 1);
  assert.equal(p.summary(), 'image_folder(imgs)');
  await assert.rejects(() => collect(p), (e) => e.code === 'SF_IMAGE_DECODE' && e.message.includes('cat_1.png'));
});

test('toTfData feeds fitDataset; epoch k uses pipeline epoch k; numTensors stable across epochs', async () => {
  const pipeline = csv(join(ROOT, 'shared_fixtures', 'data', 'xy.csv'), { features: ['x'], label: 'y' }).shuffle({ bufferSize: 100, seed: 1 }).batch(100);
  const ds = await pipeline.toTfData();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
  model.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.01) });
  const counts = [];
  const firstBatches = [];
  await model.fitDataset(ds, {
    epochs: 3,
    verbose: 0,
    callbacks: {
      onEpochEnd: async () => {
        counts.push(tf.memory().numTensors);
      },
    },
  });
  assert.equal(counts.length, 3);
  assert.equal(counts[0], counts[1]);
  assert.equal(counts[1], counts[2]);
  // The next iterator read is the 4th: epoch 3 of the pipeline.
  const it = await ds.iterator();
  const { value } = await it.next();
  const [want] = await collect(pipeline.take(1), 3);
  firstBatches.push(value.xs.arraySync());
  assert.deepEqual(firstBatches[0], want[0]);
  tf.dispose(value);
  model.dispose();
});

test('Glorot init: values within the limit, drawn in C order from combine(seed, TAG_INIT)', () => {
  const [kernel, bias] = initialWeightValues(1, [{ shape: [2, 3], kind: 'kernel' }, { shape: [3], kind: 'bias' }]);
  const limit = Math.sqrt(6 / 5);
  const g = new Prng(combine(1, 0x696e6974));
  const want = Array.from({ length: 6 }, () => Math.fround((g.uniform() * 2 - 1) * limit));
  assert.deepEqual(Array.from(kernel), want);
  assert.deepEqual(Array.from(bias), [0, 0, 0]);
  assert.ok(want.every((v) => Math.abs(v) <= limit));
});

test('train CLI prints one line per epoch and writes the history', () => {
  const spec = {
    source: { type: 'csv', path: join(ROOT, 'shared_fixtures', 'data', 'xy.csv'), features: ['x'], label: 'y' },
    ops: [{ op: 'batch', batch_size: 250 }],
    model: { seed: 1, input_shape: [1], layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 1 }] },
    train: { epochs: 3, loss: 'mse', optimizer: { type: 'adam', learning_rate: 0.01 } },
  };
  const specPath = writeFile(tmp.dir, 'train.json', JSON.stringify(spec));
  const historyPath = join(tmp.dir, 'h.json');
  const out = execFileSync(process.execPath, [join(ROOT, 'js', 'train.mjs'), specPath, '--epochs', '2', '--history', historyPath], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 6);
  assert.equal(lines[0], 'pipeline  csv(xy.csv) -> batch(250)');
  assert.equal(lines[1], 'model     13 parameters, seed=1'); // dense 1->4 (8) + 4->1 (5)
  assert.match(lines[2], /^epoch 1\/2 {2}loss \d+\.\d{6} {2}1000 samples {2}\d+\.\d s {2}\d+ samples\/s$/);
  assert.match(lines[4], /^trained 2 epochs: 2000 samples in \d+\.\d s, \d+ samples\/s, input-bound \d+%, final loss \d+\.\d{6}$/);
  assert.match(lines[5], /^weights digest: initial [0-9a-f]{16} {2}final [0-9a-f]{16}$/);
  const h = JSON.parse(readFileSync(historyPath, 'utf8'));
  assert.equal(h.language, 'node');
  assert.equal(h.pipeline, 'csv(xy.csv) -> batch(250)');
  assert.equal(h.model_seed, 1);
  assert.deepEqual(h.epochs.map((e) => [e.epoch, e.samples]), [[1, 1000], [2, 1000]]);
  assert.match(h.initial_weights_digest, /^[0-9a-f]{64}$/);
  assert.notEqual(h.initial_weights_digest, h.final_weights_digest);
  const quiet = execFileSync(process.execPath, [join(ROOT, 'js', 'train.mjs'), specPath, '--epochs', '1', '--quiet'], { encoding: 'utf8' });
  assert.equal(quiet, '');
  // a missing model seed and an unseeded shuffle are drawn and both reach the run log
  delete spec.model.seed;
  spec.ops.unshift({ op: 'shuffle', buffer_size: 10 });
  const drawnPath = writeFile(tmp.dir, 'drawn.json', JSON.stringify(spec));
  const drawn = execFileSync(process.execPath, [join(ROOT, 'js', 'train.mjs'), drawnPath, '--epochs', '1'], { encoding: 'utf8' }).split('\n');
  assert.match(drawn[0], /^pipeline {2}csv\(xy\.csv\) -> shuffle\(buffer=10, seed=\d+ \(drawn\)\) -> batch\(250\)$/);
  assert.match(drawn[1], /^model {5}13 parameters, seed=\d+ \(drawn\)$/);
});

test('train CLI trains from a packed source: every epoch reads every record, a new order each epoch', async () => {
  const spec = { source: { type: 'class_folder', path: join(ROOT, 'shared_fixtures', 'data', 'classes'), image_size: [8, 8] } };
  const pack = join(tmp.dir, 'classes_pack');
  await pipelineFromSpec(spec).pack(pack, { shardBytes: 4000, progress: false });
  const trainSpec = {
    source: { type: 'packed', path: pack, order: 'shards', seed: 4, window: 2 },
    ops: [{ op: 'map', fn: 'divide', value: 255 }, { op: 'batch', batch_size: 4 }],
    model: { seed: 1, input_shape: [8, 8, 3], layers: [{ type: 'flatten' }, { type: 'dense', units: 3 }] },
    train: { epochs: 2, loss: 'sparse_categorical_crossentropy', optimizer: { type: 'sgd', learning_rate: 0.05 } },
  };
  const specPath = writeFile(tmp.dir, 'train_packed.json', JSON.stringify(trainSpec));
  const historyPath = join(tmp.dir, 'hp.json');
  const out = execFileSync(process.execPath, [join(ROOT, 'js', 'train.mjs'), specPath, '--history', historyPath], { encoding: 'utf8' });
  assert.match(out, /^pipeline {2}packed\(classes_pack, order=shards, seed=4, window=2\) -> map\(divide\) -> batch\(4\)$/m);
  const h = JSON.parse(readFileSync(historyPath, 'utf8'));
  assert.deepEqual(h.epochs.map((e) => [e.samples, e.skipped]), [[17, {}], [17, {}]]);
  assert.ok(h.epochs.every((e) => Number.isFinite(e.loss)));
});

test('fromRange pipeline to tfjs gives int32 tensors', async () => {
  const ds = await fromRange(5).batch(5).toTfData();
  const it = await ds.iterator();
  const { value } = await it.next();
  assert.equal(value.dtype, 'int32');
  assert.deepEqual(value.arraySync(), [0, 1, 2, 3, 4]);
  value.dispose();
});

test('optimizer params: Keras defaults, ranges are SF_ARG naming the key (SPEC.md §5.3)', async () => {
  const { optimizerParams } = await import('../../js/src/tfjs/optimizers.mjs');
  assert.deepEqual(optimizerParams({ type: 'adam', learning_rate: 0.5 }), { type: 'adam', learning_rate: 0.5, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
  assert.deepEqual(optimizerParams({ type: 'rmsprop', learning_rate: 1, momentum: 0.5 }), { type: 'rmsprop', learning_rate: 1, rho: 0.9, momentum: 0.5, epsilon: 1e-7 });
  for (const [opt, key] of [
    [{ type: 'sgd', learning_rate: 0 }, 'learning_rate'],
    [{ type: 'sgd', learning_rate: 1, momentum: 1 }, 'momentum'],
    [{ type: 'adam', learning_rate: 1, beta_2: -0.1 }, 'beta_2'],
    [{ type: 'adam', learning_rate: 1, epsilon: 0 }, 'epsilon'],
    [{ type: 'rmsprop', learning_rate: 1, rho: 1.5 }, 'rho'],
  ]) {
    assert.throws(() => optimizerParams(opt), (e) => e.code === 'SF_ARG' && e.message.includes(`train.optimizer.${key}`));
  }
});

test('optimizer state saved with getWeights and restored with setWeights continues exactly', async () => {
  const { kerasOptimizer } = await import('../../js/src/tfjs/optimizers.mjs');
  for (const opt of [{ type: 'adam', learning_rate: 0.01 }, { type: 'rmsprop', learning_rate: 0.01, momentum: 0.5 }, { type: 'sgd', learning_rate: 0.1, momentum: 0.9 }]) {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `w_${opt.type}_${Math.random()}`);
    const grads = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.2, 0.2], [0.2, 0.1, -0.4]].map((g) => tf.tensor1d(g));
    const run = (o, from, to) => { for (let k = from; k < to; k++) o.applyGradients({ [w.name]: grads[k] }); };
    const start = w.dataSync().slice();
    const a = kerasOptimizer(tf, opt);
    run(a, 0, 4);
    const straight = w.dataSync().slice();
    w.assign(tf.tensor1d(start));
    const b = kerasOptimizer(tf, opt);
    run(b, 0, 2);
    const saved = await b.getWeights();
    assert.equal(saved[0].name, 'iter');
    const c = kerasOptimizer(tf, opt);
    await c.setWeights(saved.map((s) => ({ name: s.name, tensor: s.tensor.clone() })));
    run(c, 2, 4);
    assert.deepEqual(Array.from(w.dataSync()), Array.from(straight), opt.type);
    assert.notDeepEqual(Array.from(straight), Array.from(start));
    w.dispose();
  }
});

test('a tensor made from a typed array owns a copy of its bytes, whatever their alignment (scripts/patch_tfjs_binding.py)', () => {
  // tfjs-node as published shares a 64-byte-aligned typed array with TensorFlow, whose release then
  // calls N-API from TensorFlow's threads (crashes). 16 views 4 bytes apart: one of them is aligned.
  const binding = tf.backend().binding;
  const buf = new ArrayBuffer(4 * 64);
  const seen = [];
  for (let offset = 0; offset < 64; offset += 4) {
    const view = new Float32Array(buf, offset, 8).fill(1);
    const id = binding.createTensor([8], binding.TF_FLOAT, view);
    view[0] = 42; // after the tensor was made: a tensor with its own bytes still holds 1
    seen.push(binding.tensorDataSync(id)[0]);
    binding.deleteTensor(id);
  }
  assert.deepEqual(seen, new Array(16).fill(1));
});
