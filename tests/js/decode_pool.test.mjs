// Image decoding on worker threads while a pack is written
// (js/src/tfjs/decode_pool.mjs): the pool's pixels and errors equal an
// in-process decodeImage for the fixture images and every option (resize,
// crop, pad, nearest, grayscale); decode failures keep their class, code and
// message and are still skipped and counted under onError 'skip'; a file gone
// since the listing is the same SF_FILE_NOT_FOUND when a worker reads it; a
// pack written with the pool is byte-identical to the golden writer case; the
// pool is used inside a pack (its async context reaches the sources through
// read-ahead, maps, prefetch, skip and take) and nowhere else; a worker that
// cannot start, starts too slowly or dies leaves the decodes to this thread;
// an idle worker is stopped; the pack CLI exits on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageFolder, classFolder, pairedFolders, packed, pipelineFromSpec, digest } from '../../js/index.mjs';
import { decodeImage } from '../../js/src/tfjs/image.mjs';
import { DecodePool, decodeContext, decodeFileAnywhere, decodeImageAnywhere, decodePoolStats, withDecodePool } from '../../js/src/tfjs/decode_pool.mjs';
import { tempDir } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'shared_fixtures');
const DATA = join(FIXTURES, 'data');
const tmp = tempDir();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every image file under `dir`, recursively (sorted paths). */
function imagesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...imagesUnder(p));
    else if (/\.(jpe?g|png|bmp|gif|webp)$/i.test(name)) out.push(p);
  }
  return out;
}

/** The outcome of a decode as plain data: pixels, or the error's class, code, message and cause. */
async function outcome(decode) {
  try {
    const x = await decode();
    return { dtype: x.dtype, shape: x.shape, bytes: Buffer.from(x.bytes()).toString('base64') };
  } catch (err) {
    return { error: err.constructor.name, code: err.code, message: err.message, cause: err.cause?.message };
  }
}

const OPTIONS = [
  { channels: 3, imageSize: null, scale: false },
  { channels: 1, imageSize: null, scale: false }, // grayscale
  { channels: 4, imageSize: null, scale: true },
  { channels: 0, imageSize: null, scale: false }, // the file's own channels
  { channels: 3, imageSize: [7, 9], scale: true }, // bilinear stretch
  { channels: 3, imageSize: [10, 6], scale: false, fit: 'crop' },
  { channels: 1, imageSize: [13, 7], scale: true, fit: 'pad' },
  { channels: 3, imageSize: [1, 40], scale: false, fit: 'pad' }, // SF_ARG on most images: scales to 0 rows
  { channels: 1, imageSize: [7, 9], scale: false, resize: 'nearest' }, // masks
];

test('pool pixels and errors equal in-process decodeImage for every fixture image and option', async () => {
  const files = ['images', 'images_same_size', 'classes', 'pairs', 'images_bad_decode', 'images_messy'].flatMap((d) => imagesUnder(join(DATA, d)));
  assert.ok(files.length > 60);
  // In-process decodes first, before any worker runs: this thread's first ops add attribute names to
  // the binding's unlocked set shared by every thread (decode_pool.mjs's header), which must not
  // happen while a worker runs an op; the pool's own threads warm up under its lock.
  const wanted = [];
  for (const path of files) {
    const bytes = readFileSync(path);
    for (const o of OPTIONS) {
      const options = { ...o, file: relative(DATA, path) };
      wanted.push({ bytes, options, what: `${options.file} ${JSON.stringify(o)}`, want: await outcome(() => decodeImage(bytes, options)) });
    }
  }
  const pool = new DecodePool(2);
  const results = await Promise.all(wanted.map(async ({ bytes, options, what, want }) => ({
    want, what, got: await outcome(() => withDecodePool(() => decodeImageAnywhere(bytes, options), pool)),
  })));
  let errors = 0;
  for (const { want, got, what } of results) {
    assert.deepEqual(got, want, what);
    if (want.error !== undefined) errors++;
  }
  assert.ok(errors > files.length, 'the fixtures include failing decodes (bad files, too-small pads)');
  assert.ok(results.some(({ want }) => want.code === 'SF_IMAGE_DECODE' && want.error === 'Error'));
  assert.ok(results.some(({ want }) => want.code === 'SF_ARG' && want.error === 'RangeError'));
  assert.deepEqual(pool.stats(), { requests: results.length, fallbacks: 0, workers: 2, broken: false });
});

