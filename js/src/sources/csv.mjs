// CSV source: a stream of records read in blocks with constant memory. SPEC.md §3.1.
// Block-native: each region of complete lines becomes one block of typed
// columns (csv_block.mjs); lineValues() below is the per-line reference code
// the block parser falls back to, so errors read the same either way.
import { openSync, readSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import { BlockSource } from '../ops/stage.mjs';
import { parseNumber } from './number.mjs';
import { checkInt, rangeError, typeError, describe } from '../errors.mjs';
import { requirePath } from './path.mjs';
import { BlockParser, regions } from './csv_block.mjs';

const NL = 0x0a;
const CR = 0x0d;
const DTYPES = ['float32', 'int32'];

/**
 * The first line of the file (BOM and a CR before LF dropped), read
 * synchronously at build time so header problems show up early; null for an
 * empty file.
 */
function readFirstLine(path, blockSize) {
  const fd = openSync(path, 'r');
  try {
    const chunks = [];
    const buf = Buffer.allocUnsafe(Math.min(blockSize, 1 << 16));
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, total);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(NL);
      chunks.push(Buffer.from(buf.subarray(0, nl === -1 ? n : nl)));
      total += n;
      if (nl !== -1) break;
    }
    let line = Buffer.concat(chunks);
    if (total === 0) return null;
    if (line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) {
      line = line.subarray(3);
      if (total === 3) return null; // only a BOM: an empty file (SPEC.md §3.1)
    }
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    return line;
  } finally {
    closeSync(fd);
  }
}

/** Field boundaries of buf[s, e): fills `bounds` with start/end pairs, returns the field count. */
function splitFields(buf, s, e, delim, bounds) {
  let count = 0;
  let fieldStart = s;
  for (let p = s; p < e; p++) {
    if (buf[p] === delim) {
      if (2 * count + 1 < bounds.length) {
        bounds[2 * count] = fieldStart;
        bounds[2 * count + 1] = p;
      }
      count++;
      fieldStart = p + 1;
    }
  }
  if (2 * count + 1 < bounds.length) {
    bounds[2 * count] = fieldStart;
    bounds[2 * count + 1] = e;
  }
  return count + 1;
}

function columnList(value, where) {
  if (value === null || value === undefined) return null;
  const list = Array.isArray(value) ? value : [value];
  for (const c of list) {
    if (!(typeof c === 'string' || (Number.isInteger(c) && c >= 0))) {
      throw typeError('SF_ARG', `csv ${where}: a column is a header name or a 0-based index, got ${describe(c)}`);
    }
  }
  return list;
}

export class CsvSource extends BlockSource {
  /**
   * @param {string} path
   * @param {{header?: boolean, features?: (string|number)[]|null, label?: string|number|(string|number)[]|null,
   *   delimiter?: string, dtype?: string, labelDtype?: string, blockSize?: number, onError?: 'raise'|'skip'}} [options]
   */
  constructor(path, { header = true, features = null, label = null, delimiter = ',', dtype = 'float32', labelDtype = 'float32', blockSize = 1 << 20, onError } = {}) {
    super(onError, 'csv');
    requirePath(path, 'csv', 'file');
    if (typeof header !== 'boolean') throw typeError('SF_ARG', `csv({header}) must be true or false, got ${describe(header)}`);
    if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || delimiter === '\n' || delimiter === '\r') {
      throw rangeError('SF_ARG', `csv({delimiter}) must be one ASCII character, got ${describe(delimiter)}`);
    }
    for (const [k, v] of [['dtype', dtype], ['labelDtype', labelDtype]]) {
      if (!DTYPES.includes(v)) throw rangeError('SF_ARG', `csv({${k}}) must be "float32" or "int32", got ${describe(v)}`);
    }
    this.path = path;
    this.header = header;
    this.features = columnList(features, 'features');
    if (features !== null && features !== undefined && !Array.isArray(features)) {
      throw typeError('SF_ARG', `csv({features}) must be a list of column names or indices, got ${describe(features)}`);
    }
    this.labelList = columnList(label, 'label');
    this.labelIsList = Array.isArray(label);
    this.delimiter = delimiter.charCodeAt(0);
    this.dtype = dtype;
    this.labelDtype = labelDtype;
    this.blockSize = checkInt(blockSize, 'csv: block_size (blockSize)', 1);

