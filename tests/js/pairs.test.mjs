// Paired folders (SPEC.md §3.5): matching by stem, record layout, nearest-neighbour masks,
// layout errors, spec support, batchAt, and a two-input tfjs model fitting from toTfData.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pairedFolders, pipelineFromSpec, NdArray, digest } from '../../js/index.mjs';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { tempDir } from './helpers.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared_fixtures', 'data');
const PAIRS = join(DATA, 'pairs');
const tf = await loadTf();
const tmp = tempDir();

/** Writes files (content irrelevant: listing never decodes) under a fresh folder. */
function tree(name, files) {
  const dir = join(tmp.dir, name);
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), typeof content === 'number' ? 'x' : content);
  }
  return dir;
}

test('records follow the first input stems by UTF-8 bytes; files matched by name; [[x1, x2], y] and [[x1, x2, x3]] layouts', async () => {
  const p = pairedFolders(PAIRS);
  assert.equal(p.summary(), 'paired_folders(pairs)');
  assert.equal(p.cardinality(), 5);
  assert.equal(p.indexable, true);
  assert.deepEqual(p.filePaths, ['time1/a1.png', 'time1/a2.jpg', 'time1/b10.png', 'time1/b2.bmp', 'time1/c.webp']);
  const records = [];
  for await (const r of p) records.push(r);
  for (const [[x1, x2], y] of records) {
    assert.equal(x1.dtype, 'uint8');
    assert.equal(x1.shape[2], 3);
    assert.deepEqual(x2.shape, x1.shape);
    assert.equal(y.dtype, 'uint8');
    assert.deepEqual(y.shape, [x1.shape[0], x1.shape[1], 1]);
  }
  const scaled = pairedFolders(PAIRS, { imageSize: [7, 9], scale: true });
  const [[s1, s2], m] = await scaled.get(3);
  assert.deepEqual([s1.dtype, s1.shape, s2.shape], ['float32', [7, 9, 3], [7, 9, 3]]);
  assert.ok(s1.data.every((v) => v >= 0 && v <= 1));
  assert.deepEqual([m.dtype, m.shape], ['uint8', [7, 9, 1]]);
  // Nearest-neighbour: a resized mask holds only values of the original mask.
  const original = new Set(records[3][1].data);
  assert.ok(m.data.every((v) => original.has(v)));
  // Without a label: a one-element tuple of the inputs (SPEC.md §3.5); a third input; the label folder as an input.
  const three = pairedFolders(PAIRS, { inputs: ['time2', 'time1', 'label'], label: null, channels: 1 });
  const one = await three.get(0);
  assert.equal(one.length, 1);
  const [r] = one;
  assert.equal(r.length, 3);
  assert.ok(r.every((x) => x instanceof NdArray && x.shape[2] === 1));
  assert.deepEqual(three.filePaths[0], 'time2/a1.jpg');
  assert.equal(digest(r[2]), digest(records[0][1]), 'the mask as channels=1 input equals the label');
});

test('masks resize with ResizeNearestNeighbor(half_pixel_centers=true): src = min(floor((i + 0.5) * in / out), in - 1)', async () => {
  const [h, w] = [3, 5];
  const mask = Uint8Array.from({ length: h * w }, (_, k) => (k * 37) % 256);
  const png = await tf.node.encodePng(tf.tensor3d(Array.from(mask), [h, w, 1], 'int32'));
  const rgb = await tf.node.encodePng(tf.tensor3d(Array.from({ length: h * w * 3 }, (_, k) => k % 256), [h, w, 3], 'int32'));
  const dir = tree('nearest', { 'time1/m.png': rgb, 'time2/m.png': rgb, 'label/m.png': png });
  for (const [oh, ow] of [[7, 4], [2, 9], [3, 5], [1, 1]]) {
    const [, y] = await pairedFolders(dir, { imageSize: [oh, ow] }).get(0);
    const src = (i, n, out) => Math.min(Math.floor(((i + 0.5) * n) / out), n - 1);
    const want = [];
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) want.push(mask[src(i, h, oh) * w + src(j, w, ow)]);
    assert.deepEqual(Array.from(y.data), want, `${oh}x${ow}`);
  }
});

