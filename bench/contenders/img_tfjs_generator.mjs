// The hand-written tfjs-node input: list DATA_DIR/flat, shuffle the list each epoch (Math.random,
// through tf.util.shuffle), read each file with fs.promises.readFile, tf.node.decodeImage,
// /255, label from the name, in an async generator; tf.data.generator -> batch(32) -> prefetch(2).
// fit: model.fitDataset; alone: the dataset's iterator read to the end, each batch disposed.
import fs from 'node:fs';
import path from 'node:path';
import { parseContenderArgs, getTf, listImages, labelOf, needsResize, imageModel, datasetEpoch, runAlone, runFit, emit } from './common.mjs';

const args = parseContenderArgs();
const tf = await getTf();
const flat = path.join(args.dataDir, 'flat');
const files = listImages(flat);
const resize = needsResize(tf, flat, args.size);

async function* examples() {
  const order = files.slice();
  tf.util.shuffle(order); // a new order every epoch: fitDataset calls this function once per epoch
  for (const name of order) {
    const buf = await fs.promises.readFile(path.join(flat, name));
    const xs = tf.tidy(() => {
      let img = tf.node.decodeImage(buf, 3);
      if (resize) img = tf.image.resizeBilinear(img, [args.size, args.size]);
      return img.toFloat().div(255);
    });
    yield { xs, ys: tf.scalar(labelOf(name)) }; // float32: tfjs's sparseCategoricalCrossentropy rejects int32 labels
  }
}

const dataset = tf.data.generator(examples).batch(32).prefetch(2);

if (args.mode === 'alone') {
  emit(await runAlone(tf, () => datasetEpoch(dataset), args));
} else {
  const model = imageModel(tf, args.size);
  emit(await runFit(tf, (callbacks) => model.fitDataset(dataset, { epochs: args.epochs, verbose: 0, callbacks }), args));
}
