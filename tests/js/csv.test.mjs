// CSV source (SPEC.md §3.1) on temp files. Expected values are hand-derived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csv } from '../../js/index.mjs';
import { parseNumber } from '../../js/src/sources/number.mjs';
import { tempDir, writeFile, collect } from './helpers.mjs';

const tmp = tempDir();

const f32 = Math.fround;

async function rejectsWith(pipelineFn, code, ...parts) {
  await assert.rejects(
    async () => collect(pipelineFn()),
    (err) => {
      assert.equal(err.code, code, err.message);
      for (const p of parts) assert.ok(err.message.includes(p), `${JSON.stringify(err.message)} lacks ${JSON.stringify(p)}`);
      return true;
    },
  );
}

test('number grammar accepts exactly the SPEC forms', () => {
  const parse = (s) => parseNumber(Buffer.from(s, 'latin1'), 0, Buffer.byteLength(s, 'latin1'));
  const ok = { '1': 1, '-2': -2, '+3': 3, '1.': 1, '.5': 0.5, '1.5e3': 1500, '2E-2': 0.02, '1.e2': 100, ' \t7 \t': 7, '-.5e+1': -5, '0001': 1, '12345678901234567890': 12345678901234567000 };
  for (const [s, v] of Object.entries(ok)) assert.equal(parse(s), v, s);
  assert.ok(Number.isNaN(parse('nan')) && Number.isNaN(parse('-NaN')));
  for (const s of ['inf', '+Infinity', 'INF', 'iNfInItY']) assert.equal(parse(s), Infinity, s);
  assert.equal(parse('-inf'), -Infinity);
  for (const s of ['', ' ', '.', '+', '-', '1e', '1e+', 'e5', '.e1', '0x1A', '1_000', '1,0', 'abc', 'infinit', 'nana', '1.2.3', '--1', '1 2', '\u00a01', '١']) {
    assert.equal(parse(s), undefined, JSON.stringify(s));
  }
});

test('header, features by name, scalar label, float32 rounding', async () => {
  const path = writeFile(tmp.dir, 'a.csv', 'x,z,y\n0.1,9,1\n2.5,8,0\n');
  assert.deepEqual(await collect(csv(path, { features: ['x'], label: 'y' })), [[[f32(0.1)], f32(1)], [[2.5], 0]]);
  assert.deepEqual(await collect(csv(path, { label: 'y' })), [[[f32(0.1), 9], 1], [[2.5, 8], 0]]);
  assert.deepEqual(await collect(csv(path, { features: [2, 0], label: ['z'] })), [[[1, f32(0.1)], [9]], [[0, 2.5], [8]]]);
  assert.deepEqual(await collect(csv(path)), [[f32(0.1), 9, 1], [2.5, 8, 0]]);
  const [rec] = await collect(csv(path, { label: 'z', labelDtype: 'int32' }).take(1).map((r) => [r[0], r[1]]));
  assert.deepEqual(rec, [[f32(0.1), 1], 9]);
  assert.equal(csv(path).summary(), 'csv(a.csv)');
  assert.equal(csv(path).cardinality(), null);
  assert.equal(csv(path).indexable, false);
});

