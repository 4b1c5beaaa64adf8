// Public types of streamfit for Node.js (js/index.mjs). SPEC.md is the contract.

/** Element dtypes of a leaf (SPEC.md §2.1). */
export type DType = 'uint8' | 'int32' | 'float32' | 'float64' | 'int64';

type DataOf<D extends DType> = D extends 'uint8' ? Uint8Array
  : D extends 'int32' ? Int32Array
  : D extends 'float32' ? Float32Array
  : D extends 'float64' ? Float64Array
  : BigInt64Array;

/** An n-d array leaf: dtype, shape and a typed array in C order. */
export class NdArray<D extends DType = DType> {
  constructor(dtype: D, shape: number[], data: ArrayLike<number> | ArrayLike<bigint>);
  static scalar<D extends DType>(dtype: D, value: number | bigint): NdArray<D>;
  readonly dtype: D;
  readonly shape: number[];
  readonly data: DataOf<D>;
  readonly size: number;
  /** Nested arrays like numpy's tolist(); a scalar gives a number. */
  toList(): unknown;
  /** Little-endian bytes of the data. */
  bytes(): Uint8Array;
}

/** A record: a leaf, a tuple (array) or a dict (plain object) of records. */
export type Record = NdArray | Record[] | { [key: string]: Record };

/** Number of elements; null when unknown; Infinity when unbounded. */
export type Cardinality = number | null;

export interface ShuffleOptions {
  /** Buffer size; null (default) = global shuffle of an indexable pipeline. */
  bufferSize?: number | null;
  /** u32 seed; missing = drawn from the OS once and shown as "(drawn)". */
  seed?: number | null;
  reshuffleEachIteration?: boolean;
}

/** Counts of skipped records by error code, keys sorted (SPEC.md §4.6), e.g. {SF_CSV_NUMBER: 2}. */
export type SkipCounts = { [code: string]: number };

/**
 * What a source does with a bad record (SPEC.md §4.6): 'raise' (default) stops
 * with its error; 'skip' removes it, counts it (Pipeline.skipped) and reports
 * the counts with process.emitWarning(message, {code: 'SF_SKIPPED'}).
 */
export type OnError = 'raise' | 'skip';

export interface OnErrorOption {
  onError?: OnError;
}

export interface NameOption {
  /** Name shown in the summary, e.g. map(myName). */
  name?: string;
}

export class Pipeline<T = Record> {
  map<U = Record>(fn: (record: T) => U | Promise<U>, options?: NameOption): Pipeline<U>;
  filter(predicate: (record: T) => boolean | Promise<boolean>, options?: NameOption): Pipeline<T>;
  shuffle(options?: ShuffleOptions): Pipeline<T>;
  batch(batchSize: number, options?: { dropRemainder?: boolean }): Pipeline<Record>;
  take(count: number): Pipeline<T>;
  skip(count: number): Pipeline<T>;
  repeat(count?: number | null): Pipeline<T>;
  prefetch(bufferSize?: number): Pipeline<T>;
  /** Iterates epoch `epoch` (u32, default 0). */
  iterate(epoch?: number): AsyncIterableIterator<T>;
  [Symbol.asyncIterator](): AsyncIterableIterator<T>;
  cardinality(): Cardinality;
  readonly indexable: boolean;
  /** Files of a class_folder source relative to its folder ('/'-separated), in record order; a paired_folders source's first-input files; null for other sources. */
  readonly filePaths: string[] | null;
  /** Record i of an indexable pipeline. */
  get(i: number, epoch?: number): Promise<T>;
  /** Batch i of epoch `epoch` of an indexable pipeline followed by batch(B) [+ prefetch] (SPEC.md §4.5). */
  batchAt(i: number, epoch?: number): Promise<Record>;
  /**
   * Counts of the records the source skipped in its last read of `epoch` (default 0)
   * that reached its end: {} when none; null when no read of that epoch reached the end (SPEC.md §4.6).
   */
  skipped(epoch?: number): SkipCounts | null;
  summary(): string;
  toString(): string;
  /** A tfjs tf.data.Dataset; the k-th iterator read from runs epoch k. (x, y) pairs become {xs, ys}. */
  toTfData(): Promise<import('@tensorflow/tfjs-node').data.Dataset<any>>;
  /**
   * Packs the records before it into `path` the first time the pipeline is read, then reads
   * them from there in every epoch (SPEC.md §4.7): epoch 0's records are frozen, shuffle after it.
   */
  cache(path: string, options?: { key?: string | null }): Pipeline<T>;
  /**
   * Writes epoch 0's records as a pack in `outDir` (SPEC.md §9), resumably; does nothing on a
   * finished pack of this pipeline. Resolves to the pack's index.json object.
   */
  pack(outDir: string, options?: PackOptions): Promise<PackIndex>;
}

