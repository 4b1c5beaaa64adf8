// `decode: false` (SPEC.md §3.2, §3.4): an image source that yields each
// file's bytes, undecoded, as uint8 [size]. Packing encoded images (SPEC.md §9)
// keeps a pack small; the decode_image map (SPEC.md §4.3) decodes them when
// the pack is read. Both image sources share the option's rules here: the
// options that only make sense for pixels are SF_ARG next to decode: false.
// Python twin: python/streamfit/sources/file_bytes.py.
import { readFile } from 'node:fs/promises';
import { NdArray } from '../core/ndarray.mjs';
import { markSkippable } from '../core/on_error.mjs';
import { decodeFileAnywhere } from '../tfjs/decode_pool.mjs';
import { plainError, rangeError, typeError, describe } from '../errors.mjs';

/**
 * `decode` as a boolean; with false, every pixel option that is set (true in
 * `pixelOptions`) is SF_ARG naming it.
 * @example checkDecode(false, 'imageFolder', { channels: false, imageSize: true }) // throws SF_ARG naming imageSize
 * @param {unknown} decode the user's option (undefined: true)
 * @param {string} who the factory, e.g. 'imageFolder'
 * @param {{[option: string]: boolean}} pixelOptions option name (camelCase / snake_case) -> whether it was given
 * @returns {boolean}
 */
export function checkDecode(decode, who, pixelOptions) {
  if (decode === undefined || decode === null) return true;
  if (typeof decode !== 'boolean') throw typeError('SF_ARG', `${who}({decode}) must be true or false, got ${describe(decode)}`);
  if (!decode) {
    const given = Object.keys(pixelOptions).filter((k) => pixelOptions[k]);
    if (given.length > 0) {
      throw rangeError('SF_ARG', `${who}: ${given.join(', ')} cannot be used with decode: false, which yields the files' undecoded bytes; drop ${given.length === 1 ? 'it' : 'them'}, or decode later with the decode_image map (which takes channels, image_size and scale)`);
    }
  }
  return decode;
}

/**
 * A file's bytes as uint8 [size] (a plain Uint8Array view of the read buffer:
 * a Buffer leaf would make `new data.constructor(n)` call the deprecated Buffer constructor).
 * @example const x = await readBytes('shapes/circle_0.png', 'imageFolder'); x.shape // [1234]
 * @param {string} file
 * @param {string} who the source, for the SF_FILE_NOT_FOUND message
 * @returns {Promise<NdArray>}
 */
export async function readBytes(file, who) {
  const buf = await readImageFile(file, who);
  return new NdArray('uint8', [buf.length], new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
}

/**
 * A listed image decoded with TF's kernels (SPEC.md §3.2), read and decoded on
 * a worker thread while a pack is written (tfjs/decode_pool.mjs); under onError
 * 'skip' a file that does not decode is marked skippable (SPEC.md §4.6), so the
 * read drops and counts it. A file gone since the listing is SF_FILE_NOT_FOUND.
 * @example const x = await readImage('shapes/circle_0.png', 'imageFolder', { channels: 3 }, 'raise');
 * @param {string} file
 * @param {string} who the source, for messages
 * @param {object} options decodeImage's options (channels, imageSize, scale, fit)
 * @param {'raise'|'skip'} onError
 * @returns {Promise<NdArray>}
 */
export async function readImage(file, who, options, onError) {
  try {
    return await decodeFileAnywhere(file, { ...options, file }, (cause) => notReadable(file, who, cause));
  } catch (err) {
    throw onError === 'skip' && err.code === 'SF_IMAGE_DECODE' ? markSkippable(err) : err;
  }
}

async function readImageFile(file, who) {
  try {
    return await readFile(file);
  } catch (cause) {
    throw notReadable(file, who, cause);
  }
}

/** SF_FILE_NOT_FOUND for a listed file that cannot be read. */
function notReadable(file, who, cause) {
  return plainError('SF_FILE_NOT_FOUND', `${who}: image ${file} cannot be read (${cause.code ?? cause.message}); was it moved while the pipeline ran?`, cause);
}
