// js/src/core/full_gc.mjs: fullGc() collects without `node --expose-gc` and
// leaves the program's global object as it was. Run in a fresh node: it drops
// ~94 MB of arrays, then the memory they hold is read before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const MODULE = new URL('../../js/src/core/full_gc.mjs', import.meta.url).href;
const script = (collect) => `
const { fullGc } = await import(${JSON.stringify(MODULE)});
(() => { const arrays = []; for (let i = 0; i < 8000; i++) arrays.push(new Uint8Array(12288)); })();
const before = process.memoryUsage().arrayBuffers;
if (${collect}) fullGc();
await new Promise((resolve) => setTimeout(resolve, 300)); // V8 frees swept arrays off the main thread
console.log(JSON.stringify({ before, after: process.memoryUsage().arrayBuffers, gcGlobal: typeof globalThis.gc }));
`;

function run(collect) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(collect)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('fullGc frees dropped arrays that no collection has found yet, and adds no global gc', () => {
  const kept = run(false);
  assert.ok(kept.before > 8 * 2 ** 20 && kept.after > 8 * 2 ** 20,
    `without a collection the dropped arrays are still held (${kept.before} then ${kept.after} bytes)`);
  const { before, after, gcGlobal } = run(true);
  assert.ok(before > 8 * 2 ** 20, `the arrays held ${before} bytes before fullGc`);
  assert.ok(after < 2 ** 20, `${after} bytes still held after fullGc`);
  assert.equal(gcGlobal, 'undefined');
});
