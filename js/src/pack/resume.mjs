// What a pack run finds in its folder (SPEC.md §9.1): a finished pack,
// another pack, or shards to keep. Python twin: python/streamfit/pack/resume.py.
//
// - index.json with the same pack_key: the pack is done, nothing to write;
// - index.json with another key (or one that cannot be read): SF_ARG, a pack
//   never overwrites another pack;
// - no index: shards 0, 1, ... (no gap) whose header carries this pack_key,
//   follows on from the shard before, and whose size matches the header are
//   kept; the run resumes at the record after them. A shard of another key
//   anywhere in the folder is SF_ARG. Damaged shards after the kept ones and
//   leftover .tmp files are replaced.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { rangeError } from '../errors.mjs';
import { INDEX, MAX_HEADER, TMP, shardName, shardNumber } from './format.mjs';

/**
 * @typedef {{finished: object|null, kept: {file: string, records: number, bytes: number, sha256: string}[], records: number}} FolderState
 */

/** [metadata, file size its header implies, actual size] of a shard, or null if it is damaged. */
function shardHeader(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) < 8) return null;
    const n = Number(len.readBigUInt64LE(0));
    if (n > MAX_HEADER) return null;
    const head = Buffer.alloc(n);
    if (readSync(fd, head, 0, n, 8) < n) return null;
    const header = JSON.parse(head.toString('utf8'));
    const meta = header.__metadata__;
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return null;
    let end = 0;
    for (const [k, e] of Object.entries(header)) {
      if (k === '__metadata__') continue;
      const hi = e.data_offsets[1];
      if (!Number.isSafeInteger(hi)) return null;
      end = Math.max(end, hi);
    }
    return { meta, size: 8 + n + end, actual: fstatSync(fd).size };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function sha256Of(path) {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(8 << 20);
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function otherPack(folder, what, other, key) {
  return rangeError('SF_ARG', `pack: ${folder} ${what} of another pack (pack_key ${JSON.stringify(other)}, this pipeline's is ${JSON.stringify(key)}); a pack never overwrites another: choose another folder, or delete that one first`);
}

/**
 * Inspects `folder` (creating it if missing) for a pack of `key`; see the file comment.
 * @example const state = scan('out', key); if (state.finished === null) console.log(`resuming at record ${state.records}`);
 * @returns {FolderState}
 */
export function scan(folder, key) {
  if (existsSync(folder) && !statSync(folder).isDirectory()) throw rangeError('SF_ARG', `pack: ${folder} is a file; give a folder to write the pack into`);
  mkdirSync(folder, { recursive: true });
  const indexPath = join(folder, INDEX);
  if (existsSync(indexPath)) {
    let index = null;
    try {
      index = JSON.parse(readFileSync(indexPath, 'utf8'));
    } catch {
      index = null;
    }
    const other = index !== null && typeof index === 'object' && !Array.isArray(index) ? index.pack_key ?? null : null;
    if (other === key) return { finished: index, kept: [], records: 0 };
    throw otherPack(folder, 'already holds', other, key);
  }
  const names = readdirSync(folder).sort();
  for (const name of names) { // refuse before touching anything
    if (shardNumber(name) === null) continue;
    const got = shardHeader(join(folder, name));
    if (got !== null && got.meta.pack_key !== key) throw otherPack(folder, `holds ${name}`, got.meta.pack_key, key);
  }
  const state = { finished: null, kept: [], records: 0 };
  for (let s = 0; ; s++) {
    const path = join(folder, shardName(s));
    const got = existsSync(path) ? shardHeader(path) : null;
    if (got === null) break;
    const { meta, size, actual } = got;
    const ok = meta.shard === String(s) && meta.first_record === String(state.records)
      && typeof meta.records === 'string' && /^[0-9]+$/.test(meta.records) && Number(meta.records) >= 1 && actual === size;
    if (!ok) break;
    state.kept.push({ file: shardName(s), records: Number(meta.records), bytes: size, sha256: sha256Of(path) });
    state.records += Number(meta.records);
  }
  for (const name of names) {
    // a shard (or index) a killed run was writing: replaced
    if (name === INDEX + TMP || (name.endsWith(TMP) && shardNumber(name.slice(0, -TMP.length)) !== null)) unlinkSync(join(folder, name));
  }
  return state;
}

/** Removes this pack's shard files numbered `shards` or more (left by an earlier, longer run). */
export function removeStale(folder, shards) {
  for (const name of readdirSync(folder)) {
    const s = shardNumber(name);
    if (s !== null && s >= shards) unlinkSync(join(folder, name));
  }
}
