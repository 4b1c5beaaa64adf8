// Node's trainer on the engines spec: TrainingRun (what `node js/train.mjs` runs) with --engine
// layers (tfjs layers, fitDataset) or --engine graph (the trainer SavedModel, SPEC.md §5.7, kept in
// DATA_DIR/trainer and exported there by Python when missing) on DATA_DIR/engine_spec.json, the
// spec engine_fit.py trains in Keras. fit mode only; epochs 2..E timed, from the history's epoch seconds.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSpec } from '../../js/src/spec.mjs';
import { TrainingRun } from '../../js/src/tfjs/run.mjs';
import { emit } from './common.mjs';

const { values, positionals } = parseArgs({
  options: { packed: { type: 'boolean' }, engine: { type: 'string', default: 'layers' }, epochs: { type: 'string', default: '2' }, size: { type: 'string' }, 'min-seconds': { type: 'string' }, 'steps-per-execution': { type: 'string' } },
  allowPositionals: true,
});
const [dataDir, mode] = positionals;
if (mode !== 'fit') throw new RangeError('engine_fit trains: mode fit only');
const specPath = path.join(dataDir, 'engine_spec.json');
const run = await TrainingRun.create(loadSpec(specPath), { epochs: Number(values.epochs), engine: values.engine, specPath, trainerDir: path.join(dataDir, 'trainer'), baseDir: dataDir });
const { epochs } = await run.fit();
const timed = epochs.slice(1);
const seconds = timed.reduce((a, e) => a + e.seconds, 0);
const records = timed.reduce((a, e) => a + e.samples, 0);
emit({ records, seconds, records_per_s: records / seconds, epochs: timed.length, first_epoch_s: epochs[0].seconds });
