// streamfit, as its users write it. Default: imageFolder(DATA_DIR/flat, scale) -> shuffle(seed 1,
// global: a new order every epoch) -> batch(32) -> labels to float32 -> prefetch(4) -> toTfData.
// --packed: the pack of flat/ (DATA_DIR/pack, uint8 pixels) through a spec, packed(order global,
// seed 1) -> batch(32) -> map(divide 255) -> map(cast float32, on y) -> prefetch(4) -> toTfData.
// --packed --uint8 (alone only, as bench/suite.py runs it): no divide, the pipeline's own uint8
// batches (typed arrays, no tensors): the "packed -> batches alone" figure of the pack issue.
// fit: model.fitDataset. alone: toTfData's dataset read to the end, each batch's tensors disposed,
// so alone counts what fit gets: the pipeline's batches and the tensors made from them.
import path from 'node:path';
import { imageFolder, NdArray } from '../../js/index.mjs';
import { parseContenderArgs, getTf, needsResize, imageModel, datasetEpoch, runAlone, runFit, emit, packedImagePipeline } from './common.mjs';

const args = parseContenderArgs(['packed', 'uint8']);
if (args.uint8 && !args.packed) throw new RangeError('--uint8 reads the pack: give --packed too');
const tf = await getTf();

// tfjs's own sparseCategoricalCrossentropy takes float32 labels only (it floors them), and
// streamfit's int labels become int32 tensors: cast them, 32 numbers a batch.
const floatLabels = ([x, y]) => [x, new NdArray('float32', y.shape, Float32Array.from(y.data))];

let pipeline;
if (args.packed) {
  pipeline = packedImagePipeline(args.dataDir, args.size, { uint8: args.uint8 });
} else {
  const flat = path.join(args.dataDir, 'flat');
  // imageSize only where the files are not already that size: imageSize always resizes
  const imageSize = needsResize(tf, flat, args.size) ? [args.size, args.size] : null;
  pipeline = imageFolder(flat, { scale: true, imageSize }).shuffle({ seed: 1 }).batch(32).map(floatLabels, { name: 'float_labels' }).prefetch(4);
}
const dataset = await pipeline.toTfData(); // the k-th iterator read runs pipeline epoch k

if (args.mode === 'alone' && args.uint8) {
  emit(await runAlone(tf, (epoch) => pipeline.iterate(epoch), args));
} else if (args.mode === 'alone') {
  emit(await runAlone(tf, () => datasetEpoch(dataset), args));
} else {
  const model = imageModel(tf, args.size);
  emit(await runFit(tf, (callbacks) => model.fitDataset(dataset, { epochs: args.epochs, verbose: 0, callbacks }), args));
}
