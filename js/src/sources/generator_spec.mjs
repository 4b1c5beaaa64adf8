// Elements of a user generator -> records (SPEC.md §3.6): leaf conversion,
// the element spec, casting and structure checks. No tfjs import: a tf.Tensor
// is recognised by its methods, so a generator of plain arrays loads no TF.
import { NdArray } from '../core/ndarray.mjs';
import { typeError, rangeError, describe } from '../errors.mjs';

const SPEC_DTYPES = ['uint8', 'int32', 'float32', 'float64', 'int64'];
// Typed arrays whose dtype is kept; order matters (Buffer is a Uint8Array).
const NATURAL = [[Uint8Array, 'uint8'], [Int32Array, 'int32'], [Float32Array, 'float32'], [Float64Array, 'float64'], [BigInt64Array, 'int64']];
const TENSOR_DTYPES = { float32: 'float32', int32: 'int32', bool: 'uint8' };
const WIDE = new Set(['float64', 'int64']);

/** A leaf of an element spec; shape null: any shape (an inferred spec). */
export class LeafSpec {
  constructor(dtype, shape) {
    this.dtype = dtype;
    this.shape = shape;
  }
}

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isTensor(v) {
  return v !== null && typeof v === 'object' && typeof v.dataSync === 'function' && typeof v.dispose === 'function'
    && Array.isArray(v.shape) && typeof v.dtype === 'string';
}

const at = (path) => (path === '' ? 'the element' : `leaf ${path}`);

/**
 * Validates a user elementSpec tree of {dtype, shape} leaves (null dims match any size).
 * @example checkElementSpec([{ dtype: 'float32', shape: [null, 3] }, { dtype: 'int32', shape: [] }], 'elementSpec')
 * @returns {LeafSpec|Array|object} the normalized tree
 */
export function checkElementSpec(node, where, path = '') {
  if (Array.isArray(node)) return node.map((s, k) => checkElementSpec(s, where, `${path}[${k}]`));
  if (!isPlainObject(node)) {
    throw typeError('SF_ARG', `${where}${path}: expected {dtype, shape}, a list or an object of them, got ${describe(node)}`);
  }
  if (typeof node.dtype !== 'string') {
    const out = {};
    for (const k of Object.keys(node)) out[k] = checkElementSpec(node[k], where, `${path}[${JSON.stringify(k)}]`);
    return out;
  }
  const extra = Object.keys(node).filter((k) => k !== 'dtype' && k !== 'shape');
  if (extra.length > 0) throw typeError('SF_ARG', `${where}${path}: unknown key ${describe(extra[0])}; a leaf is {dtype, shape}`);
  if (!SPEC_DTYPES.includes(node.dtype)) {
    throw rangeError('SF_ARG', `${where}${path}: dtype ${describe(node.dtype)} is not one of ${SPEC_DTYPES.join(', ')}`);
  }
  const { shape } = node;
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw typeError('SF_ARG', `${where}${path}: shape must be a list of sizes or null (any size), e.g. [null, 3] or [] for a scalar, got ${describe(shape)}`);
  }
  return new LeafSpec(node.dtype, shape.slice());
}

/** The spec an element sets when none is declared: its structure and dtypes, shapes free. */
export function inferSpec(tree) {
  if (tree instanceof NdArray) return new LeafSpec(tree.dtype, null);
  if (Array.isArray(tree)) return tree.map(inferSpec);
  const out = {};
  for (const k of Object.keys(tree)) out[k] = inferSpec(tree[k]);
  return out;
}

/**
 * A leaf as {dtype, shape, data}; dtype 'other' for typed arrays without one.
 * With `copy` the data is its own copy; without, an array leaf's data is the
 * user's array itself (a lent record, see convertElement).
 */
function leafValues(node, where, path, copy) {
  if (node instanceof NdArray) return { dtype: node.dtype, shape: node.shape.slice(), data: copy ? node.data.slice() : node.data };
  if (typeof node === 'number') return { dtype: 'float32', shape: [], data: Float32Array.of(node) };
  if (ArrayBuffer.isView(node) && !(node instanceof DataView)) {
    const hit = NATURAL.find(([Ctor]) => node instanceof Ctor);
    return { dtype: hit ? hit[1] : 'other', kind: node.constructor.name, shape: [node.length], data: copy ? node.slice() : node };
  }
  if (isTensor(node)) {
    const dtype = TENSOR_DTYPES[node.dtype];
    if (dtype === undefined) throw typeError('SF_ARG', `${where}: ${at(path)} is a ${node.dtype} tf.Tensor; use a float32, int32 or bool tensor`);
    let values;
    try {
      values = node.dataSync();
    } catch (cause) {
      throw typeError('SF_ARG', `${where}: ${at(path)} is a tf.Tensor that cannot be read (${cause.message}); was it disposed before it was yielded?`, cause);
    }
    const Ctor = dtype === 'uint8' ? Uint8Array : dtype === 'int32' ? Int32Array : Float32Array;
    const out = { dtype, shape: node.shape.slice(), data: new Ctor(values) };
    node.dispose();
    return out;
  }
  return null;
}

const INT_RANGE = { int32: [-2147483648, 2147483647], uint8: [0, 255] };

