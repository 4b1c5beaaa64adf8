// The command-line tools (SPEC.md §8): the "skipped" key of inspect --json,
// the "  skipped N" epoch line and history entries of train (SPEC.md §4.6),
// and the exit statuses the Python CLI gives: a value out of range is a
// streamfit error (exit 1, "error SF_ARG: ..."), text that is no integer or an
// unknown option is bad usage (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, writeFile } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = tempDir();

function cli(script, ...args) {
  return spawnSync(process.execPath, [join(ROOT, 'js', script), ...args], { encoding: 'utf8' });
}

const lastLine = (text) => text.trim().split('\n').at(-1);

// Bad lines 3 (number), 5 (3 fields), 6 (empty); 4 good records.
const messy = writeFile(tmp.dir, 'messy.csv', 'x,y\n1,2\n3,abc\n5,6\n7,8,9\n\n10,11\n12,13\n');
const MESSY_SPEC = writeFile(tmp.dir, 'messy.json', JSON.stringify({
  source: { type: 'csv', path: 'messy.csv', features: ['x'], label: 'y', on_error: 'skip' },
  ops: [{ op: 'batch', batch_size: 2 }],
  model: { seed: 1, input_shape: [1], layers: [{ type: 'dense', units: 1 }] },
  train: { epochs: 2, loss: 'mse', optimizer: { type: 'sgd', learning_rate: 0.01 } },
}));
const RANGE_SPEC = writeFile(tmp.dir, 'range.json', JSON.stringify({ source: { type: 'range', n: 10 }, ops: [{ op: 'batch', batch_size: 4 }] }));

test('inspect --json: "skipped" is the last key: the counts after a full read, null after a partial one', () => {
  void messy;
  const full = cli('inspect.mjs', MESSY_SPEC, '--json', '--batches', '0');
  assert.equal(full.status, 0, full.stderr);
  const report = JSON.parse(full.stdout);
  assert.deepEqual(Object.keys(report), ['summary', 'cardinality', 'epoch', 'element_spec', 'batches', 'skipped']);
  assert.equal(report.summary, 'csv(messy.csv, on_error=skip) -> batch(2)');
  assert.equal(report.batches.length, 2);
  assert.deepEqual(report.skipped, { SF_CSV_COLUMNS: 1, SF_CSV_EMPTY_LINE: 1, SF_CSV_NUMBER: 1 });
  assert.ok(full.stdout.endsWith('"skipped":{"SF_CSV_COLUMNS":1,"SF_CSV_EMPTY_LINE":1,"SF_CSV_NUMBER":1}}\n'), 'compact, keys sorted');
  assert.match(full.stderr, /\[SF_SKIPPED\] Warning: skipped 3 records in epoch 0 of csv\(messy\.csv, on_error=skip\)/);
  const partial = JSON.parse(cli('inspect.mjs', MESSY_SPEC, '--json', '--batches', '1').stdout);
  assert.equal(partial.skipped, null);
  const human = cli('inspect.mjs', MESSY_SPEC, '--batches', '0').stdout;
  assert.match(human, /^skipped {6}SF_CSV_COLUMNS 1, SF_CSV_EMPTY_LINE 1, SF_CSV_NUMBER 1$/m);
});

test('inspect exit statuses match the Python CLI: out of range is SF_ARG (1), not an integer is usage (2)', () => {
  const cases = [
    [['--batches', '-1'], 1, 'error SF_ARG: --batches must be >= 0, got -1'],
    [['--batches=-3'], 1, 'error SF_ARG: --batches must be >= 0, got -3'],
    [['--epoch', '-1'], 1, 'error SF_ARG: '],
    [['--epoch', '4294967296'], 1, 'error SF_ARG: '],
    [['--batches', 'abc'], 2, null],
    [['--batches', '1.5'], 2, null],
    [['--batches', '-1.5'], 2, null],
    [['--bogus'], 2, null],
    [['--batches'], 2, null],
  ];
  for (const [args, status, line] of cases) {
    const r = cli('inspect.mjs', RANGE_SPEC, '--json', ...args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    if (line !== null) assert.ok(lastLine(r.stderr).startsWith(line), `${args.join(' ')}: ${r.stderr}`);
  }
  // int() syntax the Python CLI accepts: sign, underscores, blanks.
  for (const v of ['+2', '0_2', ' 2 ']) {
    const r = cli('inspect.mjs', RANGE_SPEC, '--json', '--batches', v);
    assert.equal(r.status, 0, `${v}: ${r.stderr}`);
    assert.equal(JSON.parse(r.stdout).batches.length, 2, v);
  }
  const endless = writeFile(tmp.dir, 'endless.json', JSON.stringify({ source: { type: 'range', n: 3 }, ops: [{ op: 'repeat' }] }));
  const r = cli('inspect.mjs', endless, '--batches', '0');
  assert.equal(r.status, 1);
  assert.equal(lastLine(r.stderr), 'error SF_ARG: range(3) -> repeat() never ends; pass --batches N with N >= 1');
});

test('train: "  skipped N" ends the epoch line, history epochs carry the counts; --epochs 0 is SF_ARG (exit 1)', () => {
  const historyPath = join(tmp.dir, 'history.json');
  const r = cli('train.mjs', MESSY_SPEC, '--history', historyPath);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'pipeline  csv(messy.csv, on_error=skip) -> batch(2)');
  assert.match(lines[2], /^epoch 1\/2 {2}loss \d+\.\d{6} {2}4 samples {2}\d+\.\d s {2}\d+ samples\/s {2}skipped 3$/);
  assert.match(lines[3], /^epoch 2\/2 .* {2}skipped 3$/);
  const history = JSON.parse(readFileSync(historyPath, 'utf8'));
  const counts = { SF_CSV_COLUMNS: 1, SF_CSV_EMPTY_LINE: 1, SF_CSV_NUMBER: 1 };
  assert.deepEqual(history.epochs.map((e) => e.skipped), [counts, counts]);
  for (const [args, status] of [[['--epochs', '0'], 1], [['--epochs', '-2'], 1], [['--epochs', 'x'], 2]]) {
    const bad = cli('train.mjs', MESSY_SPEC, '--quiet', ...args);
    assert.equal(bad.status, status, `${args.join(' ')}: ${bad.stderr}`);
    if (status === 1) assert.ok(lastLine(bad.stderr).startsWith('error SF_ARG: epochs must be'), bad.stderr);
  }
});
