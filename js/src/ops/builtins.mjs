// Built-in map functions and filter predicates for specs. SPEC.md §4.3.
// Float math follows SPEC.md §2.4: every step rounded to float32.
import { NdArray } from '../core/ndarray.mjs';
import { flatten, unflatten } from '../core/record.mjs';
import { rangeError, typeError, describe } from '../errors.mjs';

const f32 = Math.fround;
const INT_DTYPES = new Set(['uint8', 'int32', 'int64']);
const FLOAT_DTYPES = new Set(['float32', 'float64']);

function num(value, where) {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw typeError('SF_ARG', `${where} must be a number, got ${describe(value)}`);
  }
  return value;
}

/** A scalar or a per-last-axis list of float32 constants. */
function constants(value, where) {
  if (Array.isArray(value)) return Float32Array.from(value, (v, k) => f32(num(v, `${where}[${k}]`)));
  return Float32Array.of(f32(num(value, where)));
}

function toFloat32(leaf) {
  if (leaf.dtype === 'int64') return Float32Array.from(leaf.data, (v) => f32(Number(v)));
  return Float32Array.from(leaf.data); // rounds each value to float32
}

function perValue(consts, leaf, where) {
  if (consts.length === 1) return () => consts[0];
  const last = leaf.shape[leaf.shape.length - 1];
  if (leaf.shape.length === 0 || last !== consts.length) {
    throw rangeError('SF_ARG', `${where} has ${consts.length} values but the leaf has shape [${leaf.shape}]; give a scalar or one value per last-axis entry`);
  }
  return (k) => consts[k % consts.length];
}

const MAPS = {
  divide({ value }) {
    const v = constants(value, 'divide.value');
    return (leaf) => {
      const x = toFloat32(leaf);
      const at = perValue(v, leaf, 'divide.value');
      for (let k = 0; k < x.length; k++) x[k] = x[k] / at(k);
      return new NdArray('float32', leaf.shape, x);
    };
  },
  normalize({ mean, std }) {
    const m = constants(mean, 'normalize.mean');
    const s = constants(std, 'normalize.std');
    return (leaf) => {
      const x = toFloat32(leaf);
      const am = perValue(m, leaf, 'normalize.mean');
      const as = perValue(s, leaf, 'normalize.std');
      for (let k = 0; k < x.length; k++) x[k] = f32(x[k] - am(k)) / as(k);
      return new NdArray('float32', leaf.shape, x);
    };
  },
  one_hot({ depth }) {
    if (!Number.isInteger(depth) || depth < 1) throw rangeError('SF_ARG', `one_hot.depth must be an integer >= 1, got ${describe(depth)}`);
    return (leaf) => {
      if (!INT_DTYPES.has(leaf.dtype)) {
        throw typeError('SF_ARG', `one_hot needs an integer leaf, got ${leaf.dtype}; cast it first with {"op": "map", "fn": "cast", "dtype": "int32"}`);
      }
      const out = new Float32Array(leaf.data.length * depth);
      for (let k = 0; k < leaf.data.length; k++) {
        const c = Number(leaf.data[k]);
        if (c < 0 || c >= depth) throw rangeError('SF_ARG', `one_hot: value ${c} is outside [0, ${depth}); raise depth or filter the record out`);
        out[k * depth + c] = 1;
      }
      return new NdArray('float32', [...leaf.shape, depth], out);
    };
  },
  cast({ dtype }) {
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw rangeError('SF_ARG', `cast.dtype must be "float32" or "int32", got ${describe(dtype)}`);
    }
    return (leaf) => {
      if (dtype === 'float32') return new NdArray('float32', leaf.shape, toFloat32(leaf));
      const out = new Int32Array(leaf.data.length);
      for (let k = 0; k < out.length; k++) {
        const v = Math.trunc(Number(leaf.data[k]));
        if (!(v >= -2147483648 && v <= 2147483647)) {
          throw rangeError('SF_ARG', `cast: value ${leaf.data[k]} does not fit int32; filter non-finite or huge values first`);
        }
        out[k] = v;
      }
      return new NdArray('int32', leaf.shape, out);
    };
  },
};

/** Names of the built-in maps. */
export const MAP_NAMES = Object.freeze(Object.keys(MAPS));
/** Parameter names each built-in accepts (besides "op", "fn"/"predicate", "on"). */
export const MAP_PARAMS = Object.freeze({ divide: ['value'], normalize: ['mean', 'std'], one_hot: ['depth'], cast: ['dtype'] });
export const FILTER_PARAMS = Object.freeze({ label_in: ['values'], finite: [] });
export const FILTER_NAMES = Object.freeze(Object.keys(FILTER_PARAMS));

function applyToLeaves(tree, leafFn) {
  return unflatten(tree, flatten(tree).map(leafFn));
}

/**
 * A record => record function for a built-in map, applied to x (or y with on: "y").
 * @example builtinMap('divide', {value: 255})
 */
export function builtinMap(name, params = {}, on = 'x') {
  const make = MAPS[name];
  if (make === undefined) throw rangeError('SF_ARG', `unknown map fn ${describe(name)}; use one of ${MAP_NAMES.join(', ')}`);
  const leafFn = make(params);
  const fn = (record) => {
    if (Array.isArray(record) && record.length === 2) {
      return on === 'y' ? [record[0], applyToLeaves(record[1], leafFn)] : [applyToLeaves(record[0], leafFn), record[1]];
    }
    if (on === 'y') throw rangeError('SF_ARG', `map(${name}) with on: "y" needs (x, y) records; this pipeline has no label`);
    return applyToLeaves(record, leafFn);
  };
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

// The label of an (x, y) record; a record without a label is its own label.
function labelOf(record, name) {
  const y = Array.isArray(record) && record.length === 2 ? record[1] : record;
  if (!(y instanceof NdArray)) throw rangeError('SF_ARG', `filter(${name}) needs a scalar label (or scalar records), got a ${Array.isArray(y) ? 'tuple' : 'dict'}`);
  if (y.data.length !== 1) throw rangeError('SF_ARG', `filter(${name}) needs a scalar label, got shape [${y.shape}]`);
  return y;
}

const FILTERS = {
  label_in({ values }) {
    if (!Array.isArray(values)) throw typeError('SF_ARG', `label_in.values must be a list of numbers, got ${describe(values)}`);
    values.forEach((v, k) => num(v, `label_in.values[${k}]`));
    return (record) => {
      const y = labelOf(record, 'label_in');
      const v = Number(y.data[0]);
      // A float32 label equals a spec value when the value rounds to it.
      return values.some((w) => (y.dtype === 'float32' ? f32(w) === v : w === v));
    };
  },
  finite() {
    return (record) => {
      const x = Array.isArray(record) && record.length === 2 ? record[0] : record;
      for (const leaf of flatten(x)) {
        if (!FLOAT_DTYPES.has(leaf.dtype)) continue;
        for (let k = 0; k < leaf.data.length; k++) if (!Number.isFinite(leaf.data[k])) return false;
      }
      return true;
    };
  },
};

/**
 * A record => boolean predicate for a built-in filter.
 * @example builtinFilter('label_in', {values: [0, 1]})
 */
export function builtinFilter(name, params = {}) {
  const make = FILTERS[name];
  if (make === undefined) throw rangeError('SF_ARG', `unknown filter predicate ${describe(name)}; use one of ${FILTER_NAMES.join(', ')}`);
  const fn = make(params);
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}
