// The hand-written per-row tfjs-node input: readline over fs.createReadStream(DATA_DIR/xy.csv),
// one {xs: tensor1d([x]), ys: tensor1d([y])} per row from an async generator,
// tf.data.generator -> batch(250) (tfjs stacks the rows and disposes them). No shuffle: a stream.
// fit: model.fitDataset; alone: the dataset's iterator read to the end, each batch disposed.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseContenderArgs, getTf, csvModel, datasetEpoch, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs();
const tf = await getTf();
const file = path.join(args.dataDir, 'xy.csv');

async function* rows() {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    if (line === '') continue;
    const [x, y] = line.split(',').map(Number);
    yield { xs: tf.tensor1d([x]), ys: tf.tensor1d([y]) };
  }
}

const dataset = tf.data.generator(rows).batch(250);

if (args.mode === 'alone') {
  emit(await runAlone(tf, () => datasetEpoch(dataset), args));
} else {
  const model = csvModel(tf);
  emit(await runFit(tf, (callbacks) => model.fitDataset(dataset, { epochs: args.epochs, verbose: 0, callbacks }), args));
}
