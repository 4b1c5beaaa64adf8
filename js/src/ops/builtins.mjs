// Built-in map functions and filter predicates for specs. SPEC.md §4.3.
// Float math follows SPEC.md §2.4: every step rounded to float32.
// Each built-in also has a whole-block form (fn[BLOCK_FN], see core/block.mjs):
// maps are elementwise, so the same loop runs over a block's typed array with
// the same float32 rounding; a leaf function gets the per-record shape
// (`rowShape`) for its checks and messages. Filters give a keep-mask per block.
import { NdArray } from '../core/ndarray.mjs';
import { flatten, unflatten } from '../core/record.mjs';
import { BLOCK_FN, leavesOf, rowSize } from '../core/block.mjs';
import { plainError, rangeError, typeError, describe, checkInt } from '../errors.mjs';

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

function perValue(consts, shape, where) {
  if (consts.length === 1) return () => consts[0];
  const last = shape[shape.length - 1];
  if (shape.length === 0 || last !== consts.length) {
    throw rangeError('SF_ARG', `${where} has ${consts.length} values but the leaf has shape [${shape}]; give a scalar or one value per last-axis entry`);
  }
  return (k) => consts[k % consts.length];
}

const MAPS = {
  divide({ value }) {
    const v = constants(value, 'divide.value');
    return (leaf, rowShape) => {
      const x = toFloat32(leaf);
      const at = perValue(v, rowShape, 'divide.value');
      for (let k = 0; k < x.length; k++) x[k] = x[k] / at(k);
      return new NdArray('float32', leaf.shape, x);
    };
  },
  normalize({ mean, std }) {
    const m = constants(mean, 'normalize.mean');
    const s = constants(std, 'normalize.std');
    return (leaf, rowShape) => {
      const x = toFloat32(leaf);
      const am = perValue(m, rowShape, 'normalize.mean');
      const as = perValue(s, rowShape, 'normalize.std');
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

// Maps with no whole-block form: their records change shape one by one (an
// encoded image of any size becomes pixels). Their leaf functions are async.
const RECORD_MAPS = {
  decode_image({ channels = 3, image_size: imageSize = null, scale = false }) {
    checkInt(channels, 'decode_image.channels', 0, 4);
    if (channels === 2) throw rangeError('SF_ARG', 'decode_image.channels must be 0, 1, 3 or 4, got 2');
    if (imageSize !== null) {
      if (!Array.isArray(imageSize) || imageSize.length !== 2) throw typeError('SF_ARG', `decode_image.image_size must be [height, width] or null, got ${describe(imageSize)}`);
      imageSize.forEach((d, k) => checkInt(d, `decode_image.image_size[${k}]`, 1));
    }
    if (typeof scale !== 'boolean') throw typeError('SF_ARG', `decode_image.scale must be true or false, got ${describe(scale)}`);
    return async (leaf) => {
      if (leaf.dtype !== 'uint8' || leaf.shape.length !== 1) {
        throw typeError('SF_ARG', `map(decode_image) needs a uint8 [n] leaf of encoded image bytes, got ${leaf.dtype} [${leaf.shape}]; read the files with decode: false, or pack them so`);
      }
      const { decodeImageAnywhere } = await import('../tfjs/decode_pool.mjs');
      try {
        // The same kernels and steps as an image source (SPEC.md §3.2), so the same pixels
        // (on a worker thread while a pack is written, tfjs/decode_pool.mjs).
        return await decodeImageAnywhere(leaf.data, { channels, imageSize, scale, file: `(a record of ${leaf.size} bytes)` });
      } catch (err) {
        if (err?.code !== 'SF_IMAGE_DECODE') throw err;
        const why = String(err.cause?.message ?? err.message).split('\n')[0];
        throw plainError('SF_IMAGE_DECODE', `map(decode_image): cannot decode a record of ${leaf.size} bytes with channels=${channels} (${why}); check that the field holds a whole image file (a map is not a source: on_error does not skip it)`, err);
      }
    };
  },
};

/** Names of the built-in maps. */
export const MAP_NAMES = Object.freeze([...Object.keys(MAPS), ...Object.keys(RECORD_MAPS)]);
/** Parameter names each built-in accepts (besides "op", "fn"/"predicate", "on"). */
export const MAP_PARAMS = Object.freeze({
  divide: ['value'], normalize: ['mean', 'std'], one_hot: ['depth'], cast: ['dtype'], decode_image: ['channels', 'image_size', 'scale'],
});
export const FILTER_PARAMS = Object.freeze({ label_in: ['values'], finite: [] });
export const FILTER_NAMES = Object.freeze(Object.keys(FILTER_PARAMS));

function applyToLeaves(tree, leafFn) {
  return unflatten(tree, flatten(tree).map(leafFn));
}

const recordShape = (leaf) => leaf.shape;
const blockRowShape = (leaf) => leaf.shape.slice(1);

/**
 * A built-in map's form on tensors, for tfjs/dataset.mjs (the "tensor tail"): `{name, on, leaf(tf,
 * tensor, rowShape)}`, giving bit for bit the values of the typed-array form, in TensorFlow's own
 * ops on the main thread's TF thread pool instead of a JavaScript loop. Only maps whose every step
 * is one correctly rounded float32 operation have one (divide, normalize, cast to float32): TF's
 * Cast, Sub and RealDiv round as Math.fround does (a float64 division rounded to float32 equals the
 * float32 division, as 53 >= 2 * 24 + 2).
 */
export const TENSOR_FN = Symbol('streamfit.tensorFn');

/** Leaf dtypes whose tensor (tfjs/dataset.mjs leafToTensor) holds the values toFloat32 would give. */
export const TENSOR_TAIL_DTYPES = new Set(['uint8', 'int32', 'float32', 'float64']);

const TENSOR_MAPS = {
  divide({ value }) {
    const v = constants(value, 'divide.value');
    return (tf, t, rowShape) => {
      perValue(v, rowShape, 'divide.value');
      return tf.div(tf.cast(t, 'float32'), v.length === 1 ? tf.scalar(v[0]) : tf.tensor1d(v));
    };
  },
  normalize({ mean, std }) {
    const m = constants(mean, 'normalize.mean');
    const sd = constants(std, 'normalize.std');
    const constant = (tf, c) => (c.length === 1 ? tf.scalar(c[0]) : tf.tensor1d(c));
    return (tf, t, rowShape) => {
      perValue(m, rowShape, 'normalize.mean');
      perValue(sd, rowShape, 'normalize.std');
      return tf.div(tf.sub(tf.cast(t, 'float32'), constant(tf, m)), constant(tf, sd));
    };
  },
  cast({ dtype }) {
    return dtype === 'float32' ? (tf, t) => tf.cast(t, 'float32') : null;
  },
};

/**
 * Flatten positions [lo, hi) of the leaves a built-in map with `on` applies to in `record`.
 * @example partRange([x, y], 'y', 'divide') // [1, 2] for one-leaf x and y
 */
export function partRange(record, on, name) {
  if (Array.isArray(record) && record.length === 2) {
    const nx = flatten(record[0]).length;
    return on === 'y' ? [nx, nx + flatten(record[1]).length] : [0, nx];
  }
  if (on === 'y') throw noLabel(name);
  return [0, flatten(record).length];
}

const noLabel = (name) => rangeError('SF_ARG', `map(${name}) with on: "y" needs (x, y) records; this pipeline has no label`);

/**
 * A record => record function for a built-in map, applied to x (or y with on: "y").
 * @example builtinMap('divide', {value: 255})
 */
export function builtinMap(name, params = {}, on = 'x') {
  if (Object.prototype.hasOwnProperty.call(RECORD_MAPS, name)) return recordMap(name, RECORD_MAPS[name](params), on);
  const make = MAPS[name];
  if (make === undefined) throw rangeError('SF_ARG', `unknown map fn ${describe(name)}; use one of ${MAP_NAMES.join(', ')}`);
  const make2 = make(params);
  // `shapeOf` gives the per-record shape: the leaf's own, or a block leaf's without its axis 0.
  const apply = (record, shapeOf) => {
    const leafFn = (leaf) => make2(leaf, shapeOf(leaf));
    if (Array.isArray(record) && record.length === 2) {
      return on === 'y' ? [record[0], applyToLeaves(record[1], leafFn)] : [applyToLeaves(record[0], leafFn), record[1]];
    }
    if (on === 'y') throw noLabel(name);
    return applyToLeaves(record, leafFn);
  };
  const fn = (record) => apply(record, recordShape);
  Object.defineProperty(fn, 'name', { value: name });
  fn[BLOCK_FN] = (block) => apply(block, blockRowShape);
  const tensorLeaf = TENSOR_MAPS[name]?.(params) ?? null;
  if (tensorLeaf !== null) fn[TENSOR_FN] = { name, on, leaf: tensorLeaf };
  return fn;
}

/**
 * A built-in without a block form: an async record => record function that
 * applies `leafFn` (async) to the leaves of x (or y), one after another.
 */
function recordMap(name, leafFn, on) {
  const each = async (tree) => {
    const out = [];
    for (const leaf of flatten(tree)) out.push(await leafFn(leaf));
    return unflatten(tree, out);
  };
  const fn = async (record) => {
    if (Array.isArray(record) && record.length === 2) {
      return on === 'y' ? [record[0], await each(record[1])] : [await each(record[0]), record[1]];
    }
    if (on === 'y') throw noLabel(name);
    return each(record);
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
    const pred = (record) => {
      const y = labelOf(record, 'label_in');
      const v = Number(y.data[0]);
      // A float32 label equals a spec value when the value rounds to it.
      return values.some((w) => (y.dtype === 'float32' ? f32(w) === v : w === v));
    };
    const block = (b, mask) => {
      const y = Array.isArray(b) && b.length === 2 ? b[1] : b;
      if (!(y instanceof NdArray) || rowSize(y) !== 1) throw new Error('not a scalar label'); // replayed per record
      const wanted = y.dtype === 'float32' ? values.map((w) => f32(w)) : values;
      for (let r = 0; r < mask.length; r++) {
        const v = Number(y.data[r]);
        let keep = 0;
        for (let k = 0; k < wanted.length; k++) if (wanted[k] === v) keep = 1;
        mask[r] = keep;
      }
    };
    return [pred, block];
  },
  finite() {
    const pred = (record) => {
      const x = Array.isArray(record) && record.length === 2 ? record[0] : record;
      for (const leaf of flatten(x)) {
        if (!FLOAT_DTYPES.has(leaf.dtype)) continue;
        for (let k = 0; k < leaf.data.length; k++) if (!Number.isFinite(leaf.data[k])) return false;
      }
      return true;
    };
    const block = (b, mask) => {
      mask.fill(1);
      const x = Array.isArray(b) && b.length === 2 ? b[0] : b;
      for (const leaf of leavesOf(x)) {
        if (!FLOAT_DTYPES.has(leaf.dtype)) continue;
        const rs = rowSize(leaf);
        const d = leaf.data;
        for (let r = 0; r < mask.length; r++) {
          for (let k = r * rs; k < (r + 1) * rs; k++) {
            if (!Number.isFinite(d[k])) {
              mask[r] = 0;
              break;
            }
          }
        }
      }
    };
    return [pred, block];
  },
};

/**
 * A record => boolean predicate for a built-in filter.
 * @example builtinFilter('label_in', {values: [0, 1]})
 */
export function builtinFilter(name, params = {}) {
  const make = FILTERS[name];
  if (make === undefined) throw rangeError('SF_ARG', `unknown filter predicate ${describe(name)}; use one of ${FILTER_NAMES.join(', ')}`);
  const [fn, block] = make(params);
  Object.defineProperty(fn, 'name', { value: name });
  fn[BLOCK_FN] = block;
  return fn;
}
