// Image folder source with labels in file names; indexable. SPEC.md §3.2.
import { readdirSync, statSync } from 'node:fs';
import { basename, join, extname } from 'node:path';
import { Source } from '../ops/stage.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { compareUtf8 } from '../core/record.mjs';
import { rangeError, typeError, describe, checkInt } from '../errors.mjs';
import { requirePath } from './path.mjs';
import { checkDecode, readBytes, readImage } from './file_bytes.mjs';

const DEFAULT_EXTENSIONS = ['jpg', 'jpeg', 'png', 'bmp', 'gif', 'webp'];
const LABEL_MODES = ['int', 'categorical', 'none'];

function compilePattern(pattern) {
  let re;
  try {
    re = new RegExp(pattern);
  } catch (cause) {
    throw rangeError('SF_ARG', `imageFolder({pattern}): ${describe(pattern)} is not a valid regular expression (${cause.message})`, cause);
  }
  // Number of capture groups: an alternation with the empty string always matches.
  const groups = new RegExp(`${pattern}|`).exec('').length - 1;
  if (groups !== 1) {
    throw rangeError('SF_ARG', `imageFolder({pattern}): ${describe(pattern)} has ${groups} capture groups; it needs exactly one, the class, e.g. "^([^_]+)_"`);
  }
  return re;
}

export class ImageFolderSource extends Source {
  /**
   * @param {string} path folder
   * @param {{pattern?: string, classes?: string[]|null, labelMode?: 'int'|'categorical'|'none', channels?: number,
   *   imageSize?: [number, number]|null, scale?: boolean, extensions?: string[], onError?: 'raise'|'skip', decode?: boolean}} [options]
   *   decode false: x is the file's bytes, uint8 [size] (SPEC.md §3.2); channels, imageSize and scale are then SF_ARG
   */
  constructor(path, { pattern = '^([^_]+)_', classes = null, labelMode = 'int', channels, imageSize = null, scale = false, extensions = DEFAULT_EXTENSIONS, onError, decode } = {}) {
    super(onError, 'imageFolder');
    this.decode = checkDecode(decode, 'imageFolder', {
      channels: channels !== undefined && channels !== null, imageSize: imageSize !== undefined && imageSize !== null, scale: scale === true,
    });
    if (channels === undefined || channels === null) channels = 3;
    requirePath(path, 'imageFolder', 'folder');
    if (typeof pattern !== 'string') throw typeError('SF_ARG', `imageFolder({pattern}) must be a string, got ${describe(pattern)}`);
    if (!LABEL_MODES.includes(labelMode)) throw rangeError('SF_ARG', `imageFolder({labelMode}) must be one of ${LABEL_MODES.join(', ')}, got ${describe(labelMode)}`);
    checkInt(channels, 'imageFolder({channels})', 0, 4);
    if (channels === 2) throw rangeError('SF_ARG', 'imageFolder({channels}) must be 0, 1, 3 or 4, got 2');
    if (imageSize !== null && imageSize !== undefined) {
      if (!Array.isArray(imageSize) || imageSize.length !== 2) throw typeError('SF_ARG', `imageFolder({imageSize}) must be [height, width], got ${describe(imageSize)}`);
      imageSize.forEach((d, k) => checkInt(d, `imageFolder({imageSize})[${k}]`, 1));
    }
    if (typeof scale !== 'boolean') throw typeError('SF_ARG', `imageFolder({scale}) must be true or false, got ${describe(scale)}`);
    if (!Array.isArray(extensions) || !extensions.every((e) => typeof e === 'string')) {
      throw typeError('SF_ARG', `imageFolder({extensions}) must be a list of strings like ["jpg", "png"], got ${describe(extensions)}`);
    }
    this.path = path;
    this.channels = channels;
    this.imageSize = imageSize ?? null;
    this.scale = scale;
    this.labelMode = labelMode;
    const allowed = new Set(extensions.map((e) => e.replace(/^\./, '').toLowerCase()));
    const re = compilePattern(pattern);

    this.files = readdirSync(path)
      .filter((name) => !name.startsWith('.') && allowed.has(extname(name).slice(1).toLowerCase()))
      .filter((name) => {
        try {
          return statSync(join(path, name)).isFile();
        } catch {
          return false;
        }
      })
      .sort(compareUtf8);
    if (this.files.length === 0) {
      throw rangeError('SF_EMPTY_SOURCE', `imageFolder: folder ${path} holds no files with extensions ${[...allowed].join(', ')}; check the path or pass extensions`);
    }
    // Names, then classes, are checked when listing: under onError 'skip' a
    // bad file is dropped here and counted in every epoch (SPEC.md §4.6).
    const listed = this.files.length;
    const named = [];
    for (const name of this.files) {
      const m = re.exec(name);
      if (m !== null && m[1] !== undefined) named.push([name, m[1]]);
      else this.listingError(rangeError('SF_IMAGE_LABEL', `imageFolder: file ${name} in ${path} does not match pattern ${describe(pattern)}; rename it or change pattern`));
    }
    if (classes !== null && classes !== undefined) {
      if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) {
        throw typeError('SF_ARG', `imageFolder({classes}) must be a list of strings, got ${describe(classes)}`);
      }
      this.classes = classes.slice();
    } else {
      this.classes = [...new Set(named.map(([, c]) => c))].sort(compareUtf8);
    }
    const position = new Map(this.classes.map((c, k) => [c, k]));
    this.files = [];
    const labels = [];
    for (const [name, c] of named) {
      const label = position.get(c);
      if (label !== undefined) {
        this.files.push(name);
        labels.push(label);
      } else {
        this.listingError(rangeError('SF_IMAGE_LABEL', `imageFolder: file ${name} in ${path} has class ${describe(c)}, which is not in classes [${this.classes.map((x) => describe(x)).join(', ')}]; add it or remove the file`));
      }
    }
    this.labels = labels;
    if (this.files.length === 0) throw this.skips.emptyAtListing(`all ${listed} image files of folder ${path} were skipped`);
  }

  /** A listed file that is not a record: raised, or dropped and counted under 'skip'. */
  listingError(err) {
    if (this.onError !== 'skip') throw err;
    this.skips.addListing(err);
  }

  label() {
    return `image_folder(${basename(this.path)}${this.policyLabel})`;
  }

  get indexable() {
    return true;
  }

  // Under 'skip' a file that does not decode is dropped while reading: the
  // listed positions stay, the number of records is unknown (SPEC.md §4.2).
  cardinality() {
    return this.dropsRecords ? null : this.files.length;
  }

  positions() {
    return this.files.length;
  }

  // get(i) reads a file and decodes it: reading the next files while one decodes overlaps the I/O.
  get getAhead() {
    return true;
  }

  async get(i) {
    this.checkIndex(i);
    const name = this.files[i];
    const file = join(this.path, name);
    if (!this.decode) return this.labelled(await readBytes(file, 'imageFolder'), i);
    const options = { channels: this.channels, imageSize: this.imageSize, scale: this.scale };
    return this.labelled(await readImage(file, 'imageFolder', options, this.onError), i);
  }

  /** The record of file i with pixels (or bytes) x. */
  labelled(x, i) {
    if (this.labelMode === 'none') return x;
    const label = this.labels[i];
    if (this.labelMode === 'int') return [x, new NdArray('int32', [], Int32Array.of(label))];
    const y = new Float32Array(this.classes.length);
    y[label] = 1;
    return [x, new NdArray('float32', [this.classes.length], y)];
  }
}
