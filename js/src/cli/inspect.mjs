// `node js/inspect.mjs SPEC [--batches N] [--epoch E] [--json]` (SPEC.md §8).
import { loadSpec, pipelineFromSpec } from '../spec.mjs';
import { digest, flatten } from '../core/record.mjs';
import { INFINITE } from '../ops/stage.mjs';
import { rangeError } from '../errors.mjs';
import { parseCli, intOption } from './common.mjs';

const USAGE = 'usage: node js/inspect.mjs SPEC [--batches N] [--epoch E] [--json]';

/**
 * The inspect report of a spec file as the JSON object of SPEC.md §8;
 * `skipped` is what the source skipped in the epoch (SPEC.md §4.6), null
 * unless inspect read the epoch to its end (batches: 0 reads all): a partial
 * read would report whatever the read-ahead happened to reach.
 * The checks and their order are the Python CLI's, so both fail alike.
 * @example const report = await inspectSpec('examples/xy.json', { batches: 2 });
 */
export async function inspectSpec(specPath, { batches = 5, epoch = 0 } = {}) {
  if (!(Number.isInteger(batches) && batches >= 0)) throw rangeError('SF_ARG', `--batches must be >= 0, got ${batches}`);
  const spec = loadSpec(specPath);
  const pipeline = pipelineFromSpec(spec);
  const n = pipeline.cardinality();
  if (batches === 0 && n === INFINITE) throw rangeError('SF_ARG', `${pipeline.summary()} never ends; pass --batches N with N >= 1`);
  const report = {
    summary: pipeline.summary(),
    cardinality: n === INFINITE ? 'infinite' : n,
    epoch,
    element_spec: [],
    batches: [],
  };
  const it = pipeline.iterate(epoch);
  let index = 0;
  let ended = true;
  try {
    for await (const element of it) {
      if (index === 0) report.element_spec = flatten(element).map((leaf) => ({ dtype: leaf.dtype, shape: leaf.shape.slice() }));
      report.batches.push({ index, digest: digest(element) });
      index++;
      if (batches !== 0 && index >= batches) { ended = false; break; }
    }
  } finally {
    await it.return?.();
  }
  report.skipped = ended ? pipeline.skipped(epoch) : null;
  return report;
}

function skippedText(counts) {
  if (counts === null) return 'unknown (the epoch was not read to the end; --batches 0 reads it all)';
  const parts = Object.entries(counts).map(([code, k]) => `${code} ${k}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function human(report) {
  const card = report.cardinality === null ? 'unknown' : report.cardinality;
  const lines = [
    `pipeline     ${report.summary}`,
    `cardinality  ${card}`,
    `epoch        ${report.epoch}`,
    `element      ${report.element_spec.map((s) => `${s.dtype}[${s.shape.join(',')}]`).join(', ')}`,
    ...report.batches.map((b) => `batch ${String(b.index).padStart(4)}  ${b.digest}`),
    `skipped      ${skippedText(report.skipped)}`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function main(argv) {
  const { spec, values } = parseCli(argv, { batches: { type: 'string' }, epoch: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const batches = intOption(values.batches, '--batches', 5, USAGE);
  const epoch = intOption(values.epoch, '--epoch', 0, USAGE); // checked by iterate(): SF_ARG
  const report = await inspectSpec(spec, { batches, epoch });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : human(report));
}
