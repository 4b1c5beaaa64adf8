// Edge cases found in review, each once a silent difference from Python or SPEC.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromGenerator, fromRange, NdArray } from '../../js/index.mjs';
import { collect } from './helpers.mjs';

test('generator float -> int32 out of range or non-finite is SF_ARG, in range truncates (SPEC §3.6)', async () => {
  for (const bad of [1e10, NaN, Infinity]) {
    const p = fromGenerator(function* () { yield new NdArray('float32', [], Float32Array.of(bad)); }, { elementSpec: { dtype: 'int32', shape: [] } });
    await assert.rejects(collect(p), (err) => err.code === 'SF_ARG' && err.message.includes('int32'));
  }
  const ok = fromGenerator(function* () { yield new NdArray('float32', [], Float32Array.of(-2.7)); yield new NdArray('float32', [], Float32Array.of(3.9)); },
    { elementSpec: { dtype: 'int32', shape: [] } });
  assert.deepEqual(await collect(ok), [-2, 3]);
});

test('repeat() is infinite even over an empty upstream (SPEC §4.2), and iteration still ends', async () => {
  const p = fromRange(3).take(0).repeat();
  assert.equal(p.cardinality(), Infinity);
  assert.deepEqual(await collect(p), []);
});

test('a misspelt or snake_case option is SF_ARG, not silently ignored', async () => {
  const { csv, classFolder } = await import('../../js/index.mjs');
  const { join, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const data = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared_fixtures', 'data');
  assert.throws(() => csv(join(data, 'xy.csv'), { lable: 'y' }), (e) => e.code === 'SF_ARG' && e.message.includes('"lable"'));
  assert.throws(() => classFolder(join(data, 'classes'), { validation_split: 0.2 }),
    (e) => e.code === 'SF_ARG' && e.message.includes('did you mean validationSplit?'));
  assert.throws(() => fromRange(5).shuffle({ buffer_size: 2 }), (e) => e.code === 'SF_ARG' && e.message.includes('bufferSize'));
  assert.throws(() => fromRange(5).batch(2, { drop_remainder: true }), (e) => e.code === 'SF_ARG');
});
