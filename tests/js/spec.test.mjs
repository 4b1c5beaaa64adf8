// Spec files (SPEC.md §5) and the inspect CLI (SPEC.md §8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadSpec, pipelineFromSpec, ERROR_CODES } from '../../js/index.mjs';
import * as api from '../../js/index.mjs';
import { tempDir, writeFile, collect } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = tempDir();

test('public exports are the camelCase names of shared_fixtures/api_surface.json plus js_only', async () => {
  const { readFileSync } = await import('node:fs');
  const surface = JSON.parse(readFileSync(join(ROOT, 'shared_fixtures', 'api_surface.json'), 'utf8'));
  const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const want = [...surface.shared.map(camel), ...surface.js_only].sort();
  assert.deepEqual(Object.keys(api).sort(), want);
});

test('ERROR_CODES lists the codes of the SPEC.md §6 table, in order', () => {
  const spec = readFileSync(join(ROOT, 'SPEC.md'), 'utf8');
  const section = spec.split('## 6. Error codes')[1].split('\n## ')[0];
  const codes = [...section.matchAll(/^\| `(SF_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  assert.ok(codes.length >= 19, `found ${codes.length} codes in SPEC.md §6`);
  assert.deepEqual([...ERROR_CODES], codes);
});

test('unknown keys are SF_SPEC naming the key and where it sits', () => {
  const bad = [
    [{ source: { type: 'range', n: 3 }, extra: 1 }, ['"extra"', 'spec']],
    [{ source: { type: 'range', n: 3, m: 1 } }, ['"m"', 'spec.source']],
    [{ source: { type: 'range', n: 3 }, ops: [{ op: 'batch', batch_size: 2, size: 1 }] }, ['"size"', 'spec.ops[0]']],
    [{ source: { type: 'range', n: 3 }, ops: [{ op: 'map', fn: 'divide', value: 2, depth: 3 }] }, ['"depth"', 'spec.ops[0]']],
    [{ source: { type: 'range', n: 3 }, ops: [{ op: 'zip' }] }, ['"zip"']],
    [{ source: { type: 'range', n: 3 }, ops: [{ op: 'map', fn: 'sqrt' }] }, ['"sqrt"']],
    [{ source: { type: 'parquet', path: 'a' } }, ['"parquet"']],
    [{ source: { type: 'range' } }, ['"n"']],
    [{ source: { type: 'range', n: '3' } }, ['spec.source.n']],
    [{ source: { type: 'range', n: 3 }, model: { seed: 1, input_shape: [1], layers: [{ type: 'dense', units: 1, use_bias: true }] } }, ['"use_bias"', 'spec.model.layers[0]']],
    [{ source: { type: 'range', n: 3 }, train: { epochs: 1, loss: 'mse', optimizer: { type: 'sgd', learning_rate: 0.1, nesterov: true } } }, ['"nesterov"', 'spec.train.optimizer']],
  ];
  for (const [spec, parts] of bad) {
    assert.throws(() => pipelineFromSpec(spec), (e) => e.code === 'SF_SPEC' && parts.every((p) => e.message.includes(p)), JSON.stringify(spec));
  }
});

test('loadSpec resolves paths against the spec file folder; pipelineFromSpec against baseDir', async () => {
  mkdirSync(join(tmp.dir, 'data'));
  writeFile(join(tmp.dir, 'data'), 'xy.csv', 'x,y\n1,2\n3,4\n');
  const spec = { source: { type: 'csv', path: 'data/xy.csv', label: 'y' }, ops: [{ op: 'batch', batch_size: 2 }] };
  const specPath = writeFile(tmp.dir, 'spec.json', JSON.stringify(spec));
  assert.deepEqual(await collect(pipelineFromSpec(loadSpec(specPath))), [[[[1], [3]], [2, 4]]]);
  assert.deepEqual(await collect(pipelineFromSpec(spec, tmp.dir)), [[[[1], [3]], [2, 4]]]);
  assert.throws(() => pipelineFromSpec(spec, ROOT), { code: 'SF_FILE_NOT_FOUND' });
  assert.throws(() => loadSpec(join(tmp.dir, 'missing.json')), { code: 'SF_FILE_NOT_FOUND' });
  const broken = writeFile(tmp.dir, 'broken.json', '{"source": ');
  assert.throws(() => loadSpec(broken), { code: 'SF_SPEC' });
});

test('built-in maps follow float32 rounding (hand-derived)', async () => {
  const spec = (ops) => ({ source: { type: 'range', n: 3 }, ops });
  // float32(1 / 3) and float32(2 / 3) as hand-computed float32 constants.
  assert.deepEqual(await collect(pipelineFromSpec(spec([{ op: 'map', fn: 'divide', value: 3 }]))), [0, 0.3333333432674408, 0.6666666865348816]);
  assert.deepEqual(await collect(pipelineFromSpec(spec([{ op: 'map', fn: 'one_hot', depth: 3 }]))), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(await collect(pipelineFromSpec(spec([{ op: 'map', fn: 'normalize', mean: 1, std: 2 }]))), [-0.5, 0, 0.5]);
  assert.deepEqual(await collect(pipelineFromSpec(spec([{ op: 'map', fn: 'divide', value: 2 }, { op: 'map', fn: 'cast', dtype: 'int32' }]))), [0, 0, 1]);
  await assert.rejects(() => collect(pipelineFromSpec(spec([{ op: 'map', fn: 'one_hot', depth: 2 }]))), { code: 'SF_ARG' });
});

test('inspect CLI: --json object with the SPEC.md §8 keys in order', () => {
  writeFile(tmp.dir, 'r.json', JSON.stringify({ source: { type: 'range', n: 10 }, ops: [{ op: 'batch', batch_size: 4 }] }));
  const out = execFileSync(process.execPath, [join(ROOT, 'js', 'inspect.mjs'), join(tmp.dir, 'r.json'), '--json', '--batches', '0'], { encoding: 'utf8' });
  const report = JSON.parse(out);
  assert.deepEqual(Object.keys(report), ['summary', 'cardinality', 'epoch', 'element_spec', 'batches', 'skipped']);
  assert.deepEqual(report.skipped, {}, 'read to the end: nothing skipped');
  assert.equal(report.summary, 'range(10) -> batch(4)');
  assert.equal(report.cardinality, 3);
  assert.deepEqual(report.element_spec, [{ dtype: 'int32', shape: [4] }]);
  assert.deepEqual(report.batches.map((b) => b.index), [0, 1, 2]);
  assert.ok(report.batches.every((b) => /^[0-9a-f]{64}$/.test(b.digest)));
  writeFile(tmp.dir, 'inf.json', JSON.stringify({ source: { type: 'range', n: 3 }, ops: [{ op: 'repeat' }] }));
  const inf = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'js', 'inspect.mjs'), join(tmp.dir, 'inf.json'), '--json', '--epoch', '2'], { encoding: 'utf8' }));
  assert.equal(inf.cardinality, 'infinite');
  assert.equal(inf.epoch, 2);
  assert.equal(inf.batches.length, 5);
  // skipped(e) names the epoch the source sees; under repeat() its passes are epochs 2 * 2^20 + r, never 2.
  assert.equal(inf.skipped, null);
  writeFile(tmp.dir, 'bad.json', JSON.stringify({ source: { type: 'range', n: 3 }, oops: 1 }));
  const bad = spawnSync(process.execPath, [join(ROOT, 'js', 'inspect.mjs'), join(tmp.dir, 'bad.json')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /SF_SPEC/);
});
