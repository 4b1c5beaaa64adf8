// The packed source (SPEC.md §3.7): the three orders against a hand-written
// reference of the rule (built on permute/combine, which the shared vectors
// check), read-ahead budgets and verify never changing records, batchAt,
// damaged packs, variable fields and dict records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, truncateSync, unlinkSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromRange, fromGenerator, packed, permute, combine, digest, NdArray, pipelineFromSpec } from '../../js/index.mjs';
import { tempDir, collect } from './helpers.mjs';

const TAG_SHRD = 0x73687264;
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared_fixtures');
const tmp = tempDir();

/** Record r of the test pack: (int32 r, float32 [r, -r / 2]). */
function record(r) {
  return [NdArray.scalar('int32', r), new NdArray('float32', [2], [r, -r / 2])];
}

// 50 records of 12 data bytes, shards closing at >= 100 bytes: 9 records each, the last 5.
const N = 50;
const COUNTS = [9, 9, 9, 9, 9, 5];
const PACK = join(tmp.dir, 'numbers');
await fromRange(N).map((x) => record(x.data[0]), { name: 'numbered' }).pack(PACK, { shardBytes: 100, progress: false });

/** SPEC.md §3.7's shards order, spelled out. */
function shardsOrder(counts, seed, W, e) {
  const k = combine(seed, TAG_SHRD);
  const starts = counts.map((_, s) => counts.slice(0, s).reduce((a, b) => a + b, 0));
  const o = counts.map((_, j) => permute(j, counts.length, k, e));
  const out = [];
  for (let w = 0; w * W < counts.length; w++) {
    const recs = o.slice(w * W, (w + 1) * W).flatMap((s) => Array.from({ length: counts[s] }, (_, r) => starts[s] + r));
    for (let j = 0; j < recs.length; j++) out.push(recs[permute(j, recs.length, combine(k, w), e)]);
  }
  return out;
}

function expected(order, seed, window, e) {
  if (order === 'sequential') return Array.from({ length: N }, (_, i) => i);
  if (order === 'global') return Array.from({ length: N }, (_, i) => permute(i, N, seed, e));
  return shardsOrder(COUNTS, seed, window, e);
}

const ORDERS = [['sequential', {}], ['global', { order: 'global', seed: 7 }], ['shards', { order: 'shards', seed: 7, window: 2 }],
  ['shards', { order: 'shards', seed: 3, window: 1 }], ['shards', { order: 'shards', seed: 9, window: 4 }], ['shards', { order: 'shards', seed: 9, window: 6 }]];

test('the pack holds the shards the closing rule gives', () => {
  const index = JSON.parse(readFileSync(join(PACK, 'index.json'), 'utf8'));
  assert.deepEqual(index.shards.map((s) => s.records), COUNTS);
  assert.deepEqual(index.structure, ['0', '1']);
  assert.deepEqual(index.fields, [{ name: '0', dtype: 'int32', shape: [] }, { name: '1', dtype: 'float32', shape: [2] }]);
});

test('every order reads the records SPEC.md §3.7 says, in every epoch, whatever the read-ahead budget and verify', async () => {
  for (const [order, options] of ORDERS) {
    for (const prefetchBytes of [0, 300, 1 << 30]) {
      for (const verify of [true, false]) {
        const p = packed(PACK, { ...options, prefetchBytes, verify });
        assert.equal(p.cardinality(), N);
        assert.equal(p.indexable, true);
        for (const e of [0, 1, 5]) {
          const want = expected(order, options.seed, options.window, e).map((r) => [r, [r, -r / 2]]);
          assert.deepEqual(await collect(p, e), want, `${order} ${JSON.stringify(options)} budget ${prefetchBytes} verify ${verify} epoch ${e}`);
        }
      }
    }
  }
});

test('get(i, e) and batchAt(i, e) give the records and batches iteration gives', async () => {
  for (const [order, options] of ORDERS) {
    const p = packed(PACK, options);
    const want = expected(order, options.seed, options.window, 2);
    for (const i of [0, 8, 9, 31, 49]) assert.deepEqual((await p.get(i, 2)).map((a) => a.toList()), [want[i], [want[i], -want[i] / 2]]);
    const batched = p.batch(8);
    const iterated = [];
    for await (const b of batched.iterate(2)) iterated.push(digest(b));
    const direct = [];
    for (let i = 0; i < batched.cardinality(); i++) direct.push(digest(await batched.batchAt(i, 2)));
    assert.deepEqual(direct, iterated, order);
    assert.equal(iterated.length, 7);
  }
});

test('order global is exactly shuffle(seed) over the sequential packed source', async () => {
  const a = await collect(packed(PACK, { order: 'global', seed: 11 }).batch(6), 3);
  const b = await collect(packed(PACK).shuffle({ seed: 11 }).batch(6), 3);
  assert.deepEqual(a, b);
});

