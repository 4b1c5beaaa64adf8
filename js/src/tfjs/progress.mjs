// The training progress bar on stderr and the final summary line (SPEC.md §8).
// Python twin: python/streamfit/tf/progress.py, whose docstring spells out
// the rules; both print the same characters for the same inputs (the number
// formats are core/progress_line.mjs's fixed, roundHalfUp and duration).
//
//   epoch 2/5  [===========>        ] 120/200  loss 0.125000  768 samples/s  ETA 0:00:03  input-bound 12%
//   epoch 2/5  120 steps  loss 0.125000  768 samples/s  input-bound 12%        (steps not known)
//   trained 3 epochs: 6000 samples in 12.3 s, 488 samples/s, input-bound 12%, final loss 0.123456
//
// On a terminal beginEpoch draws the bar, the first step of the epoch always
// redraws it, later steps when 0.2 s passed since the last draw, and endEpoch
// erases it; in a log beginEpoch prints nothing and a step prints a line when
// 5 s passed since the epoch began or since the last line. enabled: false
// prints nothing. The clock (seconds) is read once per beginEpoch, batch and
// endEpoch call.
import { StatusLine, duration, fixed, roundHalfUp, monotonic } from '../core/progress_line.mjs';

export const WIDTH = 20;

/** @param {number} amount @param {number} seconds */
const rate = (amount, seconds) => (seconds > 0 ? roundHalfUp(amount / seconds) : 0);

/** @param {number} waited @param {number} seconds */
const percent = (waited, seconds) => (seconds > 0 ? Math.min(100, Math.max(0, roundHalfUp((100 * waited) / seconds))) : 0);

/**
 * The 20 cells between the brackets: floor(20 * done / steps) of them filled, the last
 * one ">" while done < steps.
 * @example bar(120, 200) // '===========>        '
 * @param {number} done
 * @param {number} steps
 * @returns {string}
 */
export function bar(done, steps) {
  const n = steps > 0 ? Math.min(WIDTH, Math.max(0, Math.floor((WIDTH * done) / steps))) : WIDTH;
  if (n === 0) return ' '.repeat(WIDTH);
  return (done >= steps ? '='.repeat(n) : `${'='.repeat(n - 1)}>`) + ' '.repeat(WIDTH - n);
}

/**
 * The progress text of an epoch, a pure function of its sums (rules: python/streamfit/tf/progress.py).
 * @example
 * barText({ epoch: 2, epochs: 5, steps: 200, run: 120, samples: 3840, lossSum: 480, waited: 0.6, elapsed: 5 })
 * // 'epoch 2/5  [===========>        ] 120/200  loss 0.125000  768 samples/s  ETA 0:00:03  input-bound 12%'
 * @param {{epoch: number, epochs: number, steps: number|null, run: number, samples: number,
 *   lossSum: number, waited: number, elapsed: number, firstStep?: number}} e
 * @returns {string}
 */
export function barText({ epoch, epochs, steps, run, samples, lossSum, waited, elapsed, firstStep = 0 }) {
  const done = firstStep + run;
  let text = steps === null
    ? `epoch ${epoch}/${epochs}  ${done} step${done === 1 ? '' : 's'}`
    : `epoch ${epoch}/${epochs}  [${bar(done, steps)}] ${done}/${steps}`;
  if (run === 0) return text;
  const loss = samples > 0 ? lossSum / samples : NaN;
  text += `  loss ${fixed(loss, 6)}  ${rate(samples, elapsed)} samples/s`;
  if (steps !== null) text += `  ETA ${duration((Math.max(steps - done, 0) * elapsed) / run)}`;
  return `${text}  input-bound ${percent(waited, elapsed)}%`;
}

/**
 * The final summary line, a pure function of the run's sums.
 * @example
 * summaryText({ epochsDone: 3, samples: 6000, seconds: 12.3, waited: 1.5, finalLoss: 0.123456 })
 * // 'trained 3 epochs: 6000 samples in 12.3 s, 488 samples/s, input-bound 12%, final loss 0.123456'
 * @param {{epochsDone: number, samples: number, seconds: number, waited: number,
 *   finalLoss: number|null, stoppedEpoch?: number|null}} s
 * @returns {string}
 */
