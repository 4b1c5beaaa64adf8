// Early stopping and the best checkpoint (SPEC.md §5.4), as plain state
// machines over one epoch's values ({loss, val_loss, ...}) at a time, so the
// rule is the same whoever trains. Python twin: python/streamfit/tf/callbacks.py.
import { rangeError } from '../errors.mjs';

function resolveMode(monitor, mode, where) {
  if (!['auto', 'min', 'max'].includes(mode)) throw rangeError('SF_ARG', `${where}.mode must be "auto", "min" or "max", got ${JSON.stringify(mode)}`);
  if (mode === 'auto') return monitor.endsWith('accuracy') ? 'max' : 'min';
  return mode;
}

function checkMonitor(cfg, available, where) {
  const monitor = cfg.monitor ?? 'val_loss';
  if (!available.includes(monitor)) {
    const hint = monitor.startsWith('val_') ? '; add train.validation to get val_ values' : '';
    throw rangeError('SF_ARG', `${where}.monitor ${JSON.stringify(monitor)} is not one of this run's epoch values (${available.join(', ')})${hint}`);
  }
  return monitor;
}

/**
 * SPEC.md §5.4 early_stopping: stop after `patience` epochs without improvement.
 * @example
 * const stop = new EarlyStopping({ monitor: 'val_loss', patience: 2 }, ['loss', 'val_loss']);
 * if (stop.afterEpoch(3, { loss: 0.2, val_loss: 0.3 }, () => model.getWeights())) model.stopTraining = true;
 */
export class EarlyStopping {
  constructor(cfg, available) {
    const where = 'train.early_stopping';
    this.monitor = checkMonitor(cfg, available, where);
    this.mode = resolveMode(this.monitor, cfg.mode ?? 'auto', where);
    this.patience = cfg.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw rangeError('SF_ARG', `${where}.patience must be an integer >= 0, got ${JSON.stringify(this.patience)}`);
    this.minDelta = cfg.min_delta ?? 0;
    if (!Number.isFinite(this.minDelta) || this.minDelta < 0) throw rangeError('SF_ARG', `${where}.min_delta must be a number >= 0, got ${JSON.stringify(this.minDelta)}`);
    this.restore = Boolean(cfg.restore_best_weights ?? false);
    this.best = null;
    this.bestEpoch = null;
    this.bestWeights = null;
    this.wait = 0;
    this.stoppedEpoch = null;
  }

  improves(value) {
    if (this.best === null) return true;
    return this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  /** Records epoch `epoch` (1-based); true when training should stop after it. `weights()` copies the weights. */
  afterEpoch(epoch, values, weights) {
    const value = values[this.monitor];
    if (this.improves(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restore) this.bestWeights = weights();
      return false;
    }
    this.wait += 1;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      return true;
    }
    return false;
  }

  /** The line printed when training stopped early (Python prints the same). */
  message() {
    return `early stopping after epoch ${this.stoppedEpoch}: ${this.monitor} did not improve for ${this.wait} epoch${this.wait !== 1 ? 's' : ''} (best ${this.best.toFixed(6)} at epoch ${this.bestEpoch})`;
  }

  /** What a backup keeps (SPEC.md §5.6); the kept weights travel as arrays beside it. */
  state() {
    return { best: this.best, best_epoch: this.bestEpoch, wait: this.wait, stopped_epoch: this.stoppedEpoch };
  }

  /** Back to state()'s values, with `bestWeights` (null when none were kept). */
  loadState(state, bestWeights) {
    this.best = state.best;
    this.bestEpoch = state.best_epoch;
    this.wait = state.wait;
    this.stoppedEpoch = state.stopped_epoch;
    this.bestWeights = bestWeights;
  }

  /** The history's early_stopping object (SPEC.md §8). */
  summary() {
    return { monitor: this.monitor, stopped_epoch: this.stoppedEpoch, best_epoch: this.bestEpoch, best: this.best, restored: this.restore && this.bestWeights !== null };
  }
}

/**
 * SPEC.md §5.4 checkpoint: write the weights after each epoch that beats every earlier one.
 * @example
 * const ckpt = new BestCheckpoint({ path: 'best.weights.json' }, ['loss', 'val_loss']);
 * ckpt.afterEpoch(1, { loss: 0.2, val_loss: 0.3 }, (path) => writeWeights(model, path)); // true: written
 */
export class BestCheckpoint {
  constructor(cfg, available) {
    const where = 'train.checkpoint';
    this.path = cfg.path;
    this.monitor = checkMonitor(cfg, available, where);
    this.mode = resolveMode(this.monitor, cfg.mode ?? 'auto', where);
    this.bestOnly = cfg.save_best_only ?? true;
    this.best = null;
    this.saved = [];
  }

  /** Writes through `write(path)` when epoch `epoch` is the best so far (or always); true if written. */
  afterEpoch(epoch, values, write) {
    const value = values[this.monitor];
    const better = this.best === null || (this.mode === 'min' ? value < this.best : value > this.best);
    if (better) this.best = value;
    if (better || !this.bestOnly) {
      write(this.path);
      this.saved.push(epoch);
      return true;
    }
    return false;
  }

  /** What a backup keeps (SPEC.md §5.6). */
  state() {
    return { best: this.best, saved: [...this.saved] };
  }

  /** Back to state()'s values. */
  loadState(state) {
    this.best = state.best;
    this.saved = [...state.saved];
  }

  /** The history's checkpoint object (SPEC.md §8). */
  summary() {
    return { path: this.path, monitor: this.monitor, saved_epochs: this.saved };
  }
}
