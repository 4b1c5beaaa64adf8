// Class folders (SPEC.md §3.4): listing order, splits, crop/pad pixels, layout errors.
// Keras is the reference for the keras split and for crop/pad pixels: one run of
// .venv/bin/python (Keras's own image_dataset_from_directory) answers both, shared by the tests that need it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classFolder, permute, combine, pipelineFromSpec } from '../../js/index.mjs';
import { byUtf8 } from '../../js/src/sources/class_folder_listing.mjs';
import { cropBox, padBox } from '../../js/src/tfjs/image.mjs';
import { tempDir } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const FIXTURE = join(ROOT, 'shared_fixtures', 'data', 'classes');
const TAG_SPLT = 0x73706c74;
const tmp = tempDir();

/** Writes files (content irrelevant: listing and splitting never decode) under dir. */
function tree(dir, files) {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  return dir;
}

// The listing trap: 'a' < 'a b' < 'a-b' < 'a/z' by bytes (' ' < '-' < '/'), so the
// walk is not depth first; U+FF5A sorts before an emoji in UTF-8 but not in UTF-16;
// a dot-named image is listed (as Keras lists it), .DS_Store is not data.
const TRAP = tree(join(tmp.dir, 'trap'), [
  'dog/d1.jpg', 'dog/D0.PNG', 'dog/a/d2.png', 'dog/a b/d3.png', 'dog/a-b/d4.gif', 'dog/a/z/d5.jpg', 'dog/a/z/y/d6.bmp',
  'dog/.DS_Store', 'dog/.dot.png', 'dog/\u{1F600}.png', 'dog/\uFF5A.png', 'dog/\u00e9.jpeg',
  'cat/c1.png', 'cat/sub/c2.png', 'Bird/b1.png', '.hidden/h.png',
]);
mkdirSync(join(tmp.dir, 'elsewhere', 'inner'), { recursive: true });
writeFileSync(join(tmp.dir, 'elsewhere', 'inner', 'e.png'), 'x');
writeFileSync(join(tmp.dir, 'elsewhere', 'f.png'), 'x');
symlinkSync(join(tmp.dir, 'elsewhere'), join(TRAP, 'cat', 'linked_folder')); // not walked, not a file
symlinkSync(join(tmp.dir, 'elsewhere', 'f.png'), join(TRAP, 'cat', 'linked_file.png')); // a file
symlinkSync(join(tmp.dir, 'elsewhere'), join(TRAP, 'zebra')); // a class: os.path.isdir follows links
writeFileSync(join(TRAP, 'root_file.png'), 'x'); // not in a class folder: Keras ignores it

const TRAP_ORDER = [
  'Bird/b1.png',
  'cat/c1.png', 'cat/linked_file.png', 'cat/sub/c2.png',
  'dog/.dot.png', 'dog/D0.PNG', 'dog/d1.jpg', 'dog/\u00e9.jpeg', 'dog/\uFF5A.png', 'dog/\u{1F600}.png',
  'dog/a/d2.png', 'dog/a b/d3.png', 'dog/a-b/d4.gif', 'dog/a/z/d5.jpg', 'dog/a/z/y/d6.bmp',
  'zebra/f.png', 'zebra/inner/e.png',
];

// 103 files in 3 classes for the split tests.
const MANY = tree(join(tmp.dir, 'many'), Array.from({ length: 103 }, (_, i) => `${['x', 'y', 'z'][i % 3]}/${i % 5 ? 'n' : 'n/deep'}/f${String(i).padStart(3, '0')}.png`));

const GROUPS = { all: [[17, 23], [30, 18], [7, 13]], thin: [[3, 41]] };
const TARGETS = [[10, 6], [7, 13], [13, 7], [2, 41]];
const IMAGES = join(tmp.dir, 'images'); // <group>/c/<h>x<w>.png, written by the Keras run

