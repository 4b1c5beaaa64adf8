// The training history files (SPEC.md §8 --history, --history-csv), rewritten after every epoch.
// Python's twin: python/streamfit/tf/history.py; both write the same bytes for the same values
// (numbers as the shortest text that reads back to the same double).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Every column a history row may have, in the CSV's order; a column is written when any row has it. */
export const CSV_COLUMNS = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'samples', 'seconds', 'skipped'];

/** `text` into `path` (folders made) through a temporary file and a rename. */
export function atomicWrite(path, text) {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path); // a reader never sees half a file
}

/** The history object as JSON (indent 1). */
export function writeHistory(path, history) {
  atomicWrite(path, `${JSON.stringify(history, null, 1)}\n`);
}

function cell(key, value) {
  if (key === 'skipped') return value === null || value === undefined ? '' : String(Object.values(value).reduce((a, b) => a + b, 0));
  if (value === null || value === undefined) return '';
  return String(value);
}

/**
 * One row per epoch; `skipped` is the epoch's total skipped records (empty when not known).
 * @example historyCsv([{ epoch: 1, loss: 0.5, samples: 100, seconds: 1.2, skipped: {} }]) // 'epoch,loss,samples,seconds,skipped\n1,0.5,100,1.2,0\n'
 */
export function historyCsv(epochs) {
  let columns = CSV_COLUMNS.filter((c) => epochs.some((row) => c in row));
  if (columns.length === 0) columns = ['epoch', 'loss'];
  const lines = [columns.join(','), ...epochs.map((row) => columns.map((c) => cell(c, row[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** historyCsv(epochs) into `path`. */
export function writeHistoryCsv(path, epochs) {
  atomicWrite(path, historyCsv(epochs));
}
