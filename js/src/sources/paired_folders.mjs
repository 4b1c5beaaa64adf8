// Paired folders (siamese / change detection): root/<input>/<stem>.<ext> for
// each input, root/<label>/<stem>.<ext> masks; files matched by stem, never by
// position. Indexable. SPEC.md §3.5.
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Source } from '../ops/stage.mjs';
import { markSkippable } from '../core/on_error.mjs';
import { decodeImageAnywhere } from '../tfjs/decode_pool.mjs';
import { plainError, rangeError, typeError, describe, checkInt } from '../errors.mjs';
import { requirePath } from './path.mjs';
import { byUtf8 } from './class_folder_listing.mjs';

const DEFAULT_EXTENSIONS = ['jpg', 'jpeg', 'png', 'bmp', 'gif', 'webp'];

function isFolder(p) {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * One folder, flat: Map stem -> file names (more than one only under skip).
 * Dot-named entries are ignored; a sub-folder (folders are read flat), a file
 * without an allowed extension, or a second file with a stem already seen is
 * SF_LAYOUT: no data is dropped silently. With `skipped` (onError 'skip',
 * SPEC.md §4.6) the entry errors are appended there instead, and a repeated
 * stem is kept with all its files for listPairs to count once.
 */
function listFolder(root, folder, extensions, skipped) {
  const dir = join(root, folder);
  if (!isFolder(dir)) {
    throw plainError('SF_LAYOUT', `pairedFolders: folder ${describe(folder)} (${dir}) does not exist; create it or fix inputs / label (found: ${readdirSync(root).filter((n) => !n.startsWith('.') && isFolder(join(root, n))).sort(byUtf8).map((n) => describe(n)).join(', ') || 'no folders'})`);
  }
  const suffixes = extensions.map((e) => `.${e}`);
  const byStem = new Map();
  const bad = (err) => {
    if (skipped === null) throw err;
    skipped.push(err);
  };
  for (const name of readdirSync(dir).sort(byUtf8)) {
    // A dot-named image is data (SPEC.md §3.5, as §3.4); other dot-entries (.DS_Store, .git) are not.
    if (name.startsWith('.') && (!suffixes.some((s) => name.toLowerCase().endsWith(s)) || isFolder(join(dir, name)))) continue;
    if (isFolder(join(dir, name))) {
      bad(plainError('SF_LAYOUT', `pairedFolders: ${folder}/${name} in ${root} is a sub-folder, and folders are read flat; move its files up or out`));
      continue;
    }
    const lower = name.toLowerCase();
    if (!suffixes.some((s) => lower.endsWith(s))) {
      bad(plainError('SF_LAYOUT', `pairedFolders: file ${folder}/${name} in ${root} has none of the extensions ${extensions.join(', ')}; move it out or pass extensions`));
      continue;
    }
    const stem = name.slice(0, name.lastIndexOf('.'));
    const other = byStem.get(stem);
    if (other === undefined) {
      byStem.set(stem, [name]);
    } else {
      if (skipped === null) throw twiceError(root, folder, stem, [other[0], name]);
      other.push(name);
    }
  }
  return byStem;
}

function twiceError(root, folder, stem, names) {
  return plainError('SF_LAYOUT', `pairedFolders: files ${folder}/${names[0]} and ${folder}/${names[1]} in ${root} share the name ${describe(stem)}; pairs are matched by name, so keep one of them`);
}

function missingError(root, folders, fa, file, fb, stem) {
  return plainError('SF_PAIR_MISSING', `pairedFolders: file ${folders[fa]}/${file} in ${root} has no partner named ${describe(stem)} (any extension) in folder ${folders[fb]}; add ${folders[fb]}/${stem}.<ext> or remove the file`);
}

/**
 * Lists and pairs the folders (SPEC.md §3.5). With `skip` (onError 'skip',
 * SPEC.md §4.6) the candidates are the stems of all folders, in UTF-8 order:
 * a stem held twice by some folder is one SF_LAYOUT, else a stem missing from
 * some folder one SF_PAIR_MISSING, else a record; `skipped` holds those errors
 * after the folders' own entry errors. Without, the first problem raises.
 * @example const { stems, files } = listPairs('changes', ['time1', 'time2', 'label'], ['png'], false);
 * @returns {{stems: string[], files: string[][], skipped: Error[]}} stems in record order; files[f][i]: the file of folder f for stem i
 */
export function listPairs(root, folders, extensions, skip = false) {
  const skipped = skip ? [] : null;
  const listed = folders.map((f) => listFolder(root, f, extensions, skipped));
  let stems;
  if (skipped === null) {
    // Every ordered pair of folders (a, b), a's stems in order: the first file
    // without a partner is the same one in both languages.
    listed.forEach((a, fa) => {
      listed.forEach((b, fb) => {
        for (const stem of [...a.keys()].sort(byUtf8)) {
          if (!b.has(stem)) throw missingError(root, folders, fa, a.get(stem)[0], fb, stem);
        }
      });
    });
    stems = [...listed[0].keys()].sort(byUtf8);
  } else {
    const all = new Set();
    for (const m of listed) for (const stem of m.keys()) all.add(stem);
    stems = [];
    for (const stem of [...all].sort(byUtf8)) {
      const twice = listed.findIndex((m) => (m.get(stem)?.length ?? 0) > 1);
      const lacking = listed.findIndex((m) => !m.has(stem));
      if (twice !== -1) {
        skipped.push(twiceError(root, folders[twice], stem, listed[twice].get(stem)));
      } else if (lacking !== -1) {
        const fa = listed.findIndex((m) => m.has(stem));
        skipped.push(missingError(root, folders, fa, listed[fa].get(stem)[0], lacking, stem));
      } else {
        stems.push(stem);
      }
    }
  }
  if (stems.length === 0 && !(skipped?.length > 0)) {
    throw rangeError('SF_EMPTY_SOURCE', `pairedFolders: folders ${folders.map((f) => describe(f)).join(', ')} of ${root} hold no files with extensions ${extensions.join(', ')}; check the path or pass extensions`);
  }
  return { stems, files: listed.map((m) => stems.map((s) => m.get(s)[0])), skipped: skipped ?? [] };
}

function checkOptions({ inputs = ['time1', 'time2'], label, channels = 3, imageSize = null, scale = false, extensions = DEFAULT_EXTENSIONS }) {
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((f) => typeof f === 'string' && f !== '')) {
    throw typeError('SF_ARG', `pairedFolders({inputs}) must be a non-empty list of sub-folder names, e.g. ["time1", "time2"], got ${describe(inputs)}`);
  }
  const dup = inputs.find((f, k) => inputs.indexOf(f) !== k);
  if (dup !== undefined) throw rangeError('SF_ARG', `pairedFolders({inputs}) lists ${describe(dup)} twice; each input folder once`);
  const lab = label === undefined ? 'label' : label;
  if (lab !== null && (typeof lab !== 'string' || lab === '')) {
    throw typeError('SF_ARG', `pairedFolders({label}) must be a sub-folder name or null (no label), got ${describe(lab)}`);
  }
  checkInt(channels, 'pairedFolders({channels})', 0, 4);
  if (channels === 2) throw rangeError('SF_ARG', 'pairedFolders({channels}) must be 0, 1, 3 or 4, got 2');
  if (imageSize !== null && imageSize !== undefined) {
    if (!Array.isArray(imageSize) || imageSize.length !== 2) throw typeError('SF_ARG', `pairedFolders({imageSize}) must be [height, width], got ${describe(imageSize)}`);
    imageSize.forEach((d, k) => checkInt(d, `pairedFolders({imageSize})[${k}]`, 1));
  }
  if (typeof scale !== 'boolean') throw typeError('SF_ARG', `pairedFolders({scale}) must be true or false, got ${describe(scale)}`);
  if (!Array.isArray(extensions) || extensions.length === 0 || !extensions.every((e) => typeof e === 'string' && e.replace(/^\./, '') !== '')) {
    throw typeError('SF_ARG', `pairedFolders({extensions}) must be a non-empty list of extensions like ["jpg", "png"], got ${describe(extensions)}`);
  }
  return { inputs: inputs.slice(), labelFolder: lab, channels, imageSize: imageSize ?? null, scale, extensions: extensions.map((e) => e.replace(/^\./, '').toLowerCase()) };
}