test('summaries, options and their errors', () => {
  assert.equal(packed(PACK).summary(), 'packed(numbers)');
  assert.equal(packed(`${PACK}/`, { order: 'global', seed: 7 }).summary(), 'packed(numbers, order=global, seed=7)');
  assert.equal(packed(PACK, { order: 'shards', seed: 7 }).summary(), 'packed(numbers, order=shards, seed=7, window=2)');
  assert.throws(() => packed(PACK, { order: 'global' }), (e) => e.code === 'SF_SEED' && e.message.includes('seed'));
  assert.throws(() => packed(PACK, { order: 'shards', seed: -1 }), (e) => e.code === 'SF_SEED');
  assert.throws(() => packed(PACK, { seed: 3 }), (e) => e.code === 'SF_ARG' && e.message.includes('seed'));
  assert.throws(() => packed(PACK, { order: 'random' }), (e) => e.code === 'SF_ARG' && e.message.includes('order'));
  assert.throws(() => packed(PACK, { window: 0, order: 'shards', seed: 1 }), (e) => e.code === 'SF_ARG' && e.message.includes('window'));
  assert.throws(() => packed(PACK, { verify: 'yes' }), (e) => e.code === 'SF_ARG' && e.message.includes('verify'));
  assert.throws(() => packed(PACK, { prefetch_bytes: 3 }), (e) => e.code === 'SF_ARG' && e.message.includes('prefetchBytes'));
  assert.throws(() => packed(join(tmp.dir, 'nowhere')), (e) => e.code === 'SF_FILE_NOT_FOUND' && e.message.includes('nowhere'));
  const spec = pipelineFromSpec({ source: { type: 'packed', path: PACK, order: 'shards', seed: 2, window: 3, verify: false, prefetch_bytes: 0 } });
  assert.equal(spec.summary(), 'packed(numbers, order=shards, seed=2, window=3)');
  assert.throws(() => pipelineFromSpec({ source: { type: 'packed', path: PACK, shuffle: true } }), (e) => e.code === 'SF_SPEC');
});

/** A copy of the test pack in a fresh folder. */
function copyPack(name) {
  const dir = join(tmp.dir, name);
  cpSync(PACK, dir, { recursive: true });
  return dir;
}

/** [records read before the error, the error]. */
async function readUntilError(p) {
  let n = 0;
  try {
    for await (const x of p.iterate(0)) void x, n++;
  } catch (err) {
    return [n, err];
  }
  return [n, null];
}

test('a tampered shard is SF_PACK_CHECKSUM naming it, when the reader reaches it; verify: false reads it', async () => {
  const dir = copyPack('tampered');
  const shard = join(dir, 'shard-00001.safetensors');
  const bytes = readFileSync(shard);
  bytes[bytes.length - 1] ^= 0xff; // the last value of field 1's last record
  writeFileSync(shard, bytes);
  const [n, err] = await readUntilError(packed(dir, { prefetchBytes: 0 }).prefetch(1));
  assert.equal(err?.code, 'SF_PACK_CHECKSUM');
  assert.ok(err.message.includes('shard-00001.safetensors') && err.message.includes('sha256'), err.message);
  assert.ok(n <= COUNTS[0], 'no record of the tampered shard was yielded');
  const [, global] = await readUntilError(packed(dir, { order: 'global', seed: 1 }));
  assert.equal(global?.code, 'SF_PACK_CHECKSUM');
  const loose = await collect(packed(dir, { verify: false }));
  assert.equal(loose.length, N);
  assert.notDeepEqual(loose[17], [17, [17, -17 / 2]], 'the changed value is read as it is');
});

test('a truncated shard is SF_PACK_CHECKSUM even without verify; a missing one SF_PACK_FORMAT', async () => {
  const dir = copyPack('truncated');
  const shard = join(dir, 'shard-00002.safetensors');
  truncateSync(shard, statSync(shard).size - 4);
  for (const verify of [true, false]) {
    const [n, err] = await readUntilError(packed(dir, { verify }));
    assert.equal(err?.code, 'SF_PACK_CHECKSUM', `verify ${verify}`);
    assert.ok(err.message.includes('shard-00002.safetensors') && err.message.includes('bytes'), err.message);
    assert.ok(n <= COUNTS[0] + COUNTS[1]);
  }
  const gone = copyPack('missing_shard');
  unlinkSync(join(gone, 'shard-00003.safetensors'));
  const [, err] = await readUntilError(packed(gone));
  assert.equal(err?.code, 'SF_PACK_FORMAT');
  assert.ok(err.message.includes('shard-00003.safetensors'));
});