const KERAS_SCRIPT = `
import base64, json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, tensorflow as tf, keras
req = json.loads(sys.argv[1])
out = {"listing": {}, "splits": {}, "pixels": {}}
def rel(root, paths):
    return [os.path.relpath(p, root).replace(os.sep, "/") for p in paths]
for root in req["trees"]:
    ds = keras.utils.image_dataset_from_directory(root, shuffle=False, image_size=(8, 8), verbose=False)
    out["listing"][root] = rel(root, ds.file_paths)
    for seed in req["seeds"]:
        for subset in ("training", "validation"):
            ds = keras.utils.image_dataset_from_directory(root, validation_split=req["split"], subset=subset,
                                                          seed=seed, image_size=(8, 8), verbose=False)
            out["splits"][f"{root}|{seed}|{subset}"] = rel(root, ds.file_paths)
rng = np.random.RandomState(0)
for group, sizes in req["groups"].items():
    for h, w in sizes:
        path = os.path.join(req["images"], group, "c", f"{h}x{w}.png")
        tf.io.write_file(path, tf.io.encode_png(rng.randint(0, 256, size=(h, w, 3)).astype(np.uint8)))
# Keras's real loading path (its tf.data map), not _load_image_tf in a tf.function:
# grappler rewrites x / const into x * (1 / const) there, which moves pad and crop
# boxes by a pixel for some sizes (e.g. 17x23 padded to 10x6, 3x41 cropped to 2x41).
# The thin image is a group of its own: Keras cannot pad it to some sizes (a side of 0).
for group in req["groups"]:
    for th, tw in req["targets"]:
        for mode in ("plain", "crop", "pad"):
            ds = keras.utils.image_dataset_from_directory(os.path.join(req["images"], group), labels=None,
                                                          image_size=(th, tw), shuffle=False, batch_size=None,
                                                          crop_to_aspect_ratio=mode == "crop",
                                                          pad_to_aspect_ratio=mode == "pad", verbose=False)
            try:
                for path, x in zip(ds.file_paths, ds):
                    x = x.numpy()
                    out["pixels"][f"{os.path.basename(path)[:-4]}|{th}x{tw}|{mode}"] = {
                        "shape": list(x.shape), "dtype": str(x.dtype),
                        "b64": base64.b64encode(x.astype("<f4").tobytes()).decode()}
            except tf.errors.InvalidArgumentError as e:
                out["pixels"][f"{group}|{th}x{tw}|{mode}"] = {"error": str(e).splitlines()[0][-60:]}
print(json.dumps(out))
`;

let kerasRun = null;
/** Keras's answers (run once, lazily); fails loudly when the venv is missing. */
function keras() {
  if (kerasRun === null) {
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: these checks compare with Keras itself; run \`make install-python\` first`);
    const req = { trees: [TRAP, MANY, FIXTURE], seeds: [1337, 7, 123], split: 0.2, groups: GROUPS, targets: TARGETS, images: IMAGES };
    const text = execFileSync(PYTHON, ['-c', KERAS_SCRIPT, JSON.stringify(req)], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
    kerasRun = JSON.parse(text.trim().split('\n').pop());
  }
  return kerasRun;
}

function codeAnd(code, ...parts) {
  return (err) => {
    assert.equal(err.code, code, err.message);
    for (const p of parts) assert.ok(err.message.includes(p), `${JSON.stringify(err.message)} should name ${JSON.stringify(p)}`);
    return true;
  };
}

test('byUtf8 orders like Buffer.compare of the UTF-8 bytes', () => {
  const alphabet = ['a', 'b', ' ', '/', '-', '\u00e9', '\uFF5A', '\uE000', '\u{1F600}', '\u{10FFFF}', 'Z'];
  let s = 12345;
  const rand = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const words = Array.from({ length: 300 }, () => Array.from({ length: rand(5) }, () => alphabet[rand(alphabet.length)]).join(''));
  const want = words.slice().sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(words.slice().sort(byUtf8), want);
});

test('listing: classes by bytes, folders by full path (not depth first), links to folders not followed', () => {
  const p = classFolder(TRAP);
  assert.deepEqual(p.filePaths, TRAP_ORDER);
  assert.equal(p.cardinality(), TRAP_ORDER.length);
  assert.equal(p.summary(), 'class_folder(trap)');
  assert.equal(p.stages()[0].classNames.join(','), 'Bird,cat,dog,zebra');
  // classNames picks and orders the classes; labels follow it.
  const q = classFolder(TRAP, { classNames: ['dog', 'Bird'] });
  assert.deepEqual(q.filePaths, [...TRAP_ORDER.filter((f) => f.startsWith('dog/')), 'Bird/b1.png']);
  assert.deepEqual(Array.from(q.stages()[0].labels), [...Array(11).fill(0), 1]);
});

test('listing equals Keras image_dataset_from_directory(shuffle=False).file_paths', () => {
  const k = keras();
  assert.deepEqual(classFolder(TRAP).filePaths, k.listing[TRAP]);
  assert.deepEqual(classFolder(MANY).filePaths, k.listing[MANY]);
  assert.deepEqual(classFolder(FIXTURE).filePaths, k.listing[FIXTURE]);
});

test('split "keras" picks the files and order of Keras (validation_split=0.2, seeds 1337, 7, 123)', () => {
  const k = keras();
  for (const root of [TRAP, MANY, FIXTURE]) {
    for (const seed of [1337, 7, 123]) {
      const [training, validation] = classFolder(root, { validationSplit: 0.2, subset: 'both', seed, splitMode: 'keras' });
      assert.deepEqual(training.filePaths, k.splits[`${root}|${seed}|training`], `${root} seed ${seed} training`);
      assert.deepEqual(validation.filePaths, k.splits[`${root}|${seed}|validation`], `${root} seed ${seed} validation`);
      const one = classFolder(root, { validationSplit: 0.2, subset: 'validation', seed, splitMode: 'keras' });
      assert.deepEqual(one.filePaths, validation.filePaths);
    }
  }
});

