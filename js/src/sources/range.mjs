// range source: int32 scalars 0..n-1, indexable. SPEC.md §3.3.
import { BlockSource } from '../ops/stage.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { checkInt, plainError } from '../errors.mjs';

export class RangeSource extends BlockSource {
  constructor(n) {
    super(undefined, 'fromRange'); // no bad records: no on-error option (SPEC.md §4.6)
    // Values are int32, so n - 1 must fit in int32.
    this.n = checkInt(n, 'fromRange(n)', 0, 2147483648);
    if (this.n === 0) throw plainError('SF_EMPTY_SOURCE', 'range(0) lists no records (fromRange(0)); use n >= 1');
    /** Records per block of the fast path (tests set it small to move block edges). */
    this.blockRecords = 4096;
  }

  label() {
    return `range(${this.n})`;
  }

  get indexable() {
    return true;
  }

  cardinality() {
    return this.n;
  }

  get(i) {
    this.checkIndex(i);
    return new NdArray('int32', [], Int32Array.of(i));
  }

  /** Blocks of consecutive int32 values. */
  async *iterateBlocks(epoch) {
    const read = this.beginRead(epoch);
    for (let start = 0; start < this.n; start += this.blockRecords) {
      const m = Math.min(this.blockRecords, this.n - start);
      const data = new Int32Array(m);
      for (let k = 0; k < m; k++) data[k] = start + k;
      yield new NdArray('int32', [m], data);
    }
    read.finish(this.n);
  }
}
