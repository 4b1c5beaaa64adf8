// CSV text straight into typed columns (the block fast path of SPEC.md §3.1).
// One pass over the bytes of complete lines, no per-row objects and no
// substrings for plain decimals. Whatever the fast loop does not handle on a
// line (an empty line, a wrong field count, a word like nan, more than 15
// significant digits, a bad number) goes to the per-line reference code of
// csv.mjs (`CsvSource.lineValues`), so values, error codes, messages and line
// numbers stay those of the plain parser. Under onError 'skip' a line the
// reference code rejects is counted and dropped there (SPEC.md §4.6): good
// lines never leave the fast loop, so a clean file pays nothing for it.
import { open } from 'node:fs/promises';
import { NdArray } from '../core/ndarray.mjs';
import { fastDecimal, fastEnd, parseNumber } from './number.mjs';

const NL = 0x0a;
const CR = 0x0d;

/** Errors that name one bad data line: onError 'skip' drops the line and counts it (SPEC.md §4.6). */
const LINE_CODES = new Set(['SF_CSV_EMPTY_LINE', 'SF_CSV_COLUMNS', 'SF_CSV_NUMBER']);

/**
 * Reads a file in blocks of `blockSize` bytes (growing only for a line that
 * does not fit) and yields [buf, start, end, last]: bytes [start, end) are
 * complete lines, each ending in \n, or, with last = true, the final line that
 * has no \n. A leading UTF-8 BOM is dropped. `buf` is reused: the consumer
 * must be done with it before asking for the next region.
 */
export async function* regions(path, blockSize) {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.max(blockSize, 4));
    let start = 0;
    let end = 0;
    let first = true;
    for (;;) {
      const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
      const eof = bytesRead === 0;
      end += bytesRead;
      if (first) {
        if (end < 3 && !eof) continue; // a BOM is only recognisable from 3 bytes
        first = false;
        if (end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      }
      const last = end > start ? buf.lastIndexOf(NL, end - 1) : -1;
      if (last >= start) {
        yield [buf, start, last + 1, false];
        start = last + 1;
      }
      if (eof) {
        if (start < end) yield [buf, start, end, true];
        return;
      }
      if (start > 0) {
        buf.copy(buf, 0, start, end);
        end -= start;
        start = 0;
      }
      if (end === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
    }
  } finally {
    await fh.close();
  }
}

/** Delimiters the number scanner could read as part of a number (or as a blank): they take the plain route. */
function fastDelimiter(delim) {
  const ch = String.fromCharCode(delim);
  return !/[0-9A-Za-z+\-. \t]/.test(ch);
}

// Bytes of one block of rows (all columns): see BlockParser.chunks.
const CHUNK_BYTES = 16 << 10;

/**
 * Parses regions of one CSV file into blocks for a CsvSource.
 * @example
 * const p = new BlockParser(source, null);
 * const { rows, blocks, error, lineNo } = p.parse(buf, start, end, 0, false);
 */
export class BlockParser {
  /**
   * @param {import('./csv.mjs').CsvSource} source
   * @param {import('../core/on_error.mjs').EpochRead|null} read where bad lines are counted under 'skip'; null: they raise
   */
  constructor(source, read) {
    this.source = source;
    this.read = read ?? null;
    this.ncols = source.ncols;
    this.delim = source.delimiter;
    this.fast = fastDelimiter(source.delimiter);
    this.feats = Int32Array.from(source.columns.feats);
    this.labels = source.labelList === null ? null : Int32Array.from(source.columns.labels);
    this.selected = new Uint8Array(this.ncols);
    for (const c of this.feats) this.selected[c] = 1;
    if (this.labels) for (const c of this.labels) this.selected[c] = 1;
    this.values = new Float64Array(this.ncols);
    this.XArray = source.dtype === 'int32' ? Int32Array : Float32Array;
    this.YArray = source.labelDtype === 'int32' ? Int32Array : Float32Array;
    this.xInt = source.dtype === 'int32';
    this.yInt = source.labelDtype === 'int32';
    this.avgLine = 16; // bytes per line, to size the columns of the next region
    // Columns are parsed into these scratch arrays, kept from region to region,
    // and leave as copies of at most chunkRows rows (see chunks()).
    this.xs = new this.XArray(0);
    this.ys = new this.YArray(0);
    const rowBytes = 4 * Math.max(1, this.feats.length + (this.labels === null ? 0 : this.labels.length));
    this.chunkRows = 2 ** Math.max(6, Math.min(14, Math.floor(Math.log2(CHUNK_BYTES / rowBytes))));
  }

