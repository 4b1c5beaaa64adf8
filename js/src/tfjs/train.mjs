// Training a spec's model on its pipeline with fitDataset. SPEC.md §5.2, §8.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadTf } from './load.mjs';
import { toTfData } from './dataset.mjs';
import { buildModel, makeLoss, makeOptimizer, weightsDigest } from './model.mjs';
import { pipelineFromSpec } from '../spec.mjs';
import { checkInt, plainError, rangeError, typeError } from '../errors.mjs';

/**
 * "epoch 1/3  loss 0.123456  1000 samples  12.3 s  81 samples/s" (SPEC.md §8),
 * ending in "  skipped 3" when the source skipped records that epoch (SPEC.md §4.6).
 */
export function epochLine(e, total) {
  const rate = e.seconds > 0 ? Math.round(e.samples / e.seconds) : 0;
  const skipped = Object.values(e.skipped ?? {}).reduce((a, b) => a + b, 0);
  const tail = skipped > 0 ? `  skipped ${skipped}` : '';
  return `epoch ${e.epoch}/${total}  loss ${e.loss.toFixed(6)}  ${e.samples} samples  ${e.seconds.toFixed(1)} s  ${rate} samples/s${tail}`;
}

/**
 * SPEC.md §8 `--weights`: the weight arrays in layer order (kernel, bias) as exact JSON numbers.
 * @example writeWeights(model, 'final_weights.json'); // {"weights": [{"shape": [1, 16], "values": [...]}, ...]}
 */
export function writeWeights(model, path) {
  const weights = model.getWeights().map((w) => ({ shape: w.shape, values: Array.from(w.dataSync()) }));
  writeFileSync(path, `${JSON.stringify({ weights })}\n`);
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
  const total = checkInt(epochs ?? spec.train.epochs, 'epochs', 1);
  const steps = spec.train.steps_per_epoch ?? null;
  if (steps !== null) checkInt(steps, 'spec.train.steps_per_epoch', 1);
  let pipeline = pipelineFromSpec(spec, baseDir);
  if (steps !== null) pipeline = pipeline.take(steps);
  const { model, seed, drawn } = buildModel(tf, spec.model);
  if (initWeights) readWeights(tf, model, initWeights);
  if (log) {
    log(`pipeline  ${pipeline.summary()}`);
    log(`model     ${model.countParams()} parameters, seed=${seed}${drawn ? ' (drawn)' : ''}`);
  }
  const loss = makeLoss(tf, spec.train.loss);
  model.compile({ loss, optimizer: makeOptimizer(tf, spec.train.optimizer) });
  const history = {
    language: 'node',
    pipeline: pipeline.summary(),
    model_seed: seed,
    epochs: [],
    initial_weights_digest: weightsDigest(model),
    final_weights_digest: null,
  };
  const dataset = await toTfData(pipeline);
  let sum = 0;
  let samples = 0;
  let started = 0;
  let batchLosses = [];
  await model.fitDataset(dataset, {
    epochs: total,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        sum = 0;
        samples = 0;
        batchLosses = [];
        started = performance.now();
      },
      onBatchEnd: async (_batch, logs) => {
        // logs.loss is this batch's mean loss; weight it by the batch size.
        sum += logs.loss * logs.size;
        samples += logs.size;
        batchLosses.push(logs.loss);
      },
      onEpochEnd: async (epoch) => {
        // Fit epoch k read pipeline epoch k (toTfData); null when it stopped before the source's end.
        const entry = {
          epoch: epoch + 1, loss: samples > 0 ? sum / samples : NaN, samples, seconds: (performance.now() - started) / 1000,
          skipped: pipeline.skipped(epoch),
          batch_losses: batchLosses,
        };
        history.epochs.push(entry);
        if (onEpoch) onEpoch(entry, total);
      },
    },
  });
  history.final_weights_digest = weightsDigest(model);
  if (weightsPath) writeWeights(model, weightsPath);
  model.dispose();
  return history;
}
