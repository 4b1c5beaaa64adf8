// streamfit, as its users write it: csv(DATA_DIR/xy.csv, features [x], label [y]) -> batch(250)
// -> prefetch(4) -> toTfData. No shuffle: a stream. The label is given as a list, so y is [250, 1]
// like the model's output (label 'y' gives [250], which tfjs's meanAbsoluteError broadcasts
// against [250, 1] to [250, 250] instead of failing).
// fit: model.fitDataset. alone: toTfData's dataset read to the end, each batch's tensors disposed,
// so alone counts what fit gets: the pipeline's batches and the tensors made from them.
// --batches (alone only): the pipeline's own batches (typed arrays, no tensors): "CSV -> batches alone".
import path from 'node:path';
import { csv } from '../../js/index.mjs';
import { parseContenderArgs, getTf, csvModel, datasetEpoch, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs(['batches']);
if (args.batches && args.mode !== 'alone') throw new RangeError('--batches is a mode alone option');
const tf = await getTf();
const pipeline = csv(path.join(args.dataDir, 'xy.csv'), { features: ['x'], label: ['y'] }).batch(250).prefetch(4);
const dataset = await pipeline.toTfData(); // the k-th iterator read runs pipeline epoch k

if (args.batches) {
  emit(await runAlone(tf, (epoch) => pipeline.iterate(epoch), args));
} else if (args.mode === 'alone') {
  emit(await runAlone(tf, () => datasetEpoch(dataset), args));
} else {
  const model = csvModel(tf);
  emit(await runFit(tf, (callbacks) => model.fitDataset(dataset, { epochs: args.epochs, verbose: 0, callbacks }), args));
}
