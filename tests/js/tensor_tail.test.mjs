// toTfData's tensor tail: trailing built-in maps (divide, normalize, cast to float32) run as
// TensorFlow ops on the tensors of the records before them. The tensors must hold, bit for bit,
// what the pipeline's own records hold; anything else (int64 leaves, user maps) keeps the
// typed-array path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromGenerator, fromRange, NdArray } from '../../js/index.mjs';
import { builtinMap } from '../../js/src/ops/builtins.mjs';
import { splitTensorTail, toTfData } from '../../js/src/tfjs/dataset.mjs';
import { loadTf } from '../../js/src/tfjs/load.mjs';

const tf = await loadTf();

// 12 records of x: uint8 [4, 8, 3] (every value 0..255 appears) and y: int32 label.
function images() {
  return fromGenerator(function* images() {
    for (let r = 0; r < 12; r++) {
      const x = new Uint8Array(4 * 8 * 3);
      for (let k = 0; k < x.length; k++) x[k] = (r * 96 + k * 7) % 256;
      yield [new NdArray('uint8', [4, 8, 3], x), NdArray.scalar('int32', r % 3)];
    }
  }, { name: 'images' });
}

const bits = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('hex');

/** Every element of two epochs through toTfData against the pipeline's own records. */
async function assertSameAsRecords(pipeline, { tailLength }) {
  assert.equal(splitTensorTail(pipeline.stage).tail.length, tailLength);
  const ds = await toTfData(pipeline);
  const before = tf.memory().numTensors;
  for (const epoch of [0, 1]) {
    const it = await ds.iterator();
    const want = [];
    for await (const r of pipeline.iterate(epoch)) want.push(r);
    for (const [x, y] of want) {
      const { value, done } = await it.next();
      assert.equal(done, false);
      assert.deepEqual(value.xs.shape, x.shape);
      assert.equal(value.xs.dtype, x.dtype === 'uint8' ? 'int32' : x.dtype);
      assert.equal(bits(value.xs.dataSync()), bits(x.dtype === 'uint8' ? Int32Array.from(x.data) : x.data), `x of epoch ${epoch}`);
      assert.equal(bits(value.ys.dataSync()), bits(y.data), `y of epoch ${epoch}`);
      tf.dispose(value);
    }
    assert.equal((await it.next()).done, true);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
}

test('divide, normalize (per channel) and cast on y run as tensor ops and give the records\' exact bits', async () => {
  const p = images().shuffle({ bufferSize: 12, seed: 5 }).batch(5)
    .map(builtinMap('divide', { value: 255 }))
    .map(builtinMap('normalize', { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }))
    .map(builtinMap('cast', { dtype: 'float32' }, 'y'))
    .prefetch(2);
  const { head, tail } = splitTensorTail(p.stage);
  assert.deepEqual(tail.map((fn) => fn.name), ['divide', 'normalize', 'cast']);
  assert.equal(head.label(), 'prefetch(2)'); // read ahead kept, on top of batch
  assert.equal(head.upstream.label(), 'batch(5)');
  await assertSameAsRecords(p, { tailLength: 3 });
});

test('divisors that round: every uint8 value over 255, 7 and a per-channel [255, 3, 0.1]', async () => {
  for (const value of [255, 7, [255, 3, 0.1]]) {
    await assertSameAsRecords(images().batch(4).map(builtinMap('divide', { value })), { tailLength: 1 });
  }
});

test('float32 and float64 leaves through the tail equal the typed-array maps', async () => {
  // a generator yields float32 at most: a user map upstream widens to float64
  const floats = (dtype) => fromGenerator(function* f() {
    for (let r = 0; r < 6; r++) yield [new NdArray('float32', [10], new Float32Array(10)), NdArray.scalar('float32', r)];
  }).map(([x, y]) => {
    const r = y.data[0];
    const out = dtype === 'float32' ? new Float32Array(10) : new Float64Array(10);
    for (let k = 0; k < 10; k++) out[k] = Math.sin(r * 10 + k) * 1e3 + 1 / 3;
    [out[7], out[8], out[9]] = [NaN, -Infinity, -0]; // SPEC.md §2.4's quiet NaN, an infinity, a signed zero
    return [new NdArray(dtype, x.shape, out), y];
  }, { name: 'values' });
  for (const dtype of ['float32', 'float64']) {
    const p = floats(dtype).batch(4).map(builtinMap('normalize', { mean: 0.1, std: 3.7 })).map(builtinMap('divide', { value: 1.3 }));
    await assertSameAsRecords(p, { tailLength: 2 });
  }
});

test('an int64 leaf or a user map keeps the typed-array path, with the same values', async () => {
  const big = fromRange(4).map((r) => [new NdArray('int64', [2], BigInt64Array.of(BigInt(r.data[0]) * 9007199254740993n, 3n)), NdArray.scalar('float32', r.data[0])], { name: 'int64' });
  await assertSameAsRecords(big.batch(2).map(builtinMap('divide', { value: 3 })), { tailLength: 1 });
  const user = images().batch(4).map(builtinMap('divide', { value: 255 })).map((r) => r, { name: 'identity' });
  assert.equal(splitTensorTail(user.stage).tail.length, 0);
  assert.equal(splitTensorTail(user.stage).head, user.stage);
  await assertSameAsRecords(user, { tailLength: 0 });
});

test('the tail raises the typed-array maps\' errors: a list that does not fit the last axis', async () => {
  const p = images().batch(4).map(builtinMap('divide', { value: [1, 2] }));
  let want;
  try {
    for await (const r of p.iterate(0)) void r;
  } catch (err) {
    want = err;
  }
  assert.equal(want?.code, 'SF_ARG');
  const it = await (await toTfData(p)).iterator();
  await assert.rejects(it.next(), (err) => err.code === 'SF_ARG' && err.message === want.message);
});
