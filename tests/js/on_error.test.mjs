// The on-error policy (SPEC.md §4.6) on streams: CSV lines (block edges
// included), generator elements, skipped(epoch), the SF_SKIPPED warning,
// SF_EMPTY_SOURCE, bad policies, summaries. Expected values are hand-derived
// from the files written here. Image sources: on_error_images.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csv, fromGenerator, fromRange, pipelineFromSpec, imageFolder, classFolder, pairedFolders, NdArray } from '../../js/index.mjs';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { join } from 'node:path';
import { tempDir, writeFile, collect } from './helpers.mjs';

const tf = await loadTf();
const tmp = tempDir();

/** Runs fn() and returns [its result, the SF_SKIPPED warnings emitted meanwhile (emitWarning is async: flushed here)]. */
async function withWarnings(fn) {
  const seen = [];
  const listen = (w) => {
    if (w.code === 'SF_SKIPPED') seen.push(w.message);
  };
  process.on('warning', listen);
  try {
    const out = await fn();
    await new Promise((resolve) => setImmediate(resolve));
    return [out, seen];
  } finally {
    process.off('warning', listen);
  }
}

// Lines 2..12: good, bad number, good, 3 fields, empty, good, bad number (hex), good, good, 1 field.
const MESSY = 'x,y\n1,2\n3,abc\n5,6\n7,8,9\n\n10,11\n12,0x1\n13,14\n-1.5,+2e1\n4\n';
const GOOD = [[[1], 2], [[5], 6], [[10], 11], [[13], 14], [[-1.5], 20]];
const COUNTS = { SF_CSV_COLUMNS: 2, SF_CSV_EMPTY_LINE: 1, SF_CSV_NUMBER: 2 };

test('csv skip: bad lines removed and counted by code, the others in file order; raise still raises the first', async () => {
  const path = writeFile(tmp.dir, 'messy.csv', MESSY);
  const p = csv(path, { label: 'y', onError: 'skip' });
  assert.equal(p.skipped(0), null, 'nothing read yet');
  assert.deepEqual(await collect(p), GOOD);
  assert.deepEqual(p.skipped(0), COUNTS);
  assert.deepEqual(Object.keys(p.skipped(0)), ['SF_CSV_COLUMNS', 'SF_CSV_EMPTY_LINE', 'SF_CSV_NUMBER'], 'keys sorted');
  assert.equal(p.skipped(1), null, 'epoch 1 not read');
  assert.deepEqual(await collect(p, 1), GOOD);
  assert.deepEqual(p.skipped(1), COUNTS);
  await assert.rejects(() => collect(csv(path, { label: 'y' })), (e) => e.code === 'SF_CSV_NUMBER' && e.message.includes('line 3'));
  // Trailing bad line without a final newline; a line whose only fault is an unselected column is good.
  const tail = writeFile(tmp.dir, 'tail.csv', 'a,b\n1,x\n2,3\n4');
  assert.deepEqual(await collect(csv(tail, { features: ['a'], onError: 'skip' })), [[1], [2]]);
  assert.deepEqual(await collect(csv(tail, { features: ['b'], onError: 'skip' })), [[3]]);
  assert.deepEqual(csv(tail, { features: ['b'], onError: 'skip' }).skipped(), null);
});

test('csv skip: the same records and counts whatever the block size (a bad line at every block edge)', async () => {
  const path = writeFile(tmp.dir, 'edges.csv', MESSY);
  const crlf = writeFile(tmp.dir, 'edges_crlf.csv', `\ufeff${MESSY.replace(/\n/g, '\r\n')}`);
  for (const file of [path, crlf]) {
    for (let blockSize = 1; blockSize <= MESSY.length + 4; blockSize++) {
      const p = csv(file, { label: 'y', onError: 'skip', blockSize });
      assert.deepEqual(await collect(p.batch(2)), [[[[1], [5]], [2, 6]], [[[10], [13]], [11, 14]], [[[-1.5]], [20]]], `blockSize ${blockSize}`);
      assert.deepEqual(p.skipped(0), COUNTS, `blockSize ${blockSize}`);
    }
  }
  // Many good lines around the bad ones: the fast parser keeps them, in order.
  const rows = Array.from({ length: 3000 }, (_, i) => (i % 997 === 5 ? `${i},oops` : i % 1009 === 7 ? `${i}` : `${i},${-i}`));
  const big = writeFile(tmp.dir, 'big.csv', `a,b\n${rows.join('\n')}\n`);
  const kept = rows.filter((_, i) => !(i % 997 === 5 || i % 1009 === 7)).map((r) => r.split(',').map(Number));
  for (const blockSize of [64, 1000, 4 << 20]) {
    const p = csv(big, { onError: 'skip', blockSize });
    assert.deepEqual(await collect(p), kept, `blockSize ${blockSize}`);
    assert.deepEqual(p.skipped(0), { SF_CSV_COLUMNS: 3, SF_CSV_NUMBER: 4 });
  }
});

