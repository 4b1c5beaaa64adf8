// shuffle: buffer shuffle of a stream (SPEC.md §1.5) or global keyed
// permutation of an indexable upstream (SPEC.md §1.6).
import { Stage, getInOrder } from './stage.mjs';
import { Prng, combine, TAG_SHUF } from '../order/prng.mjs';
import { Permutation } from '../order/permute.mjs';
import { resolveSeed } from '../order/seed.mjs';
import { checkInt, rangeError, typeError } from '../errors.mjs';
import { leavesOf, mapTree, recordsOf } from '../core/block.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { recordBytes, sameLayout } from '../core/record.mjs';
import { shuffleBlocks } from './shuffle_buffer.mjs';

export class ShuffleStage extends Stage {
  /**
   * @param {Stage} upstream
   * @param {{bufferSize?: number|null, seed?: number|null, reshuffleEachIteration?: boolean}} options
   */
  constructor(upstream, { bufferSize = null, seed = null, reshuffleEachIteration = true } = {}) {
    super(upstream);
    if (bufferSize !== null && bufferSize !== undefined) checkInt(bufferSize, 'shuffle: buffer_size (bufferSize)', 1);
    if (typeof reshuffleEachIteration !== 'boolean') {
      throw typeError('SF_ARG', `shuffle: reshuffle_each_iteration (reshuffleEachIteration) must be true or false, got ${reshuffleEachIteration}`);
    }
    this.bufferSize = bufferSize ?? null;
    this.reshuffle = reshuffleEachIteration;
    if (this.bufferSize === null && !upstream.indexable) {
      throw rangeError('SF_SHUFFLE_BUFFER', `shuffle() without buffer_size (bufferSize) is a global shuffle and needs an indexable upstream, but ${upstream.label()} is a stream; set buffer_size, e.g. {"op": "shuffle", "buffer_size": 10000} or shuffle({bufferSize: 10000}) (a buffer >= the dataset size gives a uniform shuffle)`);
    }
    const { seed: s, drawn } = resolveSeed(seed, 'shuffle: seed');
    this.seed = s;
    this.drawn = drawn;
    this._perms = new Map();
  }

  get isGlobal() {
    return this.bufferSize === null;
  }

  label() {
    const seed = this.drawn ? `seed=${this.seed} (drawn)` : `seed=${this.seed}`;
    const what = this.isGlobal ? 'global' : `buffer=${this.bufferSize}`;
    return `shuffle(${what}, ${seed})`;
  }

  get indexable() {
    return this.isGlobal;
  }

  cardinality() {
    return this.upstream.cardinality();
  }

  // A global shuffle permutes the upstream's positions; over a source under
  // onError 'skip' the records that fail are dropped where they fall (SPEC.md §4.6).
  positions() {
    return this.upstream.positions();
  }

  /** The epoch this shuffle's own order uses (SPEC.md §1.7). */
  orderEpoch(epoch) {
    return this.reshuffle ? epoch >>> 0 : 0;
  }

  permutation(epoch) {
    const key = this.orderEpoch(epoch);
    let p = this._perms.get(key);
    if (p === undefined) {
      p = new Permutation(this.positions(), this.seed, key);
      if (this._perms.size > 8) this._perms.clear();
      this._perms.set(key, p);
    }
    return p;
  }

  async get(i, epoch) {
    this.checkIndex(i);
    return this.upstream.get(this.permutation(epoch).at(i), epoch);
  }

  /** A buffer shuffle of records of one shape runs on blocks (shuffle_buffer.mjs). */
  get blockNative() {
    return !this.isGlobal && this.upstream.blockNative && this.upstream.uniformRows;
  }

  get getAhead() {
    return this.isGlobal && this.upstream.getAhead;
  }

  async *iterateBlocks(epoch) {
    if (!this.blockNative) {
      yield* super.iterateBlocks(epoch);
      return;
    }
    yield* shuffleBlocks(this.upstream.iterateBlocks(epoch), this.bufferSize, this.seed, this.orderEpoch(epoch));
  }