test('damaged index.json and shard headers are SF_PACK_FORMAT; shards without an index are an unfinished pack', async () => {
  const badJson = copyPack('bad_json');
  writeFileSync(join(badJson, 'index.json'), '{"format": "streamfit-pack", ');
  assert.throws(() => packed(badJson), (e) => e.code === 'SF_PACK_FORMAT' && e.message.includes('index.json'));
  const v2 = copyPack('v2');
  const index = JSON.parse(readFileSync(join(v2, 'index.json'), 'utf8'));
  writeFileSync(join(v2, 'index.json'), JSON.stringify({ ...index, version: 2 }));
  assert.throws(() => packed(v2), (e) => e.code === 'SF_PACK_FORMAT' && e.message.includes('version'));
  const unfinished = copyPack('unfinished');
  unlinkSync(join(unfinished, 'index.json'));
  assert.throws(() => packed(unfinished), (e) => e.code === 'SF_PACK_FORMAT' && e.message.includes('unfinished') && e.message.includes('resume'));
  // a shard of another pack put in place of shard 0 (same size, same sha256 in the index): its metadata gives it away
  const swapped = copyPack('swapped');
  const other = join(tmp.dir, 'other_pack');
  await fromRange(N).map((x) => record(x.data[0]), { name: 'numbered' }).pack(other, { shardBytes: 100, key: 'another', progress: false });
  cpSync(join(other, 'shard-00000.safetensors'), join(swapped, 'shard-00000.safetensors'));
  const sIndex = JSON.parse(readFileSync(join(swapped, 'index.json'), 'utf8'));
  sIndex.shards[0].sha256 = JSON.parse(readFileSync(join(other, 'index.json'), 'utf8')).shards[0].sha256;
  writeFileSync(join(swapped, 'index.json'), JSON.stringify(sIndex));
  await assert.rejects(collect(packed(swapped)), (e) => e.code === 'SF_PACK_FORMAT' && e.message.includes('__metadata__'));
  const garbage = copyPack('garbage_header');
  const g = join(garbage, 'shard-00000.safetensors');
  const gb = readFileSync(g);
  gb.writeBigUInt64LE(1n << 40n, 0);
  writeFileSync(g, gb);
  const gi = JSON.parse(readFileSync(join(garbage, 'index.json'), 'utf8'));
  gi.shards[0].sha256 = (await import('node:crypto')).createHash('sha256').update(gb).digest('hex');
  writeFileSync(join(garbage, 'index.json'), JSON.stringify(gi));
  await assert.rejects(collect(packed(garbage)), (e) => e.code === 'SF_PACK_FORMAT' && e.message.includes('header'));
});

test('variable fields and dict records come back as they went in, in every order', async () => {
  const lengths = [3, 0, 7, 1, 12, 5, 2, 9, 4, 6, 8];
  const rows = lengths.map((len, r) => ({
    pixels: new NdArray('uint8', [len], Uint8Array.from({ length: len }, (_, k) => (r * 31 + k) % 256)),
    meta: [NdArray.scalar('int32', r), new NdArray('float64', [2, 2], [r, 0.5, -r, 1e-300])],
  }));
  const dir = join(tmp.dir, 'variable');
  const elementSpec = { pixels: { dtype: 'uint8', shape: [null] }, meta: [{ dtype: 'int32', shape: [] }, { dtype: 'float64', shape: [2, 2] }] };
  const index = await fromGenerator(function* rowsOf() { yield* rows; }, { elementSpec }).pack(dir, { shardBytes: 64, variable: ['2'], progress: false });
  assert.deepEqual(index.structure, { meta: ['0', '1'], pixels: '2' });
  assert.deepEqual(index.fields.map((f) => [f.name, f.dtype, f.shape]), [['0', 'int32', []], ['1', 'float64', [2, 2]], ['2', 'uint8', [null]]]);
  // record bytes: 4 + 32 + len + 8 -> shards close at >= 64
  const wantCounts = [];
  let size = 0;
  let count = 0;
  for (const len of lengths) {
    size += 44 + len;
    count++;
    if (size >= 64) { wantCounts.push(count); size = 0; count = 0; }
  }
  if (count > 0) wantCounts.push(count);
  assert.deepEqual(index.shards.map((s) => s.records), wantCounts);
  for (const options of [{}, { order: 'global', seed: 4 }, { order: 'shards', seed: 4, window: 2, prefetchBytes: 0 }]) {
    const p = packed(dir, options);
    const got = [];
    for await (const r of p.iterate(1)) got.push(digest(r));
    const order = options.order === 'global' ? lengths.map((_, i) => permute(i, lengths.length, 4, 1))
      : options.order === 'shards' ? shardsOrder(wantCounts, 4, 2, 1) : lengths.map((_, i) => i);
    assert.deepEqual(got, order.map((r) => digest(rows[r])), JSON.stringify(options));
  }
  await assert.rejects(collect(packed(dir).batch(2)), (e) => e.code === 'SF_BATCH_SHAPE');
});

test('the golden packs read in both read paths (held shards and positional reads) alike', async () => {
  for (const name of ['images16', 'xy', 'encoded']) {
    const dir = join(FIXTURES, 'packs', name);
    const held = await collect(packed(dir, { order: 'shards', seed: 1, window: 3 }), 0);
    const reads = await collect(packed(dir, { order: 'shards', seed: 1, window: 3, prefetchBytes: 0 }), 0);
    assert.deepEqual(held, reads, name);
  }
});
