// The block fast path (js/src/core/block.mjs) against the per-record path, on
// many random pipelines: same element digests, same error. The record path of
// a pipeline is obtained by putting a user identity map right after the source
// (a user function is never block-native, so every stage after it runs its
// per-record code). Randomness comes from the spec PRNG with fixed seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRange, csv } from '../../js/index.mjs';
import { digest } from '../../js/src/core/record.mjs';
import { builtinMap, builtinFilter } from '../../js/src/ops/builtins.mjs';
import { Prng } from '../../js/src/order/prng.mjs';
import { tempDir, writeFile } from './helpers.mjs';

/** Digests of one epoch, then the error (code and message) if iteration failed. */
async function run(pipeline, epoch) {
  const out = [];
  try {
    for await (const x of pipeline.iterate(epoch)) out.push(digest(x));
  } catch (e) {
    out.push(`error ${e.code}: ${e.message}`);
  }
  return out;
}

const identity = (r) => r;

/** A random op applied to a pipeline; `labelled` says records are (x, y). */
function randomOp(g, p, labelled) {
  switch (g.below(10)) {
    case 0:
      return p.map(builtinMap('divide', { value: [3, 255, 0.5][g.below(3)] }));
    case 1:
      return p.map(builtinMap('normalize', { mean: 0.25, std: [2, 0.1][g.below(2)] }));
    case 2:
      return p.map(builtinMap('cast', { dtype: ['float32', 'int32'][g.below(2)] }, labelled && g.below(2) ? 'y' : 'x'));
    case 3:
      return labelled ? p.filter(builtinFilter('label_in', { values: [0, 1, 2].slice(0, 1 + g.below(3)) })) : p.filter(builtinFilter('finite'));
    case 4:
      return p.filter(builtinFilter('finite'));
    case 5:
      return p.shuffle({ bufferSize: 1 + g.below(40), seed: g.nextU32() });
    case 6:
      return p.take(g.below(60));
    case 7:
      return p.skip(g.below(30));
    case 8:
      return p.repeat(1 + g.below(3));
    default:
      return g.below(3) === 0 ? p.prefetch(1 + g.below(4)) : p.batch(1 + g.below(9), { dropRemainder: g.below(2) === 1 });
  }
}

function randomPipeline(g, source, labelled) {
  let block = source();
  let record = source().map(identity, { name: 'identity' });
  const ops = 1 + g.below(6);
  for (let k = 0; k < ops; k++) {
    const state = g.state;
    block = randomOp(g, block, labelled);
    g.state = state; // the same draws build the same op on the record side
    record = randomOp(g, record, labelled);
  }
  return { block, record };
}

async function compare(g, source, labelled, where) {
  const { block, record } = randomPipeline(g, source, labelled);
  assert.ok(block.stages()[0].blockNative, `${where}: the source is block-native`);
  for (const epoch of [0, 1]) {
    const got = await run(block, epoch);
    const want = await run(record, epoch);
    assert.deepEqual(got, want, `${where} epoch ${epoch}: ${block.summary()}`);
  }
}

test('block path = record path on random pipelines over fromRange', async () => {
  const g = new Prng(2024);
  for (let t = 0; t < 150; t++) {
    const n = 1 + g.below(120); // fromRange(0) is SF_EMPTY_SOURCE
    const blockRecords = 1 + g.below(50);
    const source = () => {
      const p = fromRange(n);
      p.stage.blockRecords = blockRecords;
      return p;
    };
    await compare(g, source, false, `range(${n}) blocks of ${blockRecords}`);
  }
});

/** A small CSV of random numbers (with nan, inf, long and exponent forms), labels 0..3. */
function randomCsv(g, rows, crlf) {
  const num = () => {
    switch (g.below(8)) {
      case 0:
        return ['nan', '-inf', 'Infinity', '1e40', '-0'][g.below(5)];
      case 1:
        return `${g.below(1000)}.${g.below(100000)}${g.below(100000)}${g.below(100000)}`; // > 15 digits
      case 2:
        return `${g.below(100)}e${g.below(50) - 25}`;
      default:
        return `${g.below(2) ? '-' : ''}${g.below(100)}.${g.below(1000)}`;
    }
  };
  const eol = crlf ? '\r\n' : '\n';
  let text = `a,b,y${eol}`;
  for (let r = 0; r < rows; r++) text += `${num()},${num()},${g.below(4)}${eol}`;
  return text;
}

test('block path = record path on random pipelines over small CSVs with block edges inside rows', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const g = new Prng(77);
    for (let t = 0; t < 80; t++) {
      const path = writeFile(dir, `f${t}.csv`, randomCsv(g, g.below(60), g.below(2) === 1));
      const blockSize = 1 + g.below(64);
      const labelled = g.below(3) !== 0;
      const opts = labelled ? { label: 'y', labelDtype: 'int32', blockSize } : { features: ['b', 'a'], blockSize };
      await compare(g, () => csv(path, opts), labelled, `${path} blockSize ${blockSize}`);
    }
  } finally {
    cleanup();
  }
});

test('errors inside a block come after the records before them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = writeFile(dir, 'bad.csv', 'x,y\n1,0\n2,1\n3,x\n4,0\n');
    for (const blockSize of [3, 7, 1 << 20]) {
      const p = csv(path, { label: 'y', blockSize });
      const out = await run(p, 0);
      assert.equal(out.length, 3);
      assert.match(out[2], /^error SF_CSV_NUMBER: .*line 4/);
      assert.deepEqual(await run(p.take(2), 0), (await run(p, 0)).slice(0, 2));
    }
    // one_hot out of range at record 5 of a block of 10.
    const oh = fromRange(10).map(builtinMap('one_hot', { depth: 5 }));
    const got = await run(oh, 0);
    assert.deepEqual(got, await run(fromRange(10).map(identity).map(builtinMap('one_hot', { depth: 5 })), 0));
    assert.equal(got.length, 6);
    // A batch mixing shapes raises SF_BATCH_SHAPE as the per-record path does.
    const mixed = fromRange(7).batch(3).batch(2);
    assert.deepEqual(await run(mixed, 0), await run(fromRange(7).map(identity).batch(3).batch(2), 0));
  } finally {
    cleanup();
  }
});

test('csv blocks are fresh copies of at most 16 KiB of rows, so they can be held while later regions are parsed', async () => {
  // Why: the parser reuses its columns from region to region, and a block lives only as long as its
  // consumer holds it (big blocks held across scavenges reach V8's old space: memory grows with the file).
  const { dir, cleanup } = tempDir();
  try {
    const rows = 10000;
    let text = 'x,y\n';
    for (let r = 0; r < rows; r++) text += `${r},${r % 7}\n`;
    const path = writeFile(dir, 'xy.csv', text);
    const source = csv(path, { features: ['x'], label: 'y', labelDtype: 'int32', blockSize: 4096 }).stage;
    const held = [];
    for await (const block of source.iterateBlocks(0)) held.push(block); // every block kept to the end
    assert.ok(held.length >= 5, `${held.length} blocks`);
    let r = 0;
    for (const [x, y] of held) {
      const n = x.shape[0];
      assert.ok(n <= 2048, `a block of ${n} rows (16 KiB / 8 bytes a row: 2048)`);
      assert.equal(x.data.buffer.byteLength, 4 * n, 'x is its own buffer, not a view of the parser\'s columns');
      assert.equal(y.data.buffer.byteLength, 4 * n);
      for (let k = 0; k < n; k++, r++) {
        assert.equal(x.data[k], r);
        assert.equal(y.data[k], r % 7);
      }
    }
    assert.equal(r, rows);
  } finally {
    cleanup();
  }
});
