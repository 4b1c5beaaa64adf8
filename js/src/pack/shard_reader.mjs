// Shards of a pack as one packed source reads them (SPEC.md §3.7, §9.2):
// opened and checked once, then read with positional reads, or from memory
// when the read-ahead holds the shard (readahead.mjs).
// Python twin: python/streamfit/pack/shard_reader.py.
//
// The first time this reader opens a shard it checks the file's size and
// (verify) sha256 against the index: SF_PACK_CHECKSUM naming the file. A
// block of records is gathered with one copy per leaf: from a held shard's
// bytes, or straight from the file into the block (fs.read at an offset).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { NdArray, DTYPES as ND_DTYPES } from '../core/ndarray.mjs';
import { plainError } from '../errors.mjs';
import { parseHeader, MAX_HEADER } from './format.mjs';
import { rebuild } from './index.mjs';
import { OpenFiles, readAt, readWhole, sha256File, statFd } from './files.mjs';
import { RegionCache, ShardCache, aheadOf } from './readahead.mjs';
import { checkMeta, shardLayout } from './shard_layout.mjs';
import { floorIndex } from '../order/pack_order.mjs';
import { sha256InWorker } from './hash_pool.mjs';

/** Copies shorter than this go byte by byte (a subarray per record costs more than the copy). */
const SMALL_COPY = 64;
/**
 * A field this small per record (a label) is read a whole shard's worth at a
 * time and kept: one read instead of a system call per record of a scattered order.
 */
const SMALL_FIELD = 1024;
/** Shards at least this big are hashed on a worker thread (smaller: not worth the message). */
const WORKER_HASH_BYTES = 4 << 20;
/** Bytes of small-field regions kept at once (a region: one field of one shard). */
const REGION_BUDGET = 64 << 20;

/**
 * The shards of one pack as one reader sees them; shards open lazily.
 * @example
 * const shards = new ShardSet(readIndex('flowers_pack'), { verify: true, budget: 256 << 20, whole: true });
 * const block = await shards.gather(Float64Array.of(0, 1, 2)); // records 0..2, stacked
 */
export class ShardSet {
  /**
   * @param {import('./index.mjs').PackIndex} index
   * @param {{verify: boolean, budget: number, whole: boolean}} options whole: hold whole
   *   shards in memory as far as the budget allows (false: positional reads only, e.g. a
   *   sequential epoch, or a global order over a pack larger than the budget)
   */
  constructor(index, { verify, budget, whole }) {
    this.index = index;
    this.verify = verify;
    this.whole = whole;
    this.cache = new ShardCache(budget);
    this.files = new OpenFiles(64);
    this.sizes = index.shards.map((s) => s.bytes);
    this.fixedOnly = index.fields.every((f) => f.shape !== null);
    /** @type {(Promise<import('./shard_layout.mjs').Layout>|undefined)[]} */
    this.opened = new Array(index.shards.length);
    /** @type {Map<number, Promise<boolean>>} shards being read into memory */
    this.loading = new Map();
    this.regions = new RegionCache(REGION_BUDGET);
  }

  /** The records of small fixed field `f` in shard s (one tensor), read once and kept. */
  region(s, f, layout) {
    return this.regions.get(`${s}/${f.name}`, this.index.shards[s].records * f.recordBytes, async (out) => {
      await this.copy(s, null, layout.fixed.get(f.name), out);
    });
  }

  path(s) {
    return join(this.index.folder, this.index.shards[s].file);
  }

  /** An open fd of shard s (SF_PACK_FORMAT when the file is gone). */
  async acquire(s) {
    try {
      return await this.files.acquire(s, this.path(s));
    } catch (cause) {
      throw plainError('SF_PACK_FORMAT', `packed: shard ${this.index.shards[s].file} listed in ${join(this.index.folder, 'index.json')} cannot be opened (${cause.code ?? cause.message}); the pack is incomplete: write it again with pack`, cause);
    }
  }

  checksumError(s, why) {
    const e = this.index.shards[s];
    return plainError('SF_PACK_CHECKSUM', `packed: shard ${e.file} in ${this.index.folder} ${why}: it is truncated or was changed after packing; write the pack again (or restore it)`);
  }

  /** Shard s opened and checked (once per reader; a failure is remembered and thrown again). */
  open(s) {
    let p = this.opened[s];
    if (p === undefined) {
      p = this.openNow(s);
      p.catch(() => {}); // awaited by whoever needs the shard; read-ahead must not leave it unhandled
      this.opened[s] = p;
    }
    return p;
  }