    const first = readFirstLine(path, this.blockSize);
    if (first === null) throw rangeError('SF_EMPTY_SOURCE', `csv ${path} is empty (no lines); give it ${header ? 'a header and ' : ''}rows`);
    if (first.length === 0) throw rangeError('SF_CSV_EMPTY_LINE', `csv ${path} line 1: empty line; remove blank lines from the file`);
    const bounds = new Int32Array(2 * first.length + 2);
    this.ncols = splitFields(first, 0, first.length, this.delimiter, bounds);
    const names = header ? Array.from({ length: this.ncols }, (_, k) => first.toString('utf8', bounds[2 * k], bounds[2 * k + 1])) : null;
    this.columns = this.resolveColumns(names, this.ncols);
  }

  label() {
    return `csv(${basename(this.path)}${this.policyLabel})`;
  }

  /** Resolves names/indices to indices; SF_CSV_HEADER on a bad column. */
  resolveColumns(names, count) {
    const where = () => `csv ${this.path} line 1`;
    const resolve = (c) => {
      if (typeof c === 'number') {
        if (c >= count) throw rangeError('SF_CSV_HEADER', `${where()}: column index ${c} is out of range; the file has ${count} columns (0..${count - 1})`);
        return c;
      }
      if (names === null) throw rangeError('SF_CSV_HEADER', `csv ${this.path}: column ${describe(c)} is a name but header is false; use a 0-based index or set header: true`);
      const hits = [];
      names.forEach((n, k) => n === c && hits.push(k));
      if (hits.length === 0) throw rangeError('SF_CSV_HEADER', `${where()}: column ${describe(c)} is not in the header (${names.map((n) => describe(n)).join(', ')}); fix the name or the header`);
      if (hits.length > 1) throw rangeError('SF_CSV_HEADER', `${where()}: column ${describe(c)} appears ${hits.length} times in the header (columns ${hits.join(', ')}); rename the duplicates or select by index`);
      return hits[0];
    };
    const labels = (this.labelList ?? []).map(resolve);
    let feats;
    if (this.features === null) {
      const skip = new Set(labels);
      feats = [];
      for (let k = 0; k < count; k++) if (!skip.has(k)) feats.push(k);
    } else {
      feats = this.features.map(resolve);
    }
    return { feats, labels, columnNames: names };
  }

  /**
   * One block per region of complete lines read from the file (one read of
   * blockSize bytes). Under onError 'skip' the parser drops and counts bad
   * lines (SPEC.md §4.6); a block then holds the good lines of its region.
   */
  async *iterateBlocks(epoch) {
    const read = this.beginRead(epoch);
    const parser = new BlockParser(this, read.skipping ? read : null);
    let lineNo = 0;
    let rows = 0;
    for await (const [buf, start, end, last] of regions(this.path, this.blockSize)) {
      const out = parser.parse(buf, start, end, lineNo, last);
      lineNo = out.lineNo;
      rows += out.rows;
      // Rows before a bad line come out first, as the per-record reader gave them.
      yield* out.blocks;
      if (out.error !== null) throw out.error;
    }
    if (rows === 0 && read.total === 0) throw rangeError('SF_EMPTY_SOURCE', `csv ${this.path} has no data rows; add rows${this.header ? ' below the header' : ''}`);
    read.finish(rows); // SF_EMPTY_SOURCE with the counts when skips took every line
  }

  /**
   * Values of the data line buf[s, e) (no \n; a CR before it already dropped):
   * [x, y] typed arrays (y null without a label), or the SPEC.md §3.1 error for line `lineNo`.
   */
  lineValues(buf, s, e, lineNo) {
    const file = this.path;
    const expected = this.ncols;
    const cols = this.columns;
    if (s === e) {
      throw rangeError('SF_CSV_EMPTY_LINE', `csv ${file} line ${lineNo}: empty line; remove blank lines from the file`);
    }
    if (this._bounds === undefined) this._bounds = new Int32Array(2 * expected + 2);
    const bounds = this._bounds;
    const count = splitFields(buf, s, e, this.delimiter, bounds);
    if (count !== expected) {
      const ref = this.header ? "the header's" : "the first line's";
      throw rangeError('SF_CSV_COLUMNS', `csv ${file} line ${lineNo}: ${count} fields, ${ref} ${expected}; every line needs the same number of fields`);
    }
    const x = this.parseColumns(buf, bounds, cols.feats, this.dtype, file, lineNo, cols.columnNames);
    if (this.labelList === null) return [x, null];
    return [x, this.parseColumns(buf, bounds, cols.labels, this.labelDtype, file, lineNo, cols.columnNames)];
  }

  parseColumns(buf, bounds, indices, dtype, file, lineNo, names) {
    const out = dtype === 'int32' ? new Int32Array(indices.length) : new Float32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const c = indices[k];
      const v = parseNumber(buf, bounds[2 * c], bounds[2 * c + 1]);
      if (v === undefined) {
        const col = names ? `column ${describe(names[c])} (index ${c})` : `column ${c}`;
        const text = buf.toString('utf8', bounds[2 * c], bounds[2 * c + 1]);
        throw rangeError('SF_CSV_NUMBER', `csv ${file} line ${lineNo}, ${col}: ${describe(text)} is not a number; write a decimal like 1.5, -2e3, nan or inf`);
      }
      if (dtype === 'int32' && !(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) {
        const col = names ? `column ${describe(names[c])} (index ${c})` : `column ${c}`;
        const text = buf.toString('utf8', bounds[2 * c], bounds[2 * c + 1]);
        throw rangeError('SF_CSV_NUMBER', `csv ${file} line ${lineNo}, ${col}: ${describe(text)} is not an int32 value; use dtype "float32" or fix the value`);
      }
      out[k] = v;
    }
    return out;
  }
}
