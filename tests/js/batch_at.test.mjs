// Random access to batches (SPEC.md §4.5): batchAt(i, e) is the i-th batch of epoch e, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromRange, imageFolder, classFolder, csv, digest, NdArray } from '../../js/index.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared_fixtures', 'data');

/** Every batchAt(i, e) digest equals the i-th iterated digest of epoch e, and the count matches. */
async function assertSameAsIteration(p, epochs) {
  for (const e of epochs) {
    const iterated = [];
    for await (const b of p.iterate(e)) iterated.push(digest(b));
    assert.equal(iterated.length, p.cardinality(), `${p.summary()}: cardinality`);
    const direct = [];
    for (let i = 0; i < iterated.length; i++) direct.push(digest(await p.batchAt(i, e)));
    assert.deepEqual(direct, iterated, `${p.summary()} epoch ${e}`);
  }
}

test('fromRange: global shuffle, maps, take/skip, short last batch, dropRemainder, prefetch', async () => {
  const base = fromRange(23).shuffle({ seed: 7 });
  await assertSameAsIteration(base.batch(5), [0, 1, 2]);
  await assertSameAsIteration(base.batch(5, { dropRemainder: true }).prefetch(2), [0, 1]);
  const tuple = (x) => [x, { a: new NdArray('float32', [2], [x.data[0], -x.data[0]]) }];
  await assertSameAsIteration(base.map(tuple, { name: 'tuple' }).skip(2).take(17).batch(4).prefetch(1).prefetch(3), [0, 5]);
  await assertSameAsIteration(fromRange(8).batch(8), [0]);
  await assertSameAsIteration(fromRange(3).shuffle({ seed: 1, reshuffleEachIteration: false }).batch(10), [0, 4]);
  // The block path (range blocks of 3 records) and the per-record path agree with batchAt.
  const blocky = fromRange(11);
  blocky.stage.blockRecords = 3;
  await assertSameAsIteration(blocky.batch(4), [0]);
});

test('imageFolder and classFolder with a global shuffle: same digests as iteration', async () => {
  const images = imageFolder(join(DATA, 'images'), { imageSize: [6, 5], scale: true }).shuffle({ seed: 3 });
  await assertSameAsIteration(images.batch(7), [0, 1]);
  await assertSameAsIteration(images.batch(7, { dropRemainder: true }).prefetch(2), [2]);
  const classes = classFolder(join(DATA, 'classes'), { imageSize: [4, 4], labelMode: 'categorical' }).shuffle({ seed: 11 });
  await assertSameAsIteration(classes.batch(3), [0, 1]);
  await assertSameAsIteration(classes.take(5).batch(2, { dropRemainder: true }), [0]);
});

test('reads of one batch are in flight together; the lowest failing record reports', async () => {
  let inFlight = 0;
  let most = 0;
  const slow = async (x) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return x;
  };
  const b = await fromRange(40).map(slow).batch(20).batchAt(1);
  assert.deepEqual(b.toList(), Array.from({ length: 20 }, (_, k) => 20 + k));
  assert.ok(most > 1, `max in flight ${most}`);
  const failing = fromRange(10).map(async (x) => {
    const v = x.data[0];
    await new Promise((r) => setTimeout(r, v === 7 ? 1 : 10 - v));
    if (v === 5 || v === 7) throw new Error(`bad record ${v}`);
    return x;
  }).batch(10);
  await assert.rejects(failing.batchAt(0), /bad record 5/);
});

test('SF_ARG: index out of range, bad epoch, and each stage that breaks random access is named', async () => {
  const p = fromRange(10).batch(4);
  for (const i of [-1, 3, 1.5, '0']) {
    await assert.rejects(p.batchAt(i), (e) => e.code === 'SF_ARG' && /batchAt\(i\)/.test(e.message), String(i));
  }
  await assert.rejects(p.batchAt(2, -1), (e) => e.code === 'SF_ARG' && e.message.includes('epoch'));
  await assert.rejects(fromRange(10).batch(4, { dropRemainder: true }).batchAt(2), (e) => e.code === 'SF_ARG' && e.message.includes('[0, 2)'));
  const cases = [
    [fromRange(10).shuffle({ bufferSize: 3, seed: 1 }).batch(2), 'shuffle(buffer=3, seed=1)'],
    [fromRange(10).filter(() => true, { name: 'keep' }).batch(2), 'filter(keep)'],
    [fromRange(10).repeat(2).batch(2), 'repeat(2)'],
    [fromRange(10).prefetch(2).batch(2), 'prefetch(2)'],
    [fromRange(10).batch(2).batch(2), 'batch(2)'],
    [fromRange(10).shuffle({ seed: 1 }), 'shuffle(global, seed=1)'],
    [fromRange(10).batch(2).map((x) => x, { name: 'after' }), 'map(after)'],
    [fromRange(10).batch(2).repeat(), 'repeat()'],
    [csv(join(DATA, 'xy.csv'), { label: 'y' }).batch(2), 'csv(xy.csv)'],
  ];
  for (const [pipe, stage] of cases) {
    await assert.rejects(pipe.batchAt(0), (e) => e.code === 'SF_ARG' && e.message.includes(stage), `${pipe.summary()} names ${stage}`);
  }
});
