// Spec files: strict validation and pipeline building. SPEC.md §5.
import { readFileSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import { Pipeline } from './core/pipeline.mjs';
import { CsvSource } from './sources/csv.mjs';
import { RangeSource } from './sources/range.mjs';
import { ImageFolderSource } from './sources/image_folder.mjs';
import { ClassFolderSource } from './sources/class_folder.mjs';
import { PairedFoldersSource } from './sources/paired_folders.mjs';
import { PackedSource } from './sources/packed.mjs';
import { CacheStage } from './ops/cache.mjs';
import { builtinMap, builtinFilter, MAP_PARAMS, FILTER_PARAMS } from './ops/builtins.mjs';
import { plainError, typeError, describe } from './errors.mjs';

// Key schemas: key -> JSON type ('number', 'string', 'boolean', 'array', 'object', 'any'),
// '?' suffix: null allowed. `required` lists keys that must be present.
const SOURCES = {
  csv: { keys: { type: 'string', path: 'string', on_error: 'string', header: 'boolean', features: 'array?', label: 'any', delimiter: 'string', dtype: 'string', label_dtype: 'string' }, required: ['path'] },
  image_folder: { keys: { type: 'string', path: 'string', on_error: 'string', pattern: 'string', classes: 'array?', label_mode: 'string', channels: 'number', image_size: 'array?', scale: 'boolean', extensions: 'array', decode: 'boolean' }, required: ['path'] },
  class_folder: {
    keys: {
      type: 'string', path: 'string', on_error: 'string', class_names: 'array?', label_mode: 'string', color_mode: 'string', image_size: 'array?',
      crop_to_aspect_ratio: 'boolean', pad_to_aspect_ratio: 'boolean', scale: 'boolean', validation_split: 'number?',
      subset: 'string?', seed: 'any', split_mode: 'string', extensions: 'array', decode: 'boolean',
    },
    required: ['path'],
  },
  paired_folders: {
    keys: { type: 'string', path: 'string', on_error: 'string', inputs: 'array', label: 'string?', channels: 'number', image_size: 'array?', scale: 'boolean', extensions: 'array' },
    required: ['path'],
  },
  range: { keys: { type: 'string', n: 'number' }, required: ['n'] },
  packed: {
    keys: { type: 'string', path: 'string', order: 'string', seed: 'any', window: 'number', verify: 'boolean', prefetch_bytes: 'number' },
    required: ['path'],
  },
};

const OPS = {
  map: { keys: { op: 'string', fn: 'string', on: 'string' }, required: ['fn'] },
  filter: { keys: { op: 'string', predicate: 'string' }, required: ['predicate'] },
  shuffle: { keys: { op: 'string', buffer_size: 'number?', seed: 'any', reshuffle_each_iteration: 'boolean' }, required: [] },
  batch: { keys: { op: 'string', batch_size: 'number', drop_remainder: 'boolean' }, required: ['batch_size'] },
  take: { keys: { op: 'string', count: 'number' }, required: ['count'] },
  skip: { keys: { op: 'string', count: 'number' }, required: ['count'] },
  repeat: { keys: { op: 'string', count: 'number?' }, required: [] },
  prefetch: { keys: { op: 'string', buffer_size: 'number' }, required: [] },
  cache: { keys: { op: 'string', path: 'string' }, required: ['path'] },
};

const LAYERS = {
  dense: { keys: { type: 'string', units: 'number', activation: 'string' }, required: ['units'] },
  conv2d: { keys: { type: 'string', filters: 'number', kernel_size: 'any', strides: 'any', padding: 'string', activation: 'string' }, required: ['filters', 'kernel_size'] },
  max_pooling2d: { keys: { type: 'string', pool_size: 'any', strides: 'any' }, required: [] },
  average_pooling2d: { keys: { type: 'string', pool_size: 'any', strides: 'any' }, required: [] },
  global_average_pooling2d: { keys: { type: 'string' }, required: [] },
  flatten: { keys: { type: 'string' }, required: [] },
  dropout: { keys: { type: 'string', rate: 'number' }, required: ['rate'] },
};

const TOP = { keys: { source: 'object', ops: 'array', model: 'object', train: 'object' }, required: ['source'] };
const MODEL = { keys: { seed: 'any', input_shape: 'array', layers: 'array' }, required: ['input_shape', 'layers'] };
const TRAIN = {
  keys: { epochs: 'number', loss: 'string', optimizer: 'object', steps_per_epoch: 'number?', steps_per_execution: 'number', metrics: 'array', validation: 'object', validation_steps: 'number?', early_stopping: 'object', checkpoint: 'object', backup: 'object' },
  required: ['epochs', 'loss', 'optimizer'],
};
const VALIDATION_SUBSET = { keys: { subset: 'string' }, required: ['subset'] };
const VALIDATION_PIPELINE = { keys: { source: 'object', ops: 'array' }, required: ['source'] };
const EARLY_STOPPING = { keys: { monitor: 'string', mode: 'string', patience: 'number', min_delta: 'number', restore_best_weights: 'boolean' }, required: [] };
const CHECKPOINT = { keys: { path: 'string', monitor: 'string', mode: 'string', save_best_only: 'boolean' }, required: ['path'] };
const BACKUP = { keys: { dir: 'string', save_freq: 'any', delete_checkpoint: 'boolean' }, required: ['dir'] };
const OPTIMIZERS = {
  sgd: { keys: { type: 'string', learning_rate: 'number', momentum: 'number' }, required: ['learning_rate'] },
  adam: { keys: { type: 'string', learning_rate: 'number', beta_1: 'number', beta_2: 'number', epsilon: 'number' }, required: ['learning_rate'] },
  rmsprop: { keys: { type: 'string', learning_rate: 'number', rho: 'number', momentum: 'number', epsilon: 'number' }, required: ['learning_rate'] },
};

function specError(message) {
  return typeError('SF_SPEC', message);
}

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function checkObject(obj, where) {
  if (jsonType(obj) !== 'object') throw specError(`${where} must be a JSON object, got ${describe(obj)}`);
}

function checkKeys(obj, schema, where) {
  checkObject(obj, where);
  for (const key of Object.keys(obj)) {
    const want = schema.keys[key];
    if (want === undefined) {
      throw specError(`unknown key ${describe(key)} in ${where}; allowed keys: ${Object.keys(schema.keys).join(', ')}`);
    }
    const type = want.replace('?', '');
    const got = jsonType(obj[key]);
    if (type === 'any' || got === type || (want.endsWith('?') && got === 'null')) continue;
    throw specError(`${where}.${key} must be ${want.endsWith('?') ? `a ${type} or null` : `a ${type}`}, got ${describe(obj[key])}`);
  }
  for (const key of schema.required) {
    if (!(key in obj)) throw specError(`${where} is missing the required key ${describe(key)}`);
  }
}

function pick(table, name, what, where) {
  const entry = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (entry === undefined) throw specError(`${where}: unknown ${what} ${describe(name)}; use one of ${Object.keys(table).join(', ')}`);
  return entry;
}

function checkOp(op, where) {
  checkObject(op, where);
  if (typeof op.op !== 'string') throw specError(`${where} needs a string key "op" (one of ${Object.keys(OPS).join(', ')})`);
  const schema = pick(OPS, op.op, 'op', where);
  let keys = schema.keys;
  if (op.op === 'map' && typeof op.fn === 'string') {
    keys = { ...keys, ...Object.fromEntries(pick(MAP_PARAMS, op.fn, 'map fn', where).map((k) => [k, 'any'])) };
  }
  if (op.op === 'filter' && typeof op.predicate === 'string') {
    keys = { ...keys, ...Object.fromEntries(pick(FILTER_PARAMS, op.predicate, 'filter predicate', where).map((k) => [k, 'any'])) };
  }
  checkKeys(op, { keys, required: schema.required }, where);
  if (op.op === 'map' && op.on !== undefined && op.on !== 'x' && op.on !== 'y') {
    throw specError(`${where}.on must be "x" or "y", got ${describe(op.on)}`);
  }
}

/**
 * Validates a spec object: unknown keys, missing keys and wrong JSON types are SF_SPEC.
 * @example validateSpec({ source: { type: 'range', n: 10 }, ops: [] })
 */
export function validateSpec(spec) {
  checkKeys(spec, TOP, 'spec');
  checkPipeline(spec, 'spec');
  if (spec.model !== undefined) {
    checkKeys(spec.model, MODEL, 'spec.model');
    spec.model.layers.forEach((layer, i) => {
      const where = `spec.model.layers[${i}]`;
      checkObject(layer, where);
      if (typeof layer.type !== 'string') throw specError(`${where} needs a string key "type" (one of ${Object.keys(LAYERS).join(', ')})`);
      checkKeys(layer, pick(LAYERS, layer.type, 'layer type', where), where);
    });
  }
  if (spec.train !== undefined) {
    checkKeys(spec.train, TRAIN, 'spec.train');
    const opt = spec.train.optimizer;
    checkObject(opt, 'spec.train.optimizer');
    if (typeof opt.type !== 'string') throw specError(`spec.train.optimizer needs a string key "type" (one of ${Object.keys(OPTIMIZERS).join(', ')})`);
    checkKeys(opt, pick(OPTIMIZERS, opt.type, 'optimizer', 'spec.train.optimizer'), 'spec.train.optimizer');
    checkTrainExtras(spec.train);
  }
  return spec;
}

/** `source` and `ops` of a pipeline spec; `at` names it in messages ('spec', 'spec.train.validation'). */
function checkPipeline(spec, at) {
  const src = spec.source;
  checkObject(src, `${at}.source`);
  if (typeof src.type !== 'string') throw specError(`${at}.source needs a string key "type" (one of ${Object.keys(SOURCES).join(', ')})`);
  checkKeys(src, pick(SOURCES, src.type, 'source type', `${at}.source`), `${at}.source`);
  if (src.type === 'class_folder' && src.subset === 'both') {
    throw specError(`${at}.source.subset "both" is not allowed: a spec describes one pipeline; write one spec with "training" and one with "validation"`);
  }
  (spec.ops ?? []).forEach((op, i) => checkOp(op, `${at}.ops[${i}]`));
}

/** `validation`, `early_stopping` and `checkpoint` of spec.train (SPEC.md §5.4), `backup` (§5.6). */
function checkTrainExtras(train) {
  const val = train.validation;
  if (val !== undefined) {
    if ('subset' in val) {
      checkKeys(val, VALIDATION_SUBSET, 'spec.train.validation');
      if (val.subset !== 'validation') throw specError(`spec.train.validation.subset must be "validation", got ${describe(val.subset)}`);
    } else {
      checkKeys(val, VALIDATION_PIPELINE, 'spec.train.validation');
      checkPipeline(val, 'spec.train.validation');
    }
  }
  if (train.early_stopping !== undefined) checkKeys(train.early_stopping, EARLY_STOPPING, 'spec.train.early_stopping');
  if (train.checkpoint !== undefined) checkKeys(train.checkpoint, CHECKPOINT, 'spec.train.checkpoint');
  if (train.backup !== undefined) {
    checkKeys(train.backup, BACKUP, 'spec.train.backup');
    const freq = train.backup.save_freq;
    if (freq !== undefined && freq !== 'epoch' && typeof freq !== 'number') throw specError(`spec.train.backup.save_freq must be "epoch" or a number of steps, got ${describe(freq)}`);
  }
}

/**
 * Reads and validates a spec file; source paths become absolute (resolved
 * against the spec file's folder).
 * @example const spec = loadSpec('examples/xy.json'); const p = pipelineFromSpec(spec);
 */
export function loadSpec(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw plainError('SF_FILE_NOT_FOUND', `spec file ${path} cannot be read (${cause.code ?? cause.message}); check the path`, cause);
  }
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (cause) {
    throw specError(`spec file ${path} is not valid JSON: ${cause.message}`);
  }
  validateSpec(spec);
  const folder = dirname(resolve(path));
  const out = resolvePaths(spec, folder);
  if (out.train !== undefined) { // the validation pipeline, the checkpoint file and the backup folder too (SPEC.md §5.4, §5.6)
    out.train = { ...out.train };
    if (out.train.validation !== undefined && 'source' in out.train.validation) out.train.validation = resolvePaths(out.train.validation, folder);
    if (out.train.checkpoint !== undefined) out.train.checkpoint = { ...out.train.checkpoint, path: resolve(folder, out.train.checkpoint.path) };
    if (out.train.backup !== undefined) out.train.backup = { ...out.train.backup, dir: resolve(folder, out.train.backup.dir) };
  }
  return out;
}

