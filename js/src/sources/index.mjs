// Source factories: each returns a Pipeline whose first stage is the source.
import { Pipeline } from '../core/pipeline.mjs';
import { CsvSource } from './csv.mjs';
import { ImageFolderSource } from './image_folder.mjs';
import { ClassFolderSource } from './class_folder.mjs';
import { RangeSource } from './range.mjs';
import { GeneratorSource } from './generator.mjs';
import { PairedFoldersSource } from './paired_folders.mjs';
import { PackedSource } from './packed.mjs';
import { checkKeys } from '../errors.mjs';

// Every source but fromRange takes onError: 'raise' (default) or 'skip', which
// drops bad records, counts them (pipeline.skipped(epoch)) and reports them
// with process.emitWarning (SPEC.md §4.6).

/**
 * A CSV file as a stream of records (SPEC.md §3.1).
 * @example
 * const p = csv('xy.csv', { features: ['x'], label: 'y' }).batch(250);
 * const messy = csv('messy.csv', { label: 'y', onError: 'skip' }); // csv(messy.csv, on_error=skip)
 */
export function csv(path, options = {}) {
  checkKeys(options, ['header', 'features', 'label', 'delimiter', 'dtype', 'labelDtype', 'blockSize', 'onError'], 'csv');
  return new Pipeline(new CsvSource(path, options));
}

/**
 * A folder of images with the class in each file name (SPEC.md §3.2).
 * @example
 * const p = imageFolder('photos', { imageSize: [64, 64], scale: true }).shuffle({ seed: 1 }).batch(32);
 * const raw = imageFolder('photos', { decode: false }); // x: the file's bytes, uint8 [size] (to pack, SPEC.md §9)
 */
export function imageFolder(path, options = {}) {
  checkKeys(options, ['pattern', 'classes', 'labelMode', 'channels', 'imageSize', 'scale', 'extensions', 'onError', 'decode'], 'imageFolder');
  return new Pipeline(new ImageFolderSource(path, options));
}

/**
 * Images in Keras's class folders, root/<class>/<file> (SPEC.md §3.4). With
 * subset "both" returns [training, validation], listed and split once.
 * @example
 * const [train, val] = classFolder('flowers', { imageSize: [64, 64], validationSplit: 0.2, subset: 'both', seed: 1337 });
 * console.log(train.summary(), train.filePaths.length); // class_folder(flowers, subset=training) ...
 */
export function classFolder(path, options = {}) {
  checkKeys(options, ['classNames', 'labelMode', 'colorMode', 'imageSize', 'cropToAspectRatio', 'padToAspectRatio', 'scale',
    'validationSplit', 'subset', 'seed', 'splitMode', 'extensions', 'onError', 'decode'], 'classFolder');
  if (options !== null && typeof options === 'object' && options.subset === 'both') {
    const shared = {};
    const training = new ClassFolderSource(path, { ...options, subset: 'training' }, shared);
    const validation = new ClassFolderSource(path, { ...options, subset: 'validation' }, shared);
    return [new Pipeline(training), new Pipeline(validation)];
  }
  return new Pipeline(new ClassFolderSource(path, options));
}

/**
 * int32 scalars 0..n-1 (SPEC.md §3.3).
 * @example
 * for await (const x of fromRange(3)) console.log(x.toList()); // 0 1 2
 */
export function fromRange(n) {
  return new Pipeline(new RangeSource(n));
}

/**
 * Records from a user generator (SPEC.md §3.6): fn() is called once per epoch
 * and returns a fresh sync or async iterator. Leaves: NdArray, typed arrays,
 * numbers (float32) and tf.Tensors (copied out and disposed at once); arrays
 * are tuples, plain objects dicts. A stream (use shuffle({bufferSize})).
 * @example
 * const p = fromGenerator(function* rows() { for (let i = 0; i < 100; i++) yield [Float32Array.of(i, 2 * i), i % 2]; },
 *   { elementSpec: [{ dtype: 'float32', shape: [2] }, { dtype: 'int32', shape: [] }] })
 *   .shuffle({ bufferSize: 100, seed: 1 }).batch(10); // generator(rows) -> shuffle(buffer=100, seed=1) -> batch(10)
 */
export function fromGenerator(fn, options = {}) {
  checkKeys(options, ['elementSpec', 'name', 'onError'], 'fromGenerator');
  return new Pipeline(new GeneratorSource(fn, options));
}

/**
 * Paired images matched by file name (SPEC.md §3.5): root/<input>/<stem>.<ext>
 * for each input folder and root/<label>/<stem>.<ext> masks. Records are
 * [[x1, x2, ...], y] (y: uint8 [h, w, 1]); with label: null, [[x1, x2, ...]]
 * (a one-element tuple holding the inputs, never read as (x, y)).
 * @example
 * const p = pairedFolders('levir', { imageSize: [256, 256], scale: true }).shuffle({ seed: 1 }).batch(8);
 * const ds = await p.toTfData(); // {xs: [x1, x2], ys} per batch: fits a two-input tf.model
 */
export function pairedFolders(path, options = {}) {
  checkKeys(options, ['inputs', 'label', 'channels', 'imageSize', 'scale', 'extensions', 'onError'], 'pairedFolders');
  return new Pipeline(new PairedFoldersSource(path, options));
}

/**
 * The records of a pack folder written by pack (SPEC.md §3.7), in `order`:
 * 'sequential' (stored order), 'global' (a keyed permutation of all records,
 * as shuffle({seed})), or 'shards' (`window` shards at a time, for packs
 * larger than memory). Indexable in every order; a new order every epoch.
 * `verify` (default true) checks each shard's size and sha256 the first time
 * it is read; `prefetchBytes` (default 256 MiB) bounds the shards held and read ahead.
 * @example
 * const p = packed('flowers_pack', { order: 'shards', seed: 7, window: 4 }).batch(64);
 * console.log(p.summary()); // packed(flowers_pack, order=shards, seed=7, window=4) -> batch(64)
 */
export function packed(path, options = {}) {
  checkKeys(options, ['order', 'seed', 'window', 'verify', 'prefetchBytes'], 'packed');
  return new Pipeline(new PackedSource(path, options ?? {}));
}