export function summaryText({ epochsDone, samples, seconds, waited, finalLoss, stoppedEpoch = null }) {
  let text = `trained ${epochsDone} epoch${epochsDone === 1 ? '' : 's'}: ${samples} samples in `
    + `${fixed(seconds, 1)} s, ${rate(samples, seconds)} samples/s, input-bound ${percent(waited, seconds)}%`;
  if (finalLoss !== null) text += `, final loss ${fixed(finalLoss, 6)}`;
  if (stoppedEpoch !== null) text += ` (stopped early after epoch ${stoppedEpoch})`;
  return text;
}

/**
 * A progress bar per epoch and the run's summary.
 * @example
 * const progress = new TrainProgress(3, { enabled: !quiet });
 * progress.beginEpoch(1, 200);
 * progress.batch(32, 0.52, 0.001); // per step: its batch size, its loss, seconds it waited for input
 * progress.endEpoch();
 * console.log(progress.summary());
 */
export class TrainProgress {
  /**
   * @param {number} epochs
   * @param {{stream?: import('../core/progress_line.mjs').TextStream, enabled?: boolean, clock?: () => number}} [options]
   *   stream default process.stderr; clock in seconds
   */
  constructor(epochs, { stream = process.stderr, enabled = true, clock = monotonic } = {}) {
    this.epochs = epochs;
    this.enabled = Boolean(enabled);
    this.clock = clock;
    this.out = new StatusLine(stream);
    // the ended epochs
    this.epochsDone = 0;
    this.samples = 0;
    this.seconds = 0;
    this.waited = 0;
    /** @type {number|null} */
    this.finalLoss = null;
    // the current epoch
    this.epoch = 0;
    /** @type {number|null} */
    this.steps = null;
    this.firstStep = 0;
    this.t0 = 0;
    this.eRun = 0;
    this.eSamples = 0;
    this.eLossSum = 0;
    this.eWaited = 0;
    this.open = false;
  }

  /**
   * Epoch `epoch` (1-based) starts; `steps` batches when known; `firstStep` steps of it
   * were done before a resume.
   * @param {number} epoch
   * @param {number|null} [steps]
   * @param {number} [firstStep]
   */
  beginEpoch(epoch, steps = null, firstStep = 0) {
    const now = this.clock();
    this.epoch = epoch;
    this.steps = steps;
    this.firstStep = firstStep;
    this.t0 = now;
    this.eRun = 0;
    this.eSamples = 0;
    this.eLossSum = 0;
    this.eWaited = 0;
    this.open = true;
    this.out.last = now;
    if (this.enabled && this.out.tty) this.out.show(this.text(now), now);
  }

  /**
   * One step done: its batch `size`, its own `loss`, seconds it `waited` for input.
   * @param {number} size
   * @param {number} loss
   * @param {number} waited
   */
  batch(size, loss, waited) {
    const now = this.clock();
    this.eRun += 1;
    this.eSamples += size;
    this.eLossSum += size * loss;
    this.eWaited += waited;
    if (this.enabled && ((this.out.tty && this.eRun === 1) || this.out.due(now))) this.out.show(this.text(now), now);
  }

  /** The epoch's steps are over: counts it into the summary and erases the bar. */
  endEpoch() {
    const now = this.clock();
    if (!this.open) return;
    this.open = false;
    this.epochsDone += 1;
    this.samples += this.eSamples;
    this.seconds += now - this.t0;
    this.waited += this.eWaited;
    this.finalLoss = this.eSamples > 0 ? this.eLossSum / this.eSamples : NaN;
    if (this.enabled) this.out.clear();
  }

  /**
   * The current epoch's bar text at time `now` (seconds).
   * @param {number} now
   */
  text(now) {
    return barText({
      epoch: this.epoch, epochs: this.epochs, steps: this.steps, run: this.eRun, samples: this.eSamples,
      lossSum: this.eLossSum, waited: this.eWaited, elapsed: now - this.t0, firstStep: this.firstStep,
    });
  }

  /**
   * The final summary line; `stoppedEpoch` when early stopping ended the run.
   * @param {number|null} [stoppedEpoch]
   */
  summary(stoppedEpoch = null) {
    return summaryText({
      epochsDone: this.epochsDone, samples: this.samples, seconds: this.seconds, waited: this.waited,
      finalLoss: this.finalLoss, stoppedEpoch,
    });
  }
}