  async openNow(s) {
    const entry = this.index.shards[s];
    const f = await this.acquire(s);
    try {
      const { size } = await statFd(f.fd);
      if (size !== entry.bytes) throw this.checksumError(s, `is ${size} bytes but the index says ${entry.bytes}`);
      const short = () => this.checksumError(s, 'became shorter while it was read');
      // a big shard is hashed on a worker thread, while this one reads (or gathers other shards)
      const hashing = this.verify && size >= WORKER_HASH_BYTES ? sha256InWorker(this.path(s), size) : null;
      const bytes = this.whole ? this.cache.reserve(size) : null;
      try {
        if (bytes !== null) await readWhole(f.fd, size, short, bytes);
        if (this.verify) {
          let got = hashing === null ? null : await hashing;
          if (got === null) got = { hex: bytes !== null ? createHash('sha256').update(bytes).digest('hex') : await sha256File(f.fd, size, short) };
          if (got.short) throw short();
          this.checkHash(s, got.hex);
        }
      } catch (err) {
        if (bytes !== null) this.cache.cancel(bytes);
        throw err;
      }
      if (bytes !== null) this.cache.put(s, bytes);
      let head = bytes;
      if (head === null) {
        const len = new Uint8Array(8);
        await readAt(f.fd, len, 0, short);
        const n = Number(Buffer.from(len.buffer).readBigUInt64LE(0));
        head = new Uint8Array(8 + Math.min(n, MAX_HEADER, Math.max(0, size - 8)));
        await readAt(f.fd, head, 0, short);
      }
      const { header, start } = parseHeader(head, size, entry.file);
      checkMeta(header.__metadata__, this.index, s);
      const offsets = async (at, dst) => {
        if (bytes !== null) dst.set(bytes.subarray(at, at + dst.length));
        else await readAt(f.fd, dst, at, short);
      };
      return await shardLayout(header, start, this.index, s, offsets);
    } finally {
      f.release();
    }
  }

  checkHash(s, digest) {
    const want = this.index.shards[s].sha256;
    if (digest !== want) throw this.checksumError(s, `has sha256 ${digest} but the index says ${want}`);
  }

  /** Shard s opened and, when it can be, held in memory (resolves to whether it is held). */
  async hold(s) {
    await this.open(s);
    if (this.cache.has(s)) return true;
    if (!this.whole || !this.cache.fits(this.sizes[s])) return false;
    let p = this.loading.get(s);
    if (p === undefined) {
      p = this.load(s);
      this.loading.set(s, p);
      p.then(() => this.loading.delete(s), () => this.loading.delete(s));
    }
    return p;
  }

  async load(s) {
    const buf = this.cache.reserve(this.sizes[s]);
    if (buf === null) return false;
    try {
      const f = await this.acquire(s);
      try {
        await readWhole(f.fd, this.sizes[s], () => this.checksumError(s, 'became shorter while it was read'), buf);
      } finally {
        f.release();
      }
    } catch (err) {
      this.cache.cancel(buf);
      throw err;
    }
    this.cache.put(s, buf);
    return true;
  }

  /**
   * The reader is in group g of `groups` (an epoch's shards in read order):
   * keep that group, and load (or, reading from the files, check) the next
   * groups in the background while they fit the budget.
   */
  follow(groups, g) {
    const { keep, ahead } = aheadOf(groups, g, this.sizes, this.cache.budget);
    if (this.whole) {
      this.cache.keep = new Set(keep);
      for (const s of ahead) {
        if (!this.cache.has(s) && !this.loading.has(s)) this.hold(s).catch(() => {});
      }
    } else if (this.verify) {
      // check the next shards ahead (their hash runs on a worker); a bad one still fails only when read
      for (const s of ahead) this.open(s);
    }
  }

  /** Fills dst with `length` bytes of shard s at `offset`, from memory or from the file. */
  async copy(s, bytes, offset, dst) {
    if (bytes !== null) {
      copyBytes(bytes, offset, dst, 0, dst.length);
      return;
    }
    const f = await this.acquire(s);
    try {
      await readAt(f.fd, dst, offset, () => this.checksumError(s, 'became shorter while it was read'));
    } finally {
      f.release();
    }
  }

