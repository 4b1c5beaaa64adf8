// Progress of a pack run on stderr: records, records/s and, when the count is
// known, an ETA. On a terminal the line is rewritten in place (\r) a few
// times a second; in a log (not a TTY) a new line is printed every few
// seconds, so CI logs stay short (core/progress_line.mjs). Python twin:
// python/streamfit/pack/progress.py.
import { StatusLine, duration, monotonic } from '../core/progress_line.mjs';

/** @param {number} n */
const grouped = (n) => Math.round(n).toLocaleString('en-US');

/**
 * Throttled progress lines for one pack run (`start` records were kept from an earlier run).
 * @example
 * const p = new Progress(true, 50000, 0);
 * p.update(1200); p.finish(50000, 12, 'out');
 */
export class Progress {
  /**
   * @param {boolean} enabled
   * @param {number|null} total records, when known
   * @param {number} start records already packed
   * @param {import('../core/progress_line.mjs').TextStream} [stream] default process.stderr
   * @param {() => number} [clock] seconds
   */
  constructor(enabled, total, start, stream = process.stderr, clock = monotonic) {
    this.enabled = enabled;
    this.total = total;
    this.start = start;
    this.clock = clock;
    this.t0 = clock();
    this.out = new StatusLine(stream, this.t0);
    if (enabled && start > 0) this.out.write(`pack: resuming after ${grouped(start)} records already packed`, true);
  }

  /**
   * "pack: 1,200/50,000 records  2,345 records/s  ETA 0:00:21"
   * @param {number} done
   */
  line(done) {
    const rate = (done - this.start) / Math.max(this.clock() - this.t0, 1e-9);
    const count = this.total === null ? grouped(done) : `${grouped(done)}/${grouped(this.total)}`;
    let text = `pack: ${count} records  ${grouped(rate)} records/s`;
    if (this.total !== null && rate > 0 && done < this.total) text += `  ETA ${duration((this.total - done) / rate)}`;
    return text;
  }

  /**
   * Reports `done` records packed, if it is time to.
   * @param {number} done
   */
  update(done) {
    if (!this.enabled) return;
    const now = this.clock();
    if (this.out.due(now)) this.out.show(this.line(done), now);
  }

  /**
   * A one-off line (e.g. "already packed").
   * @param {string} text
   */
  note(text) {
    if (this.enabled) this.out.write(text, true);
  }

  /**
   * The closing line.
   * @param {number} done
   * @param {number} shards
   * @param {string} folder
   */
  finish(done, shards, folder) {
    if (!this.enabled) return;
    const took = this.clock() - this.t0;
    this.out.write(`pack: ${grouped(done)} records in ${shards} shard${shards === 1 ? '' : 's'} at ${folder} (${duration(took)})`, true);
  }
}