  async *iterate(epoch) {
    if (this.blockNative) {
      yield* recordsOf(this.iterateBlocks(epoch));
      return;
    }
    if (this.isGlobal) {
      const n = this.positions();
      if (n === 0) return;
      const perm = this.permutation(epoch);
      yield* getInOrder(this.upstream, n, (i) => perm.at(i), epoch);
      return;
    }
    yield* this.buffered(epoch, false);
  }

  /** A buffer shuffle on the record path lends its slots (Stage.lendsRecords). */
  get lendsRecords() {
    return !this.isGlobal && !this.blockNative;
  }

  iterateLoaned(epoch) {
    return this.lendsRecords ? this.buffered(epoch, true) : this.iterate(epoch);
  }

  buffered(epoch, lend) {
    return bufferShuffle(this.upstream.iterateLoaned(epoch), this.bufferSize, this.seed, this.orderEpoch(epoch),
      { lent: this.upstream.lendsRecords, lend });
  }
}

/**
 * SPEC.md §1.5 over any async iterable. The buffer keeps its own copy of each
 * record of SLOT_MIN_BYTES or more and yields a fresh copy of it: the records
 * upstream made (a user generator's, a decoder's) are garbage as soon as they
 * are in, and the ones out as soon as batch() has stacked them. Holding
 * upstream's own records instead, they outlived V8's young collections while
 * they waited in the buffer, so only full collections freed their memory: in
 * the memory proof a stream of 12 KiB records peaked at 155 MB (1x) and 168 MB
 * (10x), with 70 full collections at 10x; with copies 124 and 137 MB, and 14
 * (issue 6). A slot reuses its storage for a record of the same layout.
 * Smaller records, and values that are not records (for the stage that checks
 * them to report), are held as they came.
 *
 * `lent`: the input's records are lent (Stage.lendsRecords), so every record
 * is copied in, small ones too. `lend`: yield the slots' own records, not
 * copies; a slot is refilled only once the consumer pulls again.
 */
export async function* bufferShuffle(input, bufferSize, seed, epoch, { lent = false, lend = false } = {}) {
  const g = new Prng(combine(combine(seed, TAG_SHUF), epoch >>> 0));
  const buf = []; // slots {own, value}: value is the buffer's own copy where own
  for await (const x of input) {
    if (buf.length < bufferSize) {
      buf.push(keep(undefined, x, lent));
      continue;
    }
    const j = g.below(bufferSize);
    if (lend) {
      yield buf[j].value;
      buf[j] = keep(buf[j], x, lent);
      continue;
    }
    const out = release(buf[j]);
    buf[j] = keep(buf[j], x, lent);
    yield out;
  }
  while (buf.length > 0) {
    const j = g.below(buf.length);
    const out = lend ? buf[j].value : release(buf[j]);
    buf[j] = buf[buf.length - 1];
    buf.pop();
    yield out;
  }
}

// Below this, a record's JS objects outweigh its data, and a copy costs more than it saves.
const SLOT_MIN_BYTES = 1024;

/** The slot for record x: `slot` refilled where it holds a copy of x's layout, else a new one (a copy where x is lent). */
function keep(slot, x, lent) {
  if (slot !== undefined && slot.own && sameLayout(slot.value, x)) {
    const into = leavesOf(slot.value);
    leavesOf(x).forEach((leaf, i) => into[i].data.set(leaf.data));
    return slot;
  }
  const bytes = recordBytes(x);
  return bytes >= SLOT_MIN_BYTES || (lent && bytes >= 0) ? { own: true, value: cloneRecord(x) } : { own: false, value: x };
}

function release(slot) {
  return slot.own ? cloneRecord(slot.value) : slot.value;
}

/** A record with its own copy of every leaf's data. */
export function cloneRecord(record) {
  return mapTree(record, (leaf) => new NdArray(leaf.dtype, leaf.shape, leaf.data.slice()));
}
