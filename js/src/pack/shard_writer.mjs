// Writing one shard (SPEC.md §9.2): safetensors bytes from copied rows of blocks,
// written atomically. Python twin: python/streamfit/pack/shard_writer.py.
//
// A shard's records arrive as row ranges of checked blocks and are copied
// into a ShardBuffer: each fixed field's tensor is their rows one after
// another, each variable field's ".data" their values and ".offsets" the
// running element counts. The header is computed from the sizes, then the buffers are
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

/** A growable byte buffer whose memory is kept from shard to shard. */
class Bytes {
  constructor() {
    this.buf = new Uint8Array(0);
    this.length = 0;
  }

  /** Room for `more` bytes after the used ones (the used ones are kept). */
  reserve(more) {
    const need = this.length + more;
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.buf.length + (this.buf.length >> 1)));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  put(bytes) {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  view() {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * One shard's records, copied field by field as they arrive into buffers that are reused for
 * every shard this buffer holds (a pack alternates two: one filling, one being written).
 * Holding the blocks' own arrays instead kept them alive until the shard was written, long
 * enough for V8 to move them to its old generation, where they waited for a full GC: the
 * memory proof's Node pack peaked one shard (~40 MB) higher in about one run in four
 * (BENCHMARKS.md, suite run 11). Copied, a record's array dies young.
 * @example const shard = new ShardBuffer(fields); shard.add(leaves, 0, 3); shard.tensors();
 */
export class ShardBuffer {
  /** @param {import('./fields.mjs').Fields} fields */
  constructor(fields) {
    this.fields = fields;
    this.data = fields.leaves.map(() => new Bytes());
    this.offsets = fields.leaves.map((f) => (f.shape === null ? new Bytes() : null)); // U64 running element counts
    this.totals = fields.leaves.map(() => 0);
    this.rows = 0;
  }

  /** Empties the buffer for the next shard (its memory stays). */
  clear() {
    this.data.forEach((b) => { b.length = 0; });
    this.offsets.forEach((b) => { if (b !== null) b.length = 0; });
    this.totals.fill(0);
    this.rows = 0;
  }

  /**
   * Copies records lo..hi-1 of a checked block (its leaves in field order). `shardRows`: about
   * how many records a shard holds, to size the buffers once (growing them a step at a time left
   * a chain of dead buffers behind).
   */
  add(leaves, lo, hi, shardRows = 0) {
    const n = hi - lo;
    this.fields.leaves.forEach((f, k) => {
      const a = leaves[k];
      const bytes = bytesOf(a.data);
      const per = a.shape[0] === 0 ? 0 : bytes.length / a.shape[0];
      if (this.data[k].buf.length === 0) this.data[k].reserve(shardRows * per);
      if (f.shape === null && this.offsets[k].buf.length === 0) this.offsets[k].reserve(8 * (shardRows + 1));
      this.data[k].put(bytes.subarray(lo * per, hi * per));
      if (f.shape !== null) return;
      const off = this.offsets[k];
      if (this.rows === 0) off.put(new Uint8Array(8)); // offsets start at 0
      off.reserve(8 * n);
      const at = new BigUint64Array(off.buf.buffer, off.buf.byteOffset + off.length, n);
      const len = a.shape[1]; // a block's records share one length
      for (let i = 0; i < n; i++) {
        this.totals[k] += len;
        at[i] = BigInt(this.totals[k]);
      }
      off.length += 8 * n;
    });
    this.rows += n;
  }

  /** name -> {dtype, shape, bytes, parts} of the shard's tensors (views of the buffers). */
  tensors() {
    const out = new Map();
    this.fields.leaves.forEach(({ name, dtype, shape }, k) => {
      const data = this.data[k].view();
      if (shape !== null) {
        out.set(name, { dtype: DTYPES[dtype], shape: [this.rows, ...shape], bytes: data.length, parts: [data] });
        return;
      }
      const offsets = this.rows === 0 ? new Uint8Array(8) : this.offsets[k].view();
      out.set(`${name}.offsets`, { dtype: 'U64', shape: [this.rows + 1], bytes: offsets.length, parts: [offsets] });
      out.set(`${name}.data`, { dtype: DTYPES[dtype], shape: [this.totals[k]], bytes: data.length, parts: [data] });
    });
    return out;
  }
}

/** A staging buffer for writeShard: one per writer, reused from shard to shard (one write at a time). */
export const stagingBuffer = () => Buffer.allocUnsafeSlow(STAGE_BYTES);

/**
 * Writes the records in `shard` (a ShardBuffer) as shard `number` of the pack in `folder`; returns
 * its index.json entry. `stage` (from stagingBuffer()) may be given to reuse: a new 4 MiB buffer a
 * shard lived until a full GC. `shard` must not change until the promise settles.
 * @example const shard = new ShardBuffer(fields); shard.add(leaves, 0, 3);
 * const entry = await writeShard('out', 0, shard, key, 0);
 * // {file: 'shard-00000.safetensors', records: 3, bytes: 2628, sha256: '...'}
 */
export async function writeShard(folder, number, shard, packKey, firstRecord, stage = stagingBuffer()) {
  const rows = shard.rows;
  const tensors = shard.tensors();
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
