// The pack format, version 1 (SPEC.md §9.2): names, dtypes, canonical JSON,
// safetensors headers. Python twin: python/streamfit/pack/format.py.
//
// A shard is a safetensors file: a little-endian u64 header length N, N bytes
// of JSON (keys sorted, no spaces, padded with spaces so 8 + N is a multiple
// of 8), then the data buffer. Tensors sit in the buffer by item size (largest
// first), then by name, without gaps, so each is aligned to its item size.
import { createHash } from 'node:crypto';
import { compareUtf8 } from '../core/record.mjs';
import { plainError, typeError, describe } from '../errors.mjs';

export const FORMAT = 'streamfit-pack';
export const VERSION = 1;
export const INDEX = 'index.json';
export const TMP = '.tmp';

/** Field dtypes a pack stores (SPEC.md §2.1) and their safetensors names. */
export const DTYPES = Object.freeze({ uint8: 'U8', int32: 'I32', float32: 'F32', int64: 'I64', float64: 'F64' });
/** Bytes per element of each safetensors dtype a pack uses (U64: variable fields' offsets). */
export const ST_ITEMSIZE = Object.freeze({ U8: 1, I32: 4, F32: 4, I64: 8, F64: 8, U64: 8 });

/** The largest header accepted (safetensors' own limit): a bigger length field means a damaged file. */
export const MAX_HEADER = 100 * 2 ** 20;

/**
 * `shard-NNNNN.safetensors` (at least 5 digits).
 * @example shardName(3) // 'shard-00003.safetensors'
 */
export function shardName(s) {
  return `shard-${String(s).padStart(5, '0')}.safetensors`;
}

/**
 * The number in a shard file name, or null for any other name (.tmp files included).
 * @example shardNumber('shard-00012.safetensors') // 12
 */
export function shardNumber(name) {
  const m = /^shard-([0-9]{5,})\.safetensors$/.exec(name);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && shardName(n) === name ? n : null;
}

/**
 * JSON with object keys sorted (by code point, as Python's sort_keys) and no
 * spaces (SPEC.md §9.1, §9.2). Numbers print as JSON.stringify prints them;
 * the Python twin prints floats the same way (2.0 as 2), so both languages
 * hash and write the same bytes.
 * @example canonical({ b: 1, a: [0.00001, 'x'] }) // '{"a":[0.00001,"x"],"b":1}'
 * @returns {string}
 */
export function canonical(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw typeError('SF_ARG', `canonical JSON cannot hold ${value}`);
      return JSON.stringify(value);
    case 'object': {
      const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareUtf8);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
    }
    default:
      throw typeError('SF_ARG', `canonical JSON cannot hold ${describe(value)} (${typeof value})`);
  }
}

/**
 * SPEC.md §9.1: sha256 (hex) of the canonical JSON of the pipeline summary,
 * the packed spec part (null for an API pipeline, or the `key` string it was
 * given), shard_bytes and variable.
 * @example packKey('image_folder(images)', 'golden:encoded', 4096, ['0'])
 */
export function packKey(summary, spec, shardBytes, variable) {
  const text = canonical({ pipeline: summary, spec: spec ?? null, shard_bytes: shardBytes, variable: [...variable] });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The first bytes of a shard: 8-byte length + padded header JSON, and the
 * tensor names in buffer order (item size descending, then name by UTF-8 bytes).
 * @example encodeHeader(new Map([['0', { dtype: 'U8', shape: [3, 2], bytes: 6 }]]), { format: FORMAT })
 * @param {Map<string, {dtype: string, shape: number[], bytes: number}>} tensors
 * @param {{[k: string]: string}} meta the __metadata__ entry
 * @returns {{head: Buffer, order: string[]}}
 */
export function encodeHeader(tensors, meta) {
  const order = [...tensors.keys()].sort((a, b) => (ST_ITEMSIZE[tensors.get(b).dtype] - ST_ITEMSIZE[tensors.get(a).dtype]) || compareUtf8(a, b));
  const header = { __metadata__: meta };
  let pos = 0;
  for (const name of order) {
    const t = tensors.get(name);
    header[name] = { data_offsets: [pos, pos + t.bytes], dtype: t.dtype, shape: t.shape };
    pos += t.bytes;
  }
  const json = Buffer.from(canonical(header), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  const head = Buffer.alloc(8 + json.length + pad, 0x20);
  head.writeBigUInt64LE(BigInt(json.length + pad), 0);
  json.copy(head, 8);
  return { head, order };
}

const isCount = (v) => Number.isSafeInteger(v) && v >= 0;

/**
 * The header of a shard whose first bytes are `head` (the 8-byte length and
 * the whole header) and the offset of its data buffer; SF_PACK_FORMAT naming
 * `shown` when the header is damaged or a tensor lies outside the file.
 * @example const { header, start } = parseHeader(bytes, bytes.length, 'shard-00000.safetensors');
 * @param {Uint8Array} head
 * @param {number} fileSize
 * @param {string} shown the shard's name for messages
 * @param {(why: string) => Error} [damaged] the error to throw instead (a training backup, SPEC.md §5.6, uses the same layout)
 * @returns {{header: object, start: number}}
 */
export function parseHeader(head, fileSize, shown, damaged = undefined) {
  const bad = (why) => (damaged !== undefined ? damaged(`malformed header (${why})`)
    : plainError('SF_PACK_FORMAT', `packed: shard ${shown} has a malformed header (${why}); the pack is damaged: write it again with pack`));
  if (head.length < 8) throw bad('the file is shorter than 8 bytes');
  const n = Number(Buffer.from(head.buffer, head.byteOffset, 8).readBigUInt64LE(0));
  if (n > MAX_HEADER || 8 + n > fileSize || head.length < 8 + n) throw bad(`header length ${n} does not fit a ${fileSize}-byte file`);
  let header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + n)));
  } catch (cause) {
    throw bad(`not UTF-8 JSON: ${cause.message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('not a JSON object');
  const data = fileSize - 8 - n;
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const ok = e !== null && typeof e === 'object' && Object.prototype.hasOwnProperty.call(ST_ITEMSIZE, e.dtype)
      && Array.isArray(e.shape) && e.shape.every(isCount)
      && Array.isArray(e.data_offsets) && e.data_offsets.length === 2 && e.data_offsets.every(isCount);
    if (!ok) throw bad(`tensor ${JSON.stringify(name)} is not {dtype, shape, data_offsets}`);
    const [lo, hi] = e.data_offsets;
    const size = e.shape.reduce((a, b) => a * b, 1) * ST_ITEMSIZE[e.dtype];
    if (hi - lo !== size || hi > data) throw bad(`tensor ${JSON.stringify(name)} has data_offsets [${lo}, ${hi}] that do not match its shape or the file`);
    if (lo % ST_ITEMSIZE[e.dtype] !== 0) throw bad(`tensor ${JSON.stringify(name)} is not aligned to its item size`);
  }
  return { header, start: 8 + n };
}