test('a view into a larger buffer is decoded from its own bytes; the caller\'s bytes stay whole', async () => {
  const file = readFileSync(join(DATA, 'images', 'circle_0003.png'));
  const big = new Uint8Array(file.length + 100);
  big.set(file, 37);
  const view = big.subarray(37, 37 + file.length);
  const options = { channels: 3, imageSize: null, scale: false, file: 'view.png' };
  const want = await outcome(() => decodeImage(file, options));
  const pool = new DecodePool(1);
  assert.deepEqual(await outcome(() => withDecodePool(() => decodeImageAnywhere(view, options), pool)), want);
  assert.deepEqual(await outcome(() => withDecodePool(() => decodeImageAnywhere(file, options), pool)), want);
  assert.equal(file.byteLength, readFileSync(join(DATA, 'images', 'circle_0003.png')).length, 'not moved away');
  assert.equal(pool.stats().requests, 2);
});

/** Digests of a pipeline's epoch 0 and its skip counts, or its error (code, message). */
async function readAll(p) {
  const out = [];
  try {
    for await (const x of p.iterate(0)) out.push(digest(x));
  } catch (err) {
    return { error: err.code, message: err.message };
  }
  return { digests: out, skipped: p.skipped(0) };
}

test('sources read inside the pool give the same records, errors and skip counts (onError raise and skip)', async () => {
  const pool = new DecodePool(2);
  const make = [
    () => imageFolder(join(DATA, 'images'), { imageSize: [8, 8], scale: true }),
    () => imageFolder(join(DATA, 'images_bad_decode')),
    () => imageFolder(join(DATA, 'images_messy'), { onError: 'skip' }),
    () => imageFolder(join(DATA, 'images_messy'), { classes: ['square', 'circle'], onError: 'skip', channels: 1 }),
    () => classFolder(join(DATA, 'classes'), { imageSize: [6, 5], cropToAspectRatio: true }),
    () => classFolder(join(DATA, 'classes_messy'), { onError: 'skip', imageSize: [6, 5], padToAspectRatio: true }),
    () => classFolder(join(DATA, 'classes_bad_image')),
    () => pairedFolders(join(DATA, 'pairs'), { imageSize: [7, 9] }),
    () => pairedFolders(join(DATA, 'pairs_messy'), { onError: 'skip' }),
    () => pipelineFromSpec({ source: { type: 'image_folder', path: join(DATA, 'images'), decode: false }, ops: [{ op: 'map', fn: 'decode_image', channels: 1, image_size: [5, 4], scale: true }] }),
    () => pipelineFromSpec({ source: { type: 'image_folder', path: join(DATA, 'images_bad_decode'), decode: false }, ops: [{ op: 'map', fn: 'decode_image' }] }),
  ];
  let skipping = 0;
  for (const m of make) {
    let want;
    const warned = [];
    const onWarning = (w) => warned.push(w.message);
    process.on('warning', onWarning);
    try {
      want = await readAll(m());
      const got = await withDecodePool(() => readAll(m()), pool);
      assert.deepEqual(got, want, m.toString());
    } finally {
      process.off('warning', onWarning);
    }
    if (want.skipped && Object.keys(want.skipped).length > 0) skipping++;
    if (want.skipped?.SF_IMAGE_DECODE > 0) assert.ok(want.digests.length > 0);
  }
  assert.ok(skipping >= 3, 'the messy fixtures skip records');
  const { requests, fallbacks } = pool.stats();
  assert.ok(requests > 100, `${requests} decodes went to the workers`);
  assert.equal(fallbacks, 0);
});

test('a file gone since the listing is SF_FILE_NOT_FOUND with the same message when a worker reads it', async () => {
  const dir = join(tmp.dir, 'gone');
  mkdirSync(dir);
  const FILES = { 'a_0.png': 'circle_0003.png', 'a_1.bmp': 'circle_0006.bmp', 'b_2.jpg': 'square_0001.jpg' };
  for (const [name, from] of Object.entries(FILES)) copyFileSync(join(DATA, 'images', from), join(dir, name));
  const make = () => {
    const p = imageFolder(dir);
    rmSync(join(dir, 'a_1.bmp'), { force: true });
    return p;
  };
  const restore = () => copyFileSync(join(DATA, 'images', FILES['a_1.bmp']), join(dir, 'a_1.bmp'));
  const want = await readAll(make());
  restore();
  assert.equal(want.error, 'SF_FILE_NOT_FOUND');
  assert.match(want.message, /imageFolder: image .*a_1\.bmp cannot be read \(ENOENT\)/);
  const pool = new DecodePool(1);
  const got = await withDecodePool(() => readAll(make()), pool);
  restore();
  assert.deepEqual(got, want);
  assert.ok(pool.stats().requests >= 2, 'the workers read the files');
  // the error object: same class and code, the fs error as its cause
  const err = await withDecodePool(() => decodeFileAnywhere(join(dir, 'none.png'), { channels: 3, imageSize: null, scale: false, file: 'none.png' },
    (cause) => Object.assign(new Error(`cannot read (${cause.code})`), { cause })), pool).catch((e) => e);
  assert.equal(err.message, 'cannot read (ENOENT)');
  assert.equal(err.cause.code, 'ENOENT');
  assert.equal(err.cause.syscall, 'open');
});

