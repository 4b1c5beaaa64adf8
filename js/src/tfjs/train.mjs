// Training's pieces (SPEC.md §5.2, §5.4, §8): the epoch line, the --weights files, the validation
// pipeline; the run itself is run.mjs's TrainingRun.
import { readFileSync } from 'node:fs';
import { atomicWrite } from './history.mjs';
import { pipelineFromSpec } from '../spec.mjs';
import { INFINITE } from '../ops/stage.mjs';
import { checkInt, plainError, rangeError } from '../errors.mjs';

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
 * SPEC.md §5.2: an epoch's running total as Keras's Mean keeps it, in float32:
 * total + float32(value * batch size).
 * @example addWeighted(0, 0.5, 32) // 16
 */
export function addWeighted(total, value, samples) {
  return Math.fround(total + Math.fround(value * samples));
}

/** SPEC.md §5.2: float32(total / samples), NaN when there were none. */
export function weightedMean(total, samples) {
  return samples > 0 ? Math.fround(total / samples) : NaN;
}

/**
 * SPEC.md §8 `--weights`: the weight arrays in layer order (kernel, bias) as exact JSON numbers.
 * `arrays`: {data, shape} in that order (an engine's weights()).
 * @example writeWeights(engine.weights(), 'final_weights.json'); // {"weights": [{"shape": [1, 16], "values": [...]}, ...]}
 */
export function writeWeights(arrays, path) {
  const weights = arrays.map((w) => ({ shape: w.shape, values: Array.from(w.data) }));
  atomicWrite(path, `${JSON.stringify({ weights })}\n`); // a reader never sees half a file
}

/**
 * Sets the model's weights (in getWeights order) from `arrays` ({shape, data}); when their shapes
 * are not the model's, throws mismatch(got, want) (the shapes as JSON).
 * @example setWeightsChecked(tf, model, arrays, (got, want) => rangeError('SF_ARG', `${got} is not ${want}`));
 */
export function setWeightsChecked(tf, model, arrays, mismatch) {
  checkShapes(arrays, model.getWeights().map((w) => w.shape), mismatch);
  const tensors = arrays.map((a) => tf.tensor(a.data, a.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** Throws mismatch(got, want) (the shapes as JSON) unless `arrays` have exactly the shapes `want`, in order. */
export function checkShapes(arrays, want, mismatch) {
  const got = JSON.stringify(arrays.map((a) => a.shape));
  const wanted = JSON.stringify(want);
  if (got !== wanted) throw mismatch(got, wanted);
}

/**
 * SPEC.md §8 `--init-weights`: the {data, shape} arrays of a `--weights` file; SF_ARG naming the
 * file when it is not one.
 * @example engine.setWeights(readWeightsFile('initial_weights.json'), mismatch);
 */
export function readWeightsFile(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).weights.map((w) => ({ shape: w.shape, data: Float32Array.from(w.values) }));
  } catch (cause) {
    if (cause.code === 'ENOENT') throw plainError('SF_FILE_NOT_FOUND', `--init-weights: ${path} does not exist`, cause);
    throw rangeError('SF_ARG', `--init-weights: ${path} is not a weights file written by --weights (${cause.message})`);
  }
}

/**
 * Trains spec.model with fitDataset and returns the history object of SPEC.md §8; `options` are
 * TrainingRun's (epochs, baseDir, log, weightsPath, initWeights, backupDir, progress, historyPath, historyCsv).
 * @example const history = await trainSpec(loadSpec('examples/xy.json'), { epochs: 2, weightsPath: 'w.json' });
 */
export async function trainSpec(spec, options = {}) {
  const { TrainingRun } = await import('./run.mjs'); // run.mjs builds on this file's pieces
  return (await TrainingRun.create(spec, options)).fit();
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
export function cut(pipeline, steps, key) {
  if (steps === undefined || steps === null) {
    if (pipeline.cardinality() === INFINITE) {
      throw rangeError('SF_ARG', `${key}: ${pipeline.summary()} never ends (repeat()), so an epoch needs a length: set ${key} to the number of batches per epoch`);
    }
    return pipeline;
  }
  return pipeline.take(checkInt(steps, key, 1));
}
