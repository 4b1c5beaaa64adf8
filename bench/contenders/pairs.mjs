// Epoch pairs in one process (README.md, "Epoch pairs"): what img_fit_pairs.mjs and
// csv_fit_pairs.mjs share; the twin of pairs.py. runPairs(trainEpoch, records, pairs, other) takes
// trainEpoch(which, callbacks), which trains the model of `which` ('inmem' or `other`) for one epoch
// with the callbacks. After one untimed epoch each, the two train `pairs` pairs of epochs. Resolves
// to the usual result (the `other` model's samples/s) plus pair_ratios (other / in-memory of each
// pair), <other>_rates, inmem_rates, ratio_median and epoch_records.
//
// turns 'epoch' (csv_fit_pairs): an epoch at a time, the order alternating (in-memory first, then
// `other` first, ...), so that a slow spell of this shared machine falls on both; each epoch is
// timed between tfjs's onEpochBegin and onEpochEnd.
// turns 'step' (img_fit_pairs): the two epochs of a pair run at once, a step each in turn: a model
// holds the turn from its onBatchBegin (or onEpochBegin) to its next one, so a turn is one training
// step plus fetching the next batch; its epoch time is the sum of its turns. A spell of the machine
// then falls on both models within a step or two, not only within a pair: by hand, 8 pairs of
// img_fit_pairs read 0.962-1.001, where suite run 15's epoch pairs read 0.93-1.06. It is fair only
// where a model's input work runs on this thread within its own turns, as in tfjs-node (TF runs
// each op before returning; a pack that fits the read-ahead budget is read from memory), not
// beside it: Python's tf.data threads would work through the other model's turns (pairs.py keeps
// epoch turns).
/** @example emit(await runPairs((which, callbacks) => models[which].fit(x, y, { epochs: 1, callbacks }), n, 4, 'packed')); */
export async function runPairs(trainEpoch, records, pairs, other, { turns = 'epoch' } = {}) {
  if (turns === 'step') return report(await stepPairs(trainEpoch, records, pairs, other), records, pairs, other);
  if (turns !== 'epoch') throw new RangeError(`turns must be 'epoch' or 'step', got ${turns}`);
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
  return report(rates, records, pairs, other);
}

/** Each pair: an epoch of each model at once, a step each in turn (the first turn alternating). */
async function stepPairs(trainEpoch, records, pairs, other) {
  const rates = { inmem: [], [other]: [] };
  for (let k = -1; k < pairs; k++) { // k = -1: the untimed first epochs
    const turns = new Turns(k % 2 === 0 ? ['inmem', other] : [other, 'inmem']);
    const callbacks = (which) => ({
      onEpochBegin: () => turns.next(which),
      onBatchBegin: () => turns.next(which),
      onEpochEnd: async () => turns.done(which),
    });
    await Promise.all(['inmem', other].map((which) => trainEpoch(which, callbacks(which))));
    if (k >= 0) for (const which of ['inmem', other]) rates[which].push(records / (turns.spent[which] / 1000));
  }
  return rates;
}

/**
 * One model at a time: next(who) ends who's turn (if it holds one) and resolves when its next turn
 * begins; done(who) (onEpochEnd) ends its last turn then and there: what its fit does after the
 * epoch counts for neither, and the last turn is charged before the pair's Promise.all resolves
 * (charged later, it went missing: the model second to finish lost a step, ~2% of its epoch). A
 * turn passes on in a setImmediate, after the microtasks the ending turn left (its pipeline's
 * continuations) have run, so they count in that turn. The first turn goes to order[0] once both
 * models wait; after that they alternate while both have steps left.
 */
class Turns {
  constructor(order) {
    this.spent = Object.fromEntries(order.map((w) => [w, 0]));
    this.order = order;
    this.waiting = new Map();
    this.finished = new Set();
    this.holder = null;
    this.since = 0;
    this.passing = false;
  }

  next(who) {
    const wait = new Promise((resolve) => this.waiting.set(who, resolve));
    this.schedule();
    return wait;
  }

  /** who's last turn ends now (what its fit does after onEpochEnd is no part of its epoch). */
  done(who) {
    this.finished.add(who);
    if (this.holder === who) {
      this.charge(who, performance.now());
      this.holder = null;
    }
    this.schedule();
  }

  charge(who, now) {
    this.spent[who] += now - this.since;
  }

  schedule() {
    if (this.passing) return;
    this.passing = true;
    setImmediate(() => this.pass());
  }

  pass() {
    this.passing = false;
    const now = performance.now();
    const last = this.holder;
    if (last !== null) {
      if (!this.waiting.has(last)) return; // still in its turn
      this.charge(last, now);
      this.holder = null;
    }
    let who;
    if (this.since === 0) { // the first turn: once both are ready, in `order`
      if (this.order.some((w) => !this.waiting.has(w) && !this.finished.has(w))) return;
      who = this.order.find((w) => this.waiting.has(w));
    } else { // the other model if it waits, else the same one again
      who = this.order.find((w) => w !== last && this.waiting.has(w)) ?? (this.waiting.has(last) ? last : undefined);
    }
    if (who === undefined) return;
    const resolve = this.waiting.get(who);
    this.waiting.delete(who);
    this.holder = who;
    this.since = now;
    resolve();
  }
}

function report(rates, records, pairs, other) {
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