test('the decode_image map keeps its message (with the cause\'s first line) through the pool', async () => {
  const spec = { source: { type: 'image_folder', path: join(DATA, 'images_bad_decode'), decode: false }, ops: [{ op: 'map', fn: 'decode_image' }] };
  const want = await readAll(pipelineFromSpec(spec));
  assert.equal(want.error, 'SF_IMAGE_DECODE');
  assert.match(want.message, /^map\(decode_image\): cannot decode a record of \d+ bytes with channels=3 \(/);
  assert.doesNotMatch(want.message, /\(image .* cannot be decoded/, 'the cause\'s message, not the wrapped one');
  const pool = new DecodePool(1);
  assert.deepEqual(await withDecodePool(() => readAll(pipelineFromSpec(spec)), pool), want);
  assert.ok(pool.stats().requests >= 1);
});

/** Runs `fn` and returns how many decodes the process's pool got meanwhile. */
async function poolRequests(fn) {
  const before = decodePoolStats();
  const value = await fn();
  const after = decodePoolStats();
  assert.equal(after.fallbacks, before.fallbacks, 'no decode fell back to this thread');
  return { value, requests: after.requests - before.requests };
}

test('a pack uses the pool: the golden image pack is byte-identical and every image went to a worker', async () => {
  const c = JSON.parse(readFileSync(join(FIXTURES, 'cases', 'pack', 'images16.json'), 'utf8'));
  const baseDir = join(FIXTURES, 'cases', 'pack');
  const out = join(tmp.dir, 'images16');
  const { value: index, requests } = await poolRequests(() => pipelineFromSpec(c.spec, baseDir)
    .pack(out, { shardBytes: c.shard_bytes, variable: c.variable, key: c.key, progress: false }));
  assert.equal(requests, index.records);
  const want = join(baseDir, c.pack);
  const { producer, ...got } = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  const { producer: _ref, ...expected } = JSON.parse(readFileSync(join(want, 'index.json'), 'utf8'));
  assert.deepEqual(got, expected);
  for (const f of readdirSync(want)) {
    if (f !== 'index.json') assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(want, f))), `${f} byte-identical`);
  }
});

test('the async context reaches the sources through read-ahead, map, prefetch and take; packs equal their records', async () => {
  const seen = [];
  const mark = (r) => {
    seen.push(decodeContext.getStore() !== undefined);
    return r;
  };
  const cases = [
    [() => imageFolder(join(DATA, 'images'), { imageSize: [8, 8] }).map(mark).prefetch(3).take(11), 11],
    [() => classFolder(join(DATA, 'classes_messy'), { onError: 'skip', imageSize: [6, 6] }).skip(1).prefetch(2), null],
    [() => pairedFolders(join(DATA, 'pairs'), { imageSize: [7, 9] }).map(mark), 15], // 5 records of 2 inputs and a mask
  ];
  for (const [k, [make, decodes]] of cases.entries()) {
    const want = await readAll(make());
    assert.equal(want.error, undefined);
    const out = join(tmp.dir, `context${k}`);
    const { value: index, requests } = await poolRequests(() => make().pack(out, { progress: false }));
    if (decodes !== null) assert.ok(requests >= decodes, `${requests} decodes on the workers, at least ${decodes}`);
    else assert.ok(requests > 0);
    assert.equal(index.records, want.digests.length);
    assert.deepEqual(index.skipped, want.skipped);
    const back = [];
    for await (const x of packed(out).iterate(0)) back.push(digest(x));
    assert.deepEqual(back, want.digests);
  }
  assert.ok(seen.includes(true) && seen.includes(false), 'the map ran both inside a pack and outside');
});

test('no pool outside a pack: iteration, get() and batchAt decode in-process', async () => {
  const before = decodePoolStats();
  assert.equal(decodeContext.getStore(), undefined);
  await readAll(imageFolder(join(DATA, 'images'), { imageSize: [4, 4] }));
  await readAll(classFolder(join(DATA, 'classes')));
  await pairedFolders(join(DATA, 'pairs')).get(2);
  await imageFolder(join(DATA, 'images_same_size')).batch(3).batchAt(1);
  assert.deepEqual(decodePoolStats().requests, before.requests);
});

