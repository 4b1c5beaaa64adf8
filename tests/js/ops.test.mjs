// Invariants of the transform layer (SPEC.md §1.5-§1.7, §4). Expected values are hand-derived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRange, Pipeline, NdArray } from '../../js/index.mjs';
import { Stage } from '../../js/src/ops/stage.mjs';
import { readAhead } from '../../js/src/ops/prefetch.mjs';
import { bufferShuffle } from '../../js/src/ops/shuffle.mjs';
import { fullGc } from '../../js/src/core/full_gc.mjs';
import { collect, fromArray } from './helpers.mjs';

const range = (n) => Array.from({ length: n }, (_, i) => i);

test('buffer shuffle yields a permutation for many (n, B), identity for B = 1', async () => {
  for (const n of [0, 1, 2, 5, 17, 100]) {
    for (const B of [1, 2, 3, 10, 200]) {
      const out = [];
      for await (const x of bufferShuffle(fromArray(range(n)), B, 7, 1)) out.push(x);
      assert.deepEqual(out.slice().sort((a, b) => a - b), range(n), `n=${n} B=${B}`);
      if (B === 1) assert.deepEqual(out, range(n));
    }
  }
});

test('a buffer shuffle holds copies of records of 1 KiB or more, so upstream\'s are garbage once in', async () => {
  const made = [];
  async function* input() {
    for (let i = 0; i < 12; i++) {
      const x = new NdArray('float32', [256], new Float32Array(256).fill(i)); // 1 KiB
      made.push(new WeakRef(x));
      yield x;
    }
  }
  const it = bufferShuffle(input(), 8, 7, 1);
  const first = (await it.next()).value; // the buffer has taken 9 records
  assert.ok(made.every((r) => r.deref() !== first), 'a record out is a copy');
  await new Promise((resolve) => setImmediate(resolve)); // WeakRefs hold their targets until the job ends
  fullGc();
  const alive = made.slice(0, 8).filter((r) => r.deref() !== undefined).length;
  assert.equal(alive, 0, `${alive} of the first 8 records upstream made are still reachable`);
  const rest = [first];
  for await (const x of it) rest.push(x);
  assert.deepEqual(rest.map((x) => x.data[0]).sort((a, b) => a - b), range(12));
  // Records under 1 KiB pass as they came.
  const small = [NdArray.scalar('int32', 1), NdArray.scalar('int32', 2)];
  const out = [];
  for await (const x of bufferShuffle(fromArray(small), 4, 7, 1)) out.push(x);
  assert.ok(out.every((x) => small.includes(x)));
});