test('split "streamfit": disjoint, covering, v = floor(split * n), listing order, deterministic per seed', () => {
  const all = classFolder(MANY).filePaths;
  const n = all.length;
  for (const split of [0.1, 0.25, 0.5, 0.9]) {
    for (const seed of [0, 5, 4294967295]) {
      const [t, v] = classFolder(MANY, { validationSplit: split, subset: 'both', seed });
      const [tf, vf] = [t.filePaths, v.filePaths];
      assert.equal(vf.length, Math.floor(split * n));
      assert.equal(t.cardinality() + v.cardinality(), n);
      assert.deepEqual([...tf, ...vf].sort(), all.slice().sort(), 'covering and disjoint');
      const pos = new Map(all.map((f, i) => [f, i]));
      for (const list of [tf, vf]) assert.ok(list.every((f, i) => i === 0 || pos.get(list[i - 1]) < pos.get(f)), 'listing order');
      const key = combine(seed, TAG_SPLT);
      assert.deepEqual(vf, all.filter((_, i) => permute(i, n, key, 0) >= n - vf.length), 'SPEC rule');
      assert.deepEqual(classFolder(MANY, { validationSplit: split, subset: 'training', seed }).filePaths, tf, 'deterministic');
      assert.equal(t.summary(), 'class_folder(many, subset=training)');
      assert.equal(v.summary(), 'class_folder(many, subset=validation)');
    }
  }
  const other = classFolder(MANY, { validationSplit: 0.25, subset: 'validation', seed: 6 }).filePaths;
  assert.notDeepEqual(other, classFolder(MANY, { validationSplit: 0.25, subset: 'validation', seed: 5 }).filePaths);
  assert.throws(() => classFolder(MANY, { validationSplit: 0.001, subset: 'training', seed: 1 }), codeAnd('SF_ARG', 'validationSplit'));
});

test('crop, pad and plain resize give the bytes of Keras image_dataset_from_directory on awkward sizes', async () => {
  const k = keras();
  let failures = 0;
  for (const group of Object.keys(GROUPS)) {
    for (const [th, tw] of TARGETS) {
      for (const mode of ['plain', 'crop', 'pad']) {
        const p = classFolder(join(IMAGES, group), { imageSize: [th, tw], cropToAspectRatio: mode === 'crop', padToAspectRatio: mode === 'pad', labelMode: 'none' });
        const failed = k.pixels[`${group}|${th}x${tw}|${mode}`];
        if (failed !== undefined) {
          // Keras fails too: the padded image would have a side of 0 pixels.
          await assert.rejects(p.get(0), codeAnd('SF_ARG', '3x41'), `${group} -> ${th}x${tw} ${mode} (Keras: ${failed.error})`);
          failures++;
          continue;
        }
        const files = p.filePaths;
        assert.equal(files.length, GROUPS[group].length);
        for (let i = 0; i < files.length; i++) {
          const where = `${files[i]} -> ${th}x${tw} ${mode}`;
          const want = k.pixels[`${files[i].slice(2, -4)}|${th}x${tw}|${mode}`];
          const x = await p.get(i);
          assert.deepEqual([x.dtype, x.shape], [want.dtype, want.shape], where);
          assert.ok(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(Buffer.from(want.b64, 'base64')), `${where}: pixels differ`);
        }
      }
    }
  }
  assert.equal(failures, 3, 'Keras pads 3x41 only to 2x41 of the targets');
});

test('cropBox / padBox float32 arithmetic', () => {
  assert.deepEqual(cropBox(17, 23, 10, 6), { top: 0, left: 6, height: 17, width: 10 });
  assert.deepEqual(cropBox(30, 18, 10, 6), { top: 0, left: 0, height: 30, width: 18 });
  assert.deepEqual(padBox(30, 18, 7, 13), { top: 0, left: 4, height: 7, width: 4 });
  // f32(23 / 6) rounds down, so 23 / r is 6.0000001 -> 6 (x * f32(1 / 6) would give 5).
  assert.deepEqual(padBox(17, 23, 10, 6), { top: 2, left: 0, height: 4, width: 6 });
  assert.deepEqual(cropBox(3, 41, 2, 41), { top: 0, left: 0, height: 2, width: 41 });
});

