// The pack writer (SPEC.md §9): resume after SIGKILL gives the bytes of an
// uninterrupted pack, for an indexable pipeline (fetches from the next
// record) and a CSV stream (read and dropped); a finished pack is a no-op,
// another pack is never overwritten; SF_PACK_SHAPE; a failure keeps only
// complete shards; skip counts in the index; pack_key from hand-written
// canonical JSON; the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fromRange, fromGenerator, csv, packed, NdArray, pipelineFromSpec } from '../../js/index.mjs';
import { tempDir, writeFile, collect } from './helpers.mjs';
import { Fields } from '../../js/src/pack/fields.mjs';
import { ShardBuffer } from '../../js/src/pack/shard_writer.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INDEX_URL = pathToFileURL(join(ROOT, 'js', 'index.mjs')).href;
const tmp = tempDir();
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

const shardFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();

/** Every file of two pack folders byte-identical (index.json included: same language, same key). */
function assertSamePack(got, want) {
  assert.deepEqual(readdirSync(got).sort(), readdirSync(want).sort());
  for (const f of readdirSync(want)) assert.ok(readFileSync(join(got, f)).equals(readFileSync(join(want, f))), f);
}

// Records of 128 KiB: 4 per shard of 512 KiB, so shards appear one by one.
const N = 120;
const SHARD = 512 << 10;
const CHILD = `
import { fromRange, csv, NdArray } from ${JSON.stringify(INDEX_URL)};
const [kind, path, out] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function slow(r) {
  await sleep(15);
  const v = kind === 'range' ? r.data[0] : r[1].data[0];
  return new NdArray('float32', [32768], new Float32Array(32768).fill(v));
}
const pipe = kind === 'range' ? fromRange(${N}) : csv(path, { label: 'y' });
await pipe.map(slow).pack(out, { shardBytes: ${SHARD}, key: 'resume-test', progress: false });
`;

/** The child's map without the delay, under its name: the same summary, so the same pack_key. */
function fast(kind, calls) {
  return {
    slow(r) {
      calls.n++;
      const v = kind === 'range' ? r.data[0] : r[1].data[0];
      return new NdArray('float32', [32768], new Float32Array(32768).fill(v));
    },
  }.slow;
}

function writeCsv(path, n) {
  const rows = Array.from({ length: n }, (_, k) => `${k * 0.5},${k % 7}`);
  writeFileSync(path, `x,y\n${rows.join('\n')}\n`);
}