test('layout errors name the file and folder: missing partner, duplicate stem, unknown extension, missing folder', () => {
  const bad = [
    [() => pairedFolders(join(DATA, 'pairs_missing')), 'SF_PAIR_MISSING', ['time1/x2.png', 'folder time2']],
    [() => pairedFolders(tree('extra', { 'time1/a.png': 0, 'time2/a.png': 0, 'time2/b.png': 0, 'label/a.png': 0 })), 'SF_PAIR_MISSING', ['time2/b.png', 'folder time1']],
    [() => pairedFolders(tree('nolabel', { 'time1/a.png': 0, 'time2/a.png': 0, 'time1/b.jpg': 0, 'time2/b.gif': 0, 'label/b.png': 0 })), 'SF_PAIR_MISSING', ['time1/a.png', 'folder label']],
    [() => pairedFolders(join(DATA, 'pairs_duplicate')), 'SF_LAYOUT', ['time2/x1.jpg', 'time2/x1.png']],
    [() => pairedFolders(tree('both', { 'time1/a.png': 0, 'time1/b.png': 0, 'time2/a.png': 0, 'label/b.png': 0 })), 'SF_PAIR_MISSING', ['time1/b.png', 'folder time2']],
    [() => pairedFolders(tree('sub', { 'time1/a.png': 0, 'time2/a.png': 0, 'time2/more/b.png': 0, 'label/a.png': 0 })), 'SF_LAYOUT', ['time2/more', 'sub-folder']],
    [() => pairedFolders(tree('ext', { 'time1/a.png': 0, 'time2/a.png': 0, 'time2/notes.txt': 0, 'label/a.png': 0 })), 'SF_LAYOUT', ['time2/notes.txt']],
    [() => pairedFolders(PAIRS, { inputs: ['time1', 'time3'] }), 'SF_LAYOUT', ['"time3"']],
    [() => pairedFolders(PAIRS, { label: 'masks' }), 'SF_LAYOUT', ['"masks"']],
    [() => pairedFolders(join(DATA, 'no_such_folder')), 'SF_FILE_NOT_FOUND', ['no_such_folder']],
    [() => pairedFolders(tree('empty', { 'time1/.keep': 0, 'time2/.keep': 0, 'label/.DS_Store': 0 })), 'SF_EMPTY_SOURCE', ['time1']],
    [() => pairedFolders(PAIRS, { inputs: [] }), 'SF_ARG', ['inputs']],
    [() => pairedFolders(PAIRS, { inputs: ['time1', 'time1'] }), 'SF_ARG', ['"time1" twice']],
    [() => pairedFolders(PAIRS, { channels: 2 }), 'SF_ARG', ['channels']],
    [() => pairedFolders(PAIRS, { imageSize: [4] }), 'SF_ARG', ['imageSize']],
    [() => pairedFolders(PAIRS, { label: 3 }), 'SF_ARG', ['label']],
    [() => pairedFolders(PAIRS, { scale: 1 }), 'SF_ARG', ['scale']],
  ];
  for (const [make, code, parts] of bad) {
    assert.throws(make, (e) => e.code === code && parts.every((s) => e.message.includes(s)), `${code} ${parts}`);
  }
  // Dot-named entries are not data; stems match whatever the extension; a dotted stem keeps its dots.
  const ok = pairedFolders(tree('ok', {
    'time1/b.v2.PNG': 0, 'time1/a.jpg': 0, 'time1/.DS_Store': 0, 'time1/.cache/z.png': 0,
    'time2/a.bmp': 0, 'time2/b.v2.webp': 0, 'label/a.png': 0, 'label/b.v2.png': 0,
  }));
  assert.deepEqual(ok.filePaths, ['time1/a.jpg', 'time1/b.v2.PNG']);
});

test('spec: {"type": "paired_folders"} with snake_case keys; camelCase keys are SF_SPEC', async () => {
  const spec = { source: { type: 'paired_folders', path: PAIRS, inputs: ['time1', 'time2'], label: 'label', channels: 3, image_size: [4, 4], scale: true, extensions: ['png', 'jpg', 'bmp', 'gif', 'webp'] }, ops: [{ op: 'batch', batch_size: 5 }] };
  const p = pipelineFromSpec(spec);
  assert.equal(p.summary(), 'paired_folders(pairs) -> batch(5)');
  const batches = [];
  for await (const b of p) batches.push(b);
  const [batch] = batches;
  assert.equal(batches.length, 1);
  assert.deepEqual(batch[0][0].shape, [5, 4, 4, 3]);
  assert.deepEqual(batch[1].shape, [5, 4, 4, 1]);
  const api = await pairedFolders(PAIRS, { imageSize: [4, 4], scale: true }).batch(5).batchAt(0);
  assert.equal(digest(batch), digest(api));
  const noLabel = pipelineFromSpec({ source: { type: 'paired_folders', path: PAIRS, label: null } });
  const [inputs, ...rest] = await noLabel.get(0);
  assert.deepEqual([inputs.length, rest.length], [2, 0]);
  for (const key of ['imageSize', 'color_mode', 'label_mode']) {
    assert.throws(() => pipelineFromSpec({ source: { type: 'paired_folders', path: PAIRS, [key]: 1 } }), (e) => e.code === 'SF_SPEC' && e.message.includes(key));
  }
  assert.throws(() => pipelineFromSpec({ source: { type: 'paired_folders', path: PAIRS, inputs: 'time1' } }), (e) => e.code === 'SF_SPEC' && e.message.includes('inputs'));
});

test('batchAt on a globally shuffled pairedFolders pipeline equals iteration', async () => {
  const p = pairedFolders(PAIRS, { imageSize: [5, 7] }).shuffle({ seed: 12 }).batch(2).prefetch(2);
  for (const e of [0, 1]) {
    const iterated = [];
    for await (const b of p.iterate(e)) iterated.push(digest(b));
    const direct = await Promise.all(iterated.map((_, i) => p.batchAt(i, e).then(digest)));
    assert.deepEqual(direct, iterated, `epoch ${e}`);
  }
});

test('toTfData gives {xs: [x1, x2], ys}: a two-input tf.model fits one epoch without leaking tensors', async () => {
  const p = pairedFolders(PAIRS, { imageSize: [8, 8], scale: true }).shuffle({ seed: 1 }).batch(2);
  const ds = await p.toTfData();
  const first = await (await ds.iterator()).next();
  assert.ok(Array.isArray(first.value.xs) && first.value.xs.length === 2);
  assert.deepEqual(first.value.xs.map((t) => t.shape), [[2, 8, 8, 3], [2, 8, 8, 3]]);
  assert.deepEqual(first.value.ys.shape, [2, 8, 8, 1]);
  tf.dispose(first.value);
  const a = tf.input({ shape: [8, 8, 3] });
  const b = tf.input({ shape: [8, 8, 3] });
  const diff = tf.layers.concatenate().apply([a, b]);
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(diff);
  const model = tf.model({ inputs: [a, b], outputs: out });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
  const before = tf.memory().numTensors;
  const history = await model.fitDataset(ds, { epochs: 1, verbose: 0 });
  assert.equal(history.history.loss.length, 1);
  assert.ok(Number.isFinite(history.history.loss[0]));
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
