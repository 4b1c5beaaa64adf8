// The fluent Pipeline: each method wraps a stage from js/src/ops/ and returns
// a new Pipeline. Logic lives in the stage files. SPEC.md §4.
import { MapStage } from '../ops/map.mjs';
import { FilterStage } from '../ops/filter.mjs';
import { ShuffleStage } from '../ops/shuffle.mjs';
import { BatchStage } from '../ops/batch.mjs';
import { TakeStage } from '../ops/take.mjs';
import { SkipStage } from '../ops/skip.mjs';
import { RepeatStage } from '../ops/repeat.mjs';
import { PrefetchStage } from '../ops/prefetch.mjs';
import { CacheStage } from '../ops/cache.mjs';
import { packStage } from '../pack/writer.mjs';
import { INFINITE } from '../ops/stage.mjs';
import { batchAt } from '../ops/batch_at.mjs';
import { checkKeys } from '../errors.mjs';
import { checkInt } from '../errors.mjs';

export { INFINITE };

/**
 * A chain of stages over plain records (NdArray trees).
 * @example
 * const p = fromRange(10).shuffle({ seed: 7 }).batch(4);
 * for await (const batch of p) console.log(batch.toList());
 * console.log(p.summary()); // range(10) -> shuffle(global, seed=7) -> batch(4)
 */
export class Pipeline {
  /** @param {import('../ops/stage.mjs').Stage} stage the last stage */
  constructor(stage) {
    this.stage = stage;
  }

  /** Applies fn(record) -> record (sync or async). `name` shows in the summary. */
  map(fn, { name } = {}) {
    return new Pipeline(new MapStage(this.stage, fn, { name }));
  }

  /** Keeps records where predicate(record) is true. */
  filter(predicate, { name } = {}) {
    return new Pipeline(new FilterStage(this.stage, predicate, { name }));
  }

  /**
   * Buffer shuffle (bufferSize given, SPEC §1.5) or global shuffle (bufferSize null, SPEC §1.6).
   * @param {{bufferSize?: number|null, seed?: number|null, reshuffleEachIteration?: boolean}} [options]
   */
  shuffle(options = {}) {
    checkKeys(options, ['bufferSize', 'seed', 'reshuffleEachIteration'], 'shuffle');
    const { bufferSize = null, seed = null, reshuffleEachIteration = true } = options ?? {};
    return new Pipeline(new ShuffleStage(this.stage, { bufferSize, seed, reshuffleEachIteration }));
  }

  /** Stacks batchSize consecutive records (SPEC §2.2). */
  batch(batchSize, options = {}) {
    checkKeys(options, ['dropRemainder'], 'batch');
    const { dropRemainder = false } = options ?? {};
    return new Pipeline(new BatchStage(this.stage, batchSize, { dropRemainder }));
  }

  /** The first `count` records (-1: all). */
  take(count) {
    return new Pipeline(new TakeStage(this.stage, count));
  }

  /** All but the first `count` records. */
  skip(count) {
    return new Pipeline(new SkipStage(this.stage, count));
  }

  /** Repeats `count` times (null: forever); each pass gets its own epoch (SPEC §1.7). */
  repeat(count = null) {
    return new Pipeline(new RepeatStage(this.stage, count));
  }

  /** Reads up to bufferSize records ahead. */
  prefetch(bufferSize = 2) {
    return new Pipeline(new PrefetchStage(this.stage, bufferSize));
  }

  /**
   * Packs the records before it into `path` the first time the pipeline is
   * read, then reads them from there in every epoch (SPEC.md §4.7): epoch 0's
   * records are frozen, so shuffle after it. `key` identifies the upstream in
   * the pack's key beside its summary (e.g. the data's version).
   * @example const p = csv('big.csv', { label: 'y' }).map(norm).cache('big_cache').shuffle({ bufferSize: 10000, seed: 1 });
   * @param {string} path folder
   * @param {{key?: string|null}} [options]
   */
  cache(path, options = {}) {
    checkKeys(options, ['key'], 'cache');
    return new Pipeline(new CacheStage(this.stage, path, { key: options?.key ?? null }));
  }