/** Runs the child packing into `out` and kills it with SIGKILL once `atLeast` shards exist. */
async function killAfterShards(kind, csvPath, out, atLeast = 3) {
  const script = writeFile(tmp.dir, 'pack_child.mjs', CHILD);
  const child = spawn(process.execPath, [script, kind, csvPath, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let ended = null;
  exited.then((r) => { ended = r; });
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline && ended === null) {
    if (existsSync(out) && shardFiles(out).length >= atLeast) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(ended, null, `the child ended before it was killed: ${stderr}`);
  child.kill('SIGKILL');
  const { signal } = await exited;
  assert.equal(signal, 'SIGKILL');
  assert.ok(!existsSync(join(out, 'index.json')));
  return shardFiles(out).length;
}

for (const kind of ['range', 'csv']) {
  test(`a ${kind} pack killed with SIGKILL and run again writes the bytes of an uninterrupted pack`, async () => {
    const csvPath = join(tmp.dir, `numbers_${kind}.csv`);
    writeCsv(csvPath, N);
    const pipe = (calls) => (kind === 'range' ? fromRange(N) : csv(csvPath, { label: 'y' })).map(fast(kind, calls));
    const whole = join(tmp.dir, `${kind}_whole`);
    await pipe({ n: 0 }).pack(whole, { shardBytes: SHARD, key: 'resume-test', progress: false });
    assert.equal(shardFiles(whole).length, N / 4);

    const out = join(tmp.dir, `${kind}_killed`);
    const before = await killAfterShards(kind, csvPath, out);
    const kept = shardFiles(out).filter((f) => f !== 'index.json');
    const stamps = Object.fromEntries(kept.map((f) => [f, statSync(join(out, f)).mtimeMs]));
    const calls = { n: 0 };
    const index = await pipe(calls).pack(out, { shardBytes: SHARD, key: 'resume-test', progress: false });
    assertSamePack(out, whole);
    assert.equal(index.records, N);
    assert.ok(before >= 3);
    for (const f of kept) assert.equal(statSync(join(out, f)).mtimeMs, stamps[f], `${f} was kept, not rewritten`);
    // an indexable pipeline fetches from the next record; a stream is read again from the start
    assert.equal(calls.n, kind === 'range' ? N - 4 * kept.length : N);
  });
}

test('a finished pack is a no-op; another key in the folder is SF_ARG and nothing is touched', async () => {
  const calls = { n: 0 };
  const make = () => fromRange(20).map(function twice(x) { calls.n++; return new NdArray('int32', [2], [x.data[0], 2 * x.data[0]]); });
  const out = join(tmp.dir, 'noop');
  const first = await make().pack(out, { shardBytes: 40, progress: false });
  assert.equal(calls.n, 20);
  const stamps = Object.fromEntries(readdirSync(out).map((f) => [f, statSync(join(out, f)).mtimeMs]));
  const again = await make().pack(out, { shardBytes: 40, progress: false });
  assert.deepEqual(again, first);
  assert.equal(calls.n, 20, 'nothing read');
  assert.deepEqual(Object.fromEntries(readdirSync(out).map((f) => [f, statSync(join(out, f)).mtimeMs])), stamps);
  for (const options of [{ shardBytes: 41 }, { shardBytes: 40, key: 'v2' }, { shardBytes: 40, variable: ['0'] }]) {
    await assert.rejects(make().pack(out, { ...options, progress: false }), (e) => e.code === 'SF_ARG' && e.message.includes('another pack'), JSON.stringify(options));
  }
  await assert.rejects(fromRange(3).pack(out, { progress: false }), (e) => e.code === 'SF_ARG' && e.message.includes('another pack'));
  assert.deepEqual(Object.fromEntries(readdirSync(out).map((f) => [f, statSync(join(out, f)).mtimeMs])), stamps);
  // an unfinished pack of another key is refused too
  const partial = join(tmp.dir, 'partial_other');
  await make().pack(partial, { shardBytes: 40, key: 'mine', progress: false });
  const { unlinkSync } = await import('node:fs');
  unlinkSync(join(partial, 'index.json'));
  await assert.rejects(make().pack(partial, { shardBytes: 40, key: 'yours', progress: false }), (e) => e.code === 'SF_ARG' && e.message.includes('shard-00000.safetensors'));
});

test('SF_PACK_SHAPE names the record and field; bad variable names and options are SF_ARG', async () => {
  // records made by a map, so that only the pack sees them differ (a generator checks its own elements)
  const gen = (rows) => fromRange(rows.length).map(function rowsOf(x) { return rows[x.data[0]]; });
  const f32 = (n) => new NdArray('float32', [n], new Float32Array(n));
  const i32 = (v) => NdArray.scalar('int32', v);
  const cases = [
    [[[f32(2), i32(0)], [f32(2), i32(1)], [f32(3), i32(2)]], [], ['record 2', 'field 0', '[3]', '[2]']],
    [[[f32(2), i32(0)], [f32(2)]], [], ['record 1', 'structure']],
    [[[f32(2), i32(0)], { a: f32(2), b: i32(0) }], [], ['record 1', 'structure']],
    [[[f32(2), i32(0)], [f32(2), f32(1)]], [], ['record 1', 'field 1', 'int32']],
    [[[new NdArray('float32', [2, 2], new Float32Array(4)), i32(0)]], ['0'], ['record 0', 'field 0', '1-d']],
    [[[f32(2), i32(0)], [new NdArray('float32', [1, 2], new Float32Array(2)), i32(0)]], ['0'], ['record 1', 'field 0', 'variable']],
  ];
  for (const [k, [rows, variable, words]] of cases.entries()) {
    await assert.rejects(gen(rows).pack(join(tmp.dir, `shape${k}`), { variable, progress: false }), (e) => e.code === 'SF_PACK_SHAPE' && words.every((w) => e.message.includes(w)), `${k}: ${words}`);
  }
  const ok = [[f32(2), i32(0)], [f32(5), i32(1)]];
  const index = await gen(ok).pack(join(tmp.dir, 'shape_variable'), { variable: ['0'], progress: false });
  assert.deepEqual(index.fields[0], { name: '0', dtype: 'float32', shape: [null] });
  await assert.rejects(gen(ok).pack(join(tmp.dir, 'shape_bad_name'), { variable: ['2'], progress: false }), (e) => e.code === 'SF_ARG' && e.message.includes('"2"'));
  for (const options of [{ variable: '0' }, { variable: ['0', '0'] }, { shardBytes: 0 }, { shardBytes: 1.5 }, { key: 3 }, { shard_bytes: 10 }]) {
    await assert.rejects(gen(ok).pack(join(tmp.dir, 'shape_options'), { progress: false, ...options }), (e) => e.code === 'SF_ARG', JSON.stringify(options));
  }
  await assert.rejects(fromRange(5).take(0).pack(join(tmp.dir, 'empty'), { progress: false }), (e) => e.code === 'SF_EMPTY_SOURCE');
});

test('only a source then map, filter, take, skip and prefetch can be packed', async () => {
  for (const p of [fromRange(4).shuffle({ seed: 1 }), fromRange(4).batch(2), fromRange(4).repeat(2), fromRange(4).cache(join(tmp.dir, 'c')).map((x) => x)]) {
    await assert.rejects(p.pack(join(tmp.dir, 'not_packable'), { progress: false }), (e) => e.code === 'SF_ARG' && e.message.includes('shuffle'), p.summary());
  }
  const p = fromRange(30).filter(function odd(x) { return x.data[0] % 2 === 1; }).skip(2).take(10).prefetch(3);
  const out = join(tmp.dir, 'packable');
  const index = await p.pack(out, { progress: false });
  assert.equal(index.producer.pipeline, 'range(30) -> filter(odd) -> skip(2) -> take(10) -> prefetch(3)');
  assert.deepEqual(await collect(packed(out)), [5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
});

test('a pack that fails part-way keeps only complete shards and resumes to the uninterrupted bytes', async () => {
  const make = (failAt) => fromRange(40).map(function rows(x) {
    if (x.data[0] === failAt) throw new RangeError('boom');
    return [x, new NdArray('uint8', [3], [x.data[0], 1, 2])];
  });
  const whole = join(tmp.dir, 'fail_whole');
  await make(-1).pack(whole, { shardBytes: 50, progress: false });
  const out = join(tmp.dir, 'fail_partial');
  await assert.rejects(make(23).pack(out, { shardBytes: 50, progress: false }), /boom/);
  // 7 bytes a record: shards of 8; records 0..22 read -> 2 complete shards, nothing of the third
  assert.deepEqual(readdirSync(out).sort(), ['shard-00000.safetensors', 'shard-00001.safetensors']);
  await make(-1).pack(out, { shardBytes: 50, progress: false });
  assertSamePack(out, whole);
});

test('skip counts of the packed epoch go into the index; a read stopped early stores null', async () => {
  const messy = join(ROOT, 'shared_fixtures', 'data', 'messy.csv');
  const index = await csv(messy, { label: 'y', onError: 'skip' }).pack(join(tmp.dir, 'messy'), { progress: false });
  // the counts of the golden case cases/on_error/csv_values.json
  assert.deepEqual(index.skipped, { SF_CSV_COLUMNS: 2, SF_CSV_EMPTY_LINE: 1, SF_CSV_NUMBER: 2 });
  const cut = await csv(messy, { label: 'y', onError: 'skip' }).take(1).pack(join(tmp.dir, 'messy_cut'), { progress: false });
  assert.equal(cut.skipped, null);
  const clean = await fromRange(3).pack(join(tmp.dir, 'clean'), { progress: false });
  assert.deepEqual(clean.skipped, {});
});

test('pack_key is the sha256 of the canonical JSON of SPEC.md §9.1', async () => {
  const api = await fromRange(5).pack(join(tmp.dir, 'key_api'), { shardBytes: 1000, progress: false });
  assert.equal(api.pack_key, sha256('{"pipeline":"range(5)","shard_bytes":1000,"spec":null,"variable":[]}'));
  const keyed = await fromRange(5).pack(join(tmp.dir, 'key_keyed'), { shardBytes: 7, key: 'data v2 é', variable: [], progress: false });
  assert.equal(keyed.pack_key, sha256('{"pipeline":"range(5)","shard_bytes":7,"spec":"data v2 é","variable":[]}'));
  // the CLI: the spec part before the first shuffle/batch/repeat, the source path made absolute
  const dir = join(tmp.dir, 'cli_key');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'xy.csv'), 'x,y\n1,2\n3,4\n');
  const spec = writeFile(dir, 'spec.json', '{"source": {"path": "./xy.csv", "type": "csv", "label": "y"}, "ops": [{"op": "map", "fn": "divide", "value": 2.0}, {"op": "batch", "batch_size": 1}, {"op": "take", "count": 1}]}');
  const r = spawnSync(process.execPath, [join(ROOT, 'js', 'pack.mjs'), spec, join(dir, 'out'), '--shard-mb', '0.5', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8'));
  const part = `{"ops":[{"fn":"divide","op":"map","value":2}],"source":{"label":"y","path":${JSON.stringify(resolve(dir, 'xy.csv'))},"type":"csv"}}`;
  assert.equal(index.pack_key, sha256(`{"pipeline":"csv(xy.csv) -> map(divide)","shard_bytes":524288,"spec":${part},"variable":[]}`));
  assert.deepEqual(index.producer, { language: 'node', pipeline: 'csv(xy.csv) -> map(divide)', spec: JSON.parse(part) });
  assert.equal(r.stdout, `packed    csv(xy.csv) -> map(divide): 2 records in 1 shard -> ${join(dir, 'out')}\nleft      2 ops for reading (apply them after {"type": "packed"}): [{"op": "batch", "batch_size": 1}, {"op": "take", "count": 1}]\n`);
  assert.equal(r.stderr, '', '--quiet prints no progress');
});

test('pack CLI: --shard-mb, --variable, progress on stderr, usage and errors', () => {
  const run = (...args) => spawnSync(process.execPath, [join(ROOT, 'js', 'pack.mjs'), ...args], { encoding: 'utf8' });
  const spec = writeFile(tmp.dir, 'images_spec.json', JSON.stringify({ source: { type: 'image_folder', path: join(ROOT, 'shared_fixtures', 'data', 'images'), decode: false } }));
  const out = join(tmp.dir, 'cli_images');
  const r = run(spec, out, '--shard-mb', '0.004', '--variable', '0');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /pack: 30 records in \d+ shards at /);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.equal(index.pack_key, sha256(`{"pipeline":"image_folder(images)","shard_bytes":4194,"spec":{"ops":[],"source":{"decode":false,"path":${JSON.stringify(join(ROOT, 'shared_fixtures', 'data', 'images'))},"type":"image_folder"}},"variable":["0"]}`));
  // the same records and shard cut as the golden pack written with shard_bytes 4096 (floor(0.004 * 2^20) = 4194 here)
  assert.deepEqual(index.fields, [{ name: '0', dtype: 'uint8', shape: [null] }, { name: '1', dtype: 'int32', shape: [] }]);
  assert.equal(run(spec, out, '--shard-mb', '0.004', '--variable', '0', '--quiet').status, 0, 'a finished pack: nothing to do');
  const bad = run(spec, join(tmp.dir, 'cli_bad'), '--shard-mb', '0.0000001');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^error SF_ARG: .*--shard-mb/m);
  assert.equal(run(spec).status, 2);
  assert.equal(run(spec, out, '--shard-mb', 'lots').status, 2);
  assert.equal(run(spec, out, '--frobnicate').status, 2);
  assert.equal(run(spec, out, '--variable').status, 2);
  const shape = run(spec, join(tmp.dir, 'cli_shape'), '--quiet');
  assert.equal(shape.status, 1);
  assert.match(shape.stderr, /^error SF_PACK_SHAPE: .*record 1 field 0/m);
  const missing = run(join(tmp.dir, 'nope.json'), out);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^error SF_FILE_NOT_FOUND/m);
});

test('packing a spec pipeline equals its records: pipelineFromSpec -> pack -> packed', async () => {
  const spec = { source: { type: 'class_folder', path: join(ROOT, 'shared_fixtures', 'data', 'classes'), image_size: [6, 5] }, ops: [{ op: 'map', fn: 'divide', value: 255 }] };
  const p = pipelineFromSpec(spec);
  const out = join(tmp.dir, 'classes_pack');
  await p.pack(out, { shardBytes: 2000, progress: false });
  assert.deepEqual(await collect(packed(out)), await collect(p));
  assert.deepEqual(await collect(packed(out, { order: 'global', seed: 9 }).batch(4), 2), await collect(p.shuffle({ seed: 9 }).batch(4), 2));
});

test('a shard buffer copies the rows it is given and keeps its memory from shard to shard', () => {
  // A shard used to hold views of the blocks until it was written, which kept them alive into
  // V8's old generation; ShardBuffer copies them, and a pack reuses two such buffers.
  const fields = Fields.of([new NdArray('uint8', [4, 3], new Uint8Array(12)), new NdArray('int32', [4, 2], new Int32Array(8))], ['1']);
  const shard = new ShardBuffer(fields);
  const x = new NdArray('uint8', [4, 3], Uint8Array.from({ length: 12 }, (_, i) => i));
  const y = new NdArray('int32', [4, 2], Int32Array.from({ length: 8 }, (_, i) => 100 + i));
  shard.add([x, y], 1, 3, 8);
  shard.add([x, new NdArray('int32', [4, 1], Int32Array.from([7, 8, 9, 10]))], 3, 4);
  x.data.fill(255); // the caller's arrays are free again once add returns
  const bytes = (t) => Buffer.concat(t.parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
  const t = shard.tensors();
  assert.equal(shard.rows, 3);
  assert.deepEqual(t.get('0').shape, [3, 3]);
  assert.deepEqual([...bytes(t.get('0'))], [3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual([...new BigUint64Array(new Uint8Array(bytes(t.get('1.offsets'))).buffer)], [0n, 2n, 4n, 5n]);
  assert.deepEqual([...new Int32Array(new Uint8Array(bytes(t.get('1.data'))).buffer)], [102, 103, 104, 105, 10]);
  assert.deepEqual(t.get('1.data').shape, [5]);
  const memory = shard.data[0].buf;
  shard.clear();
  shard.add([new NdArray('uint8', [1, 3], Uint8Array.from([1, 2, 3])), new NdArray('int32', [1, 0], new Int32Array(0))], 0, 1);
  assert.equal(shard.data[0].buf, memory, 'the next shard reuses the memory');
  assert.deepEqual([...bytes(shard.tensors().get('0'))], [1, 2, 3]);
  assert.deepEqual([...new BigUint64Array(new Uint8Array(bytes(shard.tensors().get('1.offsets'))).buffer)], [0n, 0n]);
});
