// The training progress bar and summary (SPEC.md §8) and the shared status line under it.
// The expected strings are worked out by hand in shared_fixtures/by_hand/progress.json
// (the Python suite reads it too), not printed by the code under test; the clock is a fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { duration, fixed, roundHalfUp } from '../../js/src/core/progress_line.mjs';
import { Progress } from '../../js/src/pack/progress.mjs';
import { TrainProgress, barText, summaryText } from '../../js/src/tfjs/progress.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CASES = JSON.parse(readFileSync(join(ROOT, 'shared_fixtures', 'by_hand', 'progress.json'), 'utf8'));

/** The fixture's snake_case keys as the JS argument names. */
const camel = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]));

function fakeClock(t = 0) {
  const clock = () => clock.t;
  clock.t = t;
  return clock;
}

/** Keeps each write; a terminal or not as told. */
const fakeStream = (isTTY) => ({ isTTY, writes: [], write(text) { this.writes.push(text); return true; } });

for (const [x, digits, expected] of CASES.formats.fixed) {
  test(`fixed(${x}, ${digits})`, () => assert.equal(fixed(x, digits), expected));
}

test('fixed: non-finite values', () => {
  assert.deepEqual([NaN, Infinity, -Infinity].map((v) => fixed(v, 6)), ['nan', 'inf', '-inf']);
});

test('roundHalfUp and duration', () => {
  for (const [x, expected] of CASES.formats.round_half_up) assert.equal(roundHalfUp(x), expected, String(x));
  for (const [s, expected] of CASES.formats.duration) assert.equal(duration(s), expected, String(s));
});

for (const c of CASES.bar) {
  test(`bar text: ${c.name}`, () => assert.equal(barText(camel(c.input)), c.expected));
}

for (const c of CASES.summary) {
  test(`summary: ${c.name}`, () => assert.equal(summaryText(camel(c.input)), c.expected));
}

function play(c) {
  const clock = fakeClock();
  const stream = fakeStream(c.tty);
  const progress = new TrainProgress(c.epochs, { stream, enabled: c.enabled, clock });
  for (const [kind, t, ...args] of c.events) {
    clock.t = t;
    if (kind === 'begin') progress.beginEpoch(args[0], args[1], args[2]);
    else if (kind === 'batch') progress.batch(args[0], args[1], args[2]);
    else progress.endEpoch();
  }
  return { progress, stream };
}

for (const c of CASES.runs) {
  test(`run: ${c.name}`, () => {
    const { progress, stream } = play(c);
    assert.deepEqual(stream.writes, c.writes);
    const [stopped, expected] = c.summary;
    assert.equal(progress.summary(stopped), expected);
  });
}

test('a NaN loss prints nan', () => {
  const clock = fakeClock();
  const stream = fakeStream(true);
  const progress = new TrainProgress(1, { stream, clock });
  progress.beginEpoch(1, null);
  clock.t = 1;
  progress.batch(4, NaN, 0);
  assert.equal(stream.writes.at(-1), '\r\x1b[Kepoch 1/1  1 step  loss nan  4 samples/s  input-bound 0%');
  progress.endEpoch();
  assert.ok(progress.summary().endsWith(', final loss nan'));
});

test('steps left out are unknown', () => {
  const clock = fakeClock();
  const stream = fakeStream(false);
  const progress = new TrainProgress(2, { stream, clock });
  progress.beginEpoch(1);
  clock.t = 5;
  progress.batch(10, 1, 0);
  assert.deepEqual(stream.writes, ['epoch 1/2  1 step  loss 1.000000  2 samples/s  input-bound 0%\n']);
});

test('endEpoch without beginEpoch is ignored', () => {
  const progress = new TrainProgress(1, { stream: fakeStream(true), clock: fakeClock() });
  progress.endEpoch();
  assert.equal(progress.summary(), 'trained 0 epochs: 0 samples in 0.0 s, 0 samples/s, input-bound 0%');
});

// pack's progress sits on the same status line: its output, worked out by hand

test('pack progress on a terminal', () => {
  const clock = fakeClock(100);
  const stream = fakeStream(true);
  const p = new Progress(true, 1000, 200, stream, clock);
  clock.t = 100.125;
  p.update(300); // 0.125 s < 0.2 s: not yet
  clock.t = 100.25;
  p.update(400);
  clock.t = 100.375;
  p.update(450); // 0.125 s after the last draw
  p.note('pack: a note');
  clock.t = 104;
  p.finish(1000, 3, 'out');
  assert.deepEqual(stream.writes, [
    '\r\x1b[Kpack: resuming after 200 records already packed\n',
    '\r\x1b[Kpack: 400/1,000 records  800 records/s  ETA 0:00:01',
    '\r\x1b[Kpack: a note\n',
    '\r\x1b[Kpack: 1,000 records in 3 shards at out (0:00:04)\n',
  ]);
});

test('pack progress in a log, and quiet', () => {
  const clock = fakeClock();
  const stream = fakeStream(false);
  let p = new Progress(true, null, 0, stream, clock);
  for (const [t, done] of [[4, 4000], [5, 5000], [9.5, 9000], [10, 12000]]) {
    clock.t = t;
    p.update(done);
  }
  p.finish(12000, 1, 'out');
  assert.deepEqual(stream.writes, [
    'pack: 5,000 records  1,000 records/s\n',
    'pack: 12,000 records  1,200 records/s\n',
    'pack: 12,000 records in 1 shard at out (0:00:10)\n',
  ]);
  const quiet = fakeStream(true);
  p = new Progress(false, 10, 5, quiet, clock);
  p.update(6);
  p.note('x');
  p.finish(10, 1, 'out');
  assert.deepEqual(quiet.writes, []);
});
