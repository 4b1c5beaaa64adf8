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
