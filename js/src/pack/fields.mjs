// The fields of a pack, taken from its first record, and the check of every
// later block (SPEC.md §9.1). Python twin: python/streamfit/pack/fields.py.
//
// Fields are the leaves of the first record in flatten order (SPEC.md §2.3),
// named "0", "1", ...; each keeps its dtype and shape. A field listed in
// `variable` is a 1-d array whose length may change from record to record.
// Anything else that changes -- the tree, a dtype, a fixed shape -- is
// SF_PACK_SHAPE naming the record and the field.
import { NdArray } from '../core/ndarray.mjs';
import { sortedKeys } from '../core/record.mjs';
import { rangeError, typeError } from '../errors.mjs';
import { DTYPES } from './format.mjs';

/** @typedef {{name: string, dtype: string, shape: number[]|null, path: string}} FieldLeaf shape null: variable */

const shapeText = (shape) => `[${shape.join(', ')}]`;

function isDict(node) {
  return node !== null && typeof node === 'object' && !Array.isArray(node) && !(node instanceof NdArray);
}

/**
 * Names, dtypes and shapes of the leaves, and the record tree (`structure`) they fill.
 * @example
 * const fields = Fields.of(firstBlock, ['0']);
 * fields.structure;            // ['0', '1'] for (x, y) records
 * fields.check(block, 12);     // the block's leaves; SF_PACK_SHAPE if its records differ
 */
export class Fields {
  /**
   * @param {unknown} structure the record tree with field names as leaves
   * @param {FieldLeaf[]} leaves in field order
   */
  constructor(structure, leaves) {
    this.structure = structure;
    this.leaves = leaves;
    this.signature = JSON.stringify(structure);
  }

  /**
   * The fields of the first record of `block` (leaves [rows, ...]); SF_ARG for a
   * dtype a pack cannot hold or a `variable` name that is no field,
   * SF_PACK_SHAPE for a variable field that is not 1-d. `first`: the record
   * the block starts at (a resumed pack takes its fields from the first block it reads).
   */
  static of(block, variable, first = 0) {
    let counter = 0;
    const leaves = [];
    const walk = (node, path) => {
      if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`));
      if (isDict(node)) {
        const out = {};
        for (const k of sortedKeys(node)) out[k] = walk(node[k], `${path}[${JSON.stringify(k)}]`);
        return out;
      }
      if (!(node instanceof NdArray)) throw typeError('SF_ARG', `pack: record ${first} has a leaf at ${path || 'record'} that is not an array`);
      const name = String(counter++);
      if (!Object.prototype.hasOwnProperty.call(DTYPES, node.dtype)) {
        throw typeError('SF_ARG', `pack: field ${name} (${path || 'record'}) has dtype ${node.dtype}, which a pack cannot hold (${Object.keys(DTYPES).join(', ')}); cast it with a map first`);
      }
      const shape = node.shape.slice(1);
      if (variable.includes(name)) {
        if (shape.length !== 1) {
          throw rangeError('SF_PACK_SHAPE', `pack: record ${first} field ${name} (${path || 'record'}) is listed in variable but has shape ${shapeText(shape)}; a variable field is 1-d`);
        }
        leaves.push({ name, dtype: node.dtype, shape: null, path: path || 'record' });
      } else {
        leaves.push({ name, dtype: node.dtype, shape, path: path || 'record' });
      }
      return name;
    };
    const structure = walk(block, '');
    const names = new Set(leaves.map((l) => l.name));
    const unknown = variable.filter((v) => !names.has(v));
    if (unknown.length > 0) {
      throw rangeError('SF_ARG', `pack: variable names ${JSON.stringify(unknown)} are not fields; the fields are ${JSON.stringify([...names])} (the leaves of a record in flatten order)`);
    }
    return new Fields(structure, leaves);
  }

  /** The fields list of index.json (SPEC.md §9.2): shape [null] for a variable field. */
  indexFields() {
    return this.leaves.map((l) => ({ name: l.name, dtype: l.dtype, shape: l.shape === null ? [null] : l.shape.slice() }));
  }

  /**
   * The leaves of `block` (whose records start at record `first`) in field
   * order, after checking they match the fields; SF_PACK_SHAPE naming the record and field otherwise.
   * @returns {NdArray[]}
   */
  check(block, first) {
    const got = [];
    if (!sameTree(block, this.structure, got) || got.length !== this.leaves.length) {
      throw rangeError('SF_PACK_SHAPE', `pack: record ${first} has another structure than the first record (fields ${this.signature}); every record of a pack has the same tree`);
    }
    got.forEach((a, k) => {
      const { name, dtype, shape, path } = this.leaves[k];
      const rec = a.shape.slice(1);
      const ok = a.dtype === dtype && (shape !== null ? rec.length === shape.length && rec.every((d, i) => d === shape[i]) : rec.length === 1);
      if (!ok) {
        const want = shape !== null ? `${dtype} ${shapeText(shape)}` : `${dtype} [n] (variable)`;
        throw rangeError('SF_PACK_SHAPE', `pack: record ${first} field ${name} (${path}) is ${a.dtype} ${shapeText(rec)} but the first record's is ${want}; make the records the same shape (e.g. image_size: [h, w]), or pack a 1-d field with variable: ["${name}"]`);
      }
    });
    return got;
  }
}

/** true when `block` has the tree of `structure`; collects its leaves in flatten order. */
function sameTree(block, structure, out) {
  if (Array.isArray(structure)) {
    return Array.isArray(block) && block.length === structure.length && structure.every((s, i) => sameTree(block[i], s, out));
  }
  if (typeof structure === 'object' && structure !== null) {
    if (!isDict(block)) return false;
    const a = sortedKeys(block);
    const b = sortedKeys(structure);
    return a.length === b.length && a.every((k, i) => k === b[i]) && b.every((k) => sameTree(block[k], structure[k], out));
  }
  if (!(block instanceof NdArray)) return false;
  out.push(block);
  return true;
}
