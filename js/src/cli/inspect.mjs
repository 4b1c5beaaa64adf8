// `node js/inspect.mjs SPEC [--batches N] [--epoch E] [--json]` (SPEC.md §8).
import { loadSpec, pipelineFromSpec } from '../spec.mjs';
import { digest, flatten } from '../core/record.mjs';
import { INFINITE } from '../ops/stage.mjs';
import { parseCli, intOption, fail } from './common.mjs';

const USAGE = 'usage: node js/inspect.mjs SPEC [--batches N] [--epoch E] [--json]';

/**
 * The inspect report of a spec file as the JSON object of SPEC.md §8.
 * @example const report = await inspectSpec('examples/xy.json', { batches: 2 });
 */
export async function inspectSpec(specPath, { batches = 5, epoch = 0 } = {}) {
  const spec = loadSpec(specPath);
  const pipeline = pipelineFromSpec(spec);
  const n = pipeline.cardinality();
  const report = {
    summary: pipeline.summary(),
    cardinality: n === INFINITE ? 'infinite' : n,
    epoch,
    element_spec: [],
    batches: [],
  };
  const it = pipeline.iterate(epoch);
  let index = 0;
  try {
    for await (const element of it) {
      if (index === 0) report.element_spec = flatten(element).map((leaf) => ({ dtype: leaf.dtype, shape: leaf.shape.slice() }));
      report.batches.push({ index, digest: digest(element) });
      index++;
      if (batches !== 0 && index >= batches) break;
    }
  } finally {
    await it.return?.();
  }
  return report;
}

function human(report) {
  const card = report.cardinality === null ? 'unknown' : report.cardinality;
  const lines = [
    `pipeline     ${report.summary}`,
    `cardinality  ${card}`,
    `epoch        ${report.epoch}`,
    `element      ${report.element_spec.map((s) => `${s.dtype}[${s.shape.join(',')}]`).join(', ')}`,
    ...report.batches.map((b) => `batch ${String(b.index).padStart(4)}  ${b.digest}`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function main(argv) {
  const { spec, values } = parseCli(argv, { batches: { type: 'string' }, epoch: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const batches = intOption(values.batches, '--batches', 5, USAGE);
  const epoch = intOption(values.epoch, '--epoch', 0, USAGE);
  if (epoch > 4294967295) fail(`--epoch must be below 2^32, got ${epoch}`, 2);
  const report = await inspectSpec(spec, { batches, epoch });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : human(report));
}
