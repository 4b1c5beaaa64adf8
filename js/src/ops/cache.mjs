// cache: pack the records before it once, then read them from the pack
// (SPEC.md §4.7). Python twin: python/streamfit/ops/cache.py.
//
// The first time the pipeline is read (any epoch, get, batchAt), the cache
// folder is checked: a finished pack with this pipeline's pack_key is used as
// it is; otherwise the upstream's epoch 0 is packed there (resuming an
// unfinished pack of the same key; another pack there is SF_ARG, never
// overwritten). Every epoch then reads the pack in stored order: a cache
// freezes epoch 0's records, as tf.data's does, so shuffle after it.
// Indexable (n = the pack's records) when the upstream is indexable with a
// known cardinality, or once the pack exists; a stream before that.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Stage } from './stage.mjs';
import { recordAsBlock, recordsOf } from '../core/block.mjs';
import { typeError, describe } from '../errors.mjs';
import { INDEX, packKey } from '../pack/format.mjs';
import { DEFAULT_SHARD_BYTES, chainOf, checkPackable, packStage } from '../pack/writer.mjs';
import { PackedSource } from '../sources/packed.mjs';

export class CacheStage extends Stage {
  /**
   * @param {Stage} upstream
   * @param {string} path the cache folder
   * @param {{key?: string|null, spec?: unknown}} [options] what identifies the upstream in
   *   pack_key beside its summary (SPEC.md §9.1): an API key string, or the spec part before the cache
   */
  constructor(upstream, path, { key = null, spec = null } = {}) {
    super(upstream);
    if (typeof path !== 'string') throw typeError('SF_ARG', `cache(path): path must be a folder path, got ${describe(path)}`);
    if (key !== null && typeof key !== 'string') throw typeError('SF_ARG', `cache({key}) must be a string or null, got ${describe(key)}`);
    const stages = chainOf(upstream);
    this.summaryBefore = stages.map((s) => s.label()).join(' -> ');
    checkPackable(stages, this.summaryBefore, 'cache');
    this.path = path;
    this.key = key;
    this.spec = spec;
    this.packKey = packKey(this.summaryBefore, spec ?? key, DEFAULT_SHARD_BYTES, []);
    /** @type {PackedSource|null} */
    this.reader = this.finishedHere() ? new PackedSource(path) : null;
    /** @type {Promise<PackedSource>|null} */
    this.opening = null;
  }

  label() {
    return `cache(${basename(this.path)})`;
  }

  finishedHere() {
    try {
      const index = JSON.parse(readFileSync(join(this.path, INDEX), 'utf8'));
      return index !== null && typeof index === 'object' && index.pack_key === this.packKey;
    } catch {
      return false;
    }
  }

  /** The packed source of the cache, packing the upstream's epoch 0 first if needed (once). */
  open() {
    if (this.reader !== null) return Promise.resolve(this.reader);
    this.opening ??= (async () => {
      await packStage(this.upstream, this.path, { key: this.key, spec: this.spec });
      this.reader = new PackedSource(this.path);
      return this.reader;
    })();
    return this.opening;
  }

  get indexable() {
    if (this.reader !== null) return true;
    const n = this.upstream.cardinality();
    return this.upstream.indexable && !this.upstream.dropsRecords && typeof n === 'number' && Number.isFinite(n);
  }

  cardinality() {
    return this.reader !== null ? this.reader.cardinality() : this.upstream.cardinality();
  }

  positions() {
    return this.cardinality();
  }

  // Records come from the pack, where nothing is dropped.
  get dropsRecords() {
    return this.reader !== null ? false : this.upstream.dropsRecords;
  }

  readsToEnd() {
    return true;
  }

  // A pack holds records of one shape (its fields are fixed here): blocks all the way.
  get blockNative() {
    return true;
  }

  get uniformRows() {
    return true;
  }

  get getAhead() {
    return true;
  }

  async get(i, epoch) {
    void epoch; // every epoch reads the pack in stored order
    return (await this.open()).get(i, 0);
  }

  async getBlock(lo, hi, epoch) {
    void epoch;
    return (await this.open()).getBlock(lo, hi, 0);
  }

  async *iterateBlocks(epoch) {
    void epoch;
    const reader = await this.open();
    if (reader.blockNative) {
      yield* reader.iterateBlocks(0);
      return;
    }
    for await (const record of reader.iterate(0)) yield recordAsBlock(record);
  }

  async *iterate(epoch) {
    yield* recordsOf(this.iterateBlocks(epoch));
  }
}
