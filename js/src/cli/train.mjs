// `node js/train.mjs SPEC [--epochs N] [--history PATH] [--history-csv PATH] [--weights PATH] [--init-weights PATH] [--save-model DIR] [--backup DIR] [--engine layers|graph] [--trainer DIR] [--quiet]` (SPEC.md §8, §5.7).
import { loadSpec } from '../spec.mjs';
import { trainSpec } from '../tfjs/train.mjs';
import { parseCli, intOption } from './common.mjs';

const USAGE = 'usage: node js/train.mjs SPEC [--epochs N] [--history PATH] [--history-csv PATH] [--weights PATH] [--init-weights PATH] [--save-model DIR] [--backup DIR] [--engine layers|graph] [--trainer DIR] [--quiet]';

export async function main(argv) {
  const { spec: specPath, values } = parseCli(argv, { epochs: { type: 'string' }, history: { type: 'string' }, 'history-csv': { type: 'string' }, weights: { type: 'string' }, 'init-weights': { type: 'string' }, 'save-model': { type: 'string' }, backup: { type: 'string' }, engine: { type: 'string' }, trainer: { type: 'string' }, quiet: { type: 'boolean' } }, USAGE);
  const epochs = intOption(values.epochs, '--epochs', undefined, USAGE); // checked by trainSpec: SF_ARG
  const spec = loadSpec(specPath);
  const print = values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`);
  const history = await trainSpec(spec, {
    epochs,
    weightsPath: values.weights,
    initWeights: values['init-weights'],
    saveModel: values['save-model'],
    backupDir: values.backup,
    historyPath: values.history,
    historyCsv: values['history-csv'],
    engine: values.engine ?? 'layers',
    specPath,
    trainerDir: values.trainer,
    progress: !values.quiet,
    log: print,
  });
  if (print) print(`weights digest: initial ${history.initial_weights_digest.slice(0, 16)}  final ${history.final_weights_digest.slice(0, 16)}`);
}
