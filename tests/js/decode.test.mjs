// decode: false on the image sources (SPEC.md §3.2, §3.4) and the decode_image
// built-in map (SPEC.md §4.3). Expected bytes are the files' own bytes (read
// with fs) and pixels are those of the image sources, which the golden cases
// check against TensorFlow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageFolder, classFolder, pipelineFromSpec, digest, NdArray, fromGenerator } from '../../js/index.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared_fixtures', 'data');
const IMAGES = join(DATA, 'images');
const CLASSES = join(DATA, 'classes');

async function all(p, epoch = 0) {
  const out = [];
  for await (const x of p.iterate(epoch)) out.push(x);
  return out;
}

const sortedBytes = (names) => names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

test('imageFolder decode: false yields each file\'s bytes as uint8 [size], labels unchanged', async () => {
  const p = imageFolder(IMAGES, { decode: false });
  assert.equal(p.summary(), 'image_folder(images)');
  const names = sortedBytes(readdirSync(IMAGES).filter((n) => !n.startsWith('.')));
  const records = await all(p);
  assert.equal(records.length, names.length);
  const classes = [...new Set(names.map((n) => n.split('_')[0]))].sort();
  records.forEach(([x, y], k) => {
    const file = readFileSync(join(IMAGES, names[k]));
    assert.equal(x.dtype, 'uint8');
    assert.deepEqual(x.shape, [file.length]);
    assert.ok(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(file), names[k]);
    assert.ok(!Buffer.isBuffer(x.data), 'a plain Uint8Array, not a Buffer');
    assert.deepEqual(y.toList(), classes.indexOf(names[k].split('_')[0]));
  });
  const second = await p.get(1);
  assert.deepEqual(second[0].shape, [readFileSync(join(IMAGES, names[1])).length]);
  const one = await p.batch(1).batchAt(2);
  assert.deepEqual(one[0].shape, [1, readFileSync(join(IMAGES, names[2])).length]);
});

test('imageFolder pixel options with decode: false are SF_ARG naming them', () => {
  for (const [options, name] of [[{ channels: 3 }, 'channels'], [{ imageSize: [4, 4] }, 'imageSize'], [{ scale: true }, 'scale']]) {
    assert.throws(() => imageFolder(IMAGES, { decode: false, ...options }), (e) => e.code === 'SF_ARG' && e.message.includes(name) && e.message.includes('decode'));
  }
  assert.doesNotThrow(() => imageFolder(IMAGES, { decode: false, scale: false, labelMode: 'none' }));
  assert.throws(() => imageFolder(IMAGES, { decode: 'no' }), (e) => e.code === 'SF_ARG' && e.message.includes('decode'));
  assert.throws(() => classFolder(CLASSES, { decode: 1 }), (e) => e.code === 'SF_ARG' && e.message.includes('decode'));
});

test('classFolder decode: false yields file bytes in listing order; pixel options are SF_ARG', async () => {
  const p = classFolder(CLASSES, { decode: false });
  const records = await all(p);
  assert.equal(records.length, p.filePaths.length);
  records.forEach(([x], k) => {
    const file = readFileSync(join(CLASSES, ...p.filePaths[k].split('/')));
    assert.ok(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(file), p.filePaths[k]);
  });
  for (const [options, name] of [[{ imageSize: [4, 4] }, 'imageSize'], [{ cropToAspectRatio: true }, 'cropToAspectRatio'],
    [{ padToAspectRatio: true, imageSize: [2, 2] }, 'padToAspectRatio'], [{ scale: true }, 'scale'], [{ colorMode: 'grayscale' }, 'colorMode']]) {
    assert.throws(() => classFolder(CLASSES, { decode: false, ...options }), (e) => e.code === 'SF_ARG' && e.message.includes(name), name);
  }
  assert.doesNotThrow(() => classFolder(CLASSES, { decode: false, colorMode: 'rgb' }));
});

test('spec: decode false with channels is SF_ARG; decode false then decode_image gives the source\'s pixels', async () => {
  assert.throws(() => pipelineFromSpec({ source: { type: 'image_folder', path: IMAGES, decode: false, channels: 3 } }), (e) => e.code === 'SF_ARG' && e.message.includes('channels'));
  assert.throws(() => pipelineFromSpec({ source: { type: 'image_folder', path: IMAGES, decode: 'yes' } }), (e) => e.code === 'SF_SPEC');
  for (const args of [{}, { image_size: [5, 7] }, { image_size: [6, 6], scale: true }, { channels: 0 }]) {
    const direct = pipelineFromSpec({ source: { type: 'image_folder', path: IMAGES, ...args } });
    const later = pipelineFromSpec({ source: { type: 'image_folder', path: IMAGES, decode: false }, ops: [{ op: 'map', fn: 'decode_image', ...args }] });
    assert.equal(later.summary(), 'image_folder(images) -> map(decode_image)');
    assert.deepEqual((await all(later)).map(digest), (await all(direct)).map(digest), JSON.stringify(args));
  }
  const cls = pipelineFromSpec({ source: { type: 'class_folder', path: CLASSES, decode: false }, ops: [{ op: 'map', fn: 'decode_image', image_size: [4, 4] }] });
  const clsDirect = pipelineFromSpec({ source: { type: 'class_folder', path: CLASSES, image_size: [4, 4] } });
  assert.deepEqual((await all(cls)).map(digest), (await all(clsDirect)).map(digest));
});

test('decode_image: bad bytes are SF_IMAGE_DECODE naming the size; other leaves SF_ARG; on: "y" leaves x alone', async () => {
  const bytes = (values) => new NdArray('uint8', [values.length], Uint8Array.from(values));
  const label = NdArray.scalar('int32', 4);
  const bad = fromGenerator(function* junk() { yield [bytes([1, 2, 3, 4, 5]), label]; });
  const { builtinMap } = await import('../../js/src/ops/builtins.mjs');
  const decode = builtinMap('decode_image', {});
  await assert.rejects(all(bad.map(decode)), (e) => e.code === 'SF_IMAGE_DECODE' && e.message.includes('5 bytes'));
  await assert.rejects(all(fromGenerator(function* f() { yield [new NdArray('float32', [2], [1, 2]), label]; }).map(decode)), (e) => e.code === 'SF_ARG' && e.message.includes('uint8'));
  const png = readFileSync(join(IMAGES, 'circle_0003.png'));
  const pair = [bytes(png), bytes(png)];
  const onY = await builtinMap('decode_image', { channels: 1 }, 'y')(pair);
  assert.equal(onY[0], pair[0], 'x untouched');
  assert.equal(onY[1].shape.length, 3);
  assert.equal(onY[1].shape[2], 1);
  for (const params of [{ channels: 2 }, { channels: 5 }, { image_size: [0, 3] }, { image_size: [3] }, { scale: 1 }]) {
    assert.throws(() => builtinMap('decode_image', params), (e) => e.code === 'SF_ARG', JSON.stringify(params));
  }
  assert.throws(() => pipelineFromSpec({ source: { type: 'range', n: 2 }, ops: [{ op: 'map', fn: 'decode_image', size: 3 }] }), (e) => e.code === 'SF_SPEC');
});
