// Blocks: the internal unit of the fast path. A block is a record tree whose
// leaves all carry a leading axis of n >= 1 records, i.e. exactly what
// batch(n) would make of those records (SPEC.md §2.2), so a block never needs
// its own semantics: a block-native stage must give the same records, in the
// same order, as its per-record twin. Blocks never leave the pipeline.
//
// Why: an async generator costs a promise and a microtask round per yield;
// moving typed-array ranges of thousands of records per await is what lets a
// CSV reach millions of rows/s (issue 6). Row copies go through 32-bit integer
// views (`words`), so bytes (NaN payloads included) are copied exactly.
import { NdArray } from './ndarray.mjs';
import { sortedKeys } from './record.mjs';

/**
 * Property of a built-in map or filter function holding its whole-block form:
 * map: block => block; filter: (block, mask: Uint8Array) => void, filling 1 = keep.
 * Either may throw on a block; the stage then replays the block record by
 * record through the plain function, which raises the per-record error at the
 * right record.
 */
export const BLOCK_FN = Symbol('streamfit.blockFn');

/** Maps every leaf of a tree, keeping its structure (dict keys in flatten order). */
export function mapTree(tree, fn) {
  if (tree instanceof NdArray) return fn(tree);
  if (Array.isArray(tree)) return tree.map((t) => mapTree(t, fn));
  const out = {};
  for (const k of sortedKeys(tree)) out[k] = mapTree(tree[k], fn);
  return out;
}

/** Leaves of a block in flatten order (SPEC.md §2.3), without the path strings of flattenWithPaths. */
export function leavesOf(tree, out = []) {
  if (tree instanceof NdArray) out.push(tree);
  else if (Array.isArray(tree)) for (const t of tree) leavesOf(t, out);
  else for (const k of sortedKeys(tree)) leavesOf(tree[k], out);
  return out;
}

/** Rebuilds a tree shaped like `like` from leaves in flatten order. */
export function withLeaves(like, leaves) {
  let pos = 0;
  return mapTree(like, () => leaves[pos++]);
}

/** Number of records in a block. */
export function blockLength(block) {
  let t = block;
  while (!(t instanceof NdArray)) t = Array.isArray(t) ? t[0] : t[sortedKeys(t)[0]];
  return t.shape[0];
}

/** Elements per record of a block leaf. */
export function rowSize(leaf) {
  let s = 1;
  for (let k = 1; k < leaf.shape.length; k++) s *= leaf.shape[k];
  return s;
}

/** Records [start, end) of a block as a block of views (no copy). */
export function sliceBlock(block, start, end) {
  return mapTree(block, (leaf) => {
    const rs = rowSize(leaf);
    return new NdArray(leaf.dtype, [end - start, ...leaf.shape.slice(1)], leaf.data.subarray(start * rs, end * rs));
  });
}

/** Record i of a block, as views into the block (blocks are never written after they are yielded). */
export function blockRow(block, i) {
  return mapTree(block, (leaf) => {
    const rs = rowSize(leaf);
    return new NdArray(leaf.dtype, leaf.shape.slice(1), leaf.data.subarray(i * rs, (i + 1) * rs));
  });
}

/** A record as a block of one (views, no copy). */
export function recordAsBlock(record) {
  return mapTree(record, (leaf) => new NdArray(leaf.dtype, [1, ...leaf.shape], leaf.data));
}

/** Yields the records of an async iterable of blocks. */
export async function* recordsOf(blocks) {
  for await (const block of blocks) {
    const n = blockLength(block);
    for (let i = 0; i < n; i++) yield blockRow(block, i);
  }
}

/**
 * Structure, dtypes and per-record shapes of a block as a string: two blocks
 * with the same signature can share one columnar buffer or batch.
 */
export function signature(tree) {
  if (tree instanceof NdArray) return `${tree.dtype}[${tree.shape.slice(1)}]`;
  if (Array.isArray(tree)) return `(${tree.map(signature).join(',')})`;
  return `{${sortedKeys(tree).map((k) => `${JSON.stringify(k)}:${signature(tree[k])}`).join(',')}}`;
}

/**
 * The bytes of a typed array as 32-bit words when its size and offset allow,
 * else as bytes; `unit` is the number of words per element.
 * @returns {{view: Int32Array|Uint8Array, unit: number}}
 */
export function words(data) {
  const bytes = data.BYTES_PER_ELEMENT;
  if (bytes % 4 === 0 && data.byteOffset % 4 === 0) {
    return { view: new Int32Array(data.buffer, data.byteOffset, data.length * (bytes / 4)), unit: bytes / 4 };
  }
  return { view: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), unit: bytes };
}

/**
 * Copies `count` rows of `rs` words from src row `from` to dst row `to`.
 * Short rows copy word by word (a subarray per row costs more than the copy).
 */
export function copyRows(src, from, dst, to, count, rs) {
  const n = count * rs;
  if (n <= 16) {
    const a = from * rs;
    const b = to * rs;
    for (let k = 0; k < n; k++) dst[b + k] = src[a + k];
  } else {
    dst.set(src.subarray(from * rs, from * rs + n), to * rs);
  }
}

/**
 * Fresh leaves for `rows` records shaped like the leaves of `like` (a block).
 * @returns {NdArray[]}
 */
export function allocLike(likeLeaves, rows) {
  return likeLeaves.map((leaf) => {
    const rs = rowSize(leaf);
    return new NdArray(leaf.dtype, [rows, ...leaf.shape.slice(1)], new leaf.data.constructor(rows * rs));
  });
}

/** The records of a block where mask[r] is 1, as a new block of `kept` records (runs copied at once). */
export function selectRows(block, mask, kept) {
  const leaves = leavesOf(block);
  const out = allocLike(leaves, kept);
  for (let l = 0; l < leaves.length; l++) {
    const { view: src, unit } = words(leaves[l].data);
    const { view: dst } = words(out[l].data);
    const rs = rowSize(leaves[l]) * unit;
    let to = 0;
    for (let r = 0; r < mask.length;) {
      if (mask[r] === 0) {
        r++;
        continue;
      }
      let e = r + 1;
      while (e < mask.length && mask[e] === 1) e++;
      copyRows(src, r, dst, to, e - r, rs);
      to += e - r;
      r = e;
    }
  }
  return withLeaves(block, out);
}