export class PairedFoldersSource extends Source {
  /**
   * @param {string} path root folder
   * @param {{inputs?: string[], label?: string|null, channels?: number, imageSize?: [number, number]|null,
   *   scale?: boolean, extensions?: string[], onError?: 'raise'|'skip'}} [options]
   */
  constructor(path, options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('SF_ARG', `pairedFolders(path, options): options must be an object, got ${describe(options)}`);
    super(options.onError, 'pairedFolders');
    requirePath(path, 'pairedFolders', 'folder');
    const o = checkOptions(options);
    this.path = path;
    this.inputs = o.inputs;
    this.labelFolder = o.labelFolder;
    this.channels = o.channels;
    this.imageSize = o.imageSize;
    this.scale = o.scale;
    this.extensions = o.extensions;
    // The label folder may also be an input (masks as input): list each folder once.
    this.folders = this.labelFolder === null || this.inputs.includes(this.labelFolder) ? this.inputs.slice() : [...this.inputs, this.labelFolder];
    const { stems, files, skipped } = listPairs(path, this.folders, this.extensions, this.onError === 'skip');
    // Stems left out at listing are missing from every epoch (SPEC.md §4.6).
    for (const err of skipped) this.skips.addListing(err);
    if (stems.length === 0) throw this.skips.emptyAtListing(`every stem of folders ${this.folders.join(', ')} in ${path} was skipped`);
    this.stems = stems;
    this.files = files;
  }

