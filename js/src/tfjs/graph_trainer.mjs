// A trainer SavedModel (SPEC.md §5.7) in tfjs-node: the spec's training step as one TensorFlow
// graph, exported by Python (python/streamfit/tf/trainer.py) and run here by the same
// libtensorflow. This file finds or makes the trainer and calls its signatures; graph_engine.mjs
// trains with it.
//
//   const dir = await ensureTrainer(spec, 'examples/demo_shapes.json');  // exports when missing or stale
//   const t = await GraphTrainer.open(tf, dir);
//   const [loss, accuracy] = await t.trainStep(xs, ys);                   // one step, as Keras's fit
//   t.close();
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonical } from '../pack/format.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { plainError, rangeError } from '../errors.mjs';

export const FORMAT = 'streamfit-trainer';
export const VERSION = '2';
export const INFO = 'trainer.json';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * sha256 of what a trainer is made from (SPEC.md §5.7): the spec's model, train.loss,
 * train.optimizer and train.metrics, with the trainer format's version.
 * @example trainerKey(loadSpec('examples/demo_shapes.json')) // '9a0c...'
 */
export function trainerKey(spec) {
  const tr = spec.train ?? {};
  const part = { format: FORMAT, version: VERSION, model: spec.model ?? null, loss: tr.loss ?? null, optimizer: tr.optimizer ?? null, metrics: tr.metrics ?? [] };
  return createHash('sha256').update(canonical(part), 'utf8').digest('hex');
}

/** Where a spec's trainer is kept when no folder is given: $STREAMFIT_CACHE (or $XDG_CACHE_HOME/streamfit, ~/.cache/streamfit)/trainers/KEY. */
export function defaultTrainerDir(spec) {
  const root = process.env.STREAMFIT_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'streamfit');
  return join(root, 'trainers', trainerKey(spec).slice(0, 24));
}

/** The Python that exports trainers: $STREAMFIT_PYTHON, else this checkout's .venv, else python3. */
export function trainerPython() {
  if (process.env.STREAMFIT_PYTHON) return process.env.STREAMFIT_PYTHON;
  const venv = join(REPO, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

function readInfo(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, INFO), 'utf8'));
  } catch (cause) {
    if (cause.code === 'ENOENT') return null;
    throw plainError('SF_TRAINER', `trainer ${dir}: ${INFO} is not JSON (${cause.message}); delete the folder to export it again`, cause);
  }
}

/**
 * The folder of a current trainer for `spec` (SPEC.md §5.7): `dir` (default defaultTrainerDir) when
 * its key is the spec's, else exported there first by `python -m streamfit export-trainer SPEC DIR`
 * (trainerPython()). SF_TRAINER when no trainer can be made, with Python's own message.
 * @param {object} spec a loaded spec
 * @param {string} specPath the spec file (Python reads the same file)
 * @param {{dir?: string, log?: (line: string) => void}} [options]
 */
export function ensureTrainer(spec, specPath, { dir = undefined, log = undefined } = {}) {
  const where = dir ?? defaultTrainerDir(spec);
  const key = trainerKey(spec);
  const info = readInfo(where);
  if (info !== null && info.key === key) return where;
  if (log) log(`trainer   ${info === null ? 'exporting' : 'stale, exporting again'} to ${where}`);
  const python = trainerPython();
  const env = { ...process.env, PYTHONPATH: [join(REPO, 'python'), process.env.PYTHONPATH].filter(Boolean).join(':') };
  const r = spawnSync(python, ['-m', 'streamfit', 'export-trainer', specPath, where], { encoding: 'utf8', env });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error !== undefined ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');
    throw plainError('SF_TRAINER', `export-trainer ${specPath} with ${python} failed: ${why}; --engine layers trains without Python`);
  }
  const made = readInfo(where);
  if (made === null || made.key !== key) throw plainError('SF_TRAINER', `export-trainer ${specPath}: ${where} holds no trainer for this spec after the export`);
  return where;
}

const OPEN = new Set(); // trainer folders (real paths) open in this process: one TF session each

/**
 * One open trainer: its signatures, loaded through one real path (tfjs-node keeps one TF session
 * per path string and tags, so a second spelling of the same folder would open a second session
 * with fresh weights). A folder is open once per process; close() frees its session and state.
 */
export class GraphTrainer {
  static async open(tf, dir) {
    let root;
    try {
      root = realpathSync(resolve(dir));
    } catch (cause) {
      throw plainError('SF_TRAINER', `trainer ${dir} does not exist; export it with \`python -m streamfit export-trainer SPEC ${dir}\``, cause);
    }
    const info = readInfo(root);
    if (info === null) throw plainError('SF_TRAINER', `trainer ${dir}: no ${INFO}; export it with \`python -m streamfit export-trainer SPEC ${dir}\``);
    if (info.format !== FORMAT || info.version !== VERSION) throw plainError('SF_TRAINER', `trainer ${dir}: not a ${FORMAT} version ${VERSION} (found ${info.format} ${info.version}); export it again`);
    if (OPEN.has(root)) throw plainError('SF_TRAINER', `trainer ${root} is already open in this process (as ${dir}): two runs would share one set of weights; close the first`);
    OPEN.add(root);
    const t = new GraphTrainer(tf, root, info);
    try {
      for (const name of info.signatures) t.sig[name] = await tf.node.loadSavedModel(root, ['serve'], name);
    } catch (cause) {
      t.close();
      throw plainError('SF_TRAINER', `trainer ${dir}: tfjs-node cannot load it (${cause.message})`, cause);
    }
    return t;
  }

