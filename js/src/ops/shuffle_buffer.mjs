// Buffer shuffle (SPEC.md §1.5) over blocks, with a columnar buffer: one
// typed array of up to B records per leaf. The algorithm, and so the order the
// golden fixtures pin, is the per-record one of shuffle.mjs: one g.below()
// draw per record, in a tight synchronous loop per input block; only the
// storage differs. Rows move as 32-bit words (block.mjs `words`), so values
// keep their exact bytes.
import { Prng, combine, TAG_SHUF } from '../order/prng.mjs';
import { allocLike, copyRows, leavesOf, rowSize, signature, withLeaves, words } from '../core/block.mjs';

// Records per output block while draining the buffer at the end.
const DRAIN_RECORDS = 8192;

/** Columns of the buffer: one word view per leaf, grown geometrically up to B records. */
class Columns {
  constructor(likeLeaves, capacity) {
    this.like = likeLeaves;
    this.rs = likeLeaves.map((leaf) => rowSize(leaf) * words(leaf.data).unit);
    this.capacity = 0;
    this.leaves = null;
    this.views = null;
    this.grow(capacity);
  }

  grow(capacity) {
    const leaves = allocLike(this.like, capacity);
    const views = leaves.map((leaf) => words(leaf.data).view);
    if (this.views !== null) {
      for (let l = 0; l < views.length; l++) views[l].set(this.views[l]);
    }
    this.leaves = leaves;
    this.views = views;
    this.capacity = capacity;
  }
}

/**
 * SPEC.md §1.5 over an async iterable of blocks whose records all share one
 * signature (a uniformRows upstream); yields blocks.
 * @param {AsyncIterable<unknown>} blocks
 * @param {number} bufferSize B >= 1
 * @param {number} seed u32
 * @param {number} epoch u32 (already 0 when reshuffle_each_iteration is false)
 */
export async function* shuffleBlocks(blocks, bufferSize, seed, epoch) {
  const g = new Prng(combine(combine(seed, TAG_SHUF), epoch >>> 0));
  const B = bufferSize;
  let buf = null;
  let like = null;
  let sig = null;
  let count = 0;
  for await (const block of blocks) {
    const leaves = leavesOf(block);
    const n = leaves[0].shape[0];
    if (buf === null) {
      like = block;
      sig = signature(block);
      buf = new Columns(leaves, Math.min(B, Math.max(n, 1024)));
    } else if (signature(block) !== sig) {
      throw new Error(`internal: shuffle buffer got records of ${signature(block)} after ${sig}`);
    }
    const src = leaves.map((leaf) => words(leaf.data).view);
    const L = src.length;
    const rs = buf.rs;
    let r = 0;
    // Filling: the first B records only enter the buffer.
    if (count < B) {
      const fill = Math.min(n, B - count);
      if (count + fill > buf.capacity) buf.grow(Math.min(B, Math.max(count + fill, 2 * buf.capacity)));
      for (let l = 0; l < L; l++) copyRows(src[l], 0, buf.views[l], count, fill, rs[l]);
      count += fill;
      r = fill;
    }
    if (r === n) continue;
    // Full: each record out draws a slot j, emits it, and takes the new record in.
    const outLeaves = allocLike(buf.like, n - r);
    const out = outLeaves.map((leaf) => words(leaf.data).view);
    const views = buf.views;
    for (let o = 0; r < n; r++, o++) {
      const j = g.below(B);
      for (let l = 0; l < L; l++) {
        copyRows(views[l], j, out[l], o, 1, rs[l]);
        copyRows(src[l], r, views[l], j, 1, rs[l]);
      }
    }
    yield withLeaves(like, outLeaves);
  }
  // Drain: draw among the remaining records, move the last one into the hole.
  while (count > 0) {
    const m = Math.min(count, DRAIN_RECORDS);
    const outLeaves = allocLike(buf.like, m);
    const out = outLeaves.map((leaf) => words(leaf.data).view);
    const views = buf.views;
    const rs = buf.rs;
    for (let o = 0; o < m; o++) {
      const j = g.below(count);
      for (let l = 0; l < views.length; l++) {
        copyRows(views[l], j, out[l], o, 1, rs[l]);
        copyRows(views[l], count - 1, views[l], j, 1, rs[l]);
      }
      count--;
    }
    yield withLeaves(like, outLeaves);
  }
}
