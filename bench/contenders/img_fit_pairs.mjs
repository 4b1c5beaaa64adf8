// Packed fit against in-memory fit in one process, epoch against epoch (the pack issue's ratio);
// the Node twin of img_fit_pairs.py. Two copies of the reference image model (same seeded weights):
// one trains on the in-memory tensors (model.fit(x, y, {batchSize 32, shuffle true}), as
// img_inmem.mjs), the other on the pack (as img_streamfit.mjs --packed: toTfData + fitDataset).
// An epoch is --repeat passes over the images (default 5: the suite's 320 images make 1,600 a
// epoch, 50 steps; the in-memory tensors are concatenated that many times, the pipeline gets a
// repeat before its batch), so that starting an epoch (tfjs's iterator, the pipeline's first
// block) weighs on the ratio as it does in an epoch of realistic length, not 5x as much.
// After one untimed epoch each, they train one epoch at a time in turns, --pairs times, the order
// alternating (in-memory first, then packed first, ...) so that a slow spell of this shared machine
// falls on both; each epoch is timed between tfjs's onEpochBegin and onEpochEnd. Fit mode only.
// Output: the usual JSON line with the packed model's samples/s, plus pair_ratios (packed /
// in-memory samples/s of each pair), packed_rates and inmem_rates.
import { parseArgs } from 'node:util';
import { getTf, imageModel, imageTensors, packedImagePipeline, emit } from './common.mjs';

const { values, positionals } = parseArgs({
  options: {
    size: { type: 'string', default: '128' },
    pairs: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '5' },
    epochs: { type: 'string', default: '2' }, // the suite's common arguments, not used here
    'min-seconds': { type: 'string', default: '2' },
    'steps-per-execution': { type: 'string', default: '1' },
  },
  allowPositionals: true,
});
if (positionals.length !== 2 || positionals[1] !== 'fit') throw new RangeError('usage: img_fit_pairs.mjs DATA_DIR fit [--size S] [--pairs P]');
const [dataDir] = positionals;
const size = Number(values.size);
const pairs = Number(values.pairs);
if (!Number.isInteger(pairs) || pairs < 1) throw new RangeError(`--pairs must be an integer >= 1, got ${values.pairs}`);
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`--repeat must be an integer >= 1, got ${values.repeat}`);

const tf = await getTf();
const images = imageTensors(tf, dataDir, size);
const x = repeat > 1 ? tf.concat(Array(repeat).fill(images.x)) : images.x;
const y = repeat > 1 ? tf.concat(Array(repeat).fill(images.y)) : images.y;
const n = images.n * repeat;
const dataset = await packedImagePipeline(dataDir, size, { repeat }).toTfData();
const models = { inmem: imageModel(tf, size), packed: imageModel(tf, size) };

async function epoch(which) {
  let t0 = 0;
  let seconds = 0;
  const callbacks = {
    onEpochBegin: async () => { t0 = performance.now(); },
    onEpochEnd: async () => { seconds = (performance.now() - t0) / 1000; },
  };
  if (which === 'inmem') await models.inmem.fit(x, y, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0, callbacks });
  else await models.packed.fitDataset(dataset, { epochs: 1, verbose: 0, callbacks });
  return n / seconds;
}

await epoch('inmem');
await epoch('packed'); // not timed: the first epoch of each
const rates = { inmem: [], packed: [] };
for (let k = 0; k < pairs; k++) {
  for (const which of k % 2 === 0 ? ['inmem', 'packed'] : ['packed', 'inmem']) rates[which].push(await epoch(which));
}
const ratios = rates.packed.map((p, k) => p / rates.inmem[k]);
const seconds = rates.packed.reduce((a, r) => a + n / r, 0);
const sorted = [...ratios].sort((a, b) => a - b);
const mid = sorted.length >> 1;
emit({
  records: n * pairs, seconds, records_per_s: (n * pairs) / seconds, epochs: pairs, first_epoch_s: null,
  pair_ratios: ratios, packed_rates: rates.packed, inmem_rates: rates.inmem,
  ratio_median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, epoch_records: n,
});
