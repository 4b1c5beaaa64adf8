// Plain n-d array leaf of a record. SPEC.md §2.1.
import { rangeError, typeError, describe } from '../errors.mjs';

/** Typed-array constructor for every supported dtype. */
export const DTYPES = Object.freeze({
  uint8: Uint8Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
});

/**
 * An n-d array: `dtype`, `shape` (array of ints) and `data` (typed array, C order).
 * @example
 * const a = new NdArray('float32', [2, 3], new Float32Array(6));
 * const s = NdArray.scalar('int32', 5);
 */
export class NdArray {
  /**
   * @param {'uint8'|'int32'|'float32'|'float64'|'int64'} dtype
   * @param {number[]} shape
   * @param {ArrayLike<number>|ArrayLike<bigint>} data
   */
  constructor(dtype, shape, data) {
    const Ctor = DTYPES[dtype];
    if (Ctor === undefined) {
      throw typeError('SF_ARG', `NdArray: unsupported dtype ${describe(dtype)}; use one of ${Object.keys(DTYPES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw typeError('SF_ARG', `NdArray: shape must be an array of non-negative integers, got ${describe(shape)}`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const typed = data instanceof Ctor ? data : Ctor.from(data);
    if (typed.length !== size) {
      throw rangeError('SF_ARG', `NdArray: shape [${shape}] needs ${size} values, got ${typed.length}`);
    }
    this.dtype = dtype;
    this.shape = shape.slice();
    this.data = typed;
  }

  /** A 0-d array holding one value. */
  static scalar(dtype, value) {
    return new NdArray(dtype, [], [value]);
  }

  /** Number of elements. */
  get size() {
    return this.data.length;
  }

  /** Nested arrays (a scalar gives a number), as numpy's `tolist()`. */
  toList() {
    const { shape, data } = this;
    const values = this.dtype === 'int64' ? Array.from(data, (v) => Number(v)) : Array.from(data);
    if (shape.length === 0) return values[0];
    let pos = 0;
    const build = (dim) => {
      const out = new Array(shape[dim]);
      for (let k = 0; k < shape[dim]; k++) out[k] = dim === shape.length - 1 ? values[pos++] : build(dim + 1);
      return out;
    };
    return build(0);
  }

  /** Little-endian raw bytes of the data (a view when the host is little-endian). */
  bytes() {
    const d = this.data;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }

  toString() {
    return `NdArray(${this.dtype}, [${this.shape}])`;
  }
}
