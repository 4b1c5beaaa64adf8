// The on-error policy (SPEC.md §4.6) on the image sources: listing-time skips
// counted in every epoch, decode failures dropped where they fall under a
// global shuffle, take/skip counting surviving records, batchAt refused,
// class folders split over the files kept, paired folders over the union of
// stems. Expected orders come from permute() (checked against the shared
// vectors) and from decoding the files directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { imageFolder, classFolder, pairedFolders, permute, digest, NdArray } from '../../js/index.mjs';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { decodeImage } from '../../js/src/tfjs/image.mjs';
import { tempDir, collect } from './helpers.mjs';

const tf = await loadTf();
const tmp = tempDir();
const BROKEN = Buffer.from('\x89PNG\r\n\x1a\n truncated', 'latin1');

/** A 3x2 RGB PNG whose pixels all hold `v`. */
async function png(v) {
  return Buffer.from(await tf.node.encodePng(tf.tensor3d(new Array(18).fill(v), [3, 2, 3], 'int32')));
}

/** Writes {relative path: bytes} under a fresh folder `name`. */
function tree(name, files) {
  const dir = join(tmp.dir, name);
  for (const [f, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), bytes);
  }
  return dir;
}

async function digests(p, epoch = 0) {
  const out = [];
  for await (const x of p.iterate(epoch)) out.push(digest(x));
  return out;
}

// Seven listed files: a_3.png and b_5.png do not decode, noclass.png has no class in its name.
const NAMES = ['a_0.png', 'a_1.png', 'a_2.png', 'a_3.png', 'b_4.png', 'b_5.png', 'b_6.png', 'noclass.png'];
const FILES = {};
for (const [k, name] of NAMES.entries()) FILES[name] = name === 'a_3.png' || name === 'b_5.png' ? BROKEN : await png(10 * k);
const FOLDER = tree('folder', FILES);
const LISTED = NAMES.filter((n) => n !== 'noclass.png');
const BAD = new Set(['a_3.png', 'b_5.png']);

/** Digest of record (x, label) of a listed file, decoded directly. */
async function expectedRecord(name) {
  const x = await decodeImage(FILES[name], { channels: 3, imageSize: null, scale: false, file: name });
  return digest([x, new NdArray('int32', [], [name.startsWith('a') ? 0 : 1])]);
}

test('imageFolder skip: names without a class dropped at listing (every epoch), decode failures at read', async () => {
  const p = imageFolder(FOLDER, { onError: 'skip' });
  assert.equal(p.summary(), 'image_folder(folder, on_error=skip)');
  assert.equal(p.cardinality(), null, 'records may drop while reading: cardinality unknown');
  assert.equal(p.indexable, true);
  const want = [];
  for (const name of LISTED) if (!BAD.has(name)) want.push(await expectedRecord(name));
  for (const epoch of [0, 1, 2]) {
    assert.deepEqual(await digests(p, epoch), want, `epoch ${epoch}`);
    assert.deepEqual(p.skipped(epoch), { SF_IMAGE_DECODE: 2, SF_IMAGE_LABEL: 1 }, `epoch ${epoch}`);
  }
  // get() of a failing record throws its own error; of a good one, the record.
  await assert.rejects(() => p.get(3), { code: 'SF_IMAGE_DECODE' });
  assert.equal(digest(await p.get(4)), await expectedRecord('b_4.png'));
  // raise: the bad name stops the build; explicit classes leave files out at listing too.
  assert.throws(() => imageFolder(FOLDER), { code: 'SF_IMAGE_LABEL' });
  const onlyB = imageFolder(FOLDER, { classes: ['b'], onError: 'skip' });
  await collect(onlyB);
  assert.deepEqual(onlyB.skipped(0), { SF_IMAGE_DECODE: 1, SF_IMAGE_LABEL: 5 });
  assert.throws(() => imageFolder(FOLDER, { classes: ['zzz'], onError: 'skip' }), (e) => e.code === 'SF_EMPTY_SOURCE'
    && e.message.includes('image_folder(folder, on_error=skip)') && e.message.includes('SF_IMAGE_LABEL 8'));
  // Every listed file fails to decode: the epoch yields nothing, SF_EMPTY_SOURCE when read, with the counts.
  const broken = imageFolder(tree('all_broken', { 'a_1.png': BROKEN, 'b_2.png': BROKEN, 'x.png': await png(0) }), { onError: 'skip' });
  await assert.rejects(() => collect(broken.shuffle({ seed: 1 })), (e) => e.code === 'SF_EMPTY_SOURCE'
    && e.message.includes('image_folder(all_broken, on_error=skip)') && e.message.includes('SF_IMAGE_DECODE 2, SF_IMAGE_LABEL 1'));
});