/** `spec` with its source path and cache folders resolved against `folder` (SPEC.md §4.7, §5). */
function resolvePaths(spec, folder) {
  const out = { ...spec, source: { ...spec.source } };
  if (typeof out.source.path === 'string') out.source.path = resolve(folder, out.source.path);
  // a cache folder is relative to the spec file too (SPEC.md §4.7)
  if (Array.isArray(out.ops)) out.ops = out.ops.map((op) => (op.op === 'cache' ? { ...op, path: resolve(folder, op.path) } : op));
  return out;
}

function withWhere(where, fn) {
  try {
    return fn();
  } catch (err) {
    if (err && typeof err.code === 'string' && err.code.startsWith('SF_') && !err.message.startsWith('spec')) {
      err.message = `${where}: ${err.message}`;
    }
    throw err;
  }
}

function buildSource(src, baseDir) {
  const path = src.path !== undefined ? (isAbsolute(src.path) ? src.path : resolve(baseDir, src.path)) : undefined;
  switch (src.type) {
    case 'csv':
      return new CsvSource(path, {
        header: src.header, features: src.features, label: src.label, delimiter: src.delimiter,
        dtype: src.dtype, labelDtype: src.label_dtype, onError: src.on_error,
      });
    case 'image_folder':
      return new ImageFolderSource(path, {
        pattern: src.pattern, classes: src.classes, labelMode: src.label_mode, channels: src.channels,
        imageSize: src.image_size, scale: src.scale, extensions: src.extensions, onError: src.on_error, decode: src.decode,
      });
    case 'class_folder':
      return new ClassFolderSource(path, {
        classNames: src.class_names, labelMode: src.label_mode, colorMode: src.color_mode, imageSize: src.image_size,
        cropToAspectRatio: src.crop_to_aspect_ratio, padToAspectRatio: src.pad_to_aspect_ratio, scale: src.scale,
        validationSplit: src.validation_split, subset: src.subset, seed: src.seed, splitMode: src.split_mode,
        extensions: src.extensions, onError: src.on_error, decode: src.decode,
      });
    case 'paired_folders':
      return new PairedFoldersSource(path, {
        inputs: src.inputs, label: src.label, channels: src.channels, imageSize: src.image_size, scale: src.scale,
        extensions: src.extensions, onError: src.on_error,
      });
    case 'packed':
      return new PackedSource(path, {
        order: src.order, seed: src.seed, window: src.window, verify: src.verify, prefetchBytes: src.prefetch_bytes,
      });
    default:
      return new RangeSource(src.n);
  }
}