export interface PackOptions {
  /** A shard closes after the record that brings its data bytes to at least this (default 128 MiB). */
  shardBytes?: number;
  /** Fields ("0", "1", ...: a record's leaves in flatten order) that are 1-d with a per-record length. */
  variable?: string[];
  /** Identifies this pipeline in pack_key beside its summary (SPEC.md §9.1). */
  key?: string | null;
  /** Progress lines on stderr (default true). */
  progress?: boolean;
}

/** A pack's index.json (SPEC.md §9.2). */
export interface PackIndex {
  format: 'streamfit-pack';
  version: 1;
  pack_key: string;
  structure: unknown;
  fields: Array<{ name: string; dtype: DType; shape: Array<number | null> }>;
  records: number;
  shards: Array<{ file: string; records: number; bytes: number; sha256: string }>;
  skipped: SkipCounts | null;
  producer: { language: string; pipeline: string; spec: unknown };
}

export interface PackedOptions {
  /** 'sequential' (default, stored order), 'global' (as shuffle({seed})), 'shards' (window shards at a time). */
  order?: 'sequential' | 'global' | 'shards';
  /** u32; required by 'global' and 'shards', not allowed with 'sequential'. */
  seed?: number | null;
  /** Shards read together by order 'shards' (default 2). */
  window?: number;
  /** Check each shard's sha256 the first time it is read (default true; its size is always checked). */
  verify?: boolean;
  /** Read-ahead budget in bytes (default 256 MiB); order and values never depend on it. */
  prefetchBytes?: number;
}

export interface CsvOptions extends OnErrorOption {
  header?: boolean;
  features?: Array<string | number> | null;
  label?: string | number | Array<string | number> | null;
  delimiter?: string;
  dtype?: 'float32' | 'int32';
  labelDtype?: 'float32' | 'int32';
  /** Bytes read per block (default 1 MiB). */
  blockSize?: number;
}

export interface ImageFolderOptions extends OnErrorOption {
  pattern?: string;
  classes?: string[] | null;
  labelMode?: 'int' | 'categorical' | 'none';
  channels?: 0 | 1 | 3 | 4;
  imageSize?: [number, number] | null;
  scale?: boolean;
  extensions?: string[];
  /** false: x is the file's bytes, uint8 [size], undecoded (SPEC.md §3.2); pixel options are then errors. */
  decode?: boolean;
}

export interface ClassFolderOptions extends OnErrorOption {
  /** Classes in label order (default: the sub-folders, sorted by UTF-8 bytes). */
  classNames?: string[] | null;
  labelMode?: 'int' | 'categorical' | 'binary' | 'none';
  colorMode?: 'grayscale' | 'rgb' | 'rgba';
  imageSize?: [number, number] | null;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  scale?: boolean;
  /** Fraction in (0, 1) held out for validation; needs subset and seed. */
  validationSplit?: number | null;
  seed?: number | null;
  splitMode?: 'streamfit' | 'keras';
  /** Default: bmp gif jpeg jpg png. */
  extensions?: string[];
  /** false: x is the file's bytes, uint8 [size], undecoded (SPEC.md §3.4); pixel options are then errors. */
  decode?: boolean;
}

