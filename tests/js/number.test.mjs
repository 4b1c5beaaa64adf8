// The decimal fast path of js/src/sources/number.mjs against Number() on many
// random decimal strings. The expected side is always Number() (then
// Math.fround for float32 columns), never the parser under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber } from '../../js/src/sources/number.mjs';
import { csv } from '../../js/index.mjs';
import { Prng } from '../../js/src/order/prng.mjs';
import { tempDir, writeFile } from './helpers.mjs';

const digits = (g, n) => Array.from({ length: n }, () => String(g.below(10))).join('');

/** Random text in the §3.1 decimal grammar: any digit counts (up to 25), exponents up to ±400. */
function randomDecimal(g) {
  const sign = ['', '-', '+'][g.below(3)];
  const zeros = g.below(4) === 0 ? '0'.repeat(g.below(6)) : '';
  const int = g.below(5) === 0 ? '' : zeros + digits(g, g.below(25));
  const frac = g.below(3) === 0 ? '' : `.${digits(g, int === '' ? 1 + g.below(25) : g.below(25))}`;
  const mantissa = int === '' && frac === '' ? '7' : int + (int !== '' && frac === '' && g.below(4) === 0 ? '.' : frac);
  let exp = '';
  if (g.below(2) === 0) {
    const size = [2, 23, 40, 330, 400][g.below(5)];
    exp = `${['e', 'E'][g.below(2)]}${['', '+', '-'][g.below(3)]}${g.below(size)}`;
  }
  return sign + mantissa + exp;
}

function parse(text) {
  const b = Buffer.from(text, 'latin1');
  return parseNumber(b, 0, b.length);
}

test('parseNumber equals Number() on 200000 random decimals (float64 and float32)', () => {
  const g = new Prng(31337);
  for (let t = 0; t < 200000; t++) {
    const text = randomDecimal(g);
    const got = parse(text);
    const want = Number(text);
    assert.ok(Object.is(got, want), `${text}: got ${got}, Number() gives ${want}`);
    assert.ok(Object.is(Math.fround(got), Math.fround(want)), text);
  }
});

test('parseNumber on edge forms: 15/16/17 significant digits, ±22/23 exponents, zeros, blanks', () => {
  const cases = [
    '123456789012345', '1234567890123456', '12345678901234567', '9007199254740993', '0.1', '0.30000000000000004',
    '1e22', '1e23', '1e-22', '1e-23', '123456789012345e22', '123456789012345e-22', '0.000000000000000000000001',
    '-0', '+0.0e-999', '0e999', ' \t2.5 \t', '00001.5000', '.5', '5.', '4.9406564584124654e-324', '1.7976931348623157e308',
    '3.4028235677973366e38', '3.4028236e38', '1.401298464324817e-45', '7.006492321624085e-46', '1e400', '-1e-400',
  ];
  for (const text of cases) assert.ok(Object.is(parse(text), Number(text.trim())), text);
  for (const bad of ['', ' ', '.', 'e5', '1e', '1e+', '--1', '1.5x', '0x10', '1_0', '1..2', '+', 'Infinity1']) {
    assert.equal(parse(bad), undefined, bad);
  }
});

test('CSV columns hold Math.fround(Number(text)) for random decimals, whatever the block size', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const g = new Prng(5);
    const rows = [];
    for (let r = 0; r < 3000; r++) rows.push([randomDecimal(g), randomDecimal(g)]);
    const text = `a,b\n${rows.map(([a, b]) => `${a},${b}`).join('\n')}\n`;
    const path = writeFile(dir, 'nums.csv', text);
    for (const blockSize of [7, 1000, 1 << 22]) {
      const got = [];
      for await (const x of csv(path, { blockSize }).batch(1000)) got.push(...x.data);
      assert.equal(got.length, rows.length * 2);
      rows.forEach(([a, b], r) => {
        assert.ok(Object.is(got[2 * r], Math.fround(Number(a))), `${a} (block ${blockSize})`);
        assert.ok(Object.is(got[2 * r + 1], Math.fround(Number(b))), `${b} (block ${blockSize})`);
      });
    }
  } finally {
    cleanup();
  }
});