test('csv skip: int32 fields that are not integers or out of range count as SF_CSV_NUMBER', async () => {
  const path = writeFile(tmp.dir, 'ints.csv', 'a,label\n1,0\n2,1.5\n3,2\n4,99999999999\n5,1\n6,\n7,0\n');
  const p = csv(path, { features: ['a'], label: 'label', labelDtype: 'int32', onError: 'skip' });
  assert.deepEqual(await collect(p), [[[1], 0], [[3], 2], [[5], 1], [[7], 0]]);
  assert.deepEqual(p.skipped(0), { SF_CSV_NUMBER: 3 });
});

test('skipped(epoch): null until a read reaches the source end; {} without skips; the source epoch under repeat', async () => {
  const path = writeFile(tmp.dir, 'part.csv', MESSY);
  const p = csv(path, { label: 'y', onError: 'skip' });
  assert.deepEqual(await collect(p.take(2)), GOOD.slice(0, 2));
  assert.equal(p.skipped(0), null, 'a take that stopped early');
  const it = p.iterate(3);
  await it.next();
  await it.return();
  assert.equal(p.skipped(3), null, 'a consumer that stopped');
  // repeat(2) over pipeline epoch 1 reads source epochs 2 and 3 (SPEC.md §1.7).
  await collect(p.repeat(2), 1);
  assert.deepEqual([p.skipped(1), p.skipped(2), p.skipped(3)], [null, COUNTS, COUNTS]);
  const clean = fromRange(5);
  assert.equal(clean.skipped(), null);
  await collect(clean);
  assert.deepEqual(clean.skipped(), {});
  const shuffled = fromRange(5).shuffle({ seed: 1 });
  await collect(shuffled, 4);
  assert.deepEqual(shuffled.skipped(4), {}, 'a global shuffle reads every position of the source');
  // Reading positions of an indexable pipeline finishes the read only when they reach the source's last one.
  const cases = [
    [fromRange(10).take(10), {}], [fromRange(10).take(11), {}], [fromRange(10).take(5), null],
    [fromRange(10).take(5).shuffle({ seed: 2 }), null], [fromRange(10).take(10).shuffle({ seed: 2 }), {}],
    [fromRange(10).skip(3), {}], [fromRange(10).skip(12), {}], [fromRange(10).map((x) => x).take(10), {}],
    [fromRange(10).batch(2).take(5), null], [fromRange(10).batch(2).take(6), {}],
  ];
  for (const [pipeline, want] of cases) {
    await collect(pipeline);
    assert.deepEqual(pipeline.skipped(0), want, pipeline.summary());
  }
  const raising = csv(writeFile(tmp.dir, 'clean.csv', 'x\n1\n2\n'));
  await collect(raising);
  assert.deepEqual(raising.skipped(0), {});
  assert.throws(() => raising.skipped(-1), { code: 'SF_ARG' });
});

test('one SF_SKIPPED warning per finished read, in the SPEC.md §4.6 format; none when nothing was skipped', async () => {
  const path = writeFile(tmp.dir, 'warn.csv', MESSY);
  const p = csv(path, { label: 'y', onError: 'skip' });
  const [, seen] = await withWarnings(async () => {
    await collect(p, 0);
    await collect(p, 7);
  });
  const first = `csv ${path} line 3, column "y" (index 1): "abc" is not a number; write a decimal like 1.5, -2e3, nan or inf`;
  assert.deepEqual(seen, [0, 7].map((e) => `skipped 5 records in epoch ${e} of csv(warn.csv, on_error=skip): SF_CSV_COLUMNS 2, SF_CSV_EMPTY_LINE 1, SF_CSV_NUMBER 2; first: ${first}`));
  const one = csv(writeFile(tmp.dir, 'one.csv', 'x\n1\n\n2\n'), { onError: 'skip' });
  const [, single] = await withWarnings(() => collect(one));
  assert.deepEqual(single, [`skipped 1 record in epoch 0 of csv(one.csv, on_error=skip): SF_CSV_EMPTY_LINE 1; first: csv ${join(tmp.dir, 'one.csv')} line 3: empty line; remove blank lines from the file`]);
  const [, none] = await withWarnings(() => collect(csv(writeFile(tmp.dir, 'fine.csv', 'x\n1\n'), { onError: 'skip' })));
  assert.deepEqual(none, []);
  const [, stopped] = await withWarnings(() => collect(p.take(1)));
  assert.deepEqual(stopped, [], 'no report before the source end');
});

test('SF_EMPTY_SOURCE when every record of an epoch is skipped, with the counts; a header-only file as before', async () => {
  const all = writeFile(tmp.dir, 'all_bad.csv', 'a,b\n1,x\n2\n\n3,4,5\n');
  await assert.rejects(() => collect(csv(all, { onError: 'skip' })), (e) => e.code === 'SF_EMPTY_SOURCE'
    && e.message.includes('csv(all_bad.csv, on_error=skip)') && e.message.includes('SF_CSV_COLUMNS 2, SF_CSV_EMPTY_LINE 1, SF_CSV_NUMBER 1'));
  const header = writeFile(tmp.dir, 'header_only.csv', 'a,b\n');
  await assert.rejects(() => collect(csv(header, { onError: 'skip' })), (e) => e.code === 'SF_EMPTY_SOURCE' && e.message.includes('no data rows'));
  const bad = fromGenerator(function* bad() { yield 'x'; yield null; }, { onError: 'skip' });
  await assert.rejects(() => collect(bad), (e) => e.code === 'SF_EMPTY_SOURCE' && e.message.includes('generator(bad, on_error=skip)') && e.message.includes('SF_ARG 2'));
  // A generator that yields nothing skipped nothing: an empty epoch, as with 'raise'.
  assert.deepEqual(await collect(fromGenerator(function* none() {}, { onError: 'skip' })), []);
});

