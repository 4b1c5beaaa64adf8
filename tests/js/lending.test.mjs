// Lent records (Stage.iterateLoaned): a generator source lends the user's arrays and a
// buffer shuffle its slots to a consumer that copies each record before it pulls the next
// (a buffer shuffle, batch). Whatever the user's generator does with its arrays after a
// yield, the batches must be those of the copying path (a user map between the stages
// makes every record an owned copy, as before lending).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromGenerator, fromRange, NdArray } from '../../js/index.mjs';
import { collect } from './helpers.mjs';

const identity = (record) => record;

/**
 * A generator of n records [image, label, {id}], each leaf either a fresh array
 * (`reuse` false) or one array per leaf overwritten for every element (`reuse` true);
 * `side` sets the image's size (side * side floats: 2 KiB at 23, below 1 KiB at 15).
 */
function records(n, side, reuse) {
  const shared = { image: new Float32Array(side * side), label: new Int32Array(1), id: new Uint8Array(2) };
  return function* gen() {
    for (let i = 0; i < n; i++) {
      const a = reuse ? shared : { image: new Float32Array(side * side), label: new Int32Array(1), id: new Uint8Array(2) };
      for (let k = 0; k < a.image.length; k++) a.image[k] = i * 1000 + k;
      a.label[0] = i % 3;
      a.id[0] = i % 256;
      a.id[1] = (i * 7) % 256;
      yield [new NdArray('float32', [side, side], a.image), new NdArray('int32', [], a.label), { id: a.id }];
    }
  };
}

test('generator -> shuffle -> batch with lent records gives the copying path\'s batches', async () => {
  for (const side of [23, 15]) { // slots of their own (>= 1 KiB) and small records
    for (const dropRemainder of [false, true]) {
      const lent = fromGenerator(records(53, side, true), { name: 'reused' })
        .shuffle({ bufferSize: 11, seed: 3 }).batch(4, { dropRemainder });
      const copied = fromGenerator(records(53, side, false), { name: 'fresh' }).map(identity)
        .shuffle({ bufferSize: 11, seed: 3 }).map(identity).batch(4, { dropRemainder });
      const got = await collect(lent, 2);
      assert.equal(got.length, dropRemainder ? 13 : 14);
      assert.deepEqual(got, await collect(copied, 2), `side ${side}, dropRemainder ${dropRemainder}`);
      // every record exactly once: the reused arrays did not leak one element into another
      const ids = got.flatMap((b) => b[0].map((image) => image[0][0] / 1000)).sort((a, b) => a - b);
      assert.equal(ids.length, dropRemainder ? 52 : 53);
      assert.equal(new Set(ids).size, ids.length);
      assert.ok(ids.every((i) => Number.isInteger(i) && i >= 0 && i < 53));
    }
  }
});

test('lent records straight into batch, and a shuffle\'s records read one by one, are the copying path\'s', async () => {
  const direct = fromGenerator(records(10, 23, true)).batch(3);
  assert.deepEqual(await collect(direct), await collect(fromGenerator(records(10, 23, false)).map(identity).batch(3)));
  const shuffled = fromGenerator(records(30, 15, true)).shuffle({ bufferSize: 8, seed: 5 });
  const reference = fromGenerator(records(30, 15, false)).map(identity).shuffle({ bufferSize: 8, seed: 5 });
  const got = await collect(shuffled);
  assert.deepEqual(got, await collect(reference));
  assert.equal(new Set(got.map((r) => r[0][0][0])).size, 30);
});

test('which stages lend', () => {
  const gen = fromGenerator(records(4, 2, false));
  const stage = (p) => p.stages().at(-1);
  assert.equal(stage(gen).lendsRecords, true);
  assert.equal(stage(gen.shuffle({ bufferSize: 2, seed: 1 })).lendsRecords, true);
  assert.equal(stage(gen.map(identity)).lendsRecords, false);
  assert.equal(stage(gen.batch(2)).lendsRecords, false);
  assert.equal(stage(fromRange(10).shuffle({ seed: 1 })).lendsRecords, false); // a global shuffle gets records by index
});

test('a batch of lent records of two shapes raises SF_BATCH_SHAPE for the group that mixes them', async () => {
  const shapes = [2, 2, 2, 3, 2, 2];
  function* mixed() {
    const buf = new Float32Array(3);
    for (const [i, n] of shapes.entries()) {
      buf.fill(i);
      yield new NdArray('float32', [n], buf.subarray(0, n));
    }
  }
  const seen = [];
  await assert.rejects(async () => {
    for await (const b of fromGenerator(mixed).batch(2).iterate(0)) seen.push(b.toList());
  }, (e) => e.code === 'SF_BATCH_SHAPE' && e.message.includes('[2]') && e.message.includes('[3]'));
  assert.deepEqual(seen, [[[0, 0], [1, 1]]]); // the first group was whole; the second mixes [2] and [3]
  // drop_remainder drops an incomplete last group without looking at it, as stack() would not see it
  function* tail() {
    yield Float32Array.of(1, 2);
    yield Float32Array.of(3, 4);
    yield Float32Array.of(5, 6, 7);
  }
  assert.deepEqual(await collect(fromGenerator(tail).batch(2, { dropRemainder: true })), [[[1, 2], [3, 4]]]);
  assert.deepEqual(await collect(fromGenerator(tail).batch(2)), [[[1, 2], [3, 4]], [[5, 6, 7]]]);
});

test('batch of values that are not records raises what stack() raises, whether or not they come first', async () => {
  const notRecord = (e) => e.code === 'SF_ARG' && e.message.includes('not an NdArray');
  await assert.rejects(collect(fromRange(5).map(() => 3).batch(2)), notRecord);
  await assert.rejects(collect(fromRange(5).map((r) => (r.toList() === 3 ? 'x' : r)).batch(2)),
    (e) => e.code === 'SF_BATCH_SHAPE' || notRecord(e));
  function* late() {
    yield Float32Array.of(1);
    yield Float32Array.of(2);
    yield Float32Array.of(3);
  }
  const seen = [];
  await assert.rejects(async () => {
    for await (const b of fromGenerator(late).map((r) => (r.toList()[0] === 3 ? 7 : r)).batch(2).iterate(0)) seen.push(b.toList());
  }, notRecord);
  assert.deepEqual(seen, [[[1], [2]]]); // the last group, [7], is stacked at the end and raises there
});
