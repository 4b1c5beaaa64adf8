// One training run of a spec (SPEC.md §5, §8 train): with fitDataset, or a loop of your own.
// Python's twin: python/streamfit/tf/run.py. TrainingRun builds the pipeline, the validation
// pipeline, the model (compiled) and the callbacks of SPEC.md §5.4, puts a backup back (§5.6)
// and keeps the history (§8). fit() trains with model.fitDataset; a custom loop calls
// model.trainOnBatch itself and keeps the same early stopping, checkpoint, backup, progress
// bar and history:
//
//   const run = await TrainingRun.create(loadSpec('examples/demo_csv.json'), { backupDir: 'build/backup' });
//   for await (const epoch of run.epochs()) {              // 0-based; from where a backup left off
//     for await (const [step, { xs, ys }] of run.batches()) {  // this epoch's batches as tensors
//       await run.stepEnd(await run.trainOnBatch(xs, ys));      // the step's loss; backup when due
//     }
//     await run.endEpoch();                                 // validation, early stopping, checkpoint, epoch line
//   }
//   const history = await run.finish();                     // SPEC.md §8 history object
import { loadTf } from './load.mjs';
import { Feed, recordToTensors } from './dataset.mjs';
import { weightsDigest } from './model.mjs';
import { LayersEngine } from './layers_engine.mjs';
import { GraphEngine } from './graph_engine.mjs';
import { EarlyStopping, BestCheckpoint } from './callbacks.mjs';
import { Backup, KILL_ENV, numbered, unnumbered } from './backup.mjs';
import { writeHistory, writeHistoryCsv } from './history.mjs';
import { TrainProgress } from './progress.mjs';
import { addWeighted, cut, epochLine, readWeightsFile, validationPipeline, weightedMean, writeWeights } from './train.mjs';
import { pipelineFromSpec } from '../spec.mjs';
import { checkInt, plainError, rangeError, typeError } from '../errors.mjs';

/** A spec's training run; see the file's head. Make one with `await TrainingRun.create(spec, options)`. */
export class TrainingRun {
  /**
   * @param {object} spec a loaded spec
   * @param {{epochs?: number, baseDir?: string, log?: (line: string) => void, weightsPath?: string,
   *   initWeights?: string, backupDir?: string, progress?: boolean, historyPath?: string, historyCsv?: string,
   *   saveModel?: string, engine?: 'layers'|'graph', specPath?: string, trainerDir?: string}} [options]
   *   saveModel: the final model as a tfjs LayersModel folder (SPEC.md §10); engine (SPEC.md §5.7):
   *   'layers' (tfjs layers, the default) or 'graph' (the trainer SavedModel, exported by Python from
   *   the spec file specPath into trainerDir when missing or stale)
   */
  static async create(spec, options = {}) {
    const run = new TrainingRun();
    await run.init(spec, options);
    return run;
  }

