// Epoch pairs in one process (README.md, "Epoch pairs"): what img_fit_pairs.mjs and
// csv_fit_pairs.mjs share; the twin of pairs.py. runPairs(trainEpoch, records, pairs, other) takes
// trainEpoch(which, callbacks), which trains the model of `which` ('inmem' or `other`) for one epoch
// with the callbacks. After one untimed epoch each, the two train an epoch at a time in turns,
// `pairs` times, the order alternating (in-memory first, then `other` first, ...), so that a slow
// spell of this shared machine falls on both; each epoch is timed between tfjs's onEpochBegin and
// onEpochEnd. Resolves to the usual result (the `other` model's samples/s) plus pair_ratios
// (other / in-memory of each pair), <other>_rates, inmem_rates, ratio_median and epoch_records.
import { parseArgs } from 'node:util';

/** @example emit(await runPairs((which, callbacks) => models[which].fit(x, y, { epochs: 1, callbacks }), n, 4, 'packed')); */
export async function runPairs(trainEpoch, records, pairs, other) {
  async function epoch(which) {
    let t0 = 0;
    let seconds = 0;
    const callbacks = {
      onEpochBegin: async () => { t0 = performance.now(); },
      onEpochEnd: async () => { seconds = (performance.now() - t0) / 1000; },
    };
    await trainEpoch(which, callbacks);
    return records / seconds;
  }

  await epoch('inmem');
  await epoch(other); // not timed: the first epoch of each
  const rates = { inmem: [], [other]: [] };
  for (let k = 0; k < pairs; k++) {
    for (const which of k % 2 === 0 ? ['inmem', other] : [other, 'inmem']) rates[which].push(await epoch(which));
  }
  const ratios = rates[other].map((p, k) => p / rates.inmem[k]);
  const seconds = rates[other].reduce((a, r) => a + records / r, 0);
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    records: records * pairs, seconds, records_per_s: (records * pairs) / seconds, epochs: pairs, first_epoch_s: null,
    pair_ratios: ratios, [`${other}_rates`]: rates[other], inmem_rates: rates.inmem,
    ratio_median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, epoch_records: records,
  };
}

/**
 * `SCRIPT DATA_DIR fit [--size S] [--pairs P] [--repeat K]` (and the suite's other common
 * arguments, not used): {dataDir, size, pairs, repeat}.
 */
export function parsePairsArgs(script) {
  const { values, positionals } = parseArgs({
    options: {
      size: { type: 'string', default: '128' },
      pairs: { type: 'string', default: '4' },
      repeat: { type: 'string', default: '5' },
      epochs: { type: 'string', default: '2' },
      'min-seconds': { type: 'string', default: '2' },
      'steps-per-execution': { type: 'string', default: '1' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 2 || positionals[1] !== 'fit') throw new RangeError(`usage: ${script} DATA_DIR fit [--size S] [--pairs P] [--repeat K]`);
  const count = (name) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be an integer >= 1, got ${values[name]}`);
    return v;
  };
  return { dataDir: positionals[0], size: Number(values.size), pairs: count('pairs'), repeat: count('repeat') };
}
