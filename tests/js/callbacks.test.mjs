// Early stopping and the best checkpoint (SPEC.md §5.4) on scripted epoch values: the
// expected epochs are worked out by hand in the shared case file (the Python suite reads it too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EarlyStopping, BestCheckpoint } from '../../js/src/tfjs/callbacks.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CASES = JSON.parse(readFileSync(join(ROOT, 'shared_fixtures', 'by_hand', 'callbacks.json'), 'utf8'));

for (const c of CASES.early_stopping) {
  test(`early stopping: ${c.name}`, () => {
    const stop = new EarlyStopping(c.params, [c.params.monitor]);
    let stopped = null;
    for (const [k, v] of c.values.entries()) {
      if (stop.afterEpoch(k + 1, { [c.params.monitor]: v }, () => `weights of epoch ${k + 1}`)) {
        stopped = k + 1;
        break;
      }
    }
    assert.equal(stopped, c.stopped_epoch);
    assert.equal(stop.stoppedEpoch, c.stopped_epoch);
    assert.deepEqual([stop.bestEpoch, stop.best], [c.best_epoch, c.best]);
  });
}

test('restore keeps the best epoch\'s weights', () => {
  const stop = new EarlyStopping({ monitor: 'loss', patience: 1, restore_best_weights: true }, ['loss']);
  [1.0, 0.5, 0.7].forEach((v, k) => stop.afterEpoch(k + 1, { loss: v }, () => `weights of epoch ${k + 1}`));
  assert.equal(stop.bestWeights, 'weights of epoch 2');
  assert.equal(stop.summary().restored, true);
});

for (const c of CASES.checkpoint) {
  test(`checkpoint: ${c.name}`, () => {
    const ckpt = new BestCheckpoint(c.params, [c.params.monitor]);
    const written = [];
    c.values.forEach((v, k) => ckpt.afterEpoch(k + 1, { [c.params.monitor]: v }, (path) => written.push([k + 1, path])));
    assert.deepEqual(written.map(([e]) => e), c.saved_epochs);
    assert.deepEqual(ckpt.saved, c.saved_epochs);
    assert.deepEqual([...new Set(written.map(([, p]) => p))], [c.params.path]);
  });
}

for (const c of CASES.errors) {
  test(`bad setting named: ${c.says}`, () => {
    assert.throws(() => new EarlyStopping(c.params, c.available), (e) => e.code === c.code && e.message.includes(c.says));
  });
}
