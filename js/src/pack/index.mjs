// A pack's index.json (SPEC.md §9.2): read and check it, rebuild records from
// its structure. Python twin: python/streamfit/pack/index.py.
//
// Everything a reader needs before opening a shard is checked here, once,
// when the packed source is built: format and version, fields, structure,
// shard list and record count. A folder with shards or .tmp files but no
// index is an unfinished pack (SPEC.md §3.7): the message says to run pack
// again to resume it.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareUtf8 } from '../core/record.mjs';
import { plainError, rangeError } from '../errors.mjs';
import { DTYPES, FORMAT, INDEX, TMP, VERSION, shardNumber } from './format.mjs';

/** Bytes per element of each field dtype. */
export const ITEMSIZE = Object.freeze({ uint8: 1, int32: 4, float32: 4, int64: 8, float64: 8 });

const isInt = (v, min = 0) => Number.isSafeInteger(v) && v >= min;

function bad(folder, why) {
  return plainError('SF_PACK_FORMAT', `packed: ${join(folder, INDEX)} ${why}; the folder is not a readable streamfit pack (write it with pack)`);
}

function structureNames(node, folder, out) {
  if (Array.isArray(node)) for (const item of node) structureNames(item, folder, out);
  else if (node !== null && typeof node === 'object') for (const k of Object.keys(node).sort(compareUtf8)) structureNames(node[k], folder, out);
  else if (typeof node === 'string') out.push(node);
  else throw bad(folder, `has a structure leaf ${JSON.stringify(node)} that is not a field name`);
  return out;
}

/**
 * @typedef {{name: string, dtype: string, shape: number[]|null, itemSize: number, recordBytes: number}} Field
 *   shape null: a variable field (1-d, any length); recordBytes: bytes of one record (fixed fields)
 * @typedef {{file: string, records: number, bytes: number, sha256: string}} ShardEntry
 * @typedef {{folder: string, packKey: string, structure: unknown, fields: Field[], records: number,
 *   shards: ShardEntry[], starts: number[], skipped: unknown, raw: object}} PackIndex
 *   starts: first stored record of each shard, then the total (S + 1 entries)
 */

/**
 * Reads and checks folder/index.json: SF_FILE_NOT_FOUND for a missing folder,
 * SF_PACK_FORMAT for a missing, malformed or other-version index (SPEC.md §3.7).
 * @example readIndex('shared_fixtures/packs/images16').records // 8
 * @returns {PackIndex}
 */
export function readIndex(folder) {
  if (!existsSync(folder)) {
    throw plainError('SF_FILE_NOT_FOUND', `packed: folder ${folder} does not exist; check the path (relative paths in a spec resolve against the spec file's folder)`);
  }
  if (!statSync(folder).isDirectory()) throw rangeError('SF_ARG', `packed: ${folder} is a file, not a pack folder (the folder holding ${INDEX})`);
  const path = join(folder, INDEX);
  if (!existsSync(path)) {
    const names = readdirSync(folder);
    if (names.some((n) => shardNumber(n) !== null || n.endsWith(TMP))) {
      throw plainError('SF_PACK_FORMAT', `packed: ${folder} is an unfinished pack (shard files but no ${INDEX}); run pack again with the same pipeline and folder to resume it`);
    }
    throw plainError('SF_PACK_FORMAT', `packed: ${folder} has no ${INDEX}, so it is not a streamfit pack; write one with pack`);
  }
  let raw;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path)));
  } catch (cause) {
    throw bad(folder, `is not UTF-8 JSON (${cause.message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(folder, 'is not a JSON object');
  if (raw.format !== FORMAT) throw bad(folder, `has format ${JSON.stringify(raw.format)}, expected ${JSON.stringify(FORMAT)}`);
  if (raw.version !== VERSION) throw bad(folder, `has version ${JSON.stringify(raw.version)}; this reader reads version ${VERSION} only`);
  if (typeof raw.pack_key !== 'string') throw bad(folder, 'has no pack_key string');
  if (!Array.isArray(raw.fields)) throw bad(folder, 'has no fields list');
  const fields = raw.fields.map((f) => {
    const ok = f !== null && typeof f === 'object' && typeof f.name === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, f.dtype)
      && Array.isArray(f.shape) && ((f.shape.length === 1 && f.shape[0] === null) || f.shape.every((d) => isInt(d)));
    if (!ok) throw bad(folder, `has a malformed field ${JSON.stringify(f)} (needs name, a dtype of ${Object.keys(DTYPES).join(', ')}, and a shape)`);
    const shape = f.shape.length === 1 && f.shape[0] === null ? null : f.shape.slice();
    const itemSize = ITEMSIZE[f.dtype];
    const recordBytes = shape === null ? 0 : shape.reduce((a, b) => a * b, 1) * itemSize;
    return { name: f.name, dtype: f.dtype, shape, itemSize, recordBytes };
  });
  const names = fields.map((f) => f.name);
  if (fields.length === 0 || new Set(names).size !== names.length) throw bad(folder, 'lists no fields, or one name twice');
  const used = structureNames(raw.structure, folder, []);
  if (JSON.stringify([...used].sort()) !== JSON.stringify([...names].sort())) {
    throw bad(folder, `has a structure naming ${JSON.stringify(used)} but fields ${JSON.stringify(names)}`);
  }
  if (!Array.isArray(raw.shards)) throw bad(folder, 'has no shards list');
  const shards = raw.shards.map((s) => {
    const ok = s !== null && typeof s === 'object' && typeof s.file === 'string' && shardNumber(s.file) !== null
      && isInt(s.records, 1) && isInt(s.bytes, 8) && typeof s.sha256 === 'string';
    if (!ok) throw bad(folder, `has a malformed shard entry ${JSON.stringify(s)}`);
    return { file: s.file, records: s.records, bytes: s.bytes, sha256: s.sha256.toLowerCase() };
  });
  if (shards.length === 0) throw bad(folder, 'lists no shards');
  const starts = [0];
  for (const s of shards) starts.push(starts[starts.length - 1] + s.records);
  const total = starts[starts.length - 1];
  if (!isInt(raw.records, 1) || raw.records !== total) throw bad(folder, `says records=${JSON.stringify(raw.records)}, but its shards hold ${total}`);
  return { folder, packKey: raw.pack_key, structure: raw.structure, fields, records: total, shards, starts, skipped: raw.skipped, raw };
}

/**
 * The record (or block) tree of `structure` with each field name replaced by
 * its leaf: arrays are tuples, objects dicts (SPEC.md §9.2).
 * @example rebuild([['0', '1'], '2'], { 0: a, 1: b, 2: c }) // [[a, b], c]
 * @param {unknown} structure
 * @param {{[name: string]: import('../core/ndarray.mjs').NdArray}} leaves
 */
export function rebuild(structure, leaves) {
  if (typeof structure === 'string') return leaves[structure];
  if (Array.isArray(structure)) return structure.map((s) => rebuild(s, leaves));
  const out = {};
  for (const k of Object.keys(structure).sort(compareUtf8)) out[k] = rebuild(structure[k], leaves);
  return out;
}
