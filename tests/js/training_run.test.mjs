// TrainingRun (SPEC.md §5, §5.6, §8): a loop of your own keeps fitDataset's semantics,
// callbacks and backups. Python twin: tests/python/test_training_run.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainingRun } from '../../js/index.mjs';
import { tempDir } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const XY = join(ROOT, 'shared_fixtures', 'data', 'xy.csv');
const tmp = tempDir();

function spec(train = {}) {
  const csv = { type: 'csv', path: XY, features: ['x'], label: 'y' };
  return {
    source: csv,
    ops: [{ op: 'shuffle', buffer_size: 300, seed: 5 }, { op: 'batch', batch_size: 64 }],
    model: { seed: 2, input_shape: [1], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 1 }] },
    train: { epochs: 3, loss: 'mse', optimizer: { type: 'adam', learning_rate: 0.01 }, ...train },
  };
}

/** The README's loop; with `stopAfter` it walks away after that many steps (a crash). */
async function loop(run, stopAfter = null) {
  let steps = 0;
  for await (const _epoch of run.epochs()) { // eslint-disable-line no-unused-vars
    for await (const [, { xs, ys }] of run.batches()) {
      await run.stepEnd(await run.trainOnBatch(xs, ys));
      steps += 1;
      if (steps === stopAfter) return null;
    }
    await run.endEpoch();
  }
  return run.finish();
}

const weightsOf = (run) => run.model.getWeights().map((w) => Array.from(w.dataSync()));
const strip = (h) => h.epochs.map(({ seconds, ...rest }) => rest); // eslint-disable-line no-unused-vars

test('a custom loop takes the same steps as fitDataset', async () => {
  const fitted = await (await TrainingRun.create(spec())).fit();
  const run = await TrainingRun.create(spec());
  const h = await loop(run);
  // 1000 rows in batches of 64: 16 steps an epoch, the last of 40 rows
  assert.deepEqual(h.epochs.map((e) => e.batch_losses.length), [16, 16, 16]);
  assert.deepEqual(h.epochs.map((e) => e.samples), [1000, 1000, 1000]);
  // the same step function on the same batches: the same losses and weights, bit for bit
  assert.deepEqual(h.epochs.map((e) => e.batch_losses), fitted.epochs.map((e) => e.batch_losses));
  assert.equal(h.final_weights_digest, fitted.final_weights_digest);
  // the epoch loss: the batch losses' mean weighted by batch size, summed in float32 as Keras's Mean (SPEC.md §5.2)
  h.epochs.forEach((e, k) => {
    const sizes = [...Array(15).fill(64), 40];
    const total = e.batch_losses.reduce((s, loss, i) => Math.fround(s + Math.fround(loss * sizes[i])), 0);
    assert.equal(e.loss, Math.fround(total / 1000));
    assert.equal(e.loss, fitted.epochs[k].loss);
  });
});

test('a custom loop resumes from its backup bit-identical', async () => {
  const whole = await TrainingRun.create(spec());
  const hWhole = await loop(whole);
  const dir = join(tmp.dir, 'backup');
  const s = spec({ backup: { dir, save_freq: 5 } });
  assert.equal(await loop(await TrainingRun.create(s), 23), null); // 20 steps backed up: epoch 2 after 4 steps
  assert.ok(existsSync(join(dir, 'backup.safetensors')));
  const again = await TrainingRun.create(s);
  const h = await loop(again);
  assert.deepEqual(h.resumed, { epoch: 2, step: 4 });
  assert.deepEqual(strip(h), strip(hWhole));
  assert.deepEqual(weightsOf(again), weightsOf(whole));
  assert.ok(!existsSync(join(dir, 'backup.safetensors')));
  // a fit backup is not resumed by a loop: their epoch sums are kept differently
  await (await TrainingRun.create({ ...s, train: { ...s.train, backup: { ...s.train.backup, delete_checkpoint: false } } })).fit();
  await assert.rejects(loop(await TrainingRun.create(s)), (e) => e.code === 'SF_BACKUP' && /fit run/.test(e.message));
});

test('custom loop: validation, early stopping, checkpoint and the history CSV', async () => {
  const csv = { type: 'csv', path: XY, features: ['x'], label: 'y' };
  const s = spec({
    epochs: 15, optimizer: { type: 'sgd', learning_rate: 0.4 },
    validation: { source: csv, ops: [{ op: 'batch', batch_size: 250 }] },
    early_stopping: { patience: 1, restore_best_weights: true },
    checkpoint: { path: join(tmp.dir, 'best.json') },
  });
  const run = await TrainingRun.create(s, { historyCsv: join(tmp.dir, 'h.csv') });
  const h = await loop(run);
  const val = h.epochs.map((e) => e.val_loss);
  let stop = null;
  for (let i = 1; i < val.length && stop === null; i++) if (val[i] >= Math.min(...val.slice(0, i))) stop = i + 1;
  const best = val.indexOf(Math.min(...val)) + 1;
  assert.ok(stop !== null && stop < 15 && val.length === stop);
  assert.equal(h.early_stopping.stopped_epoch, stop);
  assert.equal(h.early_stopping.best_epoch, best);
  assert.equal(h.checkpoint.saved_epochs.at(-1), best);
  const saved = JSON.parse(readFileSync(join(tmp.dir, 'best.json'), 'utf8')).weights.map((w) => Array.from(Float32Array.from(w.values)));
  assert.deepEqual(saved, weightsOf(run)); // restored at the end: the checkpoint's weights
  const lines = readFileSync(join(tmp.dir, 'h.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'epoch,loss,val_loss,samples,seconds,skipped');
  assert.equal(lines.length, stop + 1);
});

test('custom loop misuse is an error that says what to call', async () => {
  const run = await TrainingRun.create(spec());
  await assert.rejects(run.batches().next(), /run\.epochs/);
  const epochs = run.epochs();
  await epochs.next();
  const batches = run.batches();
  await batches.next();
  await assert.rejects(batches.next(), /stepEnd/); // trained nothing, recorded nothing
  await assert.rejects(epochs.next(), /endEpoch/);
});

test('steps_per_execution is checked, and trains the same steps (tfjs runs one a call)', async () => {
  const one = await (await TrainingRun.create(spec())).fit();
  const four = await (await TrainingRun.create(spec({ steps_per_execution: 4 }))).fit();
  assert.deepEqual(strip(four), strip(one));
  assert.equal(four.final_weights_digest, one.final_weights_digest);
  await assert.rejects(TrainingRun.create(spec({ steps_per_execution: 0 })), (e) => e.code === 'SF_ARG' && /train\.steps_per_execution/.test(e.message));
  await assert.rejects(TrainingRun.create(spec({ steps_per_execution: 4, backup: { dir: join(tmp.dir, 'unused'), save_freq: 5 } })),
    (e) => e.code === 'SF_ARG' && /save_freq 5 \(steps\) needs train\.steps_per_execution 1, got 4/.test(e.message));
});
