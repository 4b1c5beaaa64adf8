// Class-folder source (root/<class>/<file>, Keras's layout); indexable. SPEC.md §3.4.
// Memory per file: one relative path, one label (Uint16Array / Int32Array)
// and, with a split, one u32 index -- the path list is never copied.
import { basename, join } from 'node:path';
import { Source } from '../ops/stage.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { plainError, rangeError, typeError, describe, checkInt } from '../errors.mjs';
import { checkSeed } from '../order/seed.mjs';
import { requirePath } from './path.mjs';
import { listClassFolder, splitIndices } from './class_folder_listing.mjs';
import { checkDecode, readBytes, readImage } from './file_bytes.mjs';

const KERAS_EXTENSIONS = ['bmp', 'gif', 'jpeg', 'jpg', 'png'];
const LABEL_MODES = ['int', 'categorical', 'binary', 'none'];
const CHANNELS = { grayscale: 1, rgb: 3, rgba: 4 };
const SUBSETS = ['training', 'validation'];
const SPLIT_MODES = ['streamfit', 'keras'];

function oneOf(value, allowed, name) {
  if (!allowed.includes(value)) throw rangeError('SF_ARG', `classFolder({${name}}) must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value;
}

function flag(value, name) {
  if (typeof value !== 'boolean') throw typeError('SF_ARG', `classFolder({${name}}) must be true or false, got ${describe(value)}`);
  return value;
}

/** Validates and normalizes the options (everything that needs no file system). */
function checkOptions(o) {
  const out = {
    labelMode: oneOf(o.labelMode ?? 'int', LABEL_MODES, 'labelMode'),
    channels: CHANNELS[oneOf(o.colorMode ?? 'rgb', Object.keys(CHANNELS), 'colorMode')],
    imageSize: o.imageSize ?? null,
    scale: flag(o.scale ?? false, 'scale'),
    fit: 'stretch',
    classNames: o.classNames ?? null,
    validationSplit: o.validationSplit ?? null,
    subset: o.subset ?? null,
    seed: o.seed ?? null,
    splitMode: oneOf(o.splitMode ?? 'streamfit', SPLIT_MODES, 'splitMode'),
    extensions: o.extensions ?? KERAS_EXTENSIONS,
  };
  if (out.imageSize !== null) {
    if (!Array.isArray(out.imageSize) || out.imageSize.length !== 2) throw typeError('SF_ARG', `classFolder({imageSize}) must be [height, width], got ${describe(out.imageSize)}`);
    out.imageSize.forEach((d, k) => checkInt(d, `classFolder({imageSize})[${k}]`, 1));
  }
  const crop = flag(o.cropToAspectRatio ?? false, 'cropToAspectRatio');
  const pad = flag(o.padToAspectRatio ?? false, 'padToAspectRatio');
  // decode false yields the files' bytes: every pixel option is SF_ARG (SPEC.md §3.4).
  out.decode = checkDecode(o.decode, 'classFolder', {
    imageSize: out.imageSize !== null, cropToAspectRatio: crop, padToAspectRatio: pad, scale: out.scale, colorMode: out.channels !== 3,
  });
  if (crop && pad) throw rangeError('SF_ARG', 'classFolder: cropToAspectRatio and padToAspectRatio cannot both be true; pick one');
  if ((crop || pad) && out.imageSize === null) {
    throw rangeError('SF_ARG', `classFolder({${crop ? 'cropToAspectRatio' : 'padToAspectRatio'}}) needs imageSize: [height, width], the size whose aspect ratio it keeps`);
  }
  if (crop) out.fit = 'crop';
  if (pad) out.fit = 'pad';
  if (out.classNames !== null) {
    if (!Array.isArray(out.classNames) || !out.classNames.every((c) => typeof c === 'string' && c !== '')) {
      throw typeError('SF_ARG', `classFolder({classNames}) must be a list of folder names, got ${describe(out.classNames)}`);
    }
    if (out.classNames.length === 0) {
      throw plainError('SF_LAYOUT', 'classFolder({classNames}) is empty: a class-folder source needs at least one class (SPEC.md §3.4); leave classNames out to use every sub-folder');
    }
    const dup = out.classNames.find((c, k) => out.classNames.indexOf(c) !== k);
    if (dup !== undefined) throw rangeError('SF_ARG', `classFolder({classNames}) lists ${describe(dup)} twice; each class once`);
  }
  if (!Array.isArray(out.extensions) || out.extensions.length === 0 || !out.extensions.every((e) => typeof e === 'string' && e.replace(/^\./, '') !== '')) {
    throw typeError('SF_ARG', `classFolder({extensions}) must be a non-empty list of extensions like ["jpg", "png"], got ${describe(out.extensions)}`);
  }
  out.extensions = out.extensions.map((e) => e.replace(/^\./, '').toLowerCase());
  const split = out.validationSplit;
  if (split !== null && !(typeof split === 'number' && split > 0 && split < 1)) {
    throw rangeError('SF_ARG', `classFolder({validationSplit}) must be a fraction in (0, 1), e.g. 0.2, got ${describe(split)}`);
  }
  if (out.subset !== null) oneOf(out.subset, SUBSETS, 'subset');
  if (out.subset !== null && split === null) {
    throw rangeError('SF_ARG', `classFolder({subset}) ${describe(out.subset)} needs validationSplit (e.g. 0.2); without a split drop subset`);
  }
  if (split !== null && out.subset === null) {
    throw rangeError('SF_ARG', `classFolder({validationSplit}) needs subset: "training" or "validation" (or "both" in the API)`);
  }
  if (split !== null && out.seed === null) {
    throw typeError('SF_SEED', 'classFolder({seed}): a validation split needs a seed, so that training and validation get the same split; pass e.g. seed: 1337');
  }
  if (out.seed !== null) checkSeed(out.seed, 'classFolder({seed})');
  return out;
}

export class ClassFolderSource extends Source {
  /**
   * @param {string} path root folder
   * @param {object} [options] see classFolder() (subset "training" / "validation" only)
   * @param {{listing?: object, split?: object}} [shared] filled and reused by the
   *   two sources of subset "both", so the tree is listed and split once
   */
  constructor(path, options = {}, shared = {}) {
    if (options === null || typeof options !== 'object') throw typeError('SF_ARG', `classFolder(path, options): options must be an object, got ${describe(options)}`);
    super(options.onError, 'classFolder');
    requirePath(path, 'classFolder', 'folder');
    const o = checkOptions(options);
    this.path = path;
    this.labelMode = o.labelMode;
    this.channels = o.channels;
    this.imageSize = o.imageSize;
    this.scale = o.scale;
    this.fit = o.fit;
    this.decode = o.decode;
    this.subset = o.subset;
    shared.listing ??= listClassFolder(path, o.classNames, o.extensions, this.onError === 'skip');
    const { classNames, files, labels, skipped } = shared.listing;
    // Files left out at listing are missing from every epoch of both subsets (SPEC.md §4.6).
    for (const err of skipped) this.skips.addListing(err);
    if (this.labelMode === 'binary' && classNames.length !== 2) {
      throw rangeError('SF_ARG', `classFolder({labelMode}): "binary" needs exactly 2 classes, found ${classNames.length} (${classNames.map((c) => describe(c)).join(', ')}); use "int" or "categorical", or pass classNames`);
    }
    this.classNames = classNames;
    this.files = files;
    this.labels = labels;
    /** Indices into files of this subset (null: all files). */
    this.selected = null;
    if (o.validationSplit !== null) {
      shared.split ??= splitIndices(files.length, o.validationSplit, o.seed, o.splitMode);
      this.selected = shared.split[o.subset];
    }
  }

  label() {
    const subset = this.subset === null ? '' : `, subset=${this.subset}`;
    return `class_folder(${basename(this.path)}${subset}${this.policyLabel})`;
  }

  get indexable() {
    return true;
  }

  // Under 'skip' a file that does not decode is dropped while reading: the
  // listed positions stay, the number of records is unknown (SPEC.md §4.2).
  cardinality() {
    return this.dropsRecords ? null : this.positions();
  }

  positions() {
    return this.selected === null ? this.files.length : this.selected.length;
  }

  /** The files of this source relative to path, '/'-separated, in record order. */
  get filePaths() {
    return this.selected === null ? this.files.slice() : Array.from(this.selected, (k) => this.files[k]);
  }

  // Reading the next files while one decodes overlaps the I/O (see Stage.getAhead).
  get getAhead() {
    return true;
  }

  async get(i) {
    this.checkIndex(i);
    const k = this.selected === null ? i : this.selected[i];
    const file = join(this.path, this.files[k]);
    if (!this.decode) return this.labelled(await readBytes(file, 'classFolder'), k);
    const options = { channels: this.channels, imageSize: this.imageSize, scale: this.scale, fit: this.fit };
    const x = await readImage(file, 'classFolder', options, this.onError);
    return this.labelled(x, k);
  }

  /** The record of listed file k with pixels (or bytes) x. */
  labelled(x, k) {
    const label = this.labels[k];
    switch (this.labelMode) {
      case 'none':
        return x;
      case 'int':
        return [x, new NdArray('int32', [], Int32Array.of(label))];
      case 'binary':
        return [x, new NdArray('float32', [1], Float32Array.of(label))];
      default: {
        const y = new Float32Array(this.classNames.length);
        y[label] = 1;
        return [x, new NdArray('float32', [this.classNames.length], y)];
      }
    }
  }
}