test('a worker that cannot start, starts too slowly or dies leaves its decodes to this thread: same pixels and errors, no hang', async () => {
  const files = [join(DATA, 'images', 'square_0004.png'), join(DATA, 'images', 'triangle_0014.webp'), ...imagesUnder(join(DATA, 'images_bad_decode'))];
  const options = { channels: 3, imageSize: [5, 5], scale: false };
  const want = await Promise.all(files.map((f) => outcome(() => decodeImage(readFileSync(f), { ...options, file: f }))));
  const workers = {
    'fails to start': 'throw new Error("no tfjs-node here")',
    'never gets ready': 'setInterval(() => {}, 1000);',
    'dies on its first request': 'import { parentPort } from "node:worker_threads"; parentPort.postMessage({ ready: true, addons: [] }); parentPort.on("message", () => process.exit(3));',
  };
  for (const [what, code] of Object.entries(workers)) {
    const pool = new DecodePool(2, { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), startMs: 500 });
    const got = await withDecodePool(() => Promise.all(files.map((f) => outcome(() => decodeImageAnywhere(readFileSync(f), { ...options, file: f })))), pool);
    assert.deepEqual(got, want, what);
    const stats = pool.stats();
    assert.equal(stats.broken, true, what);
    assert.equal(stats.fallbacks, files.length, what);
    // later decodes skip the broken pool
    const again = await withDecodePool(() => outcome(() => decodeImageAnywhere(readFileSync(files[0]), { ...options, file: files[0] })), pool);
    assert.deepEqual(again, want[0]);
    assert.equal(pool.stats().requests, stats.requests, what);
  }
});

test('an idle worker is stopped after idleMs; the next decode starts another', async () => {
  const pool = new DecodePool(1, { idleMs: 50 });
  const file = join(DATA, 'images', 'circle_0000.jpg');
  const options = { channels: 3, imageSize: null, scale: false, file };
  const want = await outcome(() => decodeImage(readFileSync(file), options));
  assert.deepEqual(await withDecodePool(() => outcome(() => decodeImageAnywhere(readFileSync(file), options)), pool), want);
  assert.equal(pool.stats().workers, 1);
  for (let t = 0; t < 100 && pool.stats().workers > 0; t++) await sleep(20);
  assert.equal(pool.stats().workers, 0);
  assert.deepEqual(await withDecodePool(() => outcome(() => decodeImageAnywhere(readFileSync(file), options)), pool), want);
  assert.deepEqual(pool.stats(), { requests: 2, fallbacks: 0, workers: 1, broken: false });
});

/** Exit code and stderr of this Node run with `args` (killed, and failing, after 60 s). */
async function runNode(args) {
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  assert.equal(signal, null, `killed after ${Date.now() - started} ms: the process did not exit`);
  return { code, stderr };
}

/** A log line without its absl prefix (`I0000 00:00:1796625588.617528    5483 `: time and thread differ). */
const logText = (line) => line.replace(/^[IWEF]\d{4} [\d:.]+ +\d+ /, '');

test('pack CLI of an image folder exits on its own with 0, quietly, and writes the pack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-decode-pool-'));
  try {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ source: { type: 'image_folder', path: join(DATA, 'images'), image_size: [16, 16] }, ops: [] }));
    const out = join(dir, 'pack');
    const { code, stderr } = await runNode([join(ROOT, 'js', 'pack.mjs'), spec, out, '--quiet']);
    assert.equal(code, 0, stderr);
    // Some TF builds log once per process while libtensorflow loads, whatever TF_CPP_MIN_LOG_LEVEL says
    // (TF 2.21 on a CPU with AMX: "oneDNN custom operations are on", before absl's logging starts):
    // what loading tfjs-node alone prints on this machine is allowed once; no line may come from the workers.
    const load = await runNode(['--input-type=module', '-e',
      `import { loadTf } from ${JSON.stringify(join(ROOT, 'js', 'src', 'tfjs', 'load.mjs'))}; await loadTf();`]);
    assert.equal(load.code, 0, load.stderr);
    const rest = stderr.split('\n').map(logText);
    for (const line of load.stderr.split('\n').map(logText)) {
      const at = rest.indexOf(line);
      if (line !== '' && at !== -1) rest.splice(at, 1);
    }
    assert.doesNotMatch(rest.join('\n'), /tensorflow\/|oneDNN|absl/, 'no TF log lines from the workers');
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    assert.equal(index.records, 30);
    const want = await readAll(imageFolder(join(DATA, 'images'), { imageSize: [16, 16] }));
    const back = [];
    for await (const x of packed(out).iterate(0)) back.push(digest(x));
    assert.deepEqual(back, want.digests);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