function params(op, names) {
  return Object.fromEntries(names.map((k) => [k, op[k]]));
}

/**
 * The spec part before op k that goes into a cache's pack_key (SPEC.md §4.7,
 * §9.1): the source with its path made absolute, and the ops before the cache.
 */
function partBefore(spec, k, baseDir) {
  const source = { ...spec.source };
  if (typeof source.path === 'string') source.path = resolve(baseDir, source.path);
  return { source, ops: (spec.ops ?? []).slice(0, k).map((op) => ({ ...op })) };
}

function applyOp(p, op, spec, k, baseDir) {
  switch (op.op) {
    case 'cache':
      return new Pipeline(new CacheStage(p.stage, resolve(baseDir, op.path), { spec: partBefore(spec, k, baseDir) }));
    case 'map':
      return p.map(builtinMap(op.fn, params(op, MAP_PARAMS[op.fn]), op.on ?? 'x'), { name: op.fn });
    case 'filter':
      return p.filter(builtinFilter(op.predicate, params(op, FILTER_PARAMS[op.predicate])), { name: op.predicate });
    case 'shuffle':
      return p.shuffle({ bufferSize: op.buffer_size ?? null, seed: op.seed ?? null, reshuffleEachIteration: op.reshuffle_each_iteration ?? true });
    case 'batch':
      return p.batch(op.batch_size, { dropRemainder: op.drop_remainder ?? false });
    case 'take':
      return p.take(op.count);
    case 'skip':
      return p.skip(op.count);
    case 'repeat':
      return p.repeat(op.count ?? null);
    default:
      return p.prefetch(op.buffer_size ?? 2);
  }
}

/**
 * Builds the pipeline of a spec object (source + ops). Relative paths resolve
 * against baseDir (default: the current folder).
 * @example pipelineFromSpec({ source: { type: 'range', n: 10 }, ops: [{ op: 'batch', batch_size: 4 }] })
 */
export function pipelineFromSpec(spec, baseDir = process.cwd()) {
  validateSpec(spec);
  let p = new Pipeline(withWhere('spec.source', () => buildSource(spec.source, baseDir)));
  (spec.ops ?? []).forEach((op, i) => {
    p = withWhere(`spec.ops[${i}] (${op.op})`, () => applyOp(p, op, spec, i, baseDir));
  });
  return p;
}
