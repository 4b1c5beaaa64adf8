// Lazy loading of tfjs-node: the core never imports it. SPEC.md §6 (SF_DEPENDENCY).
import { plainError } from '../errors.mjs';
import { replaceKernels } from './kernels.mjs';

let loading = null;

/**
 * Loads @tensorflow/tfjs-node once and returns its namespace.
 * @returns {Promise<typeof import('@tensorflow/tfjs-node')>}
 */
export function loadTf() {
  if (loading === null) {
    loading = (async () => {
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      // libtensorflow's CPU tensors come from malloc by default: a step's large activations and
      // gradients are fresh mmap'd pages every step; its BFC allocator reuses them (as in Python:
      // python/streamfit/tf/__init__.py). Read once, when the library starts: a user's setting wins.
      process.env.TF_CPU_ALLOCATOR_USE_BFC ??= 'true';
      try {
        const mod = await import('@tensorflow/tfjs-node');
        const tf = mod.default ?? mod;
        if (tf.getBackend() !== 'tensorflow') await tf.setBackend('tensorflow');
        replaceKernels(tf); // kernels.mjs: the same values, without per-step JavaScript arrays
        return tf;
      } catch (cause) {
        loading = null;
        throw plainError('SF_DEPENDENCY', `@tensorflow/tfjs-node cannot be loaded (${cause.message}); run \`make install\` to install it and build its native binding`, cause);
      }
    })();
  }
  return loading;
}
