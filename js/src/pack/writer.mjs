// pack: write epoch 0 of a pipeline as a pack (SPEC.md §9.1), resumably.
// Python twin: python/streamfit/pack/writer.py.
//
// The pipeline's blocks are checked against the fields of its first record
// (fields.mjs), cut into shards by the closing rule (a shard closes after the
// record that brings its data bytes to at least shard_bytes), and each shard
// is written atomically (shard_writer.mjs) while the pipeline produces the
// next one. index.json is written last. A run on a folder holding this pack's
// first shards resumes after them (resume.mjs): an indexable pipeline fetches
// from the next record on, a stream is read and the packed records dropped.
// The images a pack reads are decoded on worker threads (tfjs/decode_pool.mjs).
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { recordAsBlock, blockLength } from '../core/block.mjs';
import { checkInt, plainError, rangeError, typeError, describe } from '../errors.mjs';
import { getInOrder } from '../ops/stage.mjs';
import { MapStage } from '../ops/map.mjs';
import { FilterStage } from '../ops/filter.mjs';
import { TakeStage } from '../ops/take.mjs';
import { SkipStage } from '../ops/skip.mjs';
import { PrefetchStage } from '../ops/prefetch.mjs';
import { Fields } from './fields.mjs';
import { FORMAT, INDEX, TMP, VERSION, packKey } from './format.mjs';
import { Progress } from './progress.mjs';
import { removeStale, scan } from './resume.mjs';
import { ShardBuffer, stagingBuffer, writeShard } from './shard_writer.mjs';
import { closeFile, fsyncFd, fsyncFolder, openFile, writeAll } from './files.mjs';
import { withDecodePool } from '../tfjs/decode_pool.mjs';
import { fullGc } from '../core/full_gc.mjs';

export const DEFAULT_SHARD_BYTES = 128 * 2 ** 20;

/** A full collection after the shard that brings the bytes copied since the last one to this (full_gc.mjs). */
const GC_BYTES = 32 * 2 ** 20;

/** The stages of the pipeline ending in `last`, source first. */
export function chainOf(last) {
  const out = [];
  for (let s = last; s !== null; s = s.upstream) out.unshift(s);
  return out;
}

/** SF_ARG unless the stages are a source then only map, filter, take, skip and prefetch (SPEC.md §9.1). */
export function checkPackable(stages, summary, who = 'pack') {
  for (const stage of stages.slice(1)) {
    const ok = stage instanceof MapStage || stage instanceof FilterStage || stage instanceof TakeStage
      || stage instanceof SkipStage || stage instanceof PrefetchStage;
    if (!ok) {
      throw rangeError('SF_ARG', `${who}: ${summary} has ${stage.label()}, which a pack does not store: a pipeline to pack is a source followed by map, filter, take, skip and prefetch only; pack the records, then shuffle, batch or repeat the packed source (SPEC.md §9.1)`);
    }
  }
}

function checkVariable(variable) {
  if (!Array.isArray(variable) || !variable.every((v) => typeof v === 'string')) {
    throw typeError('SF_ARG', `pack({variable}) must be a list of field names like ["0"], got ${describe(variable)}`);
  }
  if (new Set(variable).size !== variable.length) throw rangeError('SF_ARG', `pack({variable}) lists a field twice: ${describe(variable)}`);
  return variable.slice();
}

/** Cuts checked blocks into shards and writes each, one shard write in flight while the next fills. */
class Shards {
  constructor(folder, fields, key, shardBytes, kept, firstRecord) {
    Object.assign(this, { folder, fields, key, shardBytes, firstRecord });
    this.entries = kept.slice();
    this.filling = new ShardBuffer(fields); // records copied in; the other buffer is being written
    this.spare = new ShardBuffer(fields);
    this.size = 0;
    this.sinceGc = 0; // data bytes copied since the last full collection
    this.pending = null;
    this.stage = stagingBuffer(); // flush() waits for the previous write: one write uses it at a time
  }

  /** Records lo..hi-1 of a checked block (its leaves in field order). */
  async add(leaves, lo, hi) {
    const rows = leaves[0].shape[0];
    let per = 0; // data bytes of one record of this block: its records share their shapes
    this.fields.leaves.forEach((f, k) => {
      const a = leaves[k];
      per += f.shape !== null ? a.data.byteLength / rows : a.shape[1] * a.data.BYTES_PER_ELEMENT + 8;
    });
    while (lo < hi) {
      const take = per === 0 ? hi - lo : Math.min(hi - lo, Math.ceil((this.shardBytes - this.size) / per));
      this.filling.add(leaves, lo, lo + take, per === 0 ? 0 : Math.ceil(this.shardBytes / per));
      this.size += take * per;
      lo += take;
      if (this.size >= this.shardBytes) await this.flush();
    }
  }

  async flush() {
    if (this.filling.rows === 0) return;
    await this.collect(); // the spare's write is done: it can be filled again
    const shard = this.filling;
    this.pending = writeShard(this.folder, this.entries.length, shard, this.key, this.firstRecord, this.stage);
    this.pending.catch(() => {});
    this.firstRecord += shard.rows;
    this.filling = this.spare;
    this.spare = shard;
    this.filling.clear();
    this.sinceGc += this.size;
    this.size = 0;
    if (this.sinceGc >= GC_BYTES) { // the records copied are garbage: free them now, not when V8 gets to them
      fullGc();
      this.sinceGc = 0;
    }
  }