  /**
   * Parses bytes [start, end) (complete lines; `last`: the final line without \n).
   * Line numbers continue from `lineNo`. Returns the rows parsed before any
   * error, as an iterator of blocks (none when no rows), and the error to raise after them
   * (never a bad line's when skipping: those are counted and left out).
   * @returns {{rows: number, blocks: Iterable<unknown>, error: Error|null, lineNo: number}}
   */
  parse(buf, start, end, lineNo, last) {
    const nf = this.feats.length;
    const nl = this.labels === null ? 0 : this.labels.length;
    let cap = Math.max(Math.ceil((end - start) / this.avgLine) + 16, Math.floor(this.xs.length / Math.max(nf, 1)));
    if (this.xs.length < cap * nf) this.xs = new this.XArray(cap * nf);
    if (this.ys.length < cap * nl) this.ys = new this.YArray(cap * nl);
    let { xs, ys } = this;
    let rows = 0;
    let error = null;
    const firstLine = lineNo;
    let p = start;
    while (p < end) {
      lineNo++;
      const lineStart = p;
      if (lineNo === 1 && this.source.header) {
        const stop = last ? end : buf.indexOf(NL, p);
        p = last ? end : stop + 1;
        continue;
      }
      if (rows === cap) {
        cap *= 2;
        xs = this.xs = grow(xs, cap * nf);
        ys = this.ys = grow(ys, cap * nl);
      }
      // Fast line: every field in place, numbers by fastDecimal.
      let lineEnd = last ? -1 : this.scanLine(buf, p, end);
      if (lineEnd >= 0 && !this.store(xs, ys, rows, nf, nl)) lineEnd = -1;
      if (lineEnd >= 0) {
        rows++;
        p = lineEnd + 1;
        continue;
      }
      // Anything else: the reference code parses the line or throws the exact error.
      const nlPos = last ? end : buf.indexOf(NL, lineStart);
      const stop = !last && nlPos > lineStart && buf[nlPos - 1] === CR ? nlPos - 1 : nlPos;
      try {
        const [x, y] = this.source.lineValues(buf, lineStart, stop, lineNo);
        xs.set(x, rows * nf);
        if (y !== null) ys.set(y, rows * nl);
        rows++;
      } catch (e) {
        if (this.read === null || !LINE_CODES.has(e.code)) {
          error = e;
          break;
        }
        this.read.skip(e);
      }
      p = last ? end : nlPos + 1;
    }
    if (lineNo > firstLine) this.avgLine = Math.max(2, (p - start) / (lineNo - firstLine));
    return { rows, blocks: this.chunks(rows, nf, nl), error, lineNo };
  }

  /**
   * Scans one \n-terminated line from p, storing selected numbers in
   * this.values; returns the position of its \n, or -1 when the line needs
   * the reference code (empty, wrong field count, a field it cannot parse).
   */
  scanLine(buf, p, end) {
    const { ncols, delim, selected, values } = this;
    const lineStart = p;
    let col = 0;
    for (;;) {
      if (col < ncols && selected[col] === 1) {
        const v = this.fast ? fastDecimal(buf, p, end) : 0;
        let q = this.fast ? fastEnd : -1;
        if (q >= 0) {
          const c = buf[q];
          if (c === delim || c === NL || (c === CR && buf[q + 1] === NL)) {
            values[col] = v;
            p = c === CR ? q + 1 : q;
          } else {
            q = -1;
          }
        }
        if (q < 0) {
          let fe = p;
          while (buf[fe] !== delim && buf[fe] !== NL) fe++;
          const te = buf[fe] === NL && fe > p && buf[fe - 1] === CR ? fe - 1 : fe;
          const w = parseNumber(buf, p, te);
          if (w === undefined) return -1;
          values[col] = w;
          p = fe;
        }
      } else {
        while (buf[p] !== delim && buf[p] !== NL) p++;
      }
      col++;
      if (buf[p] !== delim) break;
      p++;
    }
    if (col !== ncols) return -1;
    const len = p - lineStart;
    if (len === 0 || (len === 1 && buf[lineStart] === CR)) return -1; // empty line
    return p;
  }

  /** Copies this.values into row `row` of the columns; false when an int32 column holds a non-int32 value. */
  store(xs, ys, row, nf, nl) {
    const { values, feats, labels } = this;
    for (let k = 0; k < nf; k++) {
      const v = values[feats[k]];
      if (this.xInt && !(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) return false;
      xs[row * nf + k] = v;
    }
    for (let k = 0; k < nl; k++) {
      const v = values[labels[k]];
      if (this.yInt && !(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) return false;
      ys[row * nl + k] = v;
    }
    return true;
  }

  /**
   * Rows [0, rows) of the scratch columns as blocks of fresh copies, chunkRows
   * rows each (the last one shorter), each copied only when it is asked for:
   * the scratch must stay as it is until the last one is out (the next parse
   * comes after). Why copies: a block that lives across two scavenges is
   * promoted to V8's old space, and its ArrayBuffer then waits for a full GC,
   * which V8 starts only ~64 MB of external memory later; small blocks made
   * as they are needed die young and are freed by the next scavenge, so peak
   * RSS stays flat in the file's size (issue 6's memory proof). The copies
   * left the measured speed as it was (2M rows, batch(250): 3.1-4.2M rows/s).
   * Each block is x [n, nf] (and y [n] or [n, nl]).
   */
  *chunks(rows, nf, nl) {
    const src = this.source;
    for (let lo = 0; lo < rows; lo += this.chunkRows) {
      const hi = Math.min(rows, lo + this.chunkRows);
      const x = new NdArray(src.dtype, [hi - lo, nf], this.xs.slice(lo * nf, hi * nf));
      if (this.labels === null) {
        yield x;
        continue;
      }
      const yShape = src.labelIsList ? [hi - lo, nl] : [hi - lo];
      yield [x, new NdArray(src.labelDtype, yShape, this.ys.slice(lo * nl, hi * nl))];
    }
  }
}

function grow(arr, size) {
  const out = new arr.constructor(size);
  out.set(arr);
  return out;
}
