// Training a spec's model on its pipeline with fitDataset: validation, early stopping and
// the best checkpoint (SPEC.md §5.2, §5.4, §8).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadTf } from './load.mjs';
import { toTfData } from './dataset.mjs';
import { buildModel, makeLoss, makeOptimizer, makeAccuracy, weightsDigest } from './model.mjs';
import { EarlyStopping, BestCheckpoint } from './callbacks.mjs';
import { pipelineFromSpec } from '../spec.mjs';
import { INFINITE } from '../ops/stage.mjs';
import { checkInt, plainError, rangeError, typeError } from '../errors.mjs';

/**
 * "epoch 1/3  loss 0.123456  1000 samples  12.3 s  81 samples/s" (SPEC.md §8), then
 * "  val_loss 0.234567" with validation (SPEC.md §5.4), "  checkpoint saved" when the
 * best checkpoint was written, and "  skipped 3" when the source skipped records (SPEC.md §4.6).
 */
export function epochLine(e, total) {
  const rate = e.seconds > 0 ? Math.round(e.samples / e.seconds) : 0;
  const skipped = Object.values(e.skipped ?? {}).reduce((a, b) => a + b, 0);
  const val = e.val_loss !== undefined ? `  val_loss ${e.val_loss.toFixed(6)}` : '';
  const saved = e.saved ? '  checkpoint saved' : '';
  const tail = skipped > 0 ? `  skipped ${skipped}` : '';
  return `epoch ${e.epoch}/${total}  loss ${e.loss.toFixed(6)}  ${e.samples} samples  ${e.seconds.toFixed(1)} s  ${rate} samples/s${val}${saved}${tail}`;
}

/**
 * SPEC.md §8 `--weights`: the weight arrays in layer order (kernel, bias) as exact JSON numbers.
 * @example writeWeights(model, 'final_weights.json'); // {"weights": [{"shape": [1, 16], "values": [...]}, ...]}
 */