  async init(spec, { epochs, baseDir, log, weightsPath, initWeights, backupDir, progress = false, historyPath, historyCsv, saveModel, engine = 'layers', specPath, trainerDir } = {}) {
    if (spec.model === undefined || spec.train === undefined) {
      throw typeError('SF_SPEC', 'train needs a spec with "model" and "train" sections (SPEC.md §5)');
    }
    const tf = await loadTf();
    this.tf = tf;
    this.log = log;
    this.weightsPath = weightsPath;
    this.saveModel = saveModel;
    this.historyPath = historyPath;
    this.historyCsv = historyCsv;
    const tr = spec.train;
    this.total = checkInt(epochs ?? tr.epochs, 'epochs', 1);
    this.metrics = tr.metrics ?? [];
    for (const m of this.metrics) if (m !== 'accuracy') throw rangeError('SF_ARG', `train.metrics: unknown metric ${JSON.stringify(m)}; use "accuracy"`);
    this.pipeline = cut(pipelineFromSpec(spec, baseDir), tr.steps_per_epoch, 'train.steps_per_epoch');
    this.validation = validationPipeline(spec, baseDir);
    const available = ['loss', ...this.metrics];
    if (this.validation !== null) {
      this.validation = cut(this.validation, tr.validation_steps, 'train.validation_steps');
      available.push('val_loss', ...this.metrics.map((m) => `val_${m}`));
    }
    this.early = tr.early_stopping !== undefined ? new EarlyStopping(tr.early_stopping, available) : null;
    this.checkpoint = tr.checkpoint !== undefined ? new BestCheckpoint(tr.checkpoint, available) : null;
    if (engine !== 'layers' && engine !== 'graph') throw rangeError('SF_ARG', `engine must be "layers" or "graph", got ${JSON.stringify(engine)}`);
    this.backup = Backup.fromSpec(tr.backup, spec, backupDir, engine === 'graph' ? 'keras' : 'tfjs');
    this.saved = this.backup === null ? null : this.backup.load();
    this.engine = engine === 'graph' ? await GraphEngine.create(tf, spec, { specPath, trainerDir, log }) : LayersEngine.create(tf, spec);
    this.model = this.engine.model ?? null; // the tfjs LayersModel (--engine layers)
    this.seed = this.engine.seed;
    if (initWeights) {
      const path = initWeights;
      this.engine.setWeights(readWeightsFile(path), (got, want) => rangeError('SF_ARG', `--init-weights: ${path} holds weights of shapes ${got}, but the spec's model has ${want}`));
    }
    this.say(`pipeline  ${this.pipeline.summary()}`);
    this.say(`model     ${this.engine.countParams()} parameters, seed=${this.seed}${this.engine.drawn ? ' (drawn)' : ''}${engine === 'graph' ? ', engine graph' : ''}`);
    // SPEC.md §5.2: Keras's steps_per_execution; tfjs runs one step per call, so Node checks it and trains the same
    const spe = checkInt(tr.steps_per_execution ?? 1, 'train.steps_per_execution', 1);
    if (spe > 1 && this.backup !== null && this.backup.every !== null) {
      throw rangeError('SF_ARG', `train.backup.save_freq ${this.backup.every} (steps) needs train.steps_per_execution 1, got ${spe}: Keras runs ${spe} steps at a time, and a backup is taken between two steps; use save_freq "epoch"`);
    }
    this.initialDigest = weightsDigest(this.engine.weights());
    this.bar = progress ? new TrainProgress(this.total) : null;
    this.feed = this.bar !== null ? new Feed() : undefined;
    this.rows = [];
    this.globalStep = 0;
    this.firstEpoch = 0;
    this.skip = 0;
    this.ended = false; // a resumed backup of a run that had ended trains nothing
    this.killAfter = process.env[KILL_ENV] ? checkInt(Number(process.env[KILL_ENV]), KILL_ENV, 1) : null;
    this.mode = null; // 'fit' or 'loop', set by the first use
    this.epoch = 0;
    this.current = freshEpoch();
    this.stop = false;
    this.pending = null;
    this.endedEpoch = false;
  }

  say(line) {
    if (this.log) this.log(line);
  }

  /** Puts a backup back (SPEC.md §5.6): weights, optimizer state, callbacks, history, position. */
  async resume(mode) {
    this.mode = mode;
    if (this.saved === null) return;
    const { state, arrays } = this.saved;
    const path = this.backup.path;
    const bad = (why) => plainError('SF_BACKUP', `backup ${path}: ${why}; delete the file to start afresh`);
    if ((state.mode ?? 'fit') !== mode) throw plainError('SF_BACKUP', `backup ${path}: it was written by a ${state.mode} run; resume it the same way, or delete the file to start afresh`);
    this.engine.setWeights(unnumbered('model', arrays), (got, want) => bad(`it holds weights of shapes ${got}, but the spec's model has ${want}`));
    await this.engine.setOptimizerArrays(arrays, state.global_step, bad);
    if (this.early !== null) {
      const best = unnumbered('best', arrays);
      this.early.loadState(state.early_stopping, best.length > 0 ? best : null);
    }
    if (this.checkpoint !== null) this.checkpoint.loadState(state.checkpoint);
    this.rows = state.history;
    this.globalStep = state.global_step;
    this.firstEpoch = state.epoch;
    this.skip = state.step;
    this.ended = state.stopped || this.firstEpoch >= this.total;
    const where = this.skip > 0 ? `epoch ${this.firstEpoch + 1}, after ${this.skip} steps` : `after epoch ${this.firstEpoch}`;
    this.say(`resumed   from ${path}: ${where}${this.ended ? ' (training had ended)' : ''}`);
  }

  beginEpoch(epoch) {
    this.epoch = epoch;
    this.current = freshEpoch();
    if (this.saved !== null && epoch === this.firstEpoch && this.skip > 0) {
      const { state } = this.saved;
      Object.assign(this.current, { step: this.skip, batchLosses: [...state.batch_losses], sums: { ...state.sums }, samples: state.samples });
    }
    if (this.bar !== null) {
      const n = this.pipeline.cardinality();
      this.bar.beginEpoch(epoch + 1, typeof n === 'number' ? n : null, this.current.step);
    }
  }

