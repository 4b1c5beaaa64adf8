// Backup and exact resume of a training run (SPEC.md §5.6); Python's twin:
// python/streamfit/tf/backup.py. A backup is one safetensors file,
// DIR/backup.safetensors: the run's arrays (weights, optimizer state, kept best
// weights) as tensors and everything else (position, history, callback state,
// the epoch's loss sums) as JSON in its __metadata__. It is replaced through a
// temporary file and a rename, so a kill at any moment leaves the previous
// backup or the new one, whole.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { canonical, encodeHeader, parseHeader } from '../pack/format.mjs';
import { checkInt, plainError } from '../errors.mjs';

export const FORMAT = 'streamfit-backup';
export const VERSION = '1';
export const FILE = 'backup.safetensors';
/** Test hook (SPEC.md §5.6): the trainer SIGKILLs itself after this global step (and its backup). */
export const KILL_ENV = 'STREAMFIT_KILL_AFTER_STEP';

const ARRAY = { F32: Float32Array, I32: Int32Array, F64: Float64Array, I64: BigInt64Array }; // I64: Python's step counter
const DTYPE = new Map([[Float32Array, 'F32'], [Int32Array, 'I32'], [Float64Array, 'F64']]);

/**
 * sha256 of the spec's canonical JSON without train.epochs and train.backup: a backup
 * resumes only the run it was written for.
 * @example specKey(loadSpec('examples/demo_csv.json')) // '3f1c...'
 */
export function specKey(spec) {
  const { epochs, backup, ...train } = spec.train ?? {}; // eslint-disable-line no-unused-vars
  return createHash('sha256').update(canonical({ ...spec, train }), 'utf8').digest('hex');
}

/**
 * train.backup (SPEC.md §5.6): where the backup lives, how often it is written, and its I/O.
 * @example
 * const b = Backup.fromSpec(spec.train.backup, spec);
 * const saved = b.load(); // {state, arrays} or null
 */
export class Backup {
  constructor(folder, saveFreq, deleteCheckpoint, key, language = 'node', format = 'tfjs') {
    this.folder = folder;
    this.path = join(folder, FILE);
    this.every = saveFreq === 'epoch' ? null : checkInt(saveFreq, 'train.backup.save_freq', 1);
    this.deleteCheckpoint = Boolean(deleteCheckpoint);
    this.key = key;
    this.language = language;
    this.optimizerFormat = format; // what this run's engine writes and reads: 'tfjs' (layers) or 'keras' (graph)
  }

  /** The spec's train.backup (`folder`: the CLI's --backup DIR instead of its dir), or null; `format`: the engine's optimizerFormat. */
  static fromSpec(cfg, spec, folder = undefined, format = 'tfjs') {
    if (cfg === undefined && folder === undefined) return null;
    const c = cfg ?? {};
    return new Backup(folder ?? c.dir, c.save_freq ?? 'epoch', c.delete_checkpoint ?? true, specKey(spec), 'node', format);
  }

  /** True when the backup is written after global step `step` (1-based). */
  due(step) {
    return this.every !== null && step % this.every === 0;
  }

  /**
   * Writes `state` (JSON) and `arrays` ({name: Float32Array|Int32Array|Float64Array with .shape}) atomically.
   * @param {object} state
   * @param {Map<string, {data: Float32Array|Int32Array|Float64Array, shape: number[]}>} arrays
   */
  save(state, arrays) {
    const meta = { format: FORMAT, version: VERSION, state: JSON.stringify({ ...state, language: this.language, spec_key: this.key, optimizer_format: this.optimizerFormat }) };
    const tensors = new Map();
    for (const [name, a] of arrays) tensors.set(name, { dtype: DTYPE.get(a.data.constructor), shape: a.shape, bytes: a.data.byteLength });
    const { head, order } = encodeHeader(tensors, meta);
    mkdirSync(this.folder, { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, head);
      for (const name of order) {
        const { data } = arrays.get(name);
        writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // little-endian hosts only, as tfjs
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  /** {state, arrays} of the backup, or null when there is none; SF_BACKUP naming the file when it is damaged from another spec, or holding another engine's optimizer state (SPEC.md §5.6, §5.7). */
  load() {
    let raw;
    try {
      raw = readFileSync(this.path);
    } catch (cause) {
      if (cause.code === 'ENOENT') return null;
      throw cause;
    }
    const bad = (why) => plainError('SF_BACKUP', `backup ${this.path}: ${why}; delete the file to start the run afresh`);
    const { header, start } = parseHeader(raw, raw.length, this.path, bad);
    const meta = header.__metadata__ ?? {};
    if (meta.format !== FORMAT || meta.version !== VERSION) throw bad(`not a ${FORMAT} version ${VERSION} file`);
    let state;
    try {
      state = JSON.parse(meta.state);
    } catch {
      throw bad('its state is not JSON');
    }
    const format = optimizerFormat(state);
    if (format !== this.optimizerFormat) {
      const writer = format === 'tfjs' ? `${state.language} --engine layers` : `${state.language}${state.language === 'node' ? ' --engine graph' : ''}`;
      throw bad(`it was written by ${writer}, whose optimizer state is ${format === 'tfjs' ? 'tfjs' : 'Keras'}'s; resume it with ${format === 'tfjs' ? 'node js/train.mjs --engine layers' : 'Python or node js/train.mjs --engine graph'}`);
    }
    if (state.spec_key !== this.key) throw bad('it was written for another spec (the model, pipeline or training settings differ)');
    const arrays = new Map();
    for (const [name, e] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const Ctor = ARRAY[e.dtype];
      if (Ctor === undefined) throw bad(`tensor ${name} has dtype ${e.dtype}`);
      const [lo, hi] = e.data_offsets;
      const bytes = raw.subarray(start + lo, start + hi);
      const data = new Ctor(bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
      new Uint8Array(data.buffer).set(bytes); // copied: aligned, and free of the file's buffer
      arrays.set(name, { data, shape: e.shape });
    }
    return { state, arrays };
  }

  /** Removes the backup file (SPEC.md §5.6 delete_checkpoint): only that file. */
  delete() {
    rmSync(this.path, { force: true });
  }
}

/**
 * SPEC.md §5.6: the layout of a backup's optimizer tensors, 'keras' (optimizer/i: Python, --engine
 * graph) or 'tfjs' (optimizer/SLOT/i: --engine layers); backups older than the field are the writing language's.
 */
export function optimizerFormat(state) {
  return state.optimizer_format ?? (state.language === 'python' ? 'keras' : 'tfjs');
}

/** Map entries prefix/0, prefix/1, ... for `arrays`. */
export function numbered(prefix, arrays) {
  return arrays.map((a, i) => [`${prefix}/${i}`, a]);
}

/** The arrays prefix/0, prefix/1, ... of `arrays` (a Map), in order. */
export function unnumbered(prefix, arrays) {
  const out = [];
  while (arrays.has(`${prefix}/${out.length}`)) out.push(arrays.get(`${prefix}/${out.length}`));
  return out;
}