test('labels per labelMode and filePaths of a split follow the files', async () => {
  const [t] = classFolder(FIXTURE, { classNames: ['cat', 'dog'], labelMode: 'binary', imageSize: [4, 4], validationSplit: 0.3, subset: 'both', seed: 2 });
  const files = t.filePaths;
  for (let i = 0; i < files.length; i++) {
    const [x, y] = await t.get(i);
    assert.deepEqual([x.dtype, x.shape, y.dtype, y.shape], ['float32', [4, 4, 3], 'float32', [1]]);
    assert.equal(y.data[0], files[i].startsWith('dog/') ? 1 : 0, files[i]);
  }
  const [x, y] = await classFolder(FIXTURE, { labelMode: 'categorical', colorMode: 'grayscale' }).get(16);
  assert.deepEqual([x.dtype, x.shape.length, x.shape[2], y.toList()], ['uint8', 3, 1, [0, 0, 1]]);
  const [, z] = await classFolder(FIXTURE).get(5);
  assert.deepEqual([z.dtype, z.shape, z.toList()], ['int32', [], 1]);
  assert.equal((await classFolder(FIXTURE, { labelMode: 'none', colorMode: 'rgba' }).get(0)).shape[2], 4);
});

test('bad layouts and arguments: code and the offending name', async () => {
  const bad = tree(join(tmp.dir, 'bad_ext'), ['a/x.png', 'b/y.png', 'b/notes.txt']);
  assert.throws(() => classFolder(bad), codeAnd('SF_LAYOUT', 'b/notes.txt'));
  const empty = tree(join(tmp.dir, 'empty_class'), ['a/x.png', 'b/.keep', 'b/sub/.keep']);
  assert.throws(() => classFolder(empty), codeAnd('SF_LAYOUT', '"b"'));
  assert.throws(() => classFolder(FIXTURE, { classNames: ['cat', 'horse'] }), codeAnd('SF_LAYOUT', 'horse'));
  assert.throws(() => classFolder(FIXTURE, { classNames: ['.hidden'] }), codeAnd('SF_LAYOUT', '.hidden'));
  const decode = join(tmp.dir, 'bad_image');
  tree(decode, ['cat/c1.png', 'cat/c2.png']);
  await assert.rejects(async () => {
    for await (const r of classFolder(decode).iterate(0)) void r;
  }, codeAnd('SF_IMAGE_DECODE', 'c1.png'));
  assert.throws(() => classFolder(FIXTURE, { subset: 'training' }), codeAnd('SF_ARG', 'subset'));
  assert.throws(() => classFolder(FIXTURE, { validationSplit: 0.2 }), codeAnd('SF_ARG', 'subset'));
  assert.throws(() => classFolder(FIXTURE, { validationSplit: 0.2, subset: 'training' }), codeAnd('SF_SEED', 'seed'));
  assert.throws(() => classFolder(FIXTURE, { validationSplit: 0.2, subset: 'training', seed: -1 }), codeAnd('SF_SEED', 'seed'));
  assert.throws(() => classFolder(FIXTURE, { labelMode: 'binary' }), codeAnd('SF_ARG', 'binary'));
  assert.throws(() => classFolder(FIXTURE, { imageSize: [4, 4], cropToAspectRatio: true, padToAspectRatio: true }), codeAnd('SF_ARG', 'padToAspectRatio'));
  assert.throws(() => classFolder(FIXTURE, { cropToAspectRatio: true }), codeAnd('SF_ARG', 'imageSize'));
  assert.throws(() => classFolder(FIXTURE, { validationSplit: 1, subset: 'training', seed: 1 }), codeAnd('SF_ARG', 'validationSplit'));
  assert.throws(() => classFolder(join(tmp.dir, 'nope')), codeAnd('SF_FILE_NOT_FOUND', 'nope'));
  assert.throws(() => classFolder(tree(join(tmp.dir, 'no_classes'), ['x.png'])), codeAnd('SF_LAYOUT', 'no_classes'));
});

test('spec: class_folder with snake_case keys; subset "both" and unknown keys are SF_SPEC', () => {
  const p = pipelineFromSpec({ source: { type: 'class_folder', path: FIXTURE, image_size: [4, 4], validation_split: 0.2, subset: 'validation', seed: 1337, split_mode: 'keras', label_mode: 'categorical' }, ops: [{ op: 'batch', batch_size: 2 }] });
  assert.equal(p.summary(), 'class_folder(classes, subset=validation) -> batch(2)');
  assert.deepEqual(p.filePaths, classFolder(FIXTURE, { validationSplit: 0.2, subset: 'validation', seed: 1337, splitMode: 'keras' }).filePaths);
  assert.throws(() => pipelineFromSpec({ source: { type: 'class_folder', path: FIXTURE, validation_split: 0.2, subset: 'both', seed: 1 } }), codeAnd('SF_SPEC', 'both'));
  assert.throws(() => pipelineFromSpec({ source: { type: 'class_folder', path: FIXTURE, follow_links: true } }), codeAnd('SF_SPEC', 'follow_links'));
});
