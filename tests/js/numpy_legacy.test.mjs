// MT19937 and numpy's legacy shuffle against vectors made by numpy itself (SPEC.md §1.8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MT19937, legacyShuffleOrder } from '../../js/src/order/numpy_legacy.mjs';

const V = JSON.parse(readFileSync(fileURLToPath(new URL('../../shared_fixtures/vectors/numpy_legacy.json', import.meta.url)), 'utf8'));

test('MT19937 outputs equal numpy RandomState(seed) raw draws', () => {
  for (const { seed, values } of V.mt19937) {
    const g = new MT19937(seed);
    assert.deepEqual(values.map(() => g.nextU32()), values, `seed ${seed}`);
  }
});

test('legacyShuffleOrder equals numpy RandomState(seed).shuffle(arange(n))', () => {
  for (const c of V.shuffle) {
    const order = legacyShuffleOrder(c.n, c.seed);
    if (c.order) {
      assert.deepEqual(Array.from(order), c.order, `n=${c.n} seed=${c.seed}`);
    } else {
      assert.deepEqual(Array.from(order.subarray(0, 8)), c.head);
      const le = Buffer.from(order.buffer, order.byteOffset, order.byteLength); // x86/ARM: little-endian
      assert.equal(createHash('sha256').update(le).digest('hex'), c.sha256_u32le, `n=${c.n}`);
    }
  }
});
