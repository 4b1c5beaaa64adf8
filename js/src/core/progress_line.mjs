// One status line on stderr, shared by the pack and the training progress
// (SPEC.md §8). Python twin: python/streamfit/core/progress_line.py.
//
// On a terminal (stream.isTTY) the line is rewritten in place: every draw
// writes "\r\x1b[K" (carriage return, erase to the end of the line) and the
// text without a newline, at most every TTY_EVERY_S seconds. In a log (not a
// TTY) every draw is a new line, at most every LOG_EVERY_S seconds, so CI logs
// stay short. The caller owns the clock and passes `now` in, so the throttle is
// plain arithmetic a test drives with a fake clock.
//
// The number formats are written out so that Node and Python print the same
// characters for the same doubles: roundHalfUp is floor(x + 0.5) in both, and
// fixed rounds the exact binary value half away from zero (toFixed's rule,
// which Python's Decimal reproduces; Python's own format rounds ties to even).

export const TTY_EVERY_S = 0.2;
export const LOG_EVERY_S = 5;
export const ERASE = '\r\x1b[K';

/** Seconds of a monotonic clock (the default clock of the progress lines). */
export const monotonic = () => performance.now() / 1000;

/**
 * floor(x + 0.5), the same double arithmetic as Python's math.floor(x + 0.5).
 * @example [roundHalfUp(2.5), roundHalfUp(812.49)] // [3, 812]
 * @param {number} x
 * @returns {number}
 */
export function roundHalfUp(x) {
  return Math.floor(x + 0.5);
}

/**
 * `x` with `digits` decimals, the exact binary value rounded half away from zero;
 * "nan", "inf", "-inf" for non-finite values; -0 as 0.
 * @example [fixed(0.0078125, 6), fixed(12.25, 1), fixed(NaN, 6)] // ['0.007813', '12.3', 'nan']
 * @param {number} x
 * @param {number} digits
 * @returns {string}
 */
export function fixed(x, digits) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  // toFixed writes 1e21 and beyond in exponent form; such doubles are whole numbers
  if (Math.abs(x) >= 1e21) return `${x < 0 ? '-' : ''}${BigInt(Math.abs(x))}${digits > 0 ? `.${'0'.repeat(digits)}` : ''}`;
  return x.toFixed(digits);
}

/**
 * "h:mm:ss" of roundHalfUp(seconds) whole seconds (a negative time as 0); hours are not padded nor capped.
 * @example [duration(4.5), duration(3725.2)] // ['0:00:05', '1:02:05']
 * @param {number} seconds
 * @returns {string}
 */
export function duration(seconds) {
  const s = Math.max(0, roundHalfUp(seconds));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** @typedef {{write(text: string): unknown, isTTY?: boolean}} TextStream */

/**
 * A throttled status line on `stream`; `last` is the time (s) the throttle counts from.
 * @example
 * const line = new StatusLine(process.stderr, monotonic());
 * if (line.due(now)) line.show('pack: 1,200 records', now);
 */
export class StatusLine {
  /**
   * @param {TextStream} [stream] default process.stderr
   * @param {number} [last]
   */
  constructor(stream = process.stderr, last = 0) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.every = this.tty ? TTY_EVERY_S : LOG_EVERY_S;
    this.last = last;
    this.open = false; // an unfinished line (no newline yet) is on the terminal
  }

  /**
   * Whether a draw at `now` is allowed (`every` seconds since `last`).
   * @param {number} now
   */
  due(now) {
    return now - this.last >= this.every;
  }

  /**
   * Draws `text` (in place on a terminal, a new line in a log) and restarts the throttle.
   * @param {string} text
   * @param {number} now
   */
  show(text, now) {
    this.last = now;
    this.write(text, false);
  }

  /**
   * Writes `text`; `final` ends the line on a terminal too (a line that stays).
   * @param {string} text
   * @param {boolean} final
   */
  write(text, final) {
    if (this.tty) {
      this.stream.write(`${ERASE}${text}${final ? '\n' : ''}`);
      this.open = !final;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Erases an unfinished line on a terminal, so the next output starts on a clean line. */
  clear() {
    if (this.tty && this.open) {
      this.stream.write(ERASE);
      this.open = false;
    }
  }
}