  constructor(tf, root, info) {
    this.tf = tf;
    this.root = root;
    this.info = info;
    this.sig = {};
    this.labelShape = info.label_shape;
    this.labelSize = info.label_shape.reduce((a, b) => a * b, 1);
    this.inputSize = info.input_shape.reduce((a, b) => a * b, 1);
    this.outputs = ['loss', ...info.metrics];
  }

  run(name, inputs) {
    return this.sig[name].predict(inputs);
  }

  /** x as the signature wants it: a uint8 NdArray as one string of its bytes (the `_raw` signatures), else float32. */
  inputs(x, y) {
    const { tf } = this;
    const out = {};
    let raw = false;
    if (x instanceof NdArray) {
      if (x.dtype === 'uint8') {
        out.x = tf.tensor([x.data], [], 'string');
        raw = true;
      } else {
        out.x = tf.tensor(x.dtype === 'float32' ? x.data : Float32Array.from(x.data, Number), x.shape, 'float32');
      }
    } else {
      out.x = x.dtype === 'float32' ? x : tf.cast(x, 'float32'); // a tensor the caller owns
    }
    if (y !== undefined) out.y = this.labels(y, x.shape[0]);
    return { tensors: out, raw, owned: Object.values(out).filter((t) => t !== x) }; // what this call made
  }

  labels(y, batch) {
    const { tf } = this;
    const size = y instanceof NdArray ? y.data.length : y.size;
    if (size !== batch * this.labelSize) {
      throw rangeError('SF_BATCH_SHAPE', `labels of shape [${y.shape}] do not fit the model's output: the trainer takes ${JSON.stringify([batch, ...this.labelShape])} for a batch of ${batch}`);
    }
    const shape = [batch, ...this.labelShape];
    if (!(y instanceof NdArray)) return tf.reshape(y.dtype === 'float32' ? y : tf.cast(y, 'float32'), shape);
    return tf.tensor(y.dtype === 'float32' ? y.data : Float32Array.from(y.data, Number), shape, 'float32');
  }

  async step(kind, x, y) {
    const { tensors, raw, owned } = this.inputs(x, y);
    const out = this.run(raw ? `${kind}_raw` : kind, tensors);
    const values = [];
    for (const name of this.outputs) values.push((await out[name].data())[0]);
    this.tf.dispose([...owned, ...Object.values(out)]);
    return values;
  }

  /** One training step (the graph of Keras's fit step): [loss, ...metrics] of the batch. x, y: NdArrays or tensors. */
  trainStep(x, y) {
    return this.step('train_step', x, y);
  }

  /** [loss, ...metrics] of the batch without training. */
  evalStep(x, y) {
    return this.step('eval_step', x, y);
  }

  /** The model's outputs for x, a float32 tensor (the caller disposes it). */
  predict(x) {
    const { tensors, raw, owned } = this.inputs(x);
    const out = this.run(raw ? 'predict_raw' : 'predict', tensors);
    this.tf.dispose(owned);
    return out.y;
  }

  arrays(name, list) {
    const out = this.run(name, {});
    const arrays = list.map((v) => ({ data: out[v.name].dataSync().slice(), shape: out[v.name].shape }));
    this.tf.dispose(Object.values(out));
    return arrays;
  }

  assign(name, list, arrays, dtypeOf) {
    const { tf } = this;
    const inputs = {};
    list.forEach((v, i) => { inputs[v.name] = tf.tensor(arrays[i].data, arrays[i].shape, dtypeOf(v)); });
    const out = this.run(name, inputs);
    tf.dispose([...Object.values(inputs), ...Object.values(out)]);
  }

  /** The weights in --weights order, as {data: Float32Array, shape}. */
  getWeights() {
    return this.arrays('get_weights', this.info.weights);
  }

  /** Sets the weights (in getWeights order) from {data, shape} arrays of the right shapes. */
  setWeights(arrays) {
    this.assign('set_weights', this.info.weights, arrays, () => 'float32');
  }

  /** Keras's optimizer.variables in order (the step counter as int32). */
  getOptimizer() {
    return this.arrays('get_optimizer', this.info.optimizer);
  }

  setOptimizer(arrays) {
    this.assign('set_optimizer', this.info.optimizer, arrays, (v) => (v.dtype === 'float32' ? 'float32' : 'int32'));
  }

  /** Sets the optimizer's learning rate (a variable of the graph). */
  setLearningRate(lr) {
    const { tf } = this;
    const x = tf.scalar(lr, 'float32');
    tf.dispose([x, ...Object.values(this.run('set_learning_rate', { learning_rate: x }))]);
  }

  /** Steps applied so far (Keras's optimizer.iterations). */
  stepCount() {
    const out = this.run('step_count', {});
    const n = out.step.dataSync()[0];
    this.tf.dispose(Object.values(out));
    return n;
  }

  /** Writes weights and optimizer state as a TensorFlow checkpoint at `prefix` (TF's own format). */
  save(prefix) {
    const { tf } = this;
    const p = tf.tensor([Buffer.from(resolve(prefix))], [], 'string');
    tf.dispose([p, ...Object.values(this.run('save', { prefix: p }))]);
  }

  /** Reads them back from a checkpoint save() wrote; returns the step count. */
  restore(prefix) {
    const { tf } = this;
    const p = tf.tensor([Buffer.from(resolve(prefix))], [], 'string');
    const out = this.run('restore', { prefix: p });
    const n = out.step.dataSync()[0];
    tf.dispose([p, ...Object.values(out)]);
    return n;
  }

  /** Frees every signature, and with the last one the session and its trained state. */
  close() {
    for (const s of Object.values(this.sig)) s.dispose();
    this.sig = {};
    OPEN.delete(this.root);
  }
}
