// What every Node contender shares (bench/contenders/README.md is the contract): the
// arguments, the two reference models, the two timing modes and the JSON line.
// A contender builds its input its own way, then calls runAlone or runFit, then emit.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTf } from '../../js/src/tfjs/load.mjs';
import { pipelineFromSpec } from '../../js/index.mjs';

export const CLASSES = ['circle', 'square', 'triangle'];
const MAX_EPOCHS = 30; // alone: epochs read in all, the untimed first one included (as common.py)

/**
 * `SCRIPT DATA_DIR MODE [--size S] [--epochs E] [--min-seconds T] [--steps-per-execution K]`
 * plus the contender's own boolean `flags` (e.g. ['packed']) and integer options >= 1 with their
 * defaults (`counts`, e.g. {pairs: 4}). `stepsPerExecution` is read and ignored: tfjs has no such
 * option.
 * @example const args = parseContenderArgs(['packed']); // {dataDir, mode, size, epochs, minSeconds, packed}
 */
export function parseContenderArgs(flags = [], counts = {}) {
  const options = {
    size: { type: 'string', default: '128' },
    epochs: { type: 'string', default: '2' },
    'min-seconds': { type: 'string', default: '2' },
    'steps-per-execution': { type: 'string', default: '1' },
  };
  for (const f of flags) options[f] = { type: 'boolean', default: false };
  for (const [name, value] of Object.entries(counts)) options[name] = { type: 'string', default: String(value) };
  const { values, positionals } = parseArgs({ options, allowPositionals: true });
  const usage = `usage: ${process.argv[1]} DATA_DIR alone|fit [--size S] [--epochs E] [--min-seconds T] [--steps-per-execution K]${flags.map((f) => ` [--${f}]`).join('')}${Object.keys(counts).map((c) => ` [--${c} N]`).join('')}`;
  if (positionals.length !== 2 || !['alone', 'fit'].includes(positionals[1])) throw new RangeError(usage);
  const number = (name, min, integer = true) => {
    const v = Number(values[name]);
    if (!(integer ? Number.isInteger(v) : Number.isFinite(v)) || v < min) {
      throw new RangeError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(values[name])}; ${usage}`);
    }
    return v;
  };
  const out = {
    dataDir: positionals[0],
    mode: positionals[1],
    size: number('size', 1),
    epochs: number('epochs', 1),
    minSeconds: number('min-seconds', 0, false),
    stepsPerExecution: number('steps-per-execution', 1),
  };
  for (const f of flags) out[f] = values[f];
  for (const name of Object.keys(counts)) out[name] = number(name, 1);
  return out;
}

/** tfjs-node as streamfit sets it up (the local libtensorflow build, BFC allocator). */
export function getTf() {
  return loadTf();
}

/** The images of DATA_DIR/flat, in directory order; class = the name's part before "_". */
export function listImages(flatDir) {
  return readdirSync(flatDir).filter((name) => name.endsWith('.jpg'));
}

export function labelOf(name) {
  const label = CLASSES.indexOf(name.slice(0, name.indexOf('_')));
  if (label < 0) throw new RangeError(`${name}: the name does not start with a class (${CLASSES.join(', ')}) and "_"`);
  return label;
}

/**
 * true when the flat folder's images (suite_data.py writes them all one size) are not already
 * `size` x `size`, so a contender must resize: decided once from the first file, so that no
 * contender pays for a resize to the size the images already have.
 */
export function needsResize(tf, flatDir, size) {
  const first = listImages(flatDir).sort()[0];
  const img = tf.node.decodeImage(readFileSync(join(flatDir, first)), 3);
  const [h, w] = img.shape;
  img.dispose();
  return h !== size || w !== size;
}

// Seeded initial weights (glorotUniform, Keras's default kernel initializer; biases zero) so
// every run of a contender starts from the same model. tfjs's seeded initializers are its own
// PRNG: they do not match the Python contenders' weights, nor need to.
const glorot = (tf, seed) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });

/** The image reference model: softmax output, sparse categorical cross-entropy, SGD(0.01). */
export function imageModel(tf, size) {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [size, size, 3], filters: 16, kernelSize: 3, activation: 'relu', ...glorot(tf, 1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', ...glorot(tf, 2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', ...glorot(tf, 3) }),
      tf.layers.dense({ units: 3, activation: 'softmax', ...glorot(tf, 4) }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/**
 * The CSV reference model: Dense(16, relu) -> Dense(8, relu) -> Dense(1), MAE, Adam(0.001).
 * Its targets must be [batch, 1]: tfjs's meanAbsoluteError does not align a [batch] target with
 * the [batch, 1] output, it broadcasts them to [batch, batch].
 */
export function csvModel(tf) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [1], units: 16, activation: 'relu', ...glorot(tf, 1) }),
      tf.layers.dense({ units: 8, activation: 'relu', ...glorot(tf, 2) }),
      tf.layers.dense({ units: 1, ...glorot(tf, 3) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanAbsoluteError' });
  return model;
}

/** The samples in a batch: the first dimension of its first tensor ({xs, ys}, arrays, or a tensor). */
/** Disposes the tensors in a batch. tf.dispose would walk a typed array's every element (for...in)
 * when handed streamfit's own NdArray batches: 1.5M a batch of 128x128x3 images. */
function disposeTensors(tf, node) {
  if (node instanceof tf.Tensor) node.dispose();
  else if (Array.isArray(node)) for (const v of node) disposeTensors(tf, v);
  else if (node !== null && typeof node === 'object' && !ArrayBuffer.isView(node)) for (const v of Object.values(node)) disposeTensors(tf, v);
}

export function batchSize(batch) {
  let first = batch;
  for (;;) {
    if (first?.shape !== undefined) return first.shape[0];
    if (Array.isArray(first)) first = first[0];
    else if (first?.xs !== undefined) first = first.xs;
    else throw new TypeError(`cannot find a tensor in the batch ${String(batch)}`);
  }
}

/** One epoch of a tfjs Dataset as an async iterable: a new iterator, read to its end. */
export async function* datasetEpoch(dataset) {
  const it = await dataset.iterator();
  for (;;) {
    const { value, done } = await it.next();
    if (done) return;
    yield value;
  }
}

/**
 * Tensor counts after each epoch; warns on stderr when a timed epoch ends with more tensors than
 * the first timed epoch did (a leak). STREAMFIT_BENCH_DEBUG=1 prints every count.
 */
class LeakWatch {
  constructor(tf) {
    this.tf = tf;
    this.counts = [];
    this.warned = false;
  }

  epochEnd() {
    const n = this.tf.memory().numTensors;
    this.counts.push(n);
    if (process.env.STREAMFIT_BENCH_DEBUG === '1') process.stderr.write(`epoch ${this.counts.length}: ${n} tensors\n`);
    // the first epoch may create lasting tensors (optimizer slots): compare timed epochs only
    if (this.counts.length >= 3 && n > this.counts[1] && !this.warned) {
      this.warned = true;
      process.emitWarning(`tensor leak: ${this.counts[1]} tensors after epoch 2, ${n} after epoch ${this.counts.length}`);
    }
  }
}

/**
 * `alone` mode: reads epochs of `epochFn(e)` (an async iterable of batches; tensors in them are
 * disposed here) until the timed epochs (all but the first) add up to `minSeconds`, or 30 epochs
 * have been read in all; at least one is timed.
 * @example emit(await runAlone(tf, (e) => datasetEpoch(ds), args));
 */
export async function runAlone(tf, epochFn, { minSeconds }) {
  const watch = new LeakWatch(tf);
  let records = 0;
  let seconds = 0;
  let timed = 0;
  let firstEpochS = 0;
  for (let e = 0; ; e++) {
    const t0 = performance.now();
    let n = 0;
    for await (const batch of epochFn(e)) {
      n += batchSize(batch);
      disposeTensors(tf, batch);
    }
    const s = (performance.now() - t0) / 1000;
    watch.epochEnd();
    if (e === 0) {
      firstEpochS = s;
      continue;
    }
    records += n;
    seconds += s;
    timed += 1;
    if (seconds >= minSeconds || e + 1 >= MAX_EPOCHS) break;
  }
  return { records, seconds, records_per_s: records / seconds, epochs: timed, first_epoch_s: firstEpochS };
}

/**
 * `fit` mode: `train(callbacks)` runs model.fit / fitDataset for `epochs` epochs with these
 * callbacks; epochs 2..E are timed between onEpochBegin and onEpochEnd. Samples are each step's
 * logs.size, read at the epoch's end from the logs objects onBatchBegin saw (model.fit fills size in
 * just after onBatchBegin; an onBatchEnd callback would make tfjs download every step's loss).
 * @example emit(await runFit(tf, (callbacks) => model.fitDataset(ds, { epochs, verbose: 0, callbacks }), args));
 */
export async function runFit(tf, train, { epochs }) {
  if (epochs < 2) throw new RangeError(`fit mode needs --epochs 2 or more (the first is not timed), got ${epochs}`);
  const watch = new LeakWatch(tf);
  const times = [];
  const counts = [];
  let t0 = 0;
  let steps = [];
  const callbacks = {
    onEpochBegin: async () => {
      steps = [];
      t0 = performance.now();
    },
    onBatchBegin: async (batch, logs) => {
      steps.push(logs);
    },
    onEpochEnd: async () => {
      times.push((performance.now() - t0) / 1000);
      counts.push(steps.reduce((a, logs) => a + logs.size, 0));
      watch.epochEnd();
    },
  };
  await train(callbacks);
  if (times.length !== epochs) throw new Error(`fit ran ${times.length} epochs, asked for ${epochs}`);
  const seconds = times.slice(1).reduce((a, b) => a + b, 0);
  const records = counts.slice(1).reduce((a, b) => a + b, 0);
  if (!Number.isInteger(records)) throw new Error(`fit's batch logs carry no sizes (${records}); this tfjs version fills them in elsewhere`);
  return { records, seconds, records_per_s: records / seconds, epochs: epochs - 1, first_epoch_s: times[0] };
}

/** The contract's last stdout line (a contender may add fields of its own after the five). */
export function emit(result) {
  const { records, seconds, records_per_s, epochs, first_epoch_s, ...extra } = result;
  process.stdout.write(`${JSON.stringify({ records, seconds, records_per_s, epochs, first_epoch_s, ...extra })}\n`);
}

/**
 * The CSV in-memory reference's data: DATA_DIR/xy.csv read and parsed (Number()) into x and y,
 * float32 [N, 1] tensors each.
 */
export function csvTensors(tf, dataDir) {
  const lines = readFileSync(join(dataDir, 'xy.csv'), 'utf8').split('\n');
  const xs = new Float32Array(lines.length);
  const ys = new Float32Array(lines.length);
  let n = 0;
  for (let i = 1; i < lines.length; i++) { // line 0: the header
    if (lines[i] === '') continue;
    const c = lines[i].indexOf(',');
    xs[n] = Number(lines[i].slice(0, c));
    ys[n] = Number(lines[i].slice(c + 1));
    n += 1;
  }
  return { x: tf.tensor2d(xs.subarray(0, n), [n, 1]), y: tf.tensor2d(ys.subarray(0, n), [n, 1]), n };
}

/**
 * The in-memory reference's data: every file of DATA_DIR/flat decoded once into one float32
 * [N, S, S, 3] tensor (/255) and N float32 labels (tfjs's sparseCategoricalCrossentropy takes
 * float32 labels only).
 */
export function imageTensors(tf, dataDir, size) {
  const flat = join(dataDir, 'flat');
  const files = listImages(flat).sort();
  const resize = needsResize(tf, flat, size);
  const per = size * size * 3;
  const pixels = new Float32Array(files.length * per);
  files.forEach((name, i) => {
    const img = tf.tidy(() => {
      let t = tf.node.decodeImage(readFileSync(join(flat, name)), 3);
      if (resize) t = tf.image.resizeBilinear(t, [size, size]);
      return t.toFloat().div(255);
    });
    pixels.set(img.dataSync(), i * per);
    img.dispose();
  });
  return { x: tf.tensor4d(pixels, [files.length, size, size, 3]), y: tf.tensor1d(files.map(labelOf), 'float32'), n: files.length };
}

/**
 * streamfit's packed image pipeline as the suite reads it: DATA_DIR/pack (uint8 pixels of flat/)
 * through a spec, packed(order global, seed 1) -> batch(32) -> [map(divide 255)] -> map(cast float32,
 * on y) -> prefetch(4). `uint8`: without the divide.
 */
export function packedImagePipeline(dataDir, size, { uint8 = false, repeat = 1 } = {}) {
  const dir = join(dataDir, 'pack');
  const shape = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).fields[0].shape;
  if (shape[0] !== size || shape[1] !== size) throw new RangeError(`${dir} holds ${shape.join('x')} images, not ${size}x${size}; pack flat/ again`);
  return pipelineFromSpec({
    source: { type: 'packed', path: dir, order: 'global', seed: 1 },
    ops: [
      ...(repeat > 1 ? [{ op: 'repeat', count: repeat }] : []),
      { op: 'batch', batch_size: 32 },
      ...(uint8 ? [] : [{ op: 'map', fn: 'divide', value: 255 }]),
      { op: 'map', fn: 'cast', dtype: 'float32', on: 'y' },
      { op: 'prefetch', buffer_size: 4 },
    ],
  });
}
