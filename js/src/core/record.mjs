// Record trees: flatten, stack, digest, values. SPEC.md §2.
import { createHash } from 'node:crypto';
import { NdArray } from './ndarray.mjs';
import { rangeError, typeError } from '../errors.mjs';

/** Compares strings by their UTF-8 bytes (JS default sort uses UTF-16 units). */
export function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isDict(node) {
  return node !== null && typeof node === 'object' && !Array.isArray(node) && !(node instanceof NdArray);
}

/** Dict keys in flatten order (SPEC.md §2.3). */
export function sortedKeys(obj) {
  return Object.keys(obj).sort(compareUtf8);
}

/**
 * Leaves of a record in flatten order, each with its path. SPEC.md §2.3.
 * @returns {{path: string, leaf: NdArray}[]}
 */
export function flattenWithPaths(tree, path = '') {
  if (tree instanceof NdArray) return [{ path: path || '<root>', leaf: tree }];
  if (Array.isArray(tree)) return tree.flatMap((item, i) => flattenWithPaths(item, `${path}[${i}]`));
  if (isDict(tree)) return sortedKeys(tree).flatMap((k) => flattenWithPaths(tree[k], `${path}[${JSON.stringify(k)}]`));
  throw typeError('SF_ARG', `record leaf at ${path || '<root>'} is not an NdArray (got ${typeof tree}); map functions must return NdArray leaves`);
}

/** Leaves of a record in flatten order. */
export function flatten(tree) {
  return flattenWithPaths(tree).map((e) => e.leaf);
}

/**
 * sha256 of a record or batch, hex lower-case. SPEC.md §2.3.
 * @example digest(NdArray.scalar('int32', 1))
 */
export function digest(tree) {
  const h = createHash('sha256');
  for (const leaf of flatten(tree)) {
    h.update(`${leaf.dtype}:${leaf.shape.join(',')};`, 'utf8');
    h.update(leaf.bytes());
  }
  return h.digest('hex');
}

/** Nested lists: leaves via toList(), tuples as lists, dicts as objects. SPEC.md §7. */
export function toValues(tree) {
  if (tree instanceof NdArray) return tree.toList();
  if (Array.isArray(tree)) return tree.map(toValues);
  if (isDict(tree)) {
    const out = {};
    for (const k of sortedKeys(tree)) out[k] = toValues(tree[k]);
    return out;
  }
  throw typeError('SF_ARG', `toValues: not a record (got ${typeof tree})`);
}

/** Builds a tree of the same structure as `like` from leaves in flatten order. */
export function unflatten(like, leaves) {
  let pos = 0;
  const build = (node) => {
    if (node instanceof NdArray) return leaves[pos++];
    if (Array.isArray(node)) return node.map(build);
    const out = {};
    for (const k of sortedKeys(node)) out[k] = build(node[k]);
    return out;
  };
  return build(like);
}

/**
 * Bytes of a record's leaves, or -1 when some leaf is not an NdArray (so not
 * a record).
 */
export function recordBytes(tree) {
  if (tree instanceof NdArray) return tree.data.byteLength;
  let sum = 0;
  if (Array.isArray(tree)) {
    for (const t of tree) {
      const b = recordBytes(t);
      if (b < 0) return -1;
      sum += b;
    }
    return sum;
  }
  if (!isDict(tree)) return -1;
  for (const k of Object.keys(tree)) {
    const b = recordBytes(tree[k]);
    if (b < 0) return -1;
    sum += b;
  }
  return sum;
}

/** Whether record b has the tree, dtypes and shapes of record a (dict keys in any order). */
export function sameLayout(a, b) {
  if (a instanceof NdArray) {
    if (!(b instanceof NdArray) || b.dtype !== a.dtype || b.shape.length !== a.shape.length) return false;
    for (let k = 0; k < a.shape.length; k++) if (b.shape[k] !== a.shape[k]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || b.length !== a.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameLayout(a[i], b[i])) return false;
    return true;
  }
  if (!isDict(b)) return false;
  const keys = Object.keys(a);
  if (Object.keys(b).length !== keys.length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameLayout(a[k], b[k])) return false;
  return true;
}

function structureOf(tree) {
  if (tree instanceof NdArray) return '*';
  if (Array.isArray(tree)) return `(${tree.map(structureOf).join(',')})`;
  if (isDict(tree)) return `{${sortedKeys(tree).map((k) => `${JSON.stringify(k)}:${structureOf(tree[k])}`).join(',')}}`;
  return '?';
}

/**
 * Stacks records along a new axis 0, keeping the tree. SPEC.md §2.2.
 * @param {unknown[]} records non-empty
 */
export function stack(records) {
  const first = flattenWithPaths(records[0]);
  const firstStructure = structureOf(records[0]);
  const columns = first.map(() => []);
  records.forEach((rec, r) => {
    if (structureOf(rec) !== firstStructure) {
      throw rangeError('SF_BATCH_SHAPE', `batch: record ${r} of the group has structure ${structureOf(rec)}, the first has ${firstStructure}; every record of a batch must have the same tree`);
    }
    flatten(rec).forEach((leaf, i) => columns[i].push(leaf));
  });
  const out = first.map(({ path, leaf: ref }, i) => {
    const leaves = columns[i];
    for (const leaf of leaves) {
      if (leaf.dtype !== ref.dtype || leaf.shape.length !== ref.shape.length || leaf.shape.some((d, k) => d !== ref.shape[k])) {
        throw rangeError('SF_BATCH_SHAPE', `batch: leaf ${path} has ${ref.dtype} [${ref.shape}] in one record and ${leaf.dtype} [${leaf.shape}] in another; resize or pad records to one shape before batch()`);
      }
    }
    const size = ref.data.length;
    const data = new ref.data.constructor(size * leaves.length);
    leaves.forEach((leaf, k) => data.set(leaf.data, k * size));
    return new NdArray(ref.dtype, [leaves.length, ...ref.shape], data);
  });
  return unflatten(records[0], out);
}