test('onError other than "raise" / "skip" is SF_ARG naming the option, in every source and in specs', () => {
  const path = writeFile(tmp.dir, 'ok.csv', 'x\n1\n');
  const named = (e) => e.code === 'SF_ARG' && e.message.includes('onError') && e.message.includes('"ignore"');
  assert.throws(() => csv(path, { onError: 'ignore' }), named);
  assert.throws(() => imageFolder(tmp.dir, { onError: 'ignore' }), named);
  assert.throws(() => classFolder(tmp.dir, { onError: 'ignore' }), named);
  assert.throws(() => pairedFolders(tmp.dir, { onError: 'ignore' }), named);
  assert.throws(() => fromGenerator(function* g() {}, { onError: 'ignore' }), named);
  assert.throws(() => csv(path, { onError: true }), (e) => e.code === 'SF_ARG' && e.message.includes('onError'));
  assert.throws(() => pipelineFromSpec({ source: { type: 'csv', path, on_error: 'ignore' } }), (e) => e.code === 'SF_ARG' && e.message.includes('on_error'));
  assert.throws(() => pipelineFromSpec({ source: { type: 'csv', path, on_error: 1 } }), { code: 'SF_SPEC' });
  assert.throws(() => pipelineFromSpec({ source: { type: 'range', n: 3, on_error: 'skip' } }), { code: 'SF_SPEC' }, 'range has no such option');
  assert.throws(() => csv(path, { on_error: 'skip' }), (e) => e.code === 'SF_ARG' && e.message.includes('did you mean onError'));
  assert.equal(csv(path, { onError: 'raise' }).summary(), 'csv(ok.csv)');
  assert.equal(pipelineFromSpec({ source: { type: 'csv', path, on_error: 'skip' }, ops: [{ op: 'batch', batch_size: 2 }] }).summary(), 'csv(ok.csv, on_error=skip) -> batch(2)');
  assert.equal(fromGenerator(function* rows() {}, { onError: 'skip' }).summary(), 'generator(rows, on_error=skip)');
});

test('generator skip: elements that do not match the spec are SF_ARG, counted, and their tensors disposed', async () => {
  const spec = [{ dtype: 'float32', shape: [2] }, { dtype: 'int32', shape: [] }];
  const before = tf.memory().numTensors;
  function* rows() {
    yield [tf.tensor1d([1, 2]), 0];
    yield [tf.tensor1d([1, 2, 3]), 1]; // wrong shape
    yield [tf.tensor1d([3, 4]), tf.scalar(2, 'int32')];
    yield [tf.tensor1d([5, 6])]; // wrong structure
    yield { x: tf.tensor1d([0, 0]) }; // wrong structure
    yield [tf.tensor1d([7, 8]), 3];
  }
  const p = fromGenerator(rows, { elementSpec: spec, onError: 'skip' });
  const [got, seen] = await withWarnings(() => collect(p));
  assert.deepEqual(got, [[[1, 2], 0], [[3, 4], 2], [[7, 8], 3]]);
  assert.deepEqual(p.skipped(0), { SF_ARG: 3 });
  assert.equal(tf.memory().numTensors, before, 'no tensor of a skipped element leaks');
  assert.equal(seen.length, 1);
  assert.ok(seen[0].startsWith('skipped 3 records in epoch 0 of generator(rows, on_error=skip): SF_ARG 3; first: fromGenerator(rows): element 1: '), seen[0]);
  // Without a spec the first good element sets it; the index names the element in the generator's output.
  const inferred = fromGenerator(function* loose() {
    yield Float64Array.of(1); // float64 needs a declared spec
    yield Float32Array.of(1, 2);
    yield Int32Array.of(3);
    yield [Float32Array.of(4)];
    yield Float32Array.of(5);
  }, { onError: 'skip' });
  const [vals, msgs] = await withWarnings(() => collect(inferred));
  assert.deepEqual(vals, [[1, 2], [3], [5]]);
  assert.deepEqual(inferred.skipped(0), { SF_ARG: 2 });
  assert.match(msgs[0], /first: fromGenerator\(loose\): element 0: /);
  // Errors of the generator itself still raise.
  const broken = fromGenerator(function* broken() { yield 1; throw new Error('boom'); }, { onError: 'skip' });
  await assert.rejects(() => collect(broken), /boom/);
  assert.deepEqual((await collect(fromGenerator(function* ok() { yield new NdArray('int32', [], [4]); }, { onError: 'skip' }))), [4]);
});
