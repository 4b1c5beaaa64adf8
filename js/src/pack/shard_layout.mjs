// Where a shard's records lie (SPEC.md §9.2), from its checked header: the
// file offset of each fixed field's tensor, and each variable field's
// offsets (read in) and data offset. A header that does not match the index
// (another pack's shard, another version, a tensor of the wrong dtype or
// shape) is SF_PACK_FORMAT naming the shard.
import { plainError } from '../errors.mjs';
import { DTYPES, FORMAT } from './format.mjs';

/**
 * @typedef {{fixed: Map<string, number>, variable: Map<string, {offsets: Float64Array, data: number}>}} Layout
 *   file offsets: fixed[name] of the field's tensor; variable[name].data of its .data tensor
 */

/**
 * SF_PACK_FORMAT unless shard s's __metadata__ is the one the index implies.
 * @example checkMeta(header.__metadata__, index, 0)
 * @param {unknown} meta
 * @param {import('./index.mjs').PackIndex} index
 * @param {number} s
 */
export function checkMeta(meta, index, s) {
  const e = index.shards[s];
  const want = {
    format: FORMAT, version: '1', pack_key: index.packKey, shard: String(s), first_record: String(index.starts[s]), records: String(e.records),
  };
  const ok = meta !== null && typeof meta === 'object' && Object.keys(want).every((k) => meta[k] === want[k]);
  if (!ok) {
    throw plainError('SF_PACK_FORMAT', `packed: shard ${e.file} in ${index.folder} has __metadata__ ${JSON.stringify(meta)}, which does not match the index (expected ${JSON.stringify(want)}); the shard belongs to another pack or version: write the pack again`);
  }
}

/**
 * The layout of shard s from its header (data buffer at file offset `start`);
 * `read(at, dst)` fills dst with the shard's bytes at file offset `at` (for the variable fields' offsets).
 * @example const layout = await shardLayout(header, start, index, 0, (at, dst) => readAt(fd, dst, at, short));
 * @returns {Promise<Layout>}
 */
export async function shardLayout(header, start, index, s, read) {
  const e = index.shards[s];
  const c = e.records;
  const tensor = (name, dtype, shape) => {
    const t = header[name];
    const same = t !== undefined && t.dtype === dtype && t.shape.length === shape.length && t.shape.every((d, k) => shape[k] === null || d === shape[k]);
    if (!same) {
      throw plainError('SF_PACK_FORMAT', `packed: shard ${e.file} in ${index.folder} has tensor ${JSON.stringify(name)} = ${JSON.stringify(t)}, expected dtype ${dtype} and shape [${shape.map((d) => d ?? 'n')}]; write the pack again`);
    }
    return t;
  };
  const out = { fixed: new Map(), variable: new Map() };
  for (const f of index.fields) {
    if (f.shape !== null) {
      out.fixed.set(f.name, start + tensor(f.name, DTYPES[f.dtype], [c, ...f.shape]).data_offsets[0]);
      continue;
    }
    const o = tensor(`${f.name}.offsets`, 'U64', [c + 1]);
    const d = tensor(`${f.name}.data`, DTYPES[f.dtype], [null]);
    const raw = new BigUint64Array(c + 1);
    await read(start + o.data_offsets[0], new Uint8Array(raw.buffer));
    const offsets = Float64Array.from(raw, (v) => Number(v));
    let ok = offsets[0] === 0 && offsets[c] === d.shape[0];
    for (let k = 0; ok && k < c; k++) ok = offsets[k] <= offsets[k + 1];
    if (!ok) throw plainError('SF_PACK_FORMAT', `packed: shard ${e.file} in ${index.folder} has offsets of field ${JSON.stringify(f.name)} that do not run from 0 to its data length; write the pack again`);
    out.variable.set(f.name, { offsets, data: start + d.data_offsets[0] });
  }
  return out;
}
