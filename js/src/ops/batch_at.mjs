// Random access to batches (SPEC.md §4.5): batch i of an epoch without
// reading the batches before it. A pipeline qualifies when its stages are an
// indexable part (SPEC.md §4.2: an indexable source, then only map, global
// shuffle, take, skip), then one batch(B), then any number of prefetch.
// Batch i is records [i*B, min((i+1)*B, n)) of the indexable part, fetched
// with get() calls in flight together and stacked as SPEC.md §2.2 -- the
// bytes iteration gives, since iteration cuts its batches from the same
// records (get(i, epoch) of an indexable stage is record i of iterate(epoch)).
import { BatchStage } from './batch.mjs';
import { PrefetchStage } from './prefetch.mjs';
import { stack } from '../core/record.mjs';
import { checkInt, rangeError } from '../errors.mjs';

// get() calls in flight at once: enough to overlap file reads with decoding,
// few enough not to open thousands of files for a large batch.
const IN_FLIGHT = 16;

function chain(stage) {
  const out = [];
  for (let s = stage; s !== null; s = s.upstream) out.unshift(s);
  return out;
}

function summaryOf(stage) {
  return chain(stage).map((s) => s.label()).join(' -> ');
}

/**
 * The batch stage batchAt() reads through, or SF_ARG naming the stage that
 * breaks random access.
 * @example randomAccessBatch(pipeline.stage) // the BatchStage of `... -> batch(32) -> prefetch(2)`
 * @param {import('./stage.mjs').Stage} last the pipeline's last stage
 * @returns {BatchStage}
 */
export function randomAccessBatch(last) {
  let stage = last;
  while (stage instanceof PrefetchStage) stage = stage.upstream;
  if (!(stage instanceof BatchStage)) {
    throw rangeError('SF_ARG', `batchAt() needs a pipeline that ends in batch(B) (optionally followed by prefetch), but ${summaryOf(last)} ends in ${stage.label()}; add .batch(B) last, or move ${stage.label()} before the batch if it is a map, global shuffle, take or skip`);
  }
  if (stage.upstream.dropsRecords) {
    const source = chain(stage)[0];
    throw rangeError('SF_ARG', `batchAt() cannot index ${summaryOf(last)}: ${source.label()} has onError 'skip' (on_error=skip), which drops a record that fails while it is read, so where batch i starts is unknown until the records before it are read (SPEC.md §4.2, §4.6); iterate the pipeline, or use onError 'raise'`);
  }
  if (!stage.upstream.indexable) {
    const breaker = chain(stage.upstream).find((s) => !s.indexable);
    const why = breaker.upstream === null
      ? 'is a stream (not indexable)'
      : 'breaks random access (only map, global shuffle, take and skip keep records indexable)';
    throw rangeError('SF_ARG', `batchAt() cannot index ${summaryOf(last)}: ${breaker.label()} ${why}; remove it, use a global shuffle() instead of a buffer shuffle, or iterate the pipeline`);
  }
  return stage;
}

/**
 * Calls stage.get(k, epoch) for k in [lo, hi), up to IN_FLIGHT at once, and
 * returns the records in order. On failure it starts no new call, waits for
 * those in flight and throws the error of the lowest failing index, so the
 * error does not depend on timing.
 */
async function getRange(stage, lo, hi, epoch) {
  const out = new Array(hi - lo);
  const errors = new Map();
  let next = lo;
  const worker = async () => {
    while (next < hi && errors.size === 0) {
      const k = next++;
      try {
        out[k - lo] = await stage.get(k, epoch);
      } catch (err) {
        errors.set(k, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, hi - lo) }, worker));
  if (errors.size > 0) throw errors.get(Math.min(...errors.keys()));
  return out;
}

/**
 * Batch i of `epoch` of the pipeline ending in `last` (SPEC.md §4.5).
 * @example const b = await batchAt(fromRange(10).shuffle({ seed: 1 }).batch(4).stage, 2, 0); // 2 records
 * @param {import('./stage.mjs').Stage} last the pipeline's last stage
 * @param {number} i batch index in [0, number of batches)
 * @param {number} epoch u32
 */
export async function batchAt(last, i, epoch) {
  checkInt(epoch, 'batchAt(i, epoch): epoch', 0, 4294967295);
  const batch = randomAccessBatch(last);
  const count = batch.cardinality();
  checkInt(i, 'batchAt(i): i', 0);
  if (i >= count) {
    throw rangeError('SF_ARG', `batchAt(i): index ${i} is outside [0, ${count}): ${summaryOf(last)} has ${count} batch${count === 1 ? '' : 'es'} per epoch`);
  }
  const n = batch.upstream.cardinality();
  const lo = i * batch.batchSize;
  const hi = Math.min(lo + batch.batchSize, n);
  // A packed source (or a cache) gathers the batch's records in one block: the same bytes, one copy.
  if (typeof batch.upstream.getBlock === 'function' && batch.upstream.blockNative) return batch.upstream.getBlock(lo, hi, epoch);
  return stack(await getRange(batch.upstream, lo, hi, epoch));
}