  /**
   * Writes epoch 0's records as a pack in `outDir` (SPEC.md §9), resumably:
   * run again after an interruption, it keeps the finished shards; on a
   * finished pack of this pipeline it does nothing. Resolves to the pack's
   * index.json object. Read it back with packed(outDir).
   * @example
   * await imageFolder('photos', { decode: false }).pack('photos_pack', { shardBytes: 64 << 20, variable: ['0'] });
   * const p = packed('photos_pack', { order: 'global', seed: 7 }).map(decodeImage).batch(32);
   * @param {string} outDir
   * @param {{shardBytes?: number, variable?: string[], key?: string|null, progress?: boolean}} [options]
   *   shardBytes default 128 MiB; variable: fields ("0", "1", ...) that are 1-d of varying length;
   *   key: identifies this pipeline in pack_key beside its summary; progress: lines on stderr (default true)
   * @returns {Promise<object>}
   */
  async pack(outDir, options = {}) {
    checkKeys(options, ['shardBytes', 'variable', 'key', 'progress'], 'pack');
    return packStage(this.stage, outDir, options ?? {});
  }

  /**
   * Iterates one epoch (u32, default 0).
   * @returns {AsyncIterableIterator<unknown>}
   */
  iterate(epoch = 0) {
    checkInt(epoch, 'iterate(epoch)', 0, 4294967295);
    return this.stage.iterate(epoch);
  }

  [Symbol.asyncIterator]() {
    return this.iterate(0);
  }

  /** Number of records, null when unknown, INFINITE (Infinity) when unbounded. */
  cardinality() {
    return this.stage.cardinality();
  }

  /** true when get(i, epoch) works (SPEC §4.2). */
  get indexable() {
    return this.stage.indexable;
  }

  /**
   * The source's files relative to its folder ('/'-separated) in the source's
   * record order (SPEC §3.4, §3.5: the first input's files); null when the source has no such list.
   * @returns {string[]|null}
   */
  get filePaths() {
    return this.stages()[0].filePaths ?? null;
  }

  /**
   * What the source skipped in its last read of `epoch` that reached its end
   * (SPEC.md §4.6): {code: count} with sorted keys, {} when nothing was
   * skipped, null when no read of that epoch (the epoch the source sees) has
   * reached the source's end, e.g. a take() that stopped early.
   * @example
   * const p = csv('messy.csv', { onError: 'skip' });
   * for await (const x of p.iterate(0)) void x;
   * p.skipped(0); // { SF_CSV_COLUMNS: 2, SF_CSV_NUMBER: 1 }
   * @returns {{[code: string]: number}|null}
   */
  skipped(epoch = 0) {
    checkInt(epoch, 'skipped(epoch)', 0, 4294967295);
    return this.stage.source().skipped(epoch);
  }

  /** Record i of epoch `epoch` of an indexable pipeline. */
  async get(i, epoch = 0) {
    checkInt(epoch, 'get(i, epoch)', 0, 4294967295);
    if (this.stage.indexable) this.stage.checkIndex(i);
    return this.stage.get(i, epoch);
  }

  /**
   * Batch i of epoch `epoch`, read directly (SPEC §4.5): the pipeline must be
   * an indexable part, then batch(B), then optionally prefetch. Same bytes as
   * the i-th batch of iterate(epoch).
   * @example const last = await imageFolder('photos').shuffle({ seed: 1 }).batch(32).batchAt(7, 2);
   */
  batchAt(i, epoch = 0) {
    return batchAt(this.stage, i, epoch);
  }

  /** The stages, source first. */
  stages() {
    const out = [];
    for (let s = this.stage; s !== null; s = s.upstream) out.unshift(s);
    return out;
  }

  /** "csv(xy.csv) -> shuffle(buffer=1000, seed=7) -> batch(250)" (SPEC §4.4). */
  summary() {
    return this.stages().map((s) => s.label()).join(' -> ');
  }

  toString() {
    return this.summary();
  }

  /**
   * A tfjs `tf.data.Dataset` over this pipeline (loads tfjs-node lazily).
   * The k-th iterator created runs epoch k (SPEC §1.7).
   * @returns {Promise<import('@tensorflow/tfjs-node').data.Dataset<any>>}
   */
  async toTfData() {
    const { toTfData } = await import('../tfjs/dataset.mjs');
    return toTfData(this);
  }
}
