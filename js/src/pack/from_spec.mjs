// `node js/pack.mjs SPEC OUT_DIR` (SPEC.md §9.1): pack a spec's leading
// packable part. Python twin: python/streamfit/pack/from_spec.py.
//
// The spec's source and its ops before the first shuffle, batch, repeat (or
// cache) are packed; the ops from there on are returned so the command can
// print them: they belong after a packed source. The pack_key holds the
// packed spec part with the source path made absolute, so the same spec packs
// to the same key from any working folder, and in either language.
import { resolve } from 'node:path';
import { loadSpec, pipelineFromSpec } from '../spec.mjs';
import { DEFAULT_SHARD_BYTES, packStage } from './writer.mjs';

const NOT_PACKED = ['shuffle', 'batch', 'repeat', 'cache'];

/**
 * [ops packed, ops left for reading]: the cut is the first op a pack does not store.
 * @example splitOps([{ op: 'map', fn: 'cast', dtype: 'int32' }, { op: 'batch', batch_size: 2 }]) // [[map], [batch]]
 */
export function splitOps(ops) {
  const k = ops.findIndex((op) => NOT_PACKED.includes(op.op));
  return k === -1 ? [ops.slice(), []] : [ops.slice(0, k), ops.slice(k)];
}

/**
 * The spec part that goes into a pack_key (SPEC.md §9.1): the source with its
 * path made absolute (resolved against baseDir), and `ops`.
 * @example packedPart({ source: { type: 'csv', path: 'xy.csv' } }, [], '/data') // {source: {type: 'csv', path: '/data/xy.csv'}, ops: []}
 */
export function packedPart(spec, ops, baseDir) {
  const source = { ...spec.source };
  if (typeof source.path === 'string') source.path = resolve(baseDir, source.path);
  return { source, ops: ops.map((op) => ({ ...op })) };
}

/**
 * Packs the spec file's packable part into outDir.
 * @example const { index, left, summary } = await packSpecFile('examples/flowers.json', 'flowers_pack');
 * @returns {Promise<{index: object, left: object[], summary: string}>}
 */
export async function packSpecFile(path, outDir, { shardBytes = DEFAULT_SHARD_BYTES, variable = [], progress = true } = {}) {
  const spec = loadSpec(path);
  const [ops, left] = splitOps(spec.ops ?? []);
  const part = packedPart(spec, ops, process.cwd());
  const pipeline = pipelineFromSpec(part);
  const index = await packStage(pipeline.stage, outDir, { shardBytes, variable, progress, spec: part });
  return { index, left, summary: pipeline.summary() };
}
