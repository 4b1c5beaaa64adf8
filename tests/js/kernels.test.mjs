// js/src/tfjs/kernels.mjs: our Step kernel gives tfjs-node's values, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { ORIGINAL } from '../../js/src/tfjs/kernels.mjs';

const tf = await loadTf();

function both(x, alpha) {
  const ours = tf.step(x, alpha);
  const theirs = ORIGINAL.Step.kernelFunc({ inputs: { x }, attrs: { alpha }, backend: tf.backend() });
  const got = [Array.from(ours.dataSync()), Array.from(theirs.dataSync()), ours.dtype, theirs.dtype, ours.shape];
  tf.dispose([ours, theirs]);
  return got;
}

test('Step is replaced, and gives the values of tfjs-node\'s kernel (relu\'s gradient, leaky alpha, NaN, -0)', () => {
  assert.equal(typeof ORIGINAL.Step?.kernelFunc, 'function');
  const x = tf.tensor([-2, -0, 0, 1e-30, 3, NaN, -Infinity, Infinity, -1e-30, 0.5, -7, 2], [2, 3, 2], 'float32');
  for (const alpha of [0, 0.2, -1.5]) {
    const [ours, theirs, dtypeOurs, dtypeTheirs, shape] = both(x, alpha);
    assert.deepEqual(ours, theirs, `alpha ${alpha}`);
    assert.equal(dtypeOurs, dtypeTheirs);
    assert.deepEqual(shape, [2, 3, 2]);
  }
  const [ours] = both(x, 0);
  assert.deepEqual(ours.slice(0, 6).map(String), ['0', '0', '0', '1', '1', 'NaN']);
  x.dispose();
});

test('relu\'s gradient through the replaced kernel is the same as through tfjs-node\'s', () => {
  const x = tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', 7);
  const grad = tf.grad((t) => tf.relu(t).mul(tf.range(0, 300).reshape([4, 5, 5, 3])).sum());
  const g = grad(x);
  const want = tf.tidy(() => tf.range(0, 300).reshape([4, 5, 5, 3]).mul(
    ORIGINAL.Step.kernelFunc({ inputs: { x }, attrs: { alpha: 0 }, backend: tf.backend() })));
  assert.deepEqual(Array.from(g.dataSync()), Array.from(want.dataSync()));
  tf.dispose([x, g, want]);
});