function cast(data, to) {
  const range = INT_RANGE[to];
  if (range !== undefined && (data instanceof Float32Array || data instanceof Float64Array)) {
    for (const v of data) {
      if (!(Number.isFinite(v) && v >= range[0] && v <= range[1])) {
        throw rangeError('SF_ARG', `fromGenerator: a float value ${v} is NaN, infinite or outside the ${to} range [${range[0]}, ${range[1]}]; clip or fix it before yielding (SPEC.md §3.6)`);
      }
    }
    return to === 'int32' ? Int32Array.from(data, Math.trunc) : Uint8Array.from(data, Math.trunc);
  }
  switch (to) {
    case 'float32': return Float32Array.from(data, Number);
    case 'float64': return Float64Array.from(data, Number);
    case 'int32': return Int32Array.from(data, Number);
    case 'uint8': return Uint8Array.from(data, Number);
    default: return BigInt64Array.from(data, (v) => (typeof v === 'bigint' ? v : BigInt(Math.trunc(v))));
  }
}

function convertLeaf(values, spec, where, path) {
  // A declared spec (shape not null) casts any numeric leaf; an inferred one
  // casts the dtypes streamfit accepts by itself (never float64/int64).
  const declared = spec !== null && spec.shape !== null;
  if (!declared) {
    if (values.dtype === 'other') {
      throw typeError('SF_ARG', `${where}: ${at(path)} is a ${values.kind}; use a Uint8Array, Int32Array or Float32Array, or declare its dtype in elementSpec`);
    }
    if (WIDE.has(values.dtype)) {
      throw typeError('SF_ARG', `${where}: ${at(path)} is ${values.dtype}; convert it (e.g. Float32Array.from(x)) or declare its dtype in elementSpec, e.g. {dtype: 'float32', shape: [${values.shape}]}`);
    }
    const dtype = spec === null ? values.dtype : spec.dtype;
    return new NdArray(dtype, values.shape, dtype === values.dtype ? values.data : cast(values.data, dtype));
  }
  const { shape } = values;
  if (shape.length !== spec.shape.length || spec.shape.some((d, k) => d !== null && d !== shape[k])) {
    const want = `[${spec.shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
    throw rangeError('SF_ARG', `${where}: ${at(path)} has shape [${shape.join(', ')}], elementSpec says ${want}; reshape it or change elementSpec`);
  }
  let data = values.data;
  if (values.dtype !== spec.dtype) {
    try {
      data = cast(data, spec.dtype);
    } catch (cause) {
      throw rangeError('SF_ARG', `${where}: ${at(path)} cannot be cast to ${spec.dtype} (${cause.message})`, cause);
    }
  }
  return new NdArray(spec.dtype, values.shape, data);
}

function specKind(spec) {
  if (spec instanceof LeafSpec) return 'a leaf';
  if (Array.isArray(spec)) return `a tuple of ${spec.length}`;
  return `an object with keys ${Object.keys(spec).map((k) => describe(k)).join(', ') || '(none)'}`;
}

function convert(node, spec, where, path, copy) {
  const values = leafValues(node, where, path, copy);
  if (values !== null) {
    if (spec !== null && !(spec instanceof LeafSpec)) throw rangeError('SF_ARG', `${where}: ${at(path)} is an array leaf, elementSpec says ${specKind(spec)}`);
    return convertLeaf(values, spec, where, path);
  }
  if (Array.isArray(node)) {
    if (spec !== null && !(Array.isArray(spec) && spec.length === node.length)) {
      throw rangeError('SF_ARG', `${where}: ${path === '' ? 'the element' : path} is a tuple of ${node.length}, elementSpec says ${specKind(spec)}`);
    }
    return node.map((child, k) => convert(child, spec === null ? null : spec[k], where, `${path}[${k}]`, copy));
  }
  if (isPlainObject(node)) {
    const keys = Object.keys(node);
    if (spec !== null) {
      const want = spec instanceof LeafSpec || Array.isArray(spec) ? null : Object.keys(spec);
      if (want === null || keys.length !== want.length || !keys.every((k) => Object.prototype.hasOwnProperty.call(spec, k))) {
        throw rangeError('SF_ARG', `${where}: ${path === '' ? 'the element' : path} is an object with keys ${keys.map((k) => describe(k)).join(', ') || '(none)'}, elementSpec says ${specKind(spec)}`);
      }
    }
    const out = {};
    for (const k of keys) out[k] = convert(node[k], spec === null ? null : spec[k], where, `${path}[${JSON.stringify(k)}]`, copy);
    return out;
  }
  throw typeError('SF_ARG', `${where}: ${at(path)} is ${describe(node)} (${node === null ? 'null' : typeof node}); a leaf must be an NdArray, a typed array, a number or a tf.Tensor, inside arrays (tuples) or plain objects (dicts)`);
}

/** Disposes every tf.Tensor left in an element (after an error part-way through). */
function disposeTensors(node, seen = new Set()) {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (isTensor(node)) {
    if (!node.isDisposed) node.dispose();
  } else if (Array.isArray(node)) {
    for (const child of node) disposeTensors(child, seen);
  } else if (isPlainObject(node)) {
    for (const child of Object.values(node)) disposeTensors(child, seen);
  }
}

/**
 * One generator element as a record: leaves per SPEC.md §3.6 (tensors copied
 * out and disposed), cast to `spec` and checked against it (spec null: no checks).
 * The record owns its data; with `copy` false an array leaf of the dtype it
 * keeps shares the user's array instead, for a consumer that copies the record
 * before it asks the generator for the next element (Stage.iterateLoaned).
 * @example convertElement([Float32Array.of(1, 2), 3], null, 'fromGenerator(gen): element 0')
 */
export function convertElement(element, spec, where, copy = true) {
  try {
    return convert(element, spec, where, '', copy);
  } finally {
    disposeTensors(element);
  }
}
