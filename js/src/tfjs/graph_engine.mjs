// `--engine graph` (SPEC.md §5.7): training through the trainer SavedModel Python exports, one
// graph call per step, in the same libtensorflow Keras runs. The same engine interface as
// layers_engine.mjs (which lists it), so TrainingRun's validation, early stopping, checkpoint,
// backup and progress bar work unchanged; its optimizer state is Keras's (optimizer/i, SPEC.md §5.6).
import { GraphTrainer, ensureTrainer } from './graph_trainer.mjs';
import { buildModel, initialWeights } from './model.mjs';
import { saveTfjs } from './exchange.mjs';
import { addWeighted, checkShapes, weightedMean } from './train.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { resolveSeed } from '../order/seed.mjs';
import { unnumbered } from './backup.mjs';
import { rangeError } from '../errors.mjs';

/** [x, y] NdArrays of one batch, or SF_ARG: the graph engine trains one-input, one-label models. */
function pair(record, where) {
  if (Array.isArray(record) && record.length === 2 && record[0] instanceof NdArray && record[1] instanceof NdArray) return record;
  throw rangeError('SF_ARG', `${where}: the graph engine trains on (x, y) batches of one input and one label; this pipeline gives another structure (use --engine layers)`);
}

export class GraphEngine {
  /**
   * The spec's trainer (exported first when missing or stale, SPEC.md §5.7), opened, with the
   * SPEC.md §5.1 initial weights of the spec's seed (drawn when missing) put in.
   * @param {{specPath: string, trainerDir?: string, log?: (line: string) => void}} options
   */
  static async create(tf, spec, { specPath, trainerDir, log }) {
    if (specPath === undefined) throw rangeError('SF_ARG', 'the graph engine needs the spec file (specPath): Python exports the trainer from it');
    const dir = ensureTrainer(spec, specPath, { dir: trainerDir, log });
    const trainer = await GraphTrainer.open(tf, dir);
    const { seed, drawn } = resolveSeed(spec.model.seed, 'spec.model.seed');
    const engine = new GraphEngine(tf, spec, trainer, seed, drawn);
    trainer.setWeights(initialWeights(seed, trainer.info.weights.map((w) => w.shape)));
    return engine;
  }

  constructor(tf, spec, trainer, seed, drawn) {
    this.name = 'graph';
    this.tf = tf;
    this.spec = spec;
    this.trainer = trainer;
    this.metrics = spec.train.metrics ?? [];
    this.seed = seed;
    this.drawn = drawn;
  }

  countParams() {
    return this.trainer.info.parameters;
  }

  weights() {
    return this.trainer.getWeights();
  }

  setWeights(arrays, mismatch) {
    checkShapes(arrays, this.trainer.info.weights.map((w) => w.shape), mismatch);
    this.trainer.setWeights(arrays.map((a) => ({ data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data), shape: a.shape })));
  }

  /** Keras's optimizer.variables as optimizer/i (the step counter int32). */
  async optimizerArrays() {
    return new Map(this.trainer.getOptimizer().map((a, i) => [`optimizer/${i}`, a]));
  }

  async setOptimizerArrays(arrays, globalStep, bad) {
    const values = unnumbered('optimizer', arrays);
    const want = this.trainer.info.optimizer;
    if (values.length !== want.length || values.some((a, i) => JSON.stringify(a.shape) !== JSON.stringify(want[i].shape))) {
      throw bad(`it holds ${values.length} optimizer arrays of shapes ${JSON.stringify(values.map((a) => a.shape))}, the trainer's optimizer has ${JSON.stringify(want.map((w) => w.shape))}`);
    }
    this.trainer.setOptimizer(values.map((a, i) => {
      if (want[i].dtype === 'float32') return { data: Float32Array.from(a.data), shape: a.shape };
      return { data: Int32Array.of(i === 0 ? globalStep : Number(a.data[0])), shape: a.shape }; // the step counter
    }));
  }

  /** One step on tensors from run.batches(): [loss, ...metrics]. */
  trainStep(xs, ys) {
    if (Array.isArray(xs) || Array.isArray(ys)) throw rangeError('SF_ARG', 'the graph engine trains one-input, one-label models');
    return this.trainer.trainStep(xs, ys);
  }

  /** Validation epoch `epoch` of `pipeline`: loss and metrics as means weighted by batch size. */
  async evaluate(pipeline, epoch) {
    const names = ['loss', ...this.metrics];
    const sums = names.map(() => 0);
    let samples = 0;
    for await (const record of pipeline.iterate(epoch >>> 0)) {
      const [x, y] = pair(record, 'train.validation');
      const n = x.shape[0];
      const outs = await this.trainer.evalStep(x, y);
      outs.forEach((v, i) => { sums[i] = addWeighted(sums[i], v, n); });
      samples += n;
    }
    const logs = {};
    names.forEach((name, i) => { logs[`val_${name}`] = weightedMean(sums[i], samples); });
    return logs;
  }

  /** Every epoch of the run: one trainer call per batch, validation after each epoch. */
  async fit(run) {
    const { trainer, metrics } = this;
    for (let epoch = run.firstEpoch; epoch < run.total; epoch++) {
      run.beginEpoch(epoch);
      const skip = run.current.step;
      const records = run.pipeline.iterate(epoch >>> 0)[Symbol.asyncIterator]();
      try {
        for (let step = 0; ; step++) {
          const t0 = performance.now();
          const { value, done } = await records.next();
          if (done) break;
          if (step < skip) continue; // SPEC.md §5.6 replay
          const waited = (performance.now() - t0) / 1000;
          const [x, y] = pair(value, 'the training pipeline');
          const outs = await trainer.trainStep(x, y);
          const values = { loss: outs[0] };
          metrics.forEach((m, i) => { values[m] = outs[i + 1]; });
          await run.stepDone(outs[0], x.shape[0], waited, values);
        }
      } finally {
        await records.return?.();
      }
      const logs = run.validation === null ? {} : await this.evaluate(run.validation, epoch);
      if (await run.finishEpoch(logs)) break;
    }
  }

  /** The trained weights in a tfjs LayersModel folder (SPEC.md §10), as --engine layers writes it. */
  async saveModel(dir) {
    const { tf } = this;
    const { model } = buildModel(tf, { ...this.spec.model, seed: this.seed });
    const arrays = this.weights();
    const tensors = arrays.map((a) => tf.tensor(a.data, a.shape, 'float32'));
    model.setWeights(tensors);
    tf.dispose(tensors);
    try {
      await saveTfjs(model, dir);
    } finally {
      model.dispose();
    }
  }

  dispose() {
    this.trainer.close();
  }
}