  label() {
    return `paired_folders(${basename(this.path)}${this.policyLabel})`;
  }

  get indexable() {
    return true;
  }

  // Under 'skip' a stem whose files do not decode is dropped while reading:
  // the listed positions stay, the number of records is unknown (SPEC.md §4.2).
  cardinality() {
    return this.dropsRecords ? null : this.stems.length;
  }

  positions() {
    return this.stems.length;
  }

  /** The first input's files relative to path ('/'-separated), in record order. */
  get filePaths() {
    return this.files[0].map((name) => `${this.inputs[0]}/${name}`);
  }

  // get(i) reads files and decodes them: reading ahead overlaps the I/O.
  get getAhead() {
    return true;
  }

  async get(i) {
    try {
      return await this.readRecord(i);
    } catch (err) {
      throw this.onError === 'skip' && err.code === 'SF_IMAGE_DECODE' ? markSkippable(err) : err;
    }
  }

  /** Record i: ((x1, ..., xk), y), or ((x1, ..., xk),) without a label (SPEC.md §3.5). */
  async readRecord(i) {
    this.checkIndex(i);
    const paths = this.folders.map((f, k) => join(this.path, f, this.files[k][i]));
    const bytes = await Promise.all(paths.map(async (file) => {
      try {
        return await readFile(file);
      } catch (cause) {
        throw plainError('SF_FILE_NOT_FOUND', `pairedFolders: image ${file} cannot be read (${cause.code ?? cause.message}); was it moved while the pipeline ran?`, cause);
      }
    }));
    // Every file is read before any is decoded (a file gone is reported before
    // one that does not decode); the bytes go to a decode worker while a pack
    // is written (tfjs/decode_pool.mjs).
    const common = { imageSize: this.imageSize };
    const xs = [];
    for (let k = 0; k < this.inputs.length; k++) {
      xs.push(await decodeImageAnywhere(bytes[k], { ...common, channels: this.channels, scale: this.scale, file: paths[k] }));
    }
    // A one-element tuple, so that nothing reads the second input as a label.
    if (this.labelFolder === null) return [xs];
    const m = this.folders.indexOf(this.labelFolder);
    const y = await decodeImageAnywhere(bytes[m], { ...common, channels: 1, scale: false, file: paths[m], resize: 'nearest' });
    return [xs, y];
  }
}