  /** One step applied: its loss, batch size, input wait and values to sum ({loss, accuracy}). */
  async stepDone(loss, samples, waited, values) {
    const e = this.current;
    e.batchLosses.push(loss);
    e.step += 1;
    e.samples += samples;
    for (const [key, value] of Object.entries(values)) e.sums[key] = addWeighted(e.sums[key] ?? 0, value, samples);
    this.globalStep += 1;
    if (this.bar !== null) this.bar.batch(samples, loss, waited);
    if (this.backup !== null && this.backup.due(this.globalStep)) await this.saveBackup(this.epoch, e.step);
    if (this.killAfter === this.globalStep) process.kill(process.pid, 'SIGKILL'); // SPEC.md §5.6 test hook
  }

  /** The epoch's row is complete (with validation values): skips, checkpoint, early stopping, line, files, backup. True to stop. */
  async finishEpoch(valLogs) {
    const { epoch, current: e, engine } = this;
    const row = { epoch: epoch + 1, loss: weightedMean(e.sums.loss, e.samples), samples: e.samples, seconds: (performance.now() - e.started) / 1000 };
    for (const m of this.metrics) row[m] = weightedMean(e.sums[m], e.samples);
    if (this.validation !== null) {
      row.val_loss = valLogs.val_loss;
      for (const m of this.metrics) row[`val_${m}`] = valLogs[`val_${m}`];
    }
    row.batch_losses = e.batchLosses;
    // Fit epoch k read pipeline epoch k (toTfData); null when it stopped before the source's end.
    row.skipped = this.pipeline.skipped(epoch);
    this.rows.push(row);
    const saved = this.checkpoint !== null && this.checkpoint.afterEpoch(epoch + 1, row, (path) => writeWeights(engine.weights(), path));
    const stop = this.early !== null && this.early.afterEpoch(epoch + 1, row, () => engine.weights());
    if (this.bar !== null) this.bar.endEpoch();
    this.say(epochLine({ ...row, saved }, this.total));
    this.writeFiles(null);
    if (this.backup !== null) await this.saveBackup(epoch + 1, 0);
    if (stop) this.say(this.early.message());
    return stop;
  }

  /** SPEC.md §5.6: the run as it stands, `step` steps into (0-based) epoch `epoch`. */
  async saveBackup(epoch, step) {
    const { engine, current: e } = this;
    const arrays = new Map(numbered('model', engine.weights()));
    for (const [k, v] of await engine.optimizerArrays()) arrays.set(k, v);
    if (this.early !== null && this.early.bestWeights !== null) {
      for (const [k, v] of numbered('best', this.early.bestWeights)) arrays.set(k, v);
    }
    this.backup.save({
      mode: this.mode, epoch, step, global_step: this.globalStep, history: this.rows,
      batch_losses: step > 0 ? e.batchLosses : [], sums: step > 0 ? e.sums : {}, samples: step > 0 ? e.samples : 0,
      stopped: this.early !== null && this.early.stoppedEpoch !== null,
      early_stopping: this.early === null ? null : this.early.state(),
      checkpoint: this.checkpoint === null ? null : this.checkpoint.state(),
    }, arrays);
  }

  /** The SPEC.md §8 history object; `finalDigest` null while training goes on. */
  history(finalDigest = null) {
    const h = { language: 'node', pipeline: this.pipeline.summary(), model_seed: this.seed, epochs: this.rows, initial_weights_digest: this.initialDigest, final_weights_digest: finalDigest };
    if (this.validation !== null) h.validation = this.validation.summary();
    if (this.early !== null) h.early_stopping = this.early.summary();
    if (this.checkpoint !== null) h.checkpoint = this.checkpoint.summary();
    if (this.saved !== null) h.resumed = { epoch: this.saved.state.epoch + 1, step: this.saved.state.step };
    return h;
  }

  writeFiles(finalDigest) {
    if (this.historyPath) writeHistory(this.historyPath, this.history(finalDigest));
    if (this.historyCsv) writeHistoryCsv(this.historyCsv, this.rows);
  }

  /** Ends the run: best weights back (SPEC.md §5.4), --weights, --save-model, history files, summary, backup removed; returns the history. */
  async finish() {
    const { engine, early } = this;
    if (early !== null && early.restore && early.bestWeights !== null) {
      engine.setWeights(early.bestWeights, () => new Error('internal: kept weights of another shape')); // SPEC.md §5.4: stopped early or not
      this.say(`restored the weights of epoch ${early.bestEpoch} (${early.monitor} ${early.best.toFixed(6)})`);
    }
    const weights = engine.weights();
    if (this.weightsPath) writeWeights(weights, this.weightsPath);
    if (this.saveModel) await engine.saveModel(this.saveModel);
    const digest = weightsDigest(weights);
    this.writeFiles(digest);
    if (this.bar !== null) this.say(this.bar.summary(early?.stoppedEpoch ?? null));
    if (this.backup !== null && this.backup.deleteCheckpoint) this.backup.delete(); // the run ended: the next one starts afresh
    return this.history(digest);
  }

