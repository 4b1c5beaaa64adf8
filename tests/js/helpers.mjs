// Test helpers: temp files and collecting pipelines.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toValues } from '../../js/src/core/record.mjs';

/**
 * A temp folder, removed when the test process exits (or earlier by cleanup()).
 * Exit-time removal instead of node:test's after(): the nodejs-bin fallback
 * runs Node 18.4, whose node:test has no before/after hooks.
 */
export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-js-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanup);
  return { dir, cleanup };
}

/** Writes `content` (string or bytes) to dir/name and returns the path. */
export function writeFile(dir, name, content) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** All elements of one epoch as nested lists. */
export async function collect(pipeline, epoch = 0) {
  const out = [];
  for await (const x of pipeline.iterate(epoch)) out.push(toValues(x));
  return out;
}

/** Async iterable over an array, for stage-level tests. */
export async function* fromArray(items) {
  for (const x of items) yield x;
}
