// streamfit CSV fit against in-memory fit in one process, epoch against epoch (the CSV target's
// ratio); the Node twin of csv_fit_pairs.py. Two copies of the CSV reference model (same seeded
// weights): one trains on the in-memory tensors (as csv_inmem.mjs: the file parsed before any
// clock, model.fit(x, y, {batchSize 250}), tfjs's shuffle), the other on streamfit (as
// csv_streamfit.mjs: csv -> batch(250) -> prefetch(4) -> toTfData + fitDataset). They train in
// epoch pairs (pairs.mjs). Fit mode only. Output: the usual JSON line with the streamfit model's
// rows/s, plus pair_ratios (streamfit / in-memory of each pair), streamed_rates and inmem_rates.
import path from 'node:path';
import { csv } from '../../js/index.mjs';
import { getTf, csvModel, csvTensors, emit, parseContenderArgs } from './common.mjs';
import { runPairs } from './pairs.mjs';

const { dataDir, mode, pairs } = parseContenderArgs([], { pairs: 4 });
if (mode !== 'fit') throw new RangeError('csv_fit_pairs.mjs measures fit only');
const tf = await getTf();
const { x, y, n } = csvTensors(tf, dataDir);
const dataset = await csv(path.join(dataDir, 'xy.csv'), { features: ['x'], label: ['y'] }).batch(250).prefetch(4).toTfData();
const models = { inmem: csvModel(tf), streamed: csvModel(tf) };

emit(await runPairs(async (which, callbacks) => {
  if (which === 'inmem') await models.inmem.fit(x, y, { batchSize: 250, epochs: 1, verbose: 0, callbacks });
  else await models.streamed.fitDataset(dataset, { epochs: 1, verbose: 0, callbacks });
}, n, pairs, 'streamed'));