  /** Trains every epoch (fitDataset with --engine layers, one graph call a step with graph) and returns the history object (what `train` runs); disposes the model. */
  async fit() {
    try {
      await this.resume('fit');
      if (!this.ended) await this.engine.fit(this);
      return await this.finish();
    } finally {
      this.engine.dispose();
    }
  }

  /** Frees the model (and the graph engine's TensorFlow session); fit() does it itself. */
  dispose() {
    this.engine.dispose();
  }

  /** The epochs to train (0-based), from where a backup left off (put back first); stops after early stopping. */
  async* epochs() {
    if (this.mode === null) await this.resume('loop');
    if (this.ended) return;
    for (let epoch = this.firstEpoch; epoch < this.total; epoch++) {
      this.beginEpoch(epoch);
      this.endedEpoch = false;
      yield epoch;
      if (!this.endedEpoch) throw rangeError('SF_ARG', `epoch ${epoch + 1}: call await run.endEpoch() after the epoch's batches`);
      if (this.stop) return;
    }
  }

  /**
   * [step, {xs, ys}] for this epoch (0-based step; a resumed epoch starts after the steps its backup
   * had applied, replaying the ones before untrained); the tensors are disposed when the next batch
   * is read; call stepEnd(loss) after each.
   */
  async* batches() {
    if (this.mode !== 'loop') throw rangeError('SF_ARG', 'run.batches(): iterate `for await (const epoch of run.epochs())` first, then the epoch\'s batches');
    const { tf, epoch } = this;
    const skip = this.current.step;
    const records = this.pipeline.iterate(epoch >>> 0)[Symbol.asyncIterator]();
    let step = 0;
    let tensors = null;
    try {
      for (;;) {
        const t0 = performance.now();
        const { value, done } = await records.next();
        if (tensors !== null) tf.dispose(tensors);
        tensors = null;
        if (done) return;
        if (step < skip) { // SPEC.md §5.6 replay
          step += 1;
          continue;
        }
        if (this.pending !== null) throw rangeError('SF_ARG', `epoch ${epoch + 1}, step ${step}: call run.stepEnd(loss) after training on each batch`);
        tensors = recordToTensors(tf, value);
        const first = Array.isArray(tensors.xs) ? tensors.xs[0] : tensors.xs;
        this.pending = { waited: (performance.now() - t0) / 1000, samples: first.shape.length >= 1 ? first.shape[0] : 1 };
        yield [step, tensors];
        step += 1;
      }
    } finally {
      if (tensors !== null) tf.dispose(tensors);
      await records.return?.();
    }
  }

  /**
   * One training step on a batch from batches(): the step fitDataset runs (tfjs's own trainOnBatch
   * insists that targets have the output's shape, which integer class labels do not); resolves to
   * the loss, or [loss, accuracy] with metrics. Pass it to stepEnd.
   */
  async trainOnBatch(xs, ys) {
    const values = await this.engine.trainStep(xs, ys);
    return values.length === 1 ? values[0] : values;
  }

  /** After training on a batch: `result` is what trainOnBatch resolved to (the loss, or [loss, accuracy]). */
  async stepEnd(result) {
    if (this.pending === null) throw rangeError('SF_ARG', 'run.stepEnd(): no batch is in progress; call it once after each batch');
    const { waited, samples } = this.pending;
    this.pending = null;
    const outs = Array.isArray(result) ? result : [result];
    const values = { loss: outs[0] };
    this.metrics.forEach((m, i) => { values[m] = outs[i + 1]; });
    await this.stepDone(outs[0], samples, waited, values);
  }

  /** After the epoch's batches: validation (evaluateDataset), early stopping, checkpoint, epoch line, history files, backup; returns the epoch's row. */
  async endEpoch() {
    const logs = this.validation === null ? {} : await this.engine.evaluate(this.validation, this.epoch);
    this.endedEpoch = true;
    this.stop = await this.finishEpoch(logs);
    return this.rows[this.rows.length - 1];
  }
}

function freshEpoch() {
  return { sums: {}, samples: 0, step: 0, batchLosses: [], started: performance.now() };
}
