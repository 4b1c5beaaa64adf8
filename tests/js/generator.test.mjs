// User generators (SPEC.md §3.6): leaves, element specs, one fn() call per epoch, ops, tfjs without leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromGenerator, fromRange, NdArray, digest } from '../../js/index.mjs';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { collect } from './helpers.mjs';

const tf = await loadTf();

const dtypes = (record) => (record instanceof NdArray ? record.dtype : Array.isArray(record) ? record.map(dtypes)
  : Object.fromEntries(Object.keys(record).map((k) => [k, dtypes(record[k])])));

test('leaves: NdArray, typed arrays, numbers (float32), arrays as tuples, objects as dicts; fn() once per epoch', async () => {
  let calls = 0;
  function* rows() {
    calls++;
    for (let i = 0; i < 3; i++) {
      yield [Float32Array.of(i, 0.5), i, { id: Int32Array.of(i), mask: Uint8Array.of(1, 0, 1), m: new NdArray('int32', [1, 2], [i, -i]) }];
    }
  }
  const p = fromGenerator(rows);
  assert.equal(p.summary(), 'generator(rows)');
  assert.equal(p.cardinality(), null);
  assert.equal(p.indexable, false);
  const first = await collect(p, 0);
  assert.deepEqual(first[2], [[2, 0.5], 2, { id: [2], m: [[2, -2]], mask: [1, 0, 1] }]);
  for await (const r of p) assert.deepEqual(dtypes(r), ['float32', 'float32', { id: 'int32', mask: 'uint8', m: 'int32' }]);
  assert.deepEqual(await collect(p, 5), first);
  assert.equal(calls, 3);
  assert.equal(fromGenerator(() => [1, 2][Symbol.iterator](), { name: 'pairs' }).summary(), 'generator(pairs)');
  assert.equal(fromGenerator(() => [][Symbol.iterator]()).summary(), 'generator(anonymous)');
  // An async generator, and a yielded typed array the generator then reuses: records hold copies.
  const buf = new Float32Array(2);
  const reuse = fromGenerator(async function* reuse() {
    for (let i = 0; i < 3; i++) {
      buf.fill(i);
      yield buf;
    }
  });
  assert.deepEqual(await collect(reuse.batch(3)), [[[0, 0], [1, 1], [2, 2]]]);
});

test('elementSpec: cast to the declared dtype, null dims; mismatches are SF_ARG naming the element', async () => {
  const spec = [{ dtype: 'float32', shape: [null, 2] }, { dtype: 'int32', shape: [] }];
  const good = fromGenerator(function* g() {
    yield [new NdArray('float64', [1, 2], [0.1, 2]), 3];
    yield [new NdArray('int32', [2, 2], [1, 2, 3, 4]), 4.9];
  }, { elementSpec: spec });
  const out = [];
  for await (const r of good) out.push(r);
  assert.deepEqual(out.map(dtypes), [['float32', 'int32'], ['float32', 'int32']]);
  assert.equal(out[0][0].data[0], Math.fround(0.1));
  assert.equal(out[1][1].data[0], 4); // float -> int32 truncates
  const big = fromGenerator(function* big() { yield BigInt64Array.of(5n, -2n); }, { elementSpec: { dtype: 'int64', shape: [2] } });
  assert.deepEqual((await collect(big))[0], [5, -2]);
  const bad = [
    [[new NdArray('float32', [1, 2], [1, 2]), 3], [Float32Array.of(1, 2), 3], 'shape [2]'],
    [[new NdArray('float32', [1, 2], [1, 2]), 3], [new NdArray('float32', [1, 3], [1, 2, 3]), 3], 'shape [1, 3]'],
    [[new NdArray('float32', [1, 2], [1, 2]), 3], [new NdArray('float32', [1, 2], [1, 2])], 'tuple of 1'],
    [[new NdArray('float32', [1, 2], [1, 2]), 3], [new NdArray('float32', [1, 2], [1, 2]), [3]], '[1] is a tuple of 1'],
  ];
  for (const [ok, wrong, text] of bad) {
    const p = fromGenerator(function* g() {
      yield ok;
      yield ok;
      yield wrong;
    }, { elementSpec: spec });
    await assert.rejects(collect(p), (e) => e.code === 'SF_ARG' && e.message.includes('element 2') && e.message.includes(text), text);
  }
  const dict = fromGenerator(function* d() { yield { a: 1, b: 2 }; }, { elementSpec: { a: { dtype: 'float32', shape: [] }, c: { dtype: 'float32', shape: [] } } });
  await assert.rejects(collect(dict), (e) => e.code === 'SF_ARG' && e.message.includes('element 0') && e.message.includes('"c"'));
  for (const badSpec of [{ dtype: 'float16', shape: [] }, { dtype: 'float32', shape: [-1] }, { dtype: 'float32' }, 3, { dtype: 'int32', shape: [], extra: 1 }]) {
    assert.throws(() => fromGenerator(function* g() {}, { elementSpec: badSpec }), (e) => e.code === 'SF_ARG', JSON.stringify(badSpec));
  }
  assert.throws(() => fromGenerator('nope'), (e) => e.code === 'SF_ARG');
  await assert.rejects(collect(fromGenerator(() => 5)), (e) => e.code === 'SF_ARG' && e.message.includes('iterator'));
});

