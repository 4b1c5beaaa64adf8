// Kernel replacements for tfjs-node, put in place once by loadTf (load.mjs).
//
// Step (the gradient of relu: 1 where x > 0, alpha elsewhere, NaN kept): tfjs-node builds
// `ones(x.shape)` in JavaScript (makeOnesTypedArray) and uploads it, for every relu activation on
// every training step: a 32 MB array for a 32x126x126x16 conv activation, 6-9% of a small CNN's
// training time, more in a process that also streams its batches (the page faults and garbage
// collections of those arrays). Here the same values come from TensorFlow's own Greater, Cast,
// Fill and Select ops, without a JavaScript array; float32 inputs only (what layers train in),
// other dtypes keep tfjs-node's kernel. tests/js/kernels.test.mjs compares the two.

/** The replaced kernels' originals, by name (for the tests). */
export const ORIGINAL = {};

/**
 * Registers our Step kernel for the 'tensorflow' backend in place of tfjs-node's.
 * @param {any} tf the tfjs-node namespace
 */
export function replaceKernels(tf) {
  const original = tf.getKernel('Step', 'tensorflow');
  if (original === undefined || ORIGINAL.Step !== undefined) return;
  ORIGINAL.Step = original;
  tf.unregisterKernel('Step', 'tensorflow');
  tf.registerKernel({
    kernelName: 'Step',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { inputs: { x }, attrs: { alpha } } = args;
      if (x.dtype !== 'float32') return original.kernelFunc(args);
      return tf.tidy(() => {
        const positive = tf.greater(x, tf.scalar(0, 'float32'));
        const step = alpha === 0 || alpha === undefined
          ? tf.cast(positive, 'float32')
          : tf.where(positive, tf.fill(x.shape, 1, 'float32'), tf.fill(x.shape, alpha, 'float32'));
        return tf.where(tf.isNaN(x), x, step); // NaN stays NaN, as tfjs-node's kernel keeps it
      });
    },
  });
}
