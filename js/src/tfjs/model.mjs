// tfjs-layers model from a spec (SPEC.md §5.1) with initial weights drawn
// from our PRNG, and losses/optimizers of SPEC.md §5.2.
import { Prng, combine, TAG_INIT } from '../order/prng.mjs';
import { checkSeed, resolveSeed } from '../order/seed.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { digest } from '../core/record.mjs';
import { rangeError } from '../errors.mjs';
import { kerasOptimizer } from './optimizers.mjs';

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

function pair(v, where) {
  const p = Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw rangeError('SF_ARG', `${where} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

function activation(layer, where) {
  const a = layer.activation ?? 'linear';
  if (!ACTIVATIONS.includes(a)) throw rangeError('SF_ARG', `${where}.activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(a)}`);
  return a;
}

function makeLayer(tf, layer, i, inputShape) {
  const where = `spec.model.layers[${i}]`;
  const first = i === 0 ? { inputShape } : {};
  switch (layer.type) {
    case 'dense':
      return tf.layers.dense({ ...first, units: layer.units, activation: activation(layer, where), kernelInitializer: 'zeros', biasInitializer: 'zeros' });
    case 'conv2d': {
      const padding = layer.padding ?? 'valid';
      if (padding !== 'valid' && padding !== 'same') throw rangeError('SF_ARG', `${where}.padding must be "valid" or "same", got ${JSON.stringify(padding)}`);
      return tf.layers.conv2d({
        ...first, filters: layer.filters, kernelSize: pair(layer.kernel_size, `${where}.kernel_size`),
        strides: pair(layer.strides ?? 1, `${where}.strides`), padding, activation: activation(layer, where),
        kernelInitializer: 'zeros', biasInitializer: 'zeros',
      });
    }
    case 'max_pooling2d':
    case 'average_pooling2d': {
      const poolSize = pair(layer.pool_size ?? 2, `${where}.pool_size`);
      const strides = pair(layer.strides ?? poolSize, `${where}.strides`);
      const make = layer.type === 'max_pooling2d' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
      return make({ ...first, poolSize, strides, padding: 'valid' });
    }
    case 'global_average_pooling2d':
      return tf.layers.globalAveragePooling2d({ ...first });
    case 'flatten':
      return tf.layers.flatten({ ...first });
    default:
      return tf.layers.dropout({ ...first, rate: layer.rate });
  }
}

/**
 * Glorot-uniform kernels from g = seed_state(combine(seed, TAG_INIT)), zero biases (SPEC.md §5.1).
 * @param {{shape: number[], kind: 'kernel'|'bias'}[]} weights in layer order
 * @returns {Float32Array[]}
 */
export function initialWeightValues(seed, weights) {
  const g = new Prng(combine(checkSeed(seed, 'spec.model.seed'), TAG_INIT));
  return weights.map(({ shape, kind }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    if (kind === 'bias') return out;
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = receptive * shape[shape.length - 2];
    const fanOut = receptive * shape[shape.length - 1];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let k = 0; k < size; k++) out[k] = (g.uniform() * 2 - 1) * limit; // float64, stored as float32
    return out;
  });
}

/**
 * SPEC.md §5.1 initial weights for weights of these shapes in layer order (1-d: a bias, else a
 * kernel), as {data, shape}.
 * @example initialWeights(1, [[1, 16], [16]]) // [{data: Float32Array(16), shape: [1, 16]}, {data: zeros, shape: [16]}]
 */
export function initialWeights(seed, shapes) {
  const kinds = shapes.map((shape) => ({ shape, kind: shape.length === 1 ? 'bias' : 'kernel' }));
  return initialWeightValues(seed, kinds).map((data, k) => ({ data, shape: shapes[k] }));
}

/**
 * A compiled-ready tf.Sequential for spec.model, with our initial weights.
 * A missing `seed` is drawn from the OS; the result says so (SPEC.md §1.3).
 * @example const { model, seed, drawn } = buildModel(tf, spec.model);
 * @returns {{model: any, seed: number, drawn: boolean}}
 */
export function buildModel(tf, modelSpec) {
  const { seed, drawn } = resolveSeed(modelSpec.seed, 'spec.model.seed');
  const model = tf.sequential();
  modelSpec.layers.forEach((layer, i) => model.add(makeLayer(tf, layer, i, modelSpec.input_shape)));
  const tensors = initialWeights(seed, model.getWeights().map((w) => w.shape)).map((w) => tf.tensor(w.data, w.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return { model, seed, drawn };
}

/** §2.3 digest of weights ({data, shape} per array: kernel, bias per layer, in layer order; an engine's weights()). */
export function weightsDigest(arrays) {
  const leaves = arrays.map((w) => new NdArray('float32', w.shape, w.data));
  return digest(leaves);
}

function sameShape(tf, yTrue, yPred) {
  return yTrue.size === yPred.size ? tf.reshape(yTrue, yPred.shape) : yTrue;
}

/** Loss function (yTrue, yPred) => scalar for spec.train.loss. */
export function makeLoss(tf, name) {
  switch (name) {
    case 'mse':
      return (yTrue, yPred) => tf.tidy(() => tf.mean(tf.square(tf.sub(yPred, sameShape(tf, tf.cast(yTrue, 'float32'), yPred)))));
    case 'mae':
      return (yTrue, yPred) => tf.tidy(() => tf.mean(tf.abs(tf.sub(yPred, sameShape(tf, tf.cast(yTrue, 'float32'), yPred)))));
    case 'binary_crossentropy':
      return (yTrue, yPred) => tf.tidy(() => tf.losses.sigmoidCrossEntropy(sameShape(tf, tf.cast(yTrue, 'float32'), yPred), yPred));
    case 'sparse_categorical_crossentropy':
      return (yTrue, yPred) => tf.tidy(() => {
        const depth = yPred.shape[yPred.shape.length - 1];
        const labels = tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), depth);
        return tf.losses.softmaxCrossEntropy(labels, tf.reshape(yPred, [-1, depth]));
      });
    default:
      throw rangeError('SF_ARG', `spec.train.loss must be mse, mae, binary_crossentropy or sparse_categorical_crossentropy, got ${JSON.stringify(name)}`);
  }
}

/** tfjs optimizer for spec.train.optimizer, with Keras's formulas (SPEC.md §5.5). */
export function makeOptimizer(tf, opt) {
  return kerasOptimizer(tf, opt);
}

/**
 * The `accuracy` metric as Keras resolves it from the shapes (SPEC.md §5.2): a model with one
 * output unit gets binary accuracy (prediction > 0.5, applied to the output as it is: logits,
 * as Keras does), more units sparse categorical accuracy (argmax equals the integer label).
 * @example model.compile({ loss, optimizer, metrics: [makeAccuracy(tf)] });
 */
export function makeAccuracy(tf) {
  const accuracy = (yTrue, yPred) => tf.tidy(() => {
    const units = yPred.shape[yPred.shape.length - 1];
    if (units === 1) {
      const labels = tf.reshape(tf.cast(yTrue, 'float32'), [-1]);
      return tf.mean(tf.cast(tf.equal(labels, tf.cast(tf.greater(tf.reshape(yPred, [-1]), 0.5), 'float32')), 'float32'));
    }
    const labels = tf.cast(tf.reshape(yTrue, [-1]), 'int32');
    return tf.mean(tf.cast(tf.equal(tf.argMax(tf.reshape(yPred, [-1, units]), -1), labels), 'float32'));
  });
  return accuracy;
}