test('BOM, CRLF, no final newline, no header, other delimiter', async () => {
  const path = writeFile(tmp.dir, 'b.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('1;2\r\n3;4\r\n5;6')]));
  assert.deepEqual(await collect(csv(path, { header: false, delimiter: ';', label: 1, dtype: 'int32', labelDtype: 'int32' })), [[[1], 2], [[3], 4], [[5], 6]]);
});

test('block boundaries do not change records (blockSize 1..7 vs default)', async () => {
  let text = 'a,b\n';
  for (let i = 0; i < 40; i++) text += `${i}.25,${i * 3}\r\n`;
  const path = writeFile(tmp.dir, 'c.csv', text);
  const want = await collect(csv(path, { label: 'b' }));
  assert.equal(want.length, 40);
  for (const blockSize of [1, 2, 3, 5, 7]) assert.deepEqual(await collect(csv(path, { label: 'b', blockSize })), want, `blockSize ${blockSize}`);
});

test('SF_CSV_EMPTY_LINE names file and line', async () => {
  const path = writeFile(tmp.dir, 'empty.csv', 'x,y\n1,2\n\n3,4\n');
  await rejectsWith(() => csv(path, { label: 'y' }), 'SF_CSV_EMPTY_LINE', 'empty.csv', 'line 3');
  const crlf = writeFile(tmp.dir, 'empty2.csv', 'x,y\r\n1,2\r\n\r\n');
  await rejectsWith(() => csv(crlf, { label: 'y' }), 'SF_CSV_EMPTY_LINE', 'empty2.csv', 'line 3');
});

test('SF_CSV_COLUMNS names file, line and counts', async () => {
  const path = writeFile(tmp.dir, 'cols.csv', 'x,y\n1,2\n3,4\n5\n');
  await rejectsWith(() => csv(path, { label: 'y' }), 'SF_CSV_COLUMNS', 'cols.csv', 'line 4', '1 fields');
  const noHeader = writeFile(tmp.dir, 'cols2.csv', '1,2\n3,4,5\n');
  await rejectsWith(() => csv(noHeader, { header: false }), 'SF_CSV_COLUMNS', 'cols2.csv', 'line 2');
});

test('SF_CSV_NUMBER names file, line and column; only selected columns are parsed', async () => {
  const path = writeFile(tmp.dir, 'num.csv', 'x,y,note\n1,2,hello\n0x1A,3,ok\n');
  await rejectsWith(() => csv(path, { features: ['x'], label: 'y' }), 'SF_CSV_NUMBER', 'num.csv', 'line 3', '"x"', '0x1A');
  const empty = writeFile(tmp.dir, 'num2.csv', 'x,y\n1,\n');
  await rejectsWith(() => csv(empty, { label: 'y' }), 'SF_CSV_NUMBER', 'num2.csv', 'line 2', '"y"');
  const frac = writeFile(tmp.dir, 'num3.csv', 'x,y\n1,2.5\n');
  await rejectsWith(() => csv(frac, { label: 'y', labelDtype: 'int32' }), 'SF_CSV_NUMBER', 'num3.csv', 'line 2', 'int32');
  const big = writeFile(tmp.dir, 'num4.csv', 'x\n2147483648\n');
  await rejectsWith(() => csv(big, { dtype: 'int32' }), 'SF_CSV_NUMBER', 'num4.csv', 'line 2');
  const intOk = writeFile(tmp.dir, 'num5.csv', 'x\n-2147483648\n1e3\n2.0\n');
  assert.deepEqual(await collect(csv(intOk, { dtype: 'int32' })), [[-2147483648], [1000], [2]]);
});

test('SF_CSV_HEADER for a missing name, a duplicate requested name, an index out of range', async () => {
  const path = writeFile(tmp.dir, 'hdr.csv', 'x,y,x\n1,2,3\n');
  await rejectsWith(() => csv(path, { features: ['w'], label: 'y' }), 'SF_CSV_HEADER', 'hdr.csv', 'line 1', '"w"');
  await rejectsWith(() => csv(path, { features: ['x'], label: 'y' }), 'SF_CSV_HEADER', 'hdr.csv', '"x"');
  await rejectsWith(() => csv(path, { features: [5] }), 'SF_CSV_HEADER', 'hdr.csv', '5');
  assert.deepEqual(await collect(csv(path, { features: [0, 2], label: 'y' })), [[[1, 3], 2]]);
});

test('a missing file is SF_FILE_NOT_FOUND at build time; bad options are SF_ARG', () => {
  assert.throws(() => csv(`${tmp.dir}/nope.csv`), (e) => e.code === 'SF_FILE_NOT_FOUND' && e.message.includes('nope.csv'));
  const path = writeFile(tmp.dir, 'ok.csv', 'x\n1\n');
  assert.throws(() => csv(path, { delimiter: ';;' }), { code: 'SF_ARG' });
  assert.throws(() => csv(path, { dtype: 'float64' }), { code: 'SF_ARG' });
});

test('a file with a header but no rows is SF_EMPTY_SOURCE; an empty file too, at build time', async () => {
  await rejectsWith(() => csv(writeFile(tmp.dir, 'none.csv', 'x,y\n')), 'SF_EMPTY_SOURCE', 'none.csv');
  assert.throws(() => csv(writeFile(tmp.dir, 'none2.csv', ''), { header: false }), { code: 'SF_EMPTY_SOURCE' });
});

test('header problems are found when the pipeline is built', () => {
  const path = writeFile(tmp.dir, 'early.csv', 'x,y\n1,2\n');
  assert.throws(() => csv(path, { features: ['nope'] }), (e) => e.code === 'SF_CSV_HEADER' && e.message.includes('early.csv'));
});