  async collect() {
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      this.entries.push(await p);
    }
  }

  /** Writes the last shard, waits for the writes; every shard's entry. */
  async close() {
    await this.flush();
    await this.collect();
    return this.entries;
  }
}

/** The blocks of positions start..n-1 of an indexable stage (a resumed pack of an indexable pipeline). */
async function* indexedBlocks(core, start) {
  const n = core.positions();
  if (typeof core.getBlock === 'function' && core.blockNative && core.upstream === null) {
    const read = core.beginRead(0);
    const B = core.blockRecords ?? 1024;
    for (let lo = start; lo < n; lo += B) yield await core.getBlock(lo, Math.min(lo + B, n), 0);
    read.finish(n);
    return;
  }
  for await (const record of getInOrder(core, n - start, (i) => i + start, 0)) yield recordAsBlock(record);
}

/**
 * Packs epoch 0 of the pipeline ending in `last` into `outDir`; resolves to the pack's index.
 * `spec` is the packed spec part (the CLI, a spec's cache); an API pipeline has
 * none and may give a `key` string instead, which identifies it in pack_key (SPEC.md §9.1).
 * @example const index = await packStage(csv('xy.csv', { label: 'y' }).stage, 'xy_pack', { shardBytes: 1 << 20 });
 * @param {import('../ops/stage.mjs').Stage} last
 * @param {string} outDir
 * @param {{shardBytes?: number, variable?: string[], key?: string|null, progress?: boolean, spec?: unknown}} [options]
 */
export async function packStage(last, outDir, options) {
  // every image decode reached from here (sources' reads, decode_image maps) runs on the pool's workers
  return withDecodePool(() => writePack(last, outDir, options));
}

async function writePack(last, outDir, { shardBytes = DEFAULT_SHARD_BYTES, variable = [], key = null, progress = true, spec = null } = {}) {
  const stages = chainOf(last);
  const summary = stages.map((s) => s.label()).join(' -> ');
  checkPackable(stages, summary);
  checkInt(shardBytes, 'pack({shardBytes}) (shard_bytes)', 1);
  const names = checkVariable(variable);
  if (key !== null && typeof key !== 'string') throw typeError('SF_ARG', `pack({key}) must be a string or null, got ${describe(key)}`);
  if (typeof outDir !== 'string') throw typeError('SF_ARG', `pack(outDir): outDir must be a folder path, got ${describe(outDir)}`);
  if (typeof progress !== 'boolean') throw typeError('SF_ARG', `pack({progress}) must be true or false, got ${describe(progress)}`);
  const pk = packKey(summary, spec ?? key, shardBytes, names);
  const state = scan(outDir, pk);
  const n = last.cardinality();
  const report = new Progress(progress, typeof n === 'number' && Number.isFinite(n) ? n : null, state.records);
  if (state.finished !== null) {
    report.note(`pack: ${outDir} already holds this pack (pack_key ${pk.slice(0, 12)}...); nothing to do`);
    return state.finished;
  }
  const start = state.records;
  let core = last;
  while (core instanceof PrefetchStage) core = core.upstream; // a prefetch never changes values
  let fields = null;
  let blocks;
  let done;
  if (start > 0 && core.indexable && !core.dropsRecords) { // positions are records: fetch from the next one
    // the fields come from the first block fetched (every record has them), or record 0 when none is left
    if (start >= core.positions()) fields = Fields.of(recordAsBlock(await core.get(0, 0)), names);
    blocks = indexedBlocks(core, start);
    done = start;
  } else { // a stream (or a source that drops records): read it, dropping what is packed
    blocks = last.iterateBlocks(0);
    done = 0;
  }
  let shards = null;
  try {
    for await (const block of blocks) {
      fields ??= Fields.of(block, names, done);
      shards ??= new Shards(outDir, fields, pk, shardBytes, state.kept, start);
      const leaves = fields.check(block, done);
      const rows = blockLength(block);
      await shards.add(leaves, Math.min(rows, Math.max(0, start - done)), rows);
      done += rows;
      report.update(done);
    }
  } finally {
    // a failure still finishes the shard in flight, so its bytes are kept on the next run
    if (shards !== null) await shards.collect().catch(() => {});
  }
  const entries = shards !== null ? await shards.close() : state.kept.slice();
  if (fields === null) throw plainError('SF_EMPTY_SOURCE', `pack: ${summary} yields no records; there is nothing to pack`);
  if (done < start) {
    throw rangeError('SF_ARG', `pack: ${summary} now yields ${done} records, fewer than the ${start} in the shards already in ${outDir}; its data changed since: delete the folder and pack again`);
  }
  const index = {
    format: FORMAT, version: VERSION, pack_key: pk, structure: fields.structure, fields: fields.indexFields(),
    records: done, shards: entries, skipped: stages[0].skipped(0), producer: { language: 'node', pipeline: summary, spec: spec ?? null },
  };
  removeStale(outDir, entries.length);
  await writeIndex(outDir, index);
  report.finish(done, entries.length, outDir);
  return index;
}

/** index.json, written as <name>.tmp, flushed, then renamed (SPEC.md §9.1). */
async function writeIndex(folder, index) {
  const path = join(folder, INDEX);
  const fd = await openFile(path + TMP, 'w');
  try {
    await writeAll(fd, Buffer.from(`${JSON.stringify(index, null, 1)}\n`, 'utf8'));
    await fsyncFd(fd);
  } finally {
    await closeFile(fd);
  }
  renameSync(path + TMP, path);
  fsyncFolder(folder);
}
