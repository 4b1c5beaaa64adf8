// js/index.d.ts type-checks together with a typed usage file (js/types_check.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

test('tsc --noEmit -p js/tsconfig.json passes', () => {
  assert.ok(existsSync(TSC), 'typescript is not installed: run make install');
  const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', join(ROOT, 'js', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
