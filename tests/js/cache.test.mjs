// cache (SPEC.md §4.7): the first read packs the records before it, later
// reads (any epoch, batchAt, a new pipeline on the same folder) read the pack;
// a stream is a stream until the pack exists; another pack is never overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRange, csv, NdArray, permute, pipelineFromSpec, loadSpec } from '../../js/index.mjs';
import { tempDir, writeFile, collect } from './helpers.mjs';

const tmp = tempDir();
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const DEFAULT_SHARD_BYTES = 134217728;

function counted(calls) {
  return function counted(x) {
    calls.n++;
    return [x, new NdArray('float32', [2], [x.data[0] * 0.5, -x.data[0]])];
  };
}

const want = (n) => Array.from({ length: n }, (_, r) => [r, [r * 0.5, -r]]);

test('the first read packs; every epoch and a new pipeline on the folder read the pack', async () => {
  const dir = join(tmp.dir, 'numbers_cache');
  const calls = { n: 0 };
  const p = fromRange(20).map(counted(calls)).cache(dir);
  assert.equal(p.summary(), 'range(20) -> map(counted) -> cache(numbers_cache)');
  assert.equal(p.indexable, true);
  assert.equal(p.cardinality(), 20);
  assert.equal(existsSync(dir), false, 'nothing is written before the first read');
  assert.deepEqual(await collect(p, 0), want(20));
  assert.equal(calls.n, 20);
  assert.deepEqual(await collect(p, 3), want(20), 'epoch 0 frozen: stored order in every epoch');
  assert.equal(calls.n, 20);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  assert.equal(index.pack_key, sha256(`{"pipeline":"range(20) -> map(counted)","shard_bytes":${DEFAULT_SHARD_BYTES},"spec":null,"variable":[]}`));
  const again = fromRange(20).map(counted(calls)).cache(dir);
  const shuffled = again.shuffle({ seed: 5 });
  assert.deepEqual(await collect(shuffled, 2), Array.from({ length: 20 }, (_, i) => want(20)[permute(i, 20, 5, 2)]));
  assert.deepEqual((await again.batch(8).batchAt(2, 4)).map((a) => a.toList()), [[16, 17, 18, 19], [[8, -16], [8.5, -17], [9, -18], [9.5, -19]]]);
  assert.equal(calls.n, 20, 'the new pipeline read the pack');
});

test('get() and batchAt() before any iteration pack first', async () => {
  const calls = { n: 0 };
  const p = fromRange(10).map(counted(calls)).cache(join(tmp.dir, 'get_first'));
  assert.deepEqual((await p.get(7, 1)).map((a) => a.toList()), [7, [3.5, -7]]);
  assert.equal(calls.n, 10);
  const q = fromRange(10).map(counted(calls)).cache(join(tmp.dir, 'batch_first')).batch(4);
  assert.deepEqual((await q.batchAt(2)).map((a) => a.toList()), [[8, 9], [[4, -8], [4.5, -9]]]);
  assert.equal(calls.n, 20);
});

test('a cached stream is a stream until the pack exists', async () => {
  const path = writeFile(tmp.dir, 'xy.csv', 'x,y\n1,2\n3,4\n5,6\n');
  const dir = join(tmp.dir, 'csv_cache');
  const p = csv(path, { label: 'y' }).cache(dir);
  assert.equal(p.indexable, false);
  assert.equal(p.cardinality(), null);
  assert.throws(() => p.shuffle({ seed: 1 }), (e) => e.code === 'SF_SHUFFLE_BUFFER');
  assert.deepEqual(await collect(p.shuffle({ bufferSize: 10, seed: 1 })), await collect(csv(path, { label: 'y' }).shuffle({ bufferSize: 10, seed: 1 })));
  const q = csv(path, { label: 'y' }).cache(dir);
  assert.equal(q.indexable, true);
  assert.equal(q.cardinality(), 3);
  const rows = [[[1], 2], [[3], 4], [[5], 6]];
  assert.deepEqual(await collect(q.shuffle({ seed: 1 })), [0, 1, 2].map((i) => rows[permute(i, 3, 1, 0)]));
});

test('another pack in the folder is SF_ARG; a key changes pack_key; the upstream must be packable', async () => {
  const dir = join(tmp.dir, 'shared_cache');
  await collect(fromRange(5).cache(dir));
  await assert.rejects(collect(fromRange(6).cache(dir)), (e) => e.code === 'SF_ARG' && e.message.includes('another pack'));
  await assert.rejects(collect(fromRange(5).cache(dir, { key: 'v2' })), (e) => e.code === 'SF_ARG');
  const keyed = join(tmp.dir, 'keyed_cache');
  await collect(fromRange(5).cache(keyed, { key: 'v2' }));
  assert.equal(JSON.parse(readFileSync(join(keyed, 'index.json'), 'utf8')).pack_key,
    sha256(`{"pipeline":"range(5)","shard_bytes":${DEFAULT_SHARD_BYTES},"spec":"v2","variable":[]}`));
  assert.throws(() => fromRange(5).shuffle({ seed: 1 }).cache(join(tmp.dir, 'no')), (e) => e.code === 'SF_ARG' && e.message.includes('shuffle'));
  assert.throws(() => fromRange(5).batch(2).cache(join(tmp.dir, 'no')), (e) => e.code === 'SF_ARG');
  assert.throws(() => fromRange(5).cache(join(tmp.dir, 'no'), { size: 3 }), (e) => e.code === 'SF_ARG');
});

test('cache in a spec: the folder relative to the spec file; the spec part before it in pack_key', async () => {
  const dir = join(tmp.dir, 'spec_cache');
  const spec = { source: { type: 'range', n: 10 }, ops: [{ op: 'map', fn: 'cast', dtype: 'float32' }, { op: 'cache', path: 'c' }, { op: 'batch', batch_size: 4 }] };
  const p = pipelineFromSpec(spec, dir);
  assert.equal(p.summary(), 'range(10) -> map(cast) -> cache(c) -> batch(4)');
  assert.deepEqual(await collect(p), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  const index = JSON.parse(readFileSync(join(dir, 'c', 'index.json'), 'utf8'));
  assert.equal(index.pack_key, sha256(`{"pipeline":"range(10) -> map(cast)","shard_bytes":${DEFAULT_SHARD_BYTES},"spec":{"ops":[{"dtype":"float32","fn":"cast","op":"map"}],"source":{"n":10,"type":"range"}},"variable":[]}`));
  const file = join(tmp.dir, 'cache_spec.json');
  writeFileSync(file, JSON.stringify({ ...spec, ops: [spec.ops[0], { op: 'cache', path: 'spec_cache/c' }] }));
  const loaded = loadSpec(file);
  assert.equal(loaded.ops[1].path, join(tmp.dir, 'spec_cache', 'c'));
  assert.equal(pipelineFromSpec(loaded).indexable, true, 'the finished pack is found');
  assert.throws(() => pipelineFromSpec({ source: { type: 'range', n: 3 }, ops: [{ op: 'cache' }] }), (e) => e.code === 'SF_SPEC');
});
