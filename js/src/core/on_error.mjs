// The on-error policy of the sources (SPEC.md §4.6): with onError 'skip' a bad
// record is removed from its epoch and counted under its error code; the
// counts of every read that reaches the source's end are kept per epoch,
// answer pipeline.skipped(epoch), and are reported once with
// process.emitWarning. With 'raise' (the default) nothing is counted, but the
// finished reads are still kept, so skipped(epoch) tells {} (read to the end)
// from null (not read to the end) for every source alike.
import { rangeError, describe } from '../errors.mjs';

/** The policies of SPEC.md §4.6. */
export const POLICIES = Object.freeze(['raise', 'skip']);

/**
 * Checks an on-error option and returns it ('raise' when missing).
 * @example checkOnError(undefined, 'csv') // 'raise'
 * @example checkOnError('ignore', 'csv') // throws SF_ARG naming on_error (onError) and "ignore"
 */
export function checkOnError(value, where) {
  if (value === undefined || value === null) return 'raise';
  if (!POLICIES.includes(value)) {
    throw rangeError('SF_ARG', `${where}: on_error (onError) must be "raise" or "skip", got ${describe(value)}; "skip" removes bad records and counts them (SPEC.md §4.6)`);
  }
  return value;
}

// Errors a source has declared skippable (a decode failure under 'skip'). A
// set of the error objects themselves, not their codes: an error with the same
// code thrown by a user's map between the source and the reader still raises.
const SKIPPABLE = new WeakSet();

/** Marks an error thrown by a source's get() as one bad record that a read may drop (SPEC.md §4.6). */
export function markSkippable(err) {
  if (err !== null && typeof err === 'object') SKIPPABLE.add(err);
  return err;
}

// Epochs whose finished reads are kept per source: repeat() forever makes a
// new source epoch per pass, and their counts must not grow without bound.
const KEPT_EPOCHS = 1024;

/** "SF_A 1, SF_B 2" from a counts object with sorted keys. */
function countsText(counts) {
  return Object.keys(counts).map((code) => `${code} ${counts[code]}`).join(', ');
}

function sortedCounts(map) {
  const out = {};
  for (const code of [...map.keys()].sort()) out[code] = map.get(code);
  return out;
}

/**
 * The skip bookkeeping of one source: listing-time skips (made once, when the
 * source is built, and counted again in every epoch) and the counts of the
 * last finished read of each epoch.
 * @example
 * const log = new SkipLog('skip', () => 'csv(messy.csv, on_error=skip)');
 * const read = log.begin(0); read.skip(err); read.finish(5); log.skipped(0) // {SF_CSV_NUMBER: 1}
 */
export class SkipLog {
  /**
   * @param {'raise'|'skip'} policy
   * @param {() => string} label the source's summary label, for reports
   */
  constructor(policy, label) {
    this.policy = policy;
    this.label = label;
    /** @type {Map<string, number>} */
    this.listing = new Map();
    this.listingFirst = null;
    /** @type {Map<number, object>} epoch -> counts of its last finished read */
    this.finished = new Map();
  }

  /** Counts a record dropped when the source was built (a file name, an extension, a pair). */
  addListing(err) {
    this.listing.set(err.code, (this.listing.get(err.code) ?? 0) + 1);
    if (this.listingFirst === null) this.listingFirst = err.message;
  }

  /** Number of records dropped at listing. */
  get listingTotal() {
    let n = 0;
    for (const c of this.listing.values()) n += c;
    return n;
  }

  /** Starts a read of `epoch` (the epoch the source sees). */
  begin(epoch) {
    return new EpochRead(this, epoch);
  }

  /** Counts of the last finished read of `epoch`, or null (SPEC.md §4.6). */
  skipped(epoch) {
    const counts = this.finished.get(epoch >>> 0);
    return counts === undefined ? null : { ...counts };
  }

  /**
   * The SF_EMPTY_SOURCE error of a source left with no record after its
   * listing-time skips; `what` says what was skipped.
   * @example log.emptyAtListing('all 9 image files of folder photos were skipped')
   * // "image_folder(photos, on_error=skip) has no record left: all 9 ... (SF_IMAGE_LABEL 9); first: ..."
   */
  emptyAtListing(what) {
    const counts = sortedCounts(this.listing);
    return rangeError('SF_EMPTY_SOURCE', `${this.label()} has no record left: ${what} (${countsText(counts)}); first: ${this.listingFirst}`);
  }

  store(epoch, counts) {
    const key = epoch >>> 0;
    this.finished.delete(key);
    this.finished.set(key, counts);
    if (this.finished.size > KEPT_EPOCHS) this.finished.delete(this.finished.keys().next().value);
  }
}

const EMPTY = Object.freeze({});

/**
 * One read of one epoch of a source: starts from the listing-time counts and
 * adds the records dropped while reading; finish() keeps the counts when the
 * read reaches the source's end.
 */
export class EpochRead {
  constructor(log, epoch) {
    this.log = log;
    this.epoch = epoch >>> 0;
    this.skipping = log.policy === 'skip';
    this.counts = this.skipping ? new Map(log.listing) : null;
    this.first = this.skipping ? log.listingFirst : null;
    this.total = this.skipping ? log.listingTotal : 0;
  }

  /** Counts one bad record read under 'skip' (the caller knows it is one, e.g. a CSV line). */
  skip(err) {
    this.counts.set(err.code, (this.counts.get(err.code) ?? 0) + 1);
    if (this.first === null) this.first = err.message;
    this.total++;
  }

  /** true (and counted) when `err` is a record the source marked skippable; false: raise it. */
  drop(err) {
    if (!this.skipping || !SKIPPABLE.has(err)) return false;
    this.skip(err);
    return true;
  }

  /**
   * The read reached the source's end having yielded `yielded` records: keeps
   * the counts and reports them; an epoch that lost every record to skips is
   * SF_EMPTY_SOURCE (SPEC.md §4.6).
   */
  finish(yielded) {
    if (!this.skipping || this.total === 0) {
      this.log.store(this.epoch, EMPTY);
      return;
    }
    const counts = sortedCounts(this.counts);
    this.log.store(this.epoch, Object.freeze(counts));
    const label = this.log.label();
    if (yielded === 0) {
      throw rangeError('SF_EMPTY_SOURCE', `${label} yields no record in epoch ${this.epoch}: all ${this.total} records were skipped (${countsText(counts)}); first: ${this.first}`);
    }
    const what = this.total === 1 ? '1 record' : `${this.total} records`;
    process.emitWarning(`skipped ${what} in epoch ${this.epoch} of ${label}: ${countsText(counts)}; first: ${this.first}`, { code: 'SF_SKIPPED' });
  }
}
