// streamfit for Node.js: public surface (named exports only).
// See SPEC.md for the contract shared with the Python package.
export { csv, imageFolder, classFolder, fromRange, fromGenerator, pairedFolders, packed } from './src/sources/index.mjs';
export { Pipeline } from './src/core/pipeline.mjs';
export { NdArray } from './src/core/ndarray.mjs';
export { digest } from './src/core/record.mjs';
export { permute } from './src/order/permute.mjs';
export { Prng, mix32, combine } from './src/order/prng.mjs';
export { loadSpec, pipelineFromSpec } from './src/spec.mjs';
export { ERROR_CODES } from './src/errors.mjs';
export { TrainingRun } from './src/tfjs/run.mjs'; // loads tfjs-node only when a run is created
export { saveTfjs, loadTfjs } from './src/tfjs/exchange.mjs';
