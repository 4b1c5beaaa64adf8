// Epoch pairs in one process (README.md, "Epoch pairs"): what img_fit_pairs.mjs and
// csv_fit_pairs.mjs share; the twin of pairs.py. runPairs(trainEpoch, records, pairs, other) takes
// trainEpoch(which, callbacks), which trains the model of `which` ('inmem' or `other`) for one epoch
// with the callbacks. After one untimed epoch each, the two train an epoch at a time in turns,
// `pairs` times, the order alternating (in-memory first, then `other` first, ...), so that a slow
// spell of this shared machine falls on both; each epoch is timed between tfjs's onEpochBegin and
// onEpochEnd. Resolves to the usual result (the `other` model's samples/s) plus pair_ratios
// (other / in-memory of each pair), <other>_rates, inmem_rates, ratio_median and epoch_records.

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