test('a global shuffle permutes the n listed files; the files that fail are dropped where they fall', async () => {
  const p = imageFolder(FOLDER, { onError: 'skip' }).shuffle({ seed: 42 });
  const n = LISTED.length;
  for (const epoch of [0, 1, 5]) {
    const want = [];
    for (let i = 0; i < n; i++) {
      const name = LISTED[permute(i, n, 42, epoch)];
      if (!BAD.has(name)) want.push(await expectedRecord(name));
    }
    assert.deepEqual(await digests(p, epoch), want, `epoch ${epoch}`);
    assert.deepEqual(p.skipped(epoch), { SF_IMAGE_DECODE: 2, SF_IMAGE_LABEL: 1 });
  }
  // A map between source and shuffle never sees a dropped record.
  let calls = 0;
  const mapped = imageFolder(FOLDER, { onError: 'skip' }).map((r) => { calls++; return r; }).shuffle({ seed: 42 }).batch(2);
  assert.equal((await digests(mapped)).length, 3);
  assert.equal(calls, 5);
});

test('take / skip after a skipping image source count surviving records; batchAt is SF_ARG', async () => {
  const good = [];
  for (const name of LISTED) if (!BAD.has(name)) good.push(await expectedRecord(name));
  const p = imageFolder(FOLDER, { onError: 'skip' });
  assert.deepEqual(await digests(p.take(4)), good.slice(0, 4), 'take(4) = the first 4 records, not positions 0..3');
  assert.equal(p.take(4).indexable, false);
  assert.equal(p.take(4).cardinality(), null);
  assert.equal(p.take(4).skipped(0), null, 'take stopped before the source end');
  assert.deepEqual(await digests(p.skip(2)), good.slice(2));
  assert.deepEqual(p.skipped(0), { SF_IMAGE_DECODE: 2, SF_IMAGE_LABEL: 1 });
  assert.throws(() => p.take(4).shuffle({ seed: 1 }), { code: 'SF_SHUFFLE_BUFFER' });
  const batched = p.shuffle({ seed: 1 }).batch(2).prefetch(2);
  await assert.rejects(() => batched.batchAt(0), (e) => e.code === 'SF_ARG' && e.message.includes("onError 'skip'")
    && e.message.includes('image_folder(folder, on_error=skip)'));
  await assert.rejects(() => p.take(3).batch(2).batchAt(0), (e) => e.code === 'SF_ARG' && e.message.includes("onError 'skip'"));
  // With 'raise' nothing changed: known cardinality, indexable take, batchAt.
  const clean = imageFolder(tree('clean', { 'a_0.png': FILES['a_0.png'], 'b_1.png': FILES['b_4.png'] }));
  assert.equal(clean.cardinality(), 2);
  assert.equal(clean.take(1).indexable, true);
  assert.equal(digest(await clean.batch(2).batchAt(0)), (await digests(clean.batch(2)))[0]);
});