  /**
   * Stored records `stored` (in that order) as one block: each leaf gathered
   * with one copy, run by run (a run: consecutive records of one shard). Fixed fields only.
   * @param {Float64Array|number[]} stored
   */
  async gather(stored) {
    const m = stored.length;
    const { starts } = this.index;
    // runs of consecutive stored records within one shard
    const runShard = [];
    const runLoc = [];
    const runAt = [];
    let s = -1;
    for (let j = 0; j < m; j++) {
      const r = stored[j];
      const k = runAt.length - 1;
      if (k >= 0 && r >= starts[s] && r < starts[s + 1] && r - starts[s] === runLoc[k] + (j - runAt[k])) continue;
      if (!(s >= 0 && r >= starts[s] && r < starts[s + 1])) s = floorIndex(starts, r);
      runShard.push(s);
      runLoc.push(r - starts[s]);
      runAt.push(j);
    }
    runAt.push(m);
    const touched = [...new Set(runShard)];
    const layouts = new Map();
    await Promise.all(touched.map(async (t) => {
      layouts.set(t, await this.open(t));
      await this.hold(t);
    }));
    // Pinned while they are copied: a shard read ahead cannot evict them (one
    // evicted meanwhile is not held any more: its records are read from the file).
    const held = new Map(touched.map((t) => [t, this.cache.pin(t) ?? null]));
    try {
      return await this.gatherRuns(m, runShard, runLoc, runAt, touched, layouts, held);
    } finally {
      for (const [t, b] of held) if (b !== null) this.cache.unpin(t);
    }
  }

  async gatherRuns(m, runShard, runLoc, runAt, touched, layouts, held) {
    const { fields, structure } = this.index;
    // small fields of shards not held: whole regions, when the runs are short (a scattered order)
    const regions = new Map();
    if (runShard.length > touched.length) {
      await Promise.all(fields.filter((f) => f.recordBytes < SMALL_FIELD).flatMap((f) => touched.filter((t) => held.get(t) === null)
        .map(async (t) => regions.set(`${t}/${f.name}`, await this.region(t, f, layouts.get(t))))));
    }
    const leaves = {};
    const reads = [];
    for (const f of fields) {
      const rb = f.recordBytes;
      const per = rb / f.itemSize;
      // every byte is written below: no zero-fill (a block is fresh memory, its own ArrayBuffer)
      const raw = Buffer.allocUnsafeSlow(m * rb);
      const data = new ND_DTYPES[f.dtype](raw.buffer, 0, m * per);
      const out = new Uint8Array(raw.buffer, 0, m * rb);
      for (let k = 0; k < runShard.length; k++) {
        const t = runShard[k];
        const len = (runAt[k + 1] - runAt[k]) * rb;
        const region = regions.get(`${t}/${f.name}`);
        if (region !== undefined) {
          copyBytes(region, runLoc[k] * rb, out, runAt[k] * rb, len);
          continue;
        }
        const bytes = held.get(t);
        const src = layouts.get(t).fixed.get(f.name) + runLoc[k] * rb;
        if (bytes !== null) copyBytes(bytes, src, out, runAt[k] * rb, len);
        else reads.push(this.copy(t, null, src, out.subarray(runAt[k] * rb, runAt[k] * rb + len)));
      }
      leaves[f.name] = new NdArray(f.dtype, [m, ...f.shape], data);
    }
    await Promise.all(reads);
    return rebuild(structure, leaves);
  }

  /** Stored record r as a record of fresh arrays (variable fields at their own length). */
  async record(r) {
    const { starts } = this.index;
    const s = floorIndex(starts, r);
    const loc = r - starts[s];
    const layout = await this.open(s);
    await this.hold(s);
    const bytes = this.cache.pin(s) ?? null;
    try {
      return await this.readRecord(s, loc, layout, bytes);
    } finally {
      if (bytes !== null) this.cache.unpin(s);
    }
  }

  async readRecord(s, loc, layout, bytes) {
    const { fields, structure } = this.index;
    const leaves = {};
    await Promise.all(fields.map(async (f) => {
      let offset;
      let count;
      if (f.shape !== null) {
        count = f.recordBytes / f.itemSize;
        offset = layout.fixed.get(f.name) + loc * f.recordBytes;
      } else {
        const v = layout.variable.get(f.name);
        count = v.offsets[loc + 1] - v.offsets[loc];
        offset = v.data + v.offsets[loc] * f.itemSize;
      }
      const data = new ND_DTYPES[f.dtype](count);
      await this.copy(s, bytes, offset, new Uint8Array(data.buffer));
      leaves[f.name] = new NdArray(f.dtype, f.shape ?? [count], data);
    }));
    return rebuild(structure, leaves);
  }
}

/** dst[at .. at+len) = src[from .. from+len), byte by byte when short. */
function copyBytes(src, from, dst, at, len) {
  if (len <= SMALL_COPY) {
    for (let k = 0; k < len; k++) dst[at + k] = src[from + k];
  } else {
    dst.set(src.subarray(from, from + len), at);
  }
}