test('a buffer shuffle\'s copies are not changed by what upstream does to its records later', async () => {
  const shared = new NdArray('uint8', [2048], new Uint8Array(2048));
  async function* input() {
    for (let i = 0; i < 6; i++) {
      shared.data.fill(i); // a generator refilling one array, as some do
      yield shared;
    }
  }
  const out = [];
  for await (const x of bufferShuffle(input(), 4, 3, 0)) out.push(x);
  assert.deepEqual(out.map((x) => x.data[0]).sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(out.every((x) => x.data.every((v) => v === x.data[0])));
});

test('global shuffle is a permutation, new per epoch, fixed with reshuffleEachIteration=false', async () => {
  const p = fromRange(30).shuffle({ seed: 3 });
  const e0 = await collect(p, 0);
  const e1 = await collect(p, 1);
  assert.deepEqual(e0.slice().sort((a, b) => a - b), range(30));
  assert.notDeepEqual(e0, e1);
  assert.deepEqual(await collect(p, 0), e0);
  const fixed = fromRange(30).shuffle({ seed: 3, reshuffleEachIteration: false });
  assert.deepEqual(await collect(fixed, 5), await collect(fixed, 0));
  assert.deepEqual(await collect(fixed, 0), e0);
});

test('global shuffle on a stream is SF_SHUFFLE_BUFFER suggesting buffer_size', () => {
  const stream = fromRange(10).filter((x) => x.data[0] % 2 === 0);
  assert.throws(() => stream.shuffle({ seed: 1 }), (e) => e.code === 'SF_SHUFFLE_BUFFER' && e.message.includes('buffer_size'));
});

test('unseeded shuffle draws a seed and shows it as (drawn); reusing it repeats the order', async () => {
  const p = fromRange(20).shuffle({ bufferSize: 5 });
  const m = /shuffle\(buffer=5, seed=(\d+) \(drawn\)\)/.exec(p.summary());
  assert.ok(m, p.summary());
  const again = fromRange(20).shuffle({ bufferSize: 5, seed: Number(m[1]) });
  assert.deepEqual(await collect(again), await collect(p));
  assert.equal(again.summary(), 'range(20) -> shuffle(buffer=5, seed=' + m[1] + ')');
});

test('prefetch never changes order or values', async () => {
  const base = fromRange(50).shuffle({ bufferSize: 7, seed: 2 }).batch(4);
  for (const n of [1, 2, 8, 100]) assert.deepEqual(await collect(base.prefetch(n)), await collect(base));
});

test('prefetch propagates errors in order and leaves no unhandled rejection on early stop', async () => {
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    async function* failing() {
      yield 1;
      yield 2;
      throw new Error('boom');
    }
    const seen = [];
    await assert.rejects(async () => {
      for await (const x of readAhead(failing(), 4)) seen.push(x);
    }, /boom/);
    assert.deepEqual(seen, [1, 2]);
    // Early stop while the read-ahead holds a pending failure.
    for await (const x of readAhead(failing(), 4)) {
      assert.equal(x, 1);
      break;
    }
    // Early stop releases the upstream (its finally runs).
    let closed = false;
    async function* tracked() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const x of readAhead(tracked(), 3)) if (x === 5) break;
    assert.equal(closed, true);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('take / skip / repeat values and cardinality', async () => {
  const r = fromRange(10);
  assert.deepEqual(await collect(r.take(3)), [0, 1, 2]);
  assert.deepEqual(await collect(r.take(-1)), range(10));
  assert.deepEqual(await collect(r.take(0)), []);
  assert.deepEqual(await collect(r.skip(7)), [7, 8, 9]);
  assert.deepEqual(await collect(r.skip(20)), []);
  assert.deepEqual(await collect(r.take(4).repeat(2)), [0, 1, 2, 3, 0, 1, 2, 3]);
  assert.equal(r.take(3).cardinality(), 3);
  assert.equal(r.take(30).cardinality(), 10);
  assert.equal(r.skip(3).cardinality(), 7);
  assert.equal(r.skip(30).cardinality(), 0);
  assert.equal(r.batch(3).cardinality(), 4);
  assert.equal(r.batch(3, { dropRemainder: true }).cardinality(), 3);
  assert.equal(r.repeat(3).cardinality(), 30);
  assert.equal(r.repeat().cardinality(), Infinity);
  assert.equal(r.repeat().take(25).cardinality(), 25);
  assert.equal(r.filter(() => true).cardinality(), null);
  assert.equal(r.prefetch().cardinality(), 10);
  const firstOfInfinite = [];
  for await (const x of r.repeat().iterate(0)) {
    firstOfInfinite.push(x.data[0]);
    if (firstOfInfinite.length === 23) break;
  }
  assert.deepEqual(firstOfInfinite, [...range(10), ...range(10), 0, 1, 2]);
});

test('repeat passes epoch e*c + r (finite) and e*2^20 + r (forever) upstream', async () => {
  const seen = [];
  class Probe extends Stage {
    constructor() {
      super(null);
    }
    label() {
      return 'probe';
    }
    cardinality() {
      return 1;
    }
    async *iterate(epoch) {
      seen.push(epoch);
      yield NdArray.scalar('int32', 0);
    }
  }
  await collect(new Pipeline(new Probe()).repeat(3), 2);
  assert.deepEqual(seen, [6, 7, 8]);
  seen.length = 0;
  let k = 0;
  for await (const _ of new Pipeline(new Probe()).repeat().iterate(3)) if (++k === 3) break;
  assert.deepEqual(seen, [3 * 1048576, 3 * 1048576 + 1, 3 * 1048576 + 2]);
  seen.length = 0;
  // mod 2^32: 4294967295 * 3 + 1 = 12884901886 = 2 * 2^32 + 4294967294
  await collect(new Pipeline(new Probe()).repeat(3).take(2), 4294967295);
  assert.deepEqual(seen, [4294967293, 4294967294]);
});

test('indexable pipelines: get(i, epoch) equals iteration; batch and filter are not indexable', async () => {
  const p = fromRange(20).shuffle({ seed: 9 }).skip(2).take(10).map((x) => x, { name: 'same' });
  assert.equal(p.indexable, true);
  const it = await collect(p, 4);
  for (let i = 0; i < 10; i++) assert.equal((await p.get(i, 4)).data[0], it[i]);
  await assert.rejects(() => p.get(10), { code: 'SF_ARG' });
  assert.equal(fromRange(5).batch(2).indexable, false);
  assert.equal(fromRange(5).filter(() => true).indexable, false);
  assert.equal(fromRange(5).prefetch().indexable, false);
  await assert.rejects(() => fromRange(5).batch(2).get(0), { code: 'SF_ARG' });
});

test('summary forms (SPEC.md §4.4)', () => {
  function myFn(x) {
    return x;
  }
  const p = fromRange(100)
    .map(myFn)
    .map((x) => x)
    .filter((x) => x.data[0] > 1, { name: 'big' })
    .shuffle({ bufferSize: 1000, seed: 7 })
    .batch(32, { dropRemainder: true })
    .batch(2)
    .take(10)
    .skip(5)
    .repeat(3)
    .repeat()
    .prefetch(2);
  assert.equal(
    p.summary(),
    'range(100) -> map(myFn) -> map(anonymous) -> filter(big) -> shuffle(buffer=1000, seed=7) -> batch(32, drop_remainder=true) -> batch(2) -> take(10) -> skip(5) -> repeat(3) -> repeat() -> prefetch(2)',
  );
  assert.equal(String(fromRange(4).shuffle({ seed: 7 })), 'range(4) -> shuffle(global, seed=7)');
});

test('argument checks are SF_ARG', () => {
  const r = fromRange(3);
  assert.throws(() => r.batch(0), { code: 'SF_ARG' });
  assert.throws(() => r.batch(1.5), { code: 'SF_ARG' });
  assert.throws(() => r.take(-2), { code: 'SF_ARG' });
  assert.throws(() => r.skip(-2), { code: 'SF_ARG' });
  assert.throws(() => r.repeat(-2), { code: 'SF_ARG' });
  assert.throws(() => r.prefetch(0), { code: 'SF_ARG' });
  assert.throws(() => r.shuffle({ bufferSize: 0, seed: 1 }), { code: 'SF_ARG' });
  assert.throws(() => r.shuffle({ seed: -1 }), { code: 'SF_SEED' });
  assert.throws(() => r.map(3), { code: 'SF_ARG' });
  assert.throws(() => r.iterate(-1), { code: 'SF_ARG' });
});

test('async iteration of a Pipeline runs epoch 0', async () => {
  const p = fromRange(6).shuffle({ seed: 1 });
  const out = [];
  for await (const x of p) out.push(x.data[0]);
  assert.deepEqual(out, await collect(p, 0));
});
