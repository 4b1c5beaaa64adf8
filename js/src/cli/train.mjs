// `node js/train.mjs SPEC [--epochs N] [--history PATH] [--weights PATH] [--init-weights PATH] [--quiet]` (SPEC.md §8).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadSpec } from '../spec.mjs';
import { trainSpec, epochLine } from '../tfjs/train.mjs';
import { parseCli, intOption } from './common.mjs';

const USAGE = 'usage: node js/train.mjs SPEC [--epochs N] [--history PATH] [--weights PATH] [--init-weights PATH] [--quiet]';

export async function main(argv) {
  const { spec: specPath, values } = parseCli(argv, { epochs: { type: 'string' }, history: { type: 'string' }, weights: { type: 'string' }, 'init-weights': { type: 'string' }, quiet: { type: 'boolean' } }, USAGE);
  const epochs = intOption(values.epochs, '--epochs', undefined, USAGE); // checked by trainSpec: SF_ARG
  const spec = loadSpec(specPath);
  const print = values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`);
  const history = await trainSpec(spec, {
    epochs,
    weightsPath: values.weights,
    initWeights: values['init-weights'],
    log: print,
    onEpoch: print && ((entry, total) => print(epochLine(entry, total))),
  });
  if (values.history) {
    mkdirSync(dirname(resolve(values.history)), { recursive: true });
    writeFileSync(values.history, `${JSON.stringify(history, null, 1)}\n`);
  }
  if (print) print(`weights digest: initial ${history.initial_weights_digest.slice(0, 16)}  final ${history.final_weights_digest.slice(0, 16)}`);
}
