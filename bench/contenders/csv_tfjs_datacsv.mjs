// tfjs's own CSV reader: tf.data.csv('file://' + DATA_DIR/xy.csv, y as the label) ->
// map each {xs: {x}, ys: {y}} row to {xs: [x], ys: [y]} -> batch(250). No shuffle: a stream.
// (In Node tf.data.csv reads the whole file into memory at its first iterator, then keeps it.)
// fit: model.fitDataset; alone: the dataset's iterator read to the end, each batch disposed.
import path from 'node:path';
import { parseContenderArgs, getTf, csvModel, datasetEpoch, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs();
const tf = await getTf();
const url = `file://${path.resolve(args.dataDir, 'xy.csv')}`;

const dataset = tf.data.csv(url, { columnConfigs: { y: { isLabel: true } } })
  .map(({ xs, ys }) => ({ xs: [xs.x], ys: [ys.y] }))
  .batch(250);

if (args.mode === 'alone') {
  emit(await runAlone(tf, () => datasetEpoch(dataset), args));
} else {
  const model = csvModel(tf);
  emit(await runFit(tf, (callbacks) => model.fitDataset(dataset, { epochs: args.epochs, verbose: 0, callbacks }), args));
}