export function writeWeights(model, path) {
  const weights = model.getWeights().map((w) => ({ shape: w.shape, values: Array.from(w.dataSync()) }));
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ weights })}\n`);
  renameSync(`${path}.tmp`, path); // a reader never sees half a file
}

/**
 * SPEC.md §8 `--init-weights`: sets the model's weights from a `--weights` file; SF_ARG naming
 * the file when it is not one or its shapes are not the model's.
 * @example readWeights(tf, model, 'initial_weights.json');
 */
export function readWeights(tf, model, path) {
  let arrays;
  try {
    arrays = JSON.parse(readFileSync(path, 'utf8')).weights.map((w) => ({ shape: w.shape, values: Float32Array.from(w.values) }));
  } catch (cause) {
    if (cause.code === 'ENOENT') throw plainError('SF_FILE_NOT_FOUND', `--init-weights: ${path} does not exist`, cause);
    throw rangeError('SF_ARG', `--init-weights: ${path} is not a weights file written by --weights (${cause.message})`);
  }
  const want = model.getWeights().map((w) => w.shape);
  const got = arrays.map((a) => a.shape);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw rangeError('SF_ARG', `--init-weights: ${path} holds weights of shapes ${JSON.stringify(got)}, but the spec's model has ${JSON.stringify(want)}`);
  }
  const tensors = arrays.map((a) => tf.tensor(a.values, a.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/**
 * Trains spec.model on the spec's pipeline; returns the history object of SPEC.md §8.
 * Each fit epoch k iterates pipeline epoch k; with steps_per_epoch it stops after that many batches.
 * @example const history = await trainSpec(loadSpec('examples/xy.json'), { epochs: 2, weightsPath: 'w.json' });
 */
export async function trainSpec(spec, { epochs, baseDir, onEpoch, log, weightsPath, initWeights } = {}) {
  if (spec.model === undefined || spec.train === undefined) {
    throw typeError('SF_SPEC', 'train needs a spec with "model" and "train" sections (SPEC.md §5)');
  }
  const tf = await loadTf();
  const tr = spec.train;
  const total = checkInt(epochs ?? tr.epochs, 'epochs', 1);
  const metrics = tr.metrics ?? [];
  for (const m of metrics) if (m !== 'accuracy') throw rangeError('SF_ARG', `train.metrics: unknown metric ${JSON.stringify(m)}; use "accuracy"`);
  const pipeline = cut(pipelineFromSpec(spec, baseDir), tr.steps_per_epoch, 'train.steps_per_epoch');
  let validation = validationPipeline(spec, baseDir);
  const available = ['loss', ...metrics];
  if (validation !== null) {
    validation = cut(validation, tr.validation_steps, 'train.validation_steps');
    available.push('val_loss', ...metrics.map((m) => `val_${m}`));
  }
  const early = tr.early_stopping !== undefined ? new EarlyStopping(tr.early_stopping, available) : null;
  const checkpoint = tr.checkpoint !== undefined ? new BestCheckpoint(tr.checkpoint, available) : null;
  const { model, seed, drawn } = buildModel(tf, spec.model);
  if (initWeights) readWeights(tf, model, initWeights);
  if (log) {
    log(`pipeline  ${pipeline.summary()}`);
    log(`model     ${model.countParams()} parameters, seed=${seed}${drawn ? ' (drawn)' : ''}`);
  }
  const loss = makeLoss(tf, tr.loss);
  model.compile({ loss, optimizer: makeOptimizer(tf, tr.optimizer), metrics: metrics.map(() => makeAccuracy(tf)) });
  const history = {
    language: 'node',
    pipeline: pipeline.summary(),
    model_seed: seed,
    epochs: [],
    initial_weights_digest: weightsDigest(model),
    final_weights_digest: null,
  };
  const dataset = await toTfData(pipeline);
  let sums = {};
  let samples = 0;
  let started = 0;
  let batchLosses = [];
  await model.fitDataset(dataset, {
    epochs: total,
    verbose: 0,
    validationData: validation === null ? undefined : await toTfData(validation),
    callbacks: {
      onEpochBegin: async () => {
        sums = {};
        samples = 0;
        batchLosses = [];
        started = performance.now();
      },
      onBatchEnd: async (_batch, logs) => {
        // logs hold this batch's mean loss (and accuracy); weight them by the batch size.
        for (const key of ['loss', ...metrics]) sums[key] = (sums[key] ?? 0) + logs[key] * logs.size;
        samples += logs.size;
        batchLosses.push(logs.loss);
      },
      onEpochEnd: async (epoch, logs) => {
        // Fit epoch k read pipeline epoch k (toTfData); null when it stopped before the source's end.
        const entry = { epoch: epoch + 1, loss: samples > 0 ? sums.loss / samples : NaN, samples, seconds: (performance.now() - started) / 1000 };
        for (const m of metrics) entry[m] = sums[m] / samples;
        if (validation !== null) {
          entry.val_loss = logs.val_loss;
          for (const m of metrics) entry[`val_${m}`] = logs[`val_${m}`];
        }
        entry.batch_losses = batchLosses;
        entry.skipped = pipeline.skipped(epoch);
        history.epochs.push(entry);
        const saved = checkpoint !== null && checkpoint.afterEpoch(epoch + 1, entry, (path) => writeWeights(model, path));
        const stop = early !== null && early.afterEpoch(epoch + 1, entry, () => model.getWeights().map((w) => w.clone()));
        if (onEpoch) onEpoch({ ...entry, saved }, total);
        if (stop) {
          model.stopTraining = true;
          if (log) log(early.message());
        }
      },
    },
  });
  if (early !== null && early.restore && early.bestWeights !== null) {
    model.setWeights(early.bestWeights); // SPEC.md §5.4: stopped early or not
    if (log) log(`restored the weights of epoch ${early.bestEpoch} (${early.monitor} ${early.best.toFixed(6)})`);
  }
  if (early !== null && early.bestWeights !== null) tf.dispose(early.bestWeights);
  history.final_weights_digest = weightsDigest(model);
  if (weightsPath) writeWeights(model, weightsPath);
  if (validation !== null) history.validation = validation.summary();
  if (early !== null) history.early_stopping = early.summary();
  if (checkpoint !== null) history.checkpoint = checkpoint.summary();
  model.dispose();
  return history;
}

/**
 * The pipeline train.validation names (SPEC.md §5.4), or null.
 * @example const val = validationPipeline(loadSpec('examples/classes.json'));
 */
export function validationPipeline(spec, baseDir) {
  const val = spec.train.validation;
  if (val === undefined) return null;
  if ('subset' in val) {
    if (spec.source.type !== 'class_folder' || spec.source.validation_split === undefined) {
      throw rangeError('SF_ARG', 'train.validation {"subset": "validation"} needs a class_folder source with validation_split (and subset "training"); give a validation pipeline {"source": ..., "ops": [...]} instead');
    }
    return pipelineFromSpec({ source: { ...spec.source, subset: 'validation' }, ops: spec.ops ?? [] }, baseDir);
  }
  return pipelineFromSpec({ source: val.source, ops: val.ops ?? [] }, baseDir);
}

/** `pipeline` cut to `steps` batches (SPEC.md §1.7); an infinite one needs `steps` (SPEC.md §5.4). */
function cut(pipeline, steps, key) {
  if (steps === undefined || steps === null) {
    if (pipeline.cardinality() === INFINITE) {
      throw rangeError('SF_ARG', `${key}: ${pipeline.summary()} never ends (repeat()), so an epoch needs a length: set ${key} to the number of batches per epoch`);
    }
    return pipeline;
  }
  return pipeline.take(checkInt(steps, key, 1));
}
