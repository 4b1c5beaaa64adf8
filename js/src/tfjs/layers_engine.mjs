// `--engine layers` (SPEC.md §5.7): the spec's model as a tfjs LayersModel, trained op by op with
// fitDataset (or trainOnBatch in a loop of your own). It runs wherever tfjs-node does, Python or not.
// An engine is what TrainingRun (run.mjs) asks of a model; graph_engine.mjs is the other one:
//   weights() / setWeights(arrays, mismatch)      {data, shape} arrays in --weights order
//   optimizerArrays() / setOptimizerArrays(...)   the optimizer's state in a backup (SPEC.md §5.6)
//   trainStep(xs, ys) -> [loss, ...metrics]       one step on tensors from run.batches()
//   evaluate(pipeline, epoch) -> {val_loss, ...}  validation (SPEC.md §5.4)
//   fit(run)                                      every epoch, through the run's bookkeeping
//   saveModel(dir), countParams(), dispose()
import { toTfData } from './dataset.mjs';
import { buildModel, makeLoss, makeOptimizer, makeAccuracy } from './model.mjs';
import { saveTfjs } from './exchange.mjs';
import { setWeightsChecked } from './train.mjs';

export class LayersEngine {
  /** The spec's model, with SPEC.md §5.1 weights, compiled with its loss, optimizer and metrics. */
  static create(tf, spec) {
    const { model, seed, drawn } = buildModel(tf, spec.model);
    const tr = spec.train;
    const metrics = tr.metrics ?? [];
    model.compile({ loss: makeLoss(tf, tr.loss), optimizer: makeOptimizer(tf, tr.optimizer), metrics: metrics.map(() => makeAccuracy(tf)) });
    return new LayersEngine(tf, model, metrics, seed, drawn);
  }

  constructor(tf, model, metrics, seed, drawn) {
    this.name = 'layers';
    this.tf = tf;
    this.model = model;
    this.metrics = metrics;
    this.seed = seed;
    this.drawn = drawn;
  }

  countParams() {
    return this.model.countParams();
  }

  weights() {
    return this.model.getWeights().map((w) => ({ data: w.dataSync().slice(), shape: w.shape }));
  }

  setWeights(arrays, mismatch) {
    setWeightsChecked(this.tf, this.model, arrays, mismatch);
  }

  /** Slots m / v of trainable weight i as optimizer/SLOT/i (the step count is the run's global step). */
  async optimizerArrays() {
    const { tf, model } = this;
    const names = model.trainableWeights.map((w) => w.val.name);
    const arrays = new Map();
    const opt = await model.optimizer.getWeights();
    for (const { name, tensor } of opt.slice(1)) {
      const at = name.lastIndexOf('/');
      arrays.set(`optimizer/${name.slice(at + 1)}/${names.indexOf(name.slice(0, at))}`, { data: tensor.dataSync(), shape: tensor.shape });
    }
    tf.dispose(opt[0].tensor); // the others are the optimizer's own variables
    return arrays;
  }

  async setOptimizerArrays(arrays, globalStep) {
    const { tf, model } = this;
    const names = model.trainableWeights.map((w) => w.val.name);
    const values = [{ name: 'iter', tensor: tf.scalar(globalStep, 'int32') }];
    for (const slot of model.optimizer.slotNames) {
      names.forEach((name, i) => {
        const a = arrays.get(`optimizer/${slot}/${i}`);
        if (a !== undefined) values.push({ name: `${name}/${slot}`, tensor: tf.tensor(a.data, a.shape, 'float32') });
      });
    }
    await model.optimizer.setWeights(values);
    tf.dispose(values.map((v) => v.tensor));
  }

  /**
   * The step fitDataset runs (tfjs's own trainOnBatch insists that targets have the output's
   * shape, which integer class labels do not): [loss, ...metrics].
   */
  async trainStep(xs, ys) {
    const inner = this.model.model ?? this.model; // a Sequential trains through the LayersModel it wraps
    const outs = inner.makeTrainFunction()([...[].concat(xs), ...[].concat(ys)]);
    const values = [];
    for (const out of outs) values.push((await out.data())[0]);
    this.tf.dispose(outs);
    return values;
  }

  async evaluate(pipeline, epoch) {
    const logs = {};
    const outs = [].concat(await this.model.evaluateDataset(await toTfData(pipeline, { firstEpoch: epoch })));
    const names = ['loss', ...this.metrics];
    for (let i = 0; i < outs.length; i++) logs[`val_${names[i]}`] = (await outs[i].data())[0];
    this.tf.dispose(outs);
    return logs;
  }

  /** model.fitDataset over the run's pipeline, its callbacks doing the run's bookkeeping. */
  async fit(run) {
    const { model, metrics } = this;
    const dataset = await toTfData(run.pipeline, { firstEpoch: run.firstEpoch, skip: run.skip, feed: run.feed });
    await model.fitDataset(dataset, {
      epochs: run.total,
      initialEpoch: run.firstEpoch,
      verbose: 0,
      validationData: run.validation === null ? undefined : await toTfData(run.validation, { firstEpoch: run.firstEpoch }),
      callbacks: {
        onEpochBegin: async (epoch) => run.beginEpoch(epoch),
        onBatchEnd: async (_batch, logs) => {
          // logs hold this batch's mean loss (and accuracy); weighted by the batch size in the sums.
          const values = { loss: logs.loss };
          for (const m of metrics) values[m] = logs[m];
          await run.stepDone(logs.loss, logs.size, run.feed === undefined ? 0 : run.feed.take()[1], values);
        },
        onEpochEnd: async (_epoch, logs) => {
          if (await run.finishEpoch(logs)) model.stopTraining = true;
        },
      },
    });
  }

  async saveModel(dir) {
    await saveTfjs(this.model, dir);
  }

  dispose() {
    this.model.dispose();
  }
}
