// Listing and splitting of a Keras class-folder tree (root/<class>/<file>).
// Pure file-system walk and integer order; no decoding. SPEC.md §3.4.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Permutation } from '../order/permute.mjs';
import { combine, TAG_SPLT } from '../order/prng.mjs';
import { legacyShuffleOrder } from '../order/numpy_legacy.mjs';
import { plainError, rangeError, describe } from '../errors.mjs';

/**
 * Compares strings by their UTF-8 bytes (= code point order) without encoding
 * them: UTF-16 unit order differs only between a surrogate and U+E000..U+FFFF,
 * so those two ranges swap places. Sorting a million names with Buffer.compare
 * would allocate two Buffers per comparison.
 * @example ['b', 'a b', 'a/z', 'a'].sort(byUtf8) // ['a', 'a b', 'a/z', 'b']
 */
export function byUtf8(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function isDirFollowing(p) {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // a broken link is not a folder (os.walk lists it as a file)
  }
}

/**
 * The class names: sub-folders of root not starting with '.' (a link to a
 * folder counts, as os.path.isdir says), sorted by UTF-8 bytes; or classNames
 * in its order, each of which must be such a folder (SF_LAYOUT).
 */
export function listClasses(root, classNames) {
  const found = readdirSync(root).filter((name) => !name.startsWith('.') && isDirFollowing(join(root, name))).sort(byUtf8);
  if (classNames === null) {
    if (found.length === 0) {
      throw plainError('SF_LAYOUT', `classFolder: folder ${root} has no class sub-folders; put the images in ${root}/<class name>/`);
    }
    return found;
  }
  const have = new Set(found);
  for (const c of classNames) {
    if (!have.has(c)) {
      throw plainError('SF_LAYOUT', `classFolder: class ${describe(c)} of classNames has no folder ${join(root, c)}; create it or drop the class (found folders: ${found.map((f) => describe(f)).join(', ') || 'none'})`);
    }
  }
  return classNames.slice();
}

/**
 * Files of one class in Keras's order: every folder under the class (links to
 * folders are not followed), sorted by full path bytes -- not depth first:
 * 'a' < 'a b' < 'a/z' because ' ' < '/' -- then each folder's files by name.
 * Appends '<class>/<relative path>' to `out`; returns the number appended.
 * A file with another extension raises SF_LAYOUT, or with `skipped` (onError
 * 'skip', SPEC.md §4.6) has its error appended there and is left out.
 */
function walkClass(root, cls, extensions, out, skipped) {
  const suffixes = extensions.map((e) => `.${e}`);
  // Pass 1: the folders, relative to the class folder ('' is the class folder itself).
  const folders = [''];
  const filesOf = new Map();
  for (let k = 0; k < folders.length; k++) {
    const rel = folders[k];
    const abs = rel === '' ? join(root, cls) : join(root, cls, rel);
    const names = [];
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      entries = []; // os.walk (Keras) skips a folder it cannot read
    }
    for (const d of entries) {
      const child = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) folders.push(child);
      else if (!(d.isSymbolicLink() && isDirFollowing(join(abs, d.name)))) names.push(d.name);
    }
    filesOf.set(rel, names);
  }
  folders.sort(byUtf8);
  // Pass 2: files of each folder in folder order. A dot-named image is listed
  // (Keras lists it); other dotfiles (.DS_Store, .keep) are not data.
  const before = out.length;
  for (const rel of folders) {
    const names = filesOf.get(rel).sort(byUtf8);
    filesOf.delete(rel);
    const prefix = rel === '' ? `${cls}/` : `${cls}/${rel}/`;
    for (const name of names) {
      const lower = name.toLowerCase();
      if (!suffixes.some((s) => lower.endsWith(s))) {
        if (name.startsWith('.')) continue;
        const err = plainError('SF_LAYOUT', `classFolder: file ${prefix}${name} in ${root} has none of the extensions ${extensions.join(', ')}; move it out of the class folders or pass extensions`);
        if (skipped === null) throw err;
        skipped.push(err);
        continue;
      }
      out.push(prefix + name);
    }
  }
  return out.length - before;
}

/**
 * Lists a class-folder tree (SPEC.md §3.4). With `skip` (onError 'skip',
 * SPEC.md §4.6) files with another extension are left out and their errors
 * returned in `skipped`, in listing order; without, the first one raises.
 * @example const { files, labels, classNames, skipped } = listClassFolder('flowers', null, ['jpg', 'png'], false);
 * @param {string} root
 * @param {string[]|null} classNames
 * @param {string[]} extensions lower-case extensions without the dot
 * @param {boolean} skip
 * @returns {{classNames: string[], files: string[], labels: Uint16Array|Int32Array, skipped: Error[]}}
 */
export function listClassFolder(root, classNames, extensions, skip = false) {
  const classes = listClasses(root, classNames);
  const files = [];
  const skipped = skip ? [] : null;
  const counts = classes.map((cls) => {
    const m = walkClass(root, cls, extensions, files, skipped);
    if (m === 0) {
      throw plainError('SF_LAYOUT', `classFolder: class folder ${join(root, cls)} (class ${describe(cls)}) holds no image files; add images or remove the folder${classNames === null ? '' : ' and the class from classNames'}`);
    }
    return m;
  });
  const labels = classes.length <= 65536 ? new Uint16Array(files.length) : new Int32Array(files.length);
  let pos = 0;
  counts.forEach((m, label) => {
    labels.fill(label, pos, pos + m);
    pos += m;
  });
  return { classNames: classes, files, labels, skipped: skipped ?? [] };
}

/**
 * Indices of the training and validation files of n listed files (SPEC.md §3.4):
 * v = floor(split * n); "streamfit" keeps listing order within each subset,
 * "keras" takes numpy's RandomState(seed).shuffle order like Keras.
 * @example const { training, validation } = splitIndices(10, 0.2, 7, 'streamfit');
 * @returns {{training: Uint32Array, validation: Uint32Array}}
 */
export function splitIndices(n, validationSplit, seed, mode) {
  const v = Math.floor(validationSplit * n);
  if (v === 0 || v === n) {
    throw rangeError('SF_ARG', `classFolder({validationSplit}): ${validationSplit} of ${n} files leaves ${v === 0 ? 'no validation' : 'no training'} files; use a split between ${(1 / n).toPrecision(3)} and ${(1 - 1 / n).toPrecision(3)} or add files`);
  }
  if (mode === 'keras') {
    const o = legacyShuffleOrder(n, seed);
    return { training: o.subarray(0, n - v), validation: o.subarray(n - v) };
  }
  const perm = new Permutation(n, combine(seed, TAG_SPLT), 0);
  const training = new Uint32Array(n - v);
  const validation = new Uint32Array(v);
  let t = 0;
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (perm.at(i) >= n - v) validation[w++] = i;
    else training[t++] = i;
  }
  return { training, validation };
}
