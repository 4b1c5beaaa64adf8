// Invariants of the ordering layer (SPEC.md §1). Expected values are hand-derived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { permute, Prng, mix32, combine } from '../../js/index.mjs';
import { Permutation } from '../../js/src/order/permute.mjs';
import { checkSeed, resolveSeed } from '../../js/src/order/seed.mjs';
import { TAG_PERM, TAG_SHUF, TAG_INIT, TAG_SPLT } from '../../js/src/order/prng.mjs';

test('tags are the ASCII words read big-endian', () => {
  const word = (s) => Buffer.from(s, 'ascii').readUInt32BE(0);
  assert.equal(TAG_PERM, word('perm'));
  assert.equal(TAG_SHUF, word('shuf'));
  assert.equal(TAG_INIT, word('init'));
  assert.equal(TAG_SPLT, word('splt'));
});

test('mix32 fixes 0 and stays in u32', () => {
  assert.equal(mix32(0), 0);
  for (const x of [1, 0x7fffffff, 0x80000000, 0xffffffff, 12345]) {
    const y = mix32(x);
    assert.ok(Number.isInteger(y) && y >= 0 && y < 2 ** 32);
  }
  // combine(0, v) = mix32(mix32(0) ^ v) = mix32(v)
  assert.equal(combine(0, 12345), mix32(12345));
});

test('permute is a bijection of [0, n) for n = 1..300 and several seeds/epochs', () => {
  for (let n = 1; n <= 300; n++) {
    for (const [seed, epoch] of [[0, 0], [7, 1], [4294967295, 12]]) {
      const p = new Permutation(n, seed, epoch);
      const seen = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const j = p.at(i);
        assert.ok(j >= 0 && j < n, `n=${n} i=${i} -> ${j}`);
        assert.equal(seen[j], 0, `n=${n} seed=${seed}: ${j} twice`);
        seen[j] = 1;
      }
    }
  }
});

test('permute is a bijection on a few larger n (full check) and stays in range at 2^32', () => {
  for (const n of [1000, 4096, 4097, 65536, 65537, 100003]) {
    const p = new Permutation(n, 99, 3);
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) seen[p.at(i)]++;
    assert.ok(seen.every((c) => c === 1), `n=${n}`);
  }
  // half = 16 here: L * 2^16 must not overflow as a signed shift would.
  const big = 2 ** 32;
  const seen = new Set();
  for (const i of [0, 1, 2 ** 31, big - 1, 123456789]) {
    const j = permute(i, big, 5, 0);
    assert.ok(Number.isInteger(j) && j >= 0 && j < big);
    seen.add(j);
  }
  assert.equal(seen.size, 5);
});

test('permute: same (seed, epoch) same order, new epoch new order', () => {
  const order = (seed, epoch) => Array.from({ length: 50 }, (_, i) => permute(i, 50, seed, epoch));
  assert.deepEqual(order(7, 0), order(7, 0));
  assert.notDeepEqual(order(7, 0), order(7, 1));
  assert.notDeepEqual(order(7, 0), order(8, 0));
});

test('permute rejects an index outside [0, n) with SF_ARG', () => {
  assert.throws(() => permute(5, 5, 0, 0), { code: 'SF_ARG' });
  assert.throws(() => permute(-1, 5, 0, 0), { code: 'SF_ARG' });
  assert.throws(() => permute(0, 0, 0, 0), { code: 'SF_ARG' });
});

test('Prng.below stays in range, covers small n, and handles n = 2^32', () => {
  const g = new Prng(1);
  const counts = new Array(7).fill(0);
  for (let k = 0; k < 7000; k++) counts[g.below(7)]++;
  assert.ok(counts.every((c) => c > 800), counts.join(','));
  for (const n of [1, 2, 3, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32]) {
    for (let k = 0; k < 50; k++) {
      const x = g.below(n);
      assert.ok(Number.isInteger(x) && x >= 0 && x < n);
    }
  }
  assert.equal(new Prng(3).below(1), 0);
  // below(2^32) is exactly next_u32.
  const a = new Prng(9);
  const b = new Prng(9);
  assert.equal(a.below(2 ** 32), b.nextU32());
});

test('Prng.uniform has 24 bits in [0, 1)', () => {
  const g = new Prng(11);
  for (let k = 0; k < 1000; k++) {
    const u = g.uniform();
    assert.ok(u >= 0 && u < 1);
    assert.ok(Number.isInteger(u * 2 ** 24));
    assert.equal(Math.fround(u), u);
  }
});

test('Prng state round-trips: resuming from state equals an uninterrupted run', () => {
  const g = new Prng(42);
  for (let k = 0; k < 10; k++) g.nextU32();
  const saved = g.state;
  const tail = Array.from({ length: 20 }, () => g.nextU32());
  const h = new Prng(0);
  h.state = saved;
  assert.deepEqual(Array.from({ length: 20 }, () => h.nextU32()), tail);
});

test('seeds: integers in [0, 2^32) only, SF_SEED otherwise; missing seeds are drawn', () => {
  assert.equal(checkSeed(0, 's'), 0);
  assert.equal(checkSeed(2 ** 32 - 1, 's'), 2 ** 32 - 1);
  for (const bad of [-1, 2 ** 32, 1.5, '7', NaN, true]) assert.throws(() => checkSeed(bad, 's'), { code: 'SF_SEED' });
  const r = resolveSeed(null, 's');
  assert.equal(r.drawn, true);
  assert.ok(Number.isInteger(r.seed) && r.seed >= 0 && r.seed < 2 ** 32);
  assert.deepEqual(resolveSeed(5, 's'), { seed: 5, drawn: false });
});
