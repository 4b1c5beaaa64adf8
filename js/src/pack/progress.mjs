// Progress of a pack run on stderr: records, records/s and, when the count is
// known, an ETA. On a terminal the line is rewritten in place (\r) a few
// times a second; in a log (not a TTY) a new line is printed every few
// seconds, so CI logs stay short. Python twin: python/streamfit/pack/progress.py.

const TTY_EVERY_MS = 200;
const LOG_EVERY_MS = 5000;

/** "h:mm:ss" */
function duration(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

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
   * @param {{write(text: string): unknown, isTTY?: boolean}} [stream] default process.stderr
   */
  constructor(enabled, total, start, stream = process.stderr) {
    this.enabled = enabled;
    this.total = total;
    this.start = start;
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.t0 = performance.now();
    this.last = this.t0;
    if (enabled && start > 0) this.print(`pack: resuming after ${grouped(start)} records already packed`, true);
  }

  /** "pack: 1,200/50,000 records  2,345 records/s  ETA 0:00:21" */
  line(done) {
    const rate = (done - this.start) / Math.max((performance.now() - this.t0) / 1000, 1e-9);
    const count = this.total === null ? grouped(done) : `${grouped(done)}/${grouped(this.total)}`;
    let text = `pack: ${count} records  ${grouped(rate)} records/s`;
    if (this.total !== null && rate > 0 && done < this.total) text += `  ETA ${duration((this.total - done) / rate)}`;
    return text;
  }

  /** Reports `done` records packed, if it is time to. */
  update(done) {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < (this.tty ? TTY_EVERY_MS : LOG_EVERY_MS)) return;
    this.last = now;
    this.print(this.line(done), false);
  }

  /** A one-off line (e.g. "already packed"). */
  note(text) {
    if (this.enabled) this.print(text, true);
  }

  /** The closing line. */
  finish(done, shards, folder) {
    if (!this.enabled) return;
    const took = (performance.now() - this.t0) / 1000;
    this.print(`pack: ${grouped(done)} records in ${shards} shard${shards === 1 ? '' : 's'} at ${folder} (${duration(took)})`, true);
  }

  print(text, final) {
    if (this.tty) this.stream.write(`\r\x1b[K${text}${final ? '\n' : ''}`);
    else this.stream.write(`${text}\n`);
  }
}
