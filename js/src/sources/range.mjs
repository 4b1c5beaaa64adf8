// range source: int32 scalars 0..n-1, indexable. SPEC.md §3.3.
import { Stage } from '../ops/stage.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { checkInt } from '../errors.mjs';

export class RangeSource extends Stage {
  constructor(n) {
    super(null);
    // Values are int32, so n - 1 must fit in int32.
    this.n = checkInt(n, 'fromRange(n)', 0, 2147483648);
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
}
