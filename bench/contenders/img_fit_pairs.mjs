// Packed fit against in-memory fit in one process, epoch against epoch (the pack issue's ratio);
// the Node twin of img_fit_pairs.py. Two copies of the reference image model (same seeded weights):
// one trains on the in-memory tensors (model.fit(x, y, {batchSize 32, shuffle true}), as
// img_inmem.mjs), the other on the pack (as img_streamfit.mjs --packed: toTfData + fitDataset).
// An epoch is --repeat passes over the images (default 5: the suite's 320 images make 1,600 a
// epoch, 50 steps; the in-memory tensors are concatenated that many times, the pipeline gets a
// repeat before its batch), so that starting an epoch (tfjs's iterator, the pipeline's first
// block) weighs on the ratio as it does in an epoch of realistic length, not 5x as much.
// They train in epoch pairs (pairs.mjs). Fit mode only.
// Output: the usual JSON line with the packed model's samples/s, plus pair_ratios (packed /
// in-memory samples/s of each pair), packed_rates and inmem_rates.
import { getTf, imageModel, imageTensors, packedImagePipeline, emit, parseContenderArgs } from './common.mjs';
import { runPairs } from './pairs.mjs';

const { dataDir, mode, size, pairs, repeat } = parseContenderArgs([], { pairs: 4, repeat: 5 });
if (mode !== 'fit') throw new RangeError('img_fit_pairs.mjs measures fit only');

const tf = await getTf();
const images = imageTensors(tf, dataDir, size);
const x = repeat > 1 ? tf.concat(Array(repeat).fill(images.x)) : images.x;
const y = repeat > 1 ? tf.concat(Array(repeat).fill(images.y)) : images.y;
const n = images.n * repeat;
const dataset = await packedImagePipeline(dataDir, size, { repeat }).toTfData();
const models = { inmem: imageModel(tf, size), packed: imageModel(tf, size) };

emit(await runPairs(async (which, callbacks) => {
  if (which === 'inmem') await models.inmem.fit(x, y, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0, callbacks });
  else await models.packed.fitDataset(dataset, { epochs: 1, verbose: 0, callbacks });
}, n, pairs, 'packed', { turns: 'step' }));