export interface PairedFoldersOptions extends OnErrorOption {
  /** Sub-folders holding the inputs, in input order (default ["time1", "time2"]). */
  inputs?: string[];
  /** Sub-folder of the label masks (default "label"); null: records are the inputs alone. */
  label?: string | null;
  /** DecodeImage channels of the inputs (masks always decode with 1). */
  channels?: 0 | 1 | 3 | 4;
  /** [h, w]: inputs resized bilinearly (float32), masks nearest-neighbour (uint8). */
  imageSize?: [number, number] | null;
  /** Divide the inputs (not the masks) by 255. */
  scale?: boolean;
  /** Default: jpg jpeg png bmp gif webp. */
  extensions?: string[];
}

/** Leaf of an element spec: a null dimension matches any size. */
export interface LeafSpec {
  dtype: DType;
  shape: Array<number | null>;
}

/** A tree of leaf specs: tuples as arrays, dicts as objects. */
export type ElementSpec = LeafSpec | ElementSpec[] | { [key: string]: ElementSpec };

/** What a generator may yield: leaves (NdArray, typed arrays, numbers, tf.Tensors) in arrays and plain objects. */
export type GeneratorElement =
  | NdArray | Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array | number
  | import('@tensorflow/tfjs-node').Tensor
  | GeneratorElement[] | { [key: string]: GeneratorElement };

export interface FromGeneratorOptions extends OnErrorOption {
  /** Declared structure, dtypes (leaves are cast) and shapes; default: the first element's structure and dtypes. */
  elementSpec?: ElementSpec | null;
  /** Name shown in the summary, generator(name). */
  name?: string;
}

export function csv(path: string, options?: CsvOptions): Pipeline;
export function imageFolder(path: string, options?: ImageFolderOptions): Pipeline;
export function classFolder(path: string, options: ClassFolderOptions & { subset: 'both' }): [Pipeline, Pipeline];
export function classFolder(path: string, options?: ClassFolderOptions & { subset?: 'training' | 'validation' | null }): Pipeline;
export function fromRange(n: number): Pipeline<NdArray<'int32'>>;
/** Records [[x1, x2, ...], y] (or [[x1, x2, ...]] with label: null) of images matched by file name (SPEC.md §3.5). */
export function pairedFolders(path: string, options?: PairedFoldersOptions): Pipeline;
/** Records of a pack folder written by pack (SPEC.md §3.7); indexable in every order. */
export function packed(path: string, options?: PackedOptions): Pipeline;
/** Records from fn(), called once per epoch for a fresh sync or async iterator (SPEC.md §3.6). */
export function fromGenerator(
  fn: () => Iterator<GeneratorElement> | AsyncIterator<GeneratorElement> | Iterable<GeneratorElement> | AsyncIterable<GeneratorElement>,
  options?: FromGeneratorOptions,
): Pipeline;

export function permute(i: number, n: number, seed: number, epoch?: number): number;

/** xoshiro128** seeded by mix32 (SPEC.md §1.2). */
export class Prng {
  constructor(seed: number);
  state: number[];
  nextU32(): number;
  below(n: number): number;
  uniform(): number;
}

export function mix32(x: number): number;
export function combine(h: number, v: number): number;
export function digest(record: Record): string;

export type ErrorCode =
  | 'SF_SPEC' | 'SF_ARG' | 'SF_SEED' | 'SF_FILE_NOT_FOUND'
  | 'SF_CSV_EMPTY_LINE' | 'SF_CSV_COLUMNS' | 'SF_CSV_NUMBER' | 'SF_CSV_HEADER'
  | 'SF_IMAGE_LABEL' | 'SF_IMAGE_DECODE' | 'SF_LAYOUT' | 'SF_PAIR_MISSING' | 'SF_EMPTY_SOURCE' | 'SF_SHUFFLE_BUFFER'
  | 'SF_PACK_FORMAT' | 'SF_PACK_CHECKSUM' | 'SF_PACK_SHAPE'
  | 'SF_BATCH_SHAPE' | 'SF_BACKUP' | 'SF_DEPENDENCY';
export const ERROR_CODES: readonly ErrorCode[];

