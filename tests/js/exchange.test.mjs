// tfjs LayersModel folders (SPEC.md §10): saveTfjs/loadTfjs round trip, folder rules, error codes,
// and a folder written by Python's streamfit.tf.exchange.save_tfjs (one run of .venv/bin/python,
// which also reports Keras's predictions; tests/cross/test_exchange.py goes further).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { loadTfjs, saveTfjs } from '../../js/src/tfjs/exchange.mjs';
import { tempDir } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const tf = await loadTf();
const tmp = tempDir();

function codeAnd(code, ...parts) {
  return (err) => {
    assert.equal(err.code, code, err.message);
    for (const p of parts) assert.ok(err.message.includes(p), `${JSON.stringify(err.message)} should name ${JSON.stringify(p)}`);
    return true;
  };
}

/** Inputs from a formula (no random draw): sin(k * 0.731 + salt) as float32. */
function fixed(shape, salt) {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, (_, k) => Math.sin(k * 0.731 + salt)), shape, 'float32');
}

function smallCnn() {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  return m;
}

test('saveTfjs then loadTfjs gives the same weights and predictions', async () => {
  const model = smallCnn();
  const dir = join(tmp.dir, 'roundtrip');
  assert.equal(await saveTfjs(model, dir), join(dir, 'model.json'));
  assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin']);
  const back = await loadTfjs(dir);
  const x = fixed([3, 6, 6, 2], 1);
  assert.deepEqual(back.predict(x).arraySync(), model.predict(x).arraySync());
  const [a, b] = [model, back].map((m) => m.getWeights().map((w) => Array.from(w.dataSync())));
  assert.deepEqual(b, a);
  await saveTfjs(back, dir); // over an earlier tfjs model: fine
});

test('saveTfjs refuses a non-empty folder without a model, and a file', async () => {
  const dir = join(tmp.dir, 'mine');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'keep me');
  await assert.rejects(saveTfjs(smallCnn(), dir), codeAnd('SF_ARG', 'not empty', dir));
  assert.deepEqual(readdirSync(dir), ['notes.txt']);
  await assert.rejects(saveTfjs(smallCnn(), join(dir, 'notes.txt')), codeAnd('SF_ARG', 'is a file'));
});

test('loadTfjs errors name the file and the problem', async () => {
  await assert.rejects(loadTfjs(join(tmp.dir, 'nothing')), codeAnd('SF_FILE_NOT_FOUND', 'nothing', 'does not exist'));
  const empty = join(tmp.dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(loadTfjs(empty), codeAnd('SF_FILE_NOT_FOUND', 'holds no model.json'));
  const dir = join(tmp.dir, 'broken');
  await saveTfjs(smallCnn(), dir);
  const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...doc, format: 'graph-model' }));
  await assert.rejects(loadTfjs(dir), codeAnd('SF_ARG', 'graph-model'));
  writeFileSync(join(dir, 'model.json'), '{nope');
  await assert.rejects(loadTfjs(dir), codeAnd('SF_ARG', 'model.json', 'not JSON'));
  const bad = structuredClone(doc);
  bad.modelTopology.config.layers[3].class_name = 'NoSuchLayer';
  writeFileSync(join(dir, 'model.json'), JSON.stringify(bad));
  await assert.rejects(loadTfjs(dir), codeAnd('SF_ARG', 'model.json', 'NoSuchLayer'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
  unlinkSync(join(dir, 'weights.bin'));
  await assert.rejects(loadTfjs(dir), codeAnd('SF_FILE_NOT_FOUND', 'weights.bin'));
});

const PY_SCRIPT = `
import json, sys
import numpy as np
import keras
from streamfit.tf.exchange import save_tfjs
folder = sys.argv[1]
model = keras.Sequential([keras.Input((5, 5, 1)),
                          keras.layers.Conv2D(2, 2, strides=2, padding="same", activation="tanh"),
                          keras.layers.AveragePooling2D(1), keras.layers.Dropout(0.5),
                          keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="sigmoid")])
model.set_weights([np.sin(np.arange(w.size) * 0.3 + i).astype("float32").reshape(w.shape)
                   for i, w in enumerate(model.get_weights())])
x = np.sin(np.arange(2 * 25) * 0.731 + 1).astype("float32").reshape(2, 5, 5, 1)
save_tfjs(model, folder)
print(json.dumps({"pred": model.predict(x, verbose=0).tolist(),
                  "weights": [w.ravel().tolist() for w in model.get_weights()]}))
`;

test('loads a folder written by Python (save_tfjs): same weights, predictions within 1e-6', async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: this check runs Keras itself; run \`make install-python\` first`);
  const dir = join(tmp.dir, 'from_python');
  const text = execFileSync(PYTHON, ['-c', PY_SCRIPT, dir], {
    encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const keras = JSON.parse(text.trim().split('\n').pop());
  const model = await loadTfjs(dir);
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), keras.weights);
  const pred = model.predict(fixed([2, 5, 5, 1], 1)).arraySync();
  pred.flat().forEach((v, k) => assert.ok(Math.abs(v - keras.pred.flat()[k]) <= 1e-6, `${v} vs ${keras.pred.flat()[k]}`));
  // and it trains further
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const before = Array.from(model.getWeights()[0].dataSync());
  await model.fit(fixed([2, 5, 5, 1], 1), fixed([2, 3], 2), { batchSize: 2, epochs: 1, verbose: 0 });
  assert.notDeepEqual(Array.from(model.getWeights()[0].dataSync()), before);
});