test('classFolder skip: other extensions dropped at listing, before the split; decode failures at read', async () => {
  const root = tree('classes', {
    'cat/c1.png': await png(1), 'cat/c2.png': BROKEN, 'cat/notes.txt': 'x', 'cat/.DS_Store': 'x', 'cat/c3.png': await png(3),
    'dog/d1.png': await png(4), 'dog/sub/readme.md': 'x', 'dog/sub/d2.png': await png(5), 'dog/d3.png': await png(6),
  });
  assert.throws(() => classFolder(root), (e) => e.code === 'SF_LAYOUT' && e.message.includes('cat/notes.txt'));
  const p = classFolder(root, { onError: 'skip' });
  assert.equal(p.summary(), 'class_folder(classes, on_error=skip)');
  assert.deepEqual(p.filePaths, ['cat/c1.png', 'cat/c2.png', 'cat/c3.png', 'dog/d1.png', 'dog/d3.png', 'dog/sub/d2.png']);
  const values = await collect(p);
  assert.deepEqual(values.map(([x, y]) => [x[0][0][0], y]), [[1, 0], [3, 0], [4, 1], [6, 1], [5, 1]]);
  assert.deepEqual(p.skipped(0), { SF_IMAGE_DECODE: 1, SF_LAYOUT: 2 });
  // The split is over the 6 files kept; both subsets lack the 2 files left out at listing.
  const [train, val] = classFolder(root, { onError: 'skip', validationSplit: 0.5, subset: 'both', seed: 3 });
  assert.equal(train.summary(), 'class_folder(classes, subset=training, on_error=skip)');
  assert.deepEqual([...train.filePaths, ...val.filePaths].sort(), p.filePaths.slice().sort());
  assert.deepEqual([train.filePaths.length, val.filePaths.length], [3, 3]);
  await collect(train);
  await collect(val);
  const decodeFailures = (paths) => (paths.includes('cat/c2.png') ? { SF_IMAGE_DECODE: 1 } : {});
  assert.deepEqual(train.skipped(0), { ...decodeFailures(train.filePaths), SF_LAYOUT: 2 });
  assert.deepEqual(val.skipped(0), { ...decodeFailures(val.filePaths), SF_LAYOUT: 2 });
  // A class whose every file is left out is an empty class folder: still SF_LAYOUT.
  const empty = tree('empty_class', { 'cat/c1.png': await png(1), 'dog/notes.txt': 'x' });
  assert.throws(() => classFolder(empty, { onError: 'skip' }), (e) => e.code === 'SF_LAYOUT' && e.message.includes('dog'));
});

test('pairedFolders skip: stems of all folders; stray entries, doubled and missing stems at listing; decode at read', async () => {
  const [a, b] = [await png(1), await png(2)];
  const root = tree('pairs', {
    'time1/k.png': a, 'time1/m.png': a, 'time1/p.png': a, 'time1/q.png': a, 'time1/z.png': a, 'time1/notes.txt': 'x', 'time1/sub/s.png': a,
    'time2/k.png': b, 'time2/m.jpg': b, 'time2/m.png': b, 'time2/p.png': BROKEN, 'time2/z.png': b, 'time2/.DS_Store': 'x', 'time2/w.png': b,
    'label/k.png': a, 'label/m.png': a, 'label/p.png': a, 'label/q.png': a, 'label/w.png': a, 'label/z.png': a,
  });
  assert.throws(() => pairedFolders(root), { code: 'SF_LAYOUT' });
  const p = pairedFolders(root, { onError: 'skip' });
  assert.equal(p.summary(), 'paired_folders(pairs, on_error=skip)');
  assert.deepEqual(p.filePaths, ['time1/k.png', 'time1/p.png', 'time1/z.png']);
  assert.equal(p.cardinality(), null);
  const records = await collect(p);
  assert.equal(records.length, 2, 'k and z; p does not decode');
  // notes.txt and sub/ (one each), m twice in time2 (once); q lacks time2, w lacks time1.
  assert.deepEqual(p.skipped(0), { SF_IMAGE_DECODE: 1, SF_LAYOUT: 3, SF_PAIR_MISSING: 2 });
  await collect(p.shuffle({ seed: 4 }), 1);
  assert.deepEqual(p.skipped(1), { SF_IMAGE_DECODE: 1, SF_LAYOUT: 3, SF_PAIR_MISSING: 2 });
  // Without a label: ((x1, x2),) records; the same stems fail (the label folder held them all).
  const unlabelled = pairedFolders(root, { label: null, onError: 'skip' });
  const [first] = await collect(unlabelled);
  assert.equal(first.length, 1, 'a one-element tuple');
  assert.equal(first[0].length, 2, 'holding both inputs');
  assert.deepEqual(unlabelled.skipped(0), { SF_IMAGE_DECODE: 1, SF_LAYOUT: 3, SF_PAIR_MISSING: 2 });
  const nothing = tree('no_pairs', { 'time1/a.png': a, 'time2/b.png': b, 'label/c.png': a });
  assert.throws(() => pairedFolders(nothing, { onError: 'skip' }), (e) => e.code === 'SF_EMPTY_SOURCE' && e.message.includes('SF_PAIR_MISSING 3'));
});