test('without elementSpec: the first element sets structure and dtypes; wide or unknown leaves are SF_ARG', async () => {
  const cases = [
    [[1, Float64Array.of(1)], 'Float64Array', 'float64'],
    [[1, BigInt64Array.of(1n)], 'BigInt64Array', 'int64'],
    [[true], 'boolean', 'true'],
    [['a'], 'string', '"a"'],
    [[Int16Array.of(1)], 'Int16Array', 'Int16Array'],
  ];
  for (const [element, what, text] of cases) {
    const p = fromGenerator(function* g() { yield [0, 0].slice(0, element.length); yield element; });
    await assert.rejects(collect(p), (e) => e.code === 'SF_ARG' && e.message.includes('element 1') && e.message.includes(text), what);
  }
  const shapes = fromGenerator(function* g() { yield [Int32Array.of(1), 2]; yield [Int32Array.of(1, 2, 3), Float32Array.of(7.5)]; });
  const got = await collect(shapes);
  assert.deepEqual(got, [[[1], 2], [[1, 2, 3], [7.5]]]); // shapes are free
  const changed = fromGenerator(function* g() { yield [Int32Array.of(1), 2]; yield [Int32Array.of(2), 3]; yield { a: 1 }; });
  await assert.rejects(collect(changed), (e) => e.code === 'SF_ARG' && e.message.includes('element 2') && e.message.includes('tuple of 2'));
  // The first element's dtypes are the spec: later leaves are cast to them (as Python does).
  const casted = [];
  for await (const r of fromGenerator(function* g() { yield [Int32Array.of(1), 2]; yield [Float32Array.of(2.5), Int32Array.of(3)]; })) casted.push(r);
  assert.deepEqual(casted.map(dtypes), [['int32', 'float32'], ['int32', 'float32']]);
  assert.deepEqual(casted[1][0].toList(), [2]);
});

test('every op applies: buffer shuffle + batch + map equal the same ops on fromRange; take closes the generator', async () => {
  const n = 37;
  const gen = fromGenerator(function* count() { for (let i = 0; i < n; i++) yield new NdArray('int32', [], [i]); });
  const plus = (x) => [x, new NdArray('float32', [], [x.data[0] / 2])];
  for (const B of [1, 5, 64]) {
    const a = gen.shuffle({ bufferSize: B, seed: 9 }).map(plus, { name: 'plus' }).batch(4).prefetch(2);
    const b = fromRange(n).shuffle({ bufferSize: B, seed: 9 }).map(plus, { name: 'plus' }).batch(4).prefetch(2);
    assert.equal(a.summary(), `generator(count) -> shuffle(buffer=${B}, seed=9) -> map(plus) -> batch(4) -> prefetch(2)`);
    for (const e of [0, 1]) {
      const [da, db] = [[], []];
      for await (const x of a.iterate(e)) da.push(digest(x));
      for await (const x of b.iterate(e)) db.push(digest(x));
      assert.deepEqual(da, db, `buffer ${B} epoch ${e}`);
    }
  }
  assert.deepEqual(await collect(gen.filter((x) => x.data[0] % 10 === 0).skip(1).take(2).repeat(2)), [10, 20, 10, 20]);
  let closed = 0;
  const endless = fromGenerator(function* endless() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      closed++;
    }
  });
  assert.deepEqual(await collect(endless.take(3)), [0, 1, 2]);
  assert.equal(closed, 1);
  assert.throws(() => gen.shuffle({ seed: 1 }), (e) => e.code === 'SF_SHUFFLE_BUFFER');
  await assert.rejects(gen.batch(2).batchAt(0), (e) => e.code === 'SF_ARG' && e.message.includes('generator(count)'));
});

test('tf.Tensor leaves are copied out and disposed at once, also when an element fails', async () => {
  const before = tf.memory().numTensors;
  const p = fromGenerator(function* tensors() {
    for (let i = 0; i < 5; i++) yield { x: tf.tensor2d([[i, 1], [2, 3]]), y: tf.scalar(i, 'int32'), ok: tf.tensor1d([true, false], 'bool') };
  });
  const got = await collect(p);
  assert.deepEqual(got[3], { ok: [1, 0], x: [[3, 1], [2, 3]], y: 3 });
  for await (const r of p) assert.deepEqual(dtypes(r), { ok: 'uint8', x: 'float32', y: 'int32' });
  assert.equal(tf.memory().numTensors, before);
  const failing = fromGenerator(function* failing() { yield [tf.scalar(1), 'oops', tf.scalar(2)]; });
  await assert.rejects(collect(failing), (e) => e.code === 'SF_ARG' && e.message.includes('leaf [1]'));
  assert.equal(tf.memory().numTensors, before);
});

test('toTfData + fitDataset on a generator of tf.Tensors: tensor count the same after every epoch', async () => {
  const data = fromGenerator(function* samples() {
    for (let i = 0; i < 24; i++) yield [tf.tensor1d([i / 24, 1 - i / 24]), tf.tensor1d([i % 2])];
  }).shuffle({ bufferSize: 8, seed: 2 }).batch(6);
  const ds = await data.toTfData();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const counts = [];
  const history = await model.fitDataset(ds, {
    epochs: 4,
    verbose: 0,
    callbacks: { onEpochEnd: async () => { counts.push(tf.memory().numTensors); } },
  });
  assert.equal(history.history.loss.length, 4);
  assert.ok(history.history.loss.every(Number.isFinite));
  assert.deepEqual(counts, counts.map(() => counts[0]), `tensors after each epoch: ${counts}`);
  model.dispose();
});
