// Writing one shard (SPEC.md §9.2): safetensors bytes from pieces of blocks,
// written atomically. Python twin: python/streamfit/pack/shard_writer.py.
//
// A shard's records arrive as pieces (row ranges of checked blocks, as
// views); each fixed field's tensor is those pieces' rows one after another,
// each variable field's ".data" their values and ".offsets" the running
// element counts. The header is computed from the sizes, then the pieces are
// written (and hashed) in order. The file is written as <name>.tmp, flushed
// to disk, then renamed (SPEC.md §9.1), so a killed run leaves complete
// shards and, at worst, a .tmp that a resumed run replaces.
import { createHash } from 'node:crypto';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { DTYPES, FORMAT, TMP, encodeHeader, shardName } from './format.mjs';
import { closeFile, fsyncFd, fsyncFolder, openFile, writeAll } from './files.mjs';

/** Writes smaller than this are gathered into one buffer first (fewer system calls). */
const STAGE_BYTES = 4 << 20;

/** The bytes of a typed array, as a view. */
const bytesOf = (data) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/**
 * name -> {dtype, shape, bytes, parts} of a shard's tensors.
 * @param {import('../core/ndarray.mjs').NdArray[][]} pieces each: the leaves of a row range, in field order
 * @param {import('./fields.mjs').Fields} fields
 */
export function shardTensors(pieces, fields) {
  const rows = pieces.reduce((a, p) => a + p[0].shape[0], 0);
  const out = new Map();
  fields.leaves.forEach(({ name, dtype, shape }, k) => {
    const parts = pieces.map((p) => bytesOf(p[k].data));
    const bytes = parts.reduce((a, b) => a + b.length, 0);
    if (shape !== null) {
      out.set(name, { dtype: DTYPES[dtype], shape: [rows, ...shape], bytes, parts });
      return;
    }
    const offsets = new BigUint64Array(rows + 1);
    let r = 0;
    let total = 0;
    for (const p of pieces) {
      const [n, len] = p[k].shape; // a block's records share one length
      for (let i = 0; i < n; i++) {
        total += len;
        offsets[++r] = BigInt(total);
      }
    }
    out.set(`${name}.offsets`, { dtype: 'U64', shape: [rows + 1], bytes: offsets.byteLength, parts: [bytesOf(offsets)] });
    out.set(`${name}.data`, { dtype: DTYPES[dtype], shape: [total], bytes, parts });
  });
  return { rows, tensors: out };
}

/** A staging buffer for writeShard: one per writer, reused from shard to shard (one write at a time). */
export const stagingBuffer = () => Buffer.allocUnsafeSlow(STAGE_BYTES);

/**
 * Writes shard `number` of the pack in `folder`; returns its index.json entry. `stage` (from
 * stagingBuffer()) may be given to reuse: a new 4 MiB buffer a shard lived until a full GC.
 * @example const entry = await writeShard('out', 0, [[xBlockLeaf, yBlockLeaf]], fields, key, 0);
 * // {file: 'shard-00000.safetensors', records: 3, bytes: 2628, sha256: '...'}
 */
export async function writeShard(folder, number, pieces, fields, packKey, firstRecord, stage = stagingBuffer()) {
  const { rows, tensors } = shardTensors(pieces, fields);
  const meta = {
    format: FORMAT, version: '1', pack_key: packKey, shard: String(number), first_record: String(firstRecord), records: String(rows),
  };
  const { head, order } = encodeHeader(tensors, meta);
  const name = shardName(number);
  const path = join(folder, name);
  const h = createHash('sha256');
  let size = 0;
  const fd = await openFile(path + TMP, 'w');
  try {
    let staged = 0;
    const flush = async () => {
      if (staged > 0) await writeAll(fd, stage.subarray(0, staged));
      staged = 0;
    };
    const put = async (part) => {
      h.update(part);
      size += part.length;
      if (part.length >= STAGE_BYTES / 4) {
        await flush();
        await writeAll(fd, part);
        return;
      }
      if (staged + part.length > STAGE_BYTES) await flush();
      stage.set(part, staged);
      staged += part.length;
    };
    await put(head);
    for (const t of order) for (const part of tensors.get(t).parts) await put(part);
    await flush();
    await fsyncFd(fd);
  } finally {
    await closeFile(fd);
  }
  renameSync(path + TMP, path);
  fsyncFolder(folder);
  return { file: name, records: rows, bytes: size, sha256: h.digest('hex') };
}
