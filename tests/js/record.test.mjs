// Records, stacking and digests (SPEC.md §2). Expected digests are computed
// here from the §2.3 definition with node:crypto directly, not via digest().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { NdArray, digest } from '../../js/index.mjs';
import { flatten, stack, toValues, compareUtf8 } from '../../js/src/core/record.mjs';

const sha = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

test('digest of a scalar int32 is sha256("int32:;" + 4 LE bytes)', () => {
  assert.equal(digest(NdArray.scalar('int32', 1)), sha('int32:;', Buffer.from([1, 0, 0, 0])));
});

test('digest of a float32 [2, 3] leaf and of a tuple', () => {
  const a = new NdArray('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  const bytes = Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
  assert.equal(digest(a), sha('float32:2,3;', bytes));
  const y = new NdArray('uint8', [2], [7, 255]);
  assert.equal(digest([a, y]), sha('float32:2,3;', bytes, 'uint8:2;', Buffer.from([7, 255])));
});

test('dict keys flatten in UTF-8 byte order, not UTF-16 order', () => {
  // U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8 but after it in UTF-16.
  const keys = ['\u{1F600}', '\uFF21', 'b', 'a'];
  assert.deepEqual(keys.slice().sort(compareUtf8), ['a', 'b', '\uFF21', '\u{1F600}']);
  const rec = Object.fromEntries(keys.map((k, i) => [k, NdArray.scalar('int32', i)]));
  assert.deepEqual(flatten(rec).map((l) => l.data[0]), [3, 2, 1, 0]);
});

test('stack adds axis 0 and keeps the tree; mismatched shapes are SF_BATCH_SHAPE', () => {
  const r = (v) => [new NdArray('float32', [2], [v, v + 1]), NdArray.scalar('int32', v)];
  const b = stack([r(1), r(3)]);
  assert.deepEqual(toValues(b), [[[1, 2], [3, 4]], [1, 3]]);
  assert.deepEqual(b[0].shape, [2, 2]);
  assert.throws(
    () => stack([[new NdArray('float32', [2], [1, 2])], [new NdArray('float32', [3], [1, 2, 3])]]),
    (err) => err.code === 'SF_BATCH_SHAPE' && err.message.includes('[0]') && err.message.includes('[2]') && err.message.includes('[3]'),
  );
});