/** Errors thrown by streamfit are RangeError / TypeError / Error with this code. */
export interface StreamfitError extends Error {
  code: ErrorCode;
}

/** A spec object (SPEC.md §5); keys are snake_case as in the JSON file. */
export interface Spec {
  source: { type: 'csv' | 'image_folder' | 'class_folder' | 'paired_folders' | 'range' | 'packed'; [key: string]: unknown };
  ops?: Array<{ op: string; [key: string]: unknown }>;
  model?: { seed: number; input_shape: number[]; layers: Array<{ type: string; [key: string]: unknown }> };
  train?: { epochs: number; loss: string; optimizer: { type: 'sgd' | 'adam'; learning_rate: number; momentum?: number }; steps_per_epoch?: number | null; metrics?: string[] };
}

export function loadSpec(path: string): Spec;
export function pipelineFromSpec(spec: Spec, baseDir?: string): Pipeline;

/** Options of a training run (SPEC.md §5, §5.6, §8). */
export interface TrainingRunOptions {
  epochs?: number;
  baseDir?: string;
  /** receives each line the run prints (pipeline, model, epoch lines, summary) */
  log?: (line: string) => void;
  weightsPath?: string;
  initWeights?: string;
  /** back the run up into this folder and resume from a backup there (overrides train.backup.dir) */
  backupDir?: string;
  /** the progress bar on stderr */
  progress?: boolean;
  historyPath?: string;
  historyCsv?: string;
  /** the final model as a tfjs LayersModel folder (SPEC.md §10) */
  saveModel?: string;
  /**
   * SPEC.md §5.7: 'layers' (tfjs layers, the default) or 'graph' (the trainer SavedModel Python
   * exports from specPath into trainerDir when missing or stale; Keras's own step, bit for bit)
   */
  engine?: 'layers' | 'graph';
  /** the spec file (the graph engine's export reads it) */
  specPath?: string;
  /** where the graph engine keeps its trainer (default: $STREAMFIT_CACHE/trainers/KEY) */
  trainerDir?: string;
}

/** One epoch's row of the history (SPEC.md §8). */
export interface EpochRow {
  epoch: number;
  loss: number;
  samples: number;
  seconds: number;
  batch_losses: number[];
  skipped: SkipCounts | null;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
}

/** The history object of SPEC.md §8. */
export interface TrainingHistory {
  language: 'node';
  pipeline: string;
  model_seed: number;
  epochs: EpochRow[];
  initial_weights_digest: string;
  final_weights_digest: string | null;
  [key: string]: unknown;
}

/**
 * A spec's training run: fit() with fitDataset, or a loop of your own with the same early
 * stopping, checkpoint, backup (SPEC.md §5.6), progress bar and history.
 */
export class TrainingRun {
  static create(spec: Spec, options?: TrainingRunOptions): Promise<TrainingRun>;
  /** the compiled tfjs LayersModel (null with engine 'graph') */
  readonly model: any;
  readonly pipeline: Pipeline;
  readonly validation: Pipeline | null;
  fit(): Promise<TrainingHistory>;
  epochs(): AsyncGenerator<number, void, void>;
  batches(): AsyncGenerator<[number, { xs: any; ys?: any }], void, void>;
  trainOnBatch(xs: any, ys: any): Promise<number | number[]>;
  stepEnd(result: number | number[]): Promise<void>;
  endEpoch(): Promise<EpochRow>;
  finish(): Promise<TrainingHistory>;
  history(finalDigest?: string | null): TrainingHistory;
  /** frees the model (and the graph engine's TensorFlow session); fit() does it itself, a loop of your own calls it after finish() */
  dispose(): void;
}

/** Writes a tfjs LayersModel folder (SPEC.md §10); returns the model.json path. Python loads it with `load_tfjs`. */
export function saveTfjs(model: any, folder: string): Promise<string>;
/** Loads a tfjs LayersModel folder (or its model.json) written by Python's `save_tfjs` or tfjs; not compiled. */
export function loadTfjs(path: string): Promise<any>;
