"""One training run of a spec (SPEC §5, §8 ``train``): with Keras ``fit``, or a loop of your own.

Node's twin: js/src/tfjs/run.mjs. ``TrainingRun`` builds the pipeline, the
validation pipeline, the model (compiled) and the callbacks of SPEC §5.4, puts a
backup back (§5.6), and keeps the history (§8). ``fit()`` trains with
``model.fit``; a custom loop calls ``model.train_on_batch`` itself and keeps the
same early stopping, checkpoint, backup, progress bar and history:

Example::

    run = TrainingRun(load_spec("examples/demo_csv.json"), backup_dir="build/backup")
    for epoch in run.epochs():                      # 0-based; from where a backup left off
        for step, (x, y) in run.batches():          # this epoch's batches (numpy)
            run.step_end(run.train_on_batch(x, y))  # the step's own loss, backup when due
        run.end_epoch()                             # validation, early stopping, checkpoint, epoch line
    history = run.finish()                          # SPEC §8 history object
"""

from __future__ import annotations

import os
import signal
import sys
import time
import warnings
from typing import Any, Iterator, TextIO

import numpy as np

from ..core.args import as_int
from ..errors import raise_error
from ..spec import pipeline_from_spec, validate_spec
from . import import_tf
from .backup import KILL_ENV, Backup, numbered, unnumbered
from .callbacks import BestCheckpoint, EarlyStopping
from .dataset import Feed, to_tf
from .history import write_history, write_history_csv
from .model import build_model, make_loss, make_optimizer, weights_digest
from .progress import TrainProgress
from .train import (BATCH_LOSS, add_weighted, batch_loss_class, cut, epoch_line, read_weights, set_layer_weights,
                    validation_pipeline, weighted_mean, write_weights)


class TrainingRun:
    """A spec's training run; see the module docstring. ``epochs`` overrides ``train.epochs``;
    ``weights_path`` gets the final weights (``--weights``), ``init_weights`` gives the initial ones
    (``--init-weights``), ``backup_dir`` overrides ``train.backup.dir`` (§5.6); ``progress`` draws the
    bar on stderr (default: unless ``quiet``); ``history_path`` / ``history_csv`` are rewritten after
    every epoch; ``save_model`` gets the final model as a tfjs LayersModel folder (SPEC §10)."""

    def __init__(self, spec: dict[str, Any], base_dir: str = ".", epochs: int | None = None, quiet: bool = False,
                 out: TextIO | None = None, weights_path: str | None = None, init_weights: str | None = None,
                 backup_dir: str | None = None, progress: bool | None = None, history_path: str | None = None,
                 history_csv: str | None = None, save_model: str | None = None) -> None:
        self.out = sys.stdout if out is None else out
        self.quiet, self.weights_path, self.save_model = quiet, weights_path, save_model
        self.history_path, self.history_csv = history_path, history_csv
        validate_spec(spec)
        if "model" not in spec or "train" not in spec:
            raise_error("SF_SPEC", "spec: training needs both a \"model\" and a \"train\" section")
        tr = spec["train"]
        self.total = as_int(tr["epochs"] if epochs is None else epochs, "epochs", minimum=1)
        self.metrics = list(tr.get("metrics", []))
        for m in self.metrics:
            if m != "accuracy":
                raise_error("SF_ARG", f"train.metrics: unknown metric {m!r}; use \"accuracy\"")
        self.pipeline = cut(pipeline_from_spec(spec, base_dir), tr.get("steps_per_epoch"), "train.steps_per_epoch")
        self.validation = validation_pipeline(spec, base_dir)
        available = ["loss"] + self.metrics
        if self.validation is not None:
            self.validation = cut(self.validation, tr.get("validation_steps"), "train.validation_steps")
            available += ["val_loss"] + [f"val_{m}" for m in self.metrics]
        self.early = EarlyStopping(tr["early_stopping"], available) if "early_stopping" in tr else None
        self.checkpoint = BestCheckpoint(tr["checkpoint"], available) if "checkpoint" in tr else None
        self.backup = Backup.from_spec(tr.get("backup"), spec, backup_dir)
        self.saved = None if self.backup is None else self.backup.load()
        self.model, self.seed, drawn = build_model(spec["model"])
        if init_weights is not None:
            read_weights(self.model, init_weights)
        loss = make_loss(tr["loss"])
        spe = as_int(tr.get("steps_per_execution", 1), "train.steps_per_execution", minimum=1)
        if spe > 1 and self.backup is not None and self.backup.every is not None:
            raise_error("SF_ARG", f"train.backup.save_freq {self.backup.every} (steps) needs train.steps_per_execution "
                        f"1, got {spe}: Keras runs {spe} steps at a time, and a backup is taken between two steps; "
                        "use save_freq \"epoch\"")
        self.batch_loss = batch_loss_class()(loss, spe)
        self.model.compile(loss=loss, optimizer=make_optimizer(tr["optimizer"]),
                           metrics=self.metrics + [self.batch_loss], steps_per_execution=spe)
        self.initial_digest = weights_digest(self.model)
        self.say(f"pipeline  {self.pipeline.summary()}")
        self.say(f"model     {self.model.count_params()} parameters, seed={self.seed}{' (drawn)' if drawn else ''}")
        show = (not quiet) if progress is None else progress
        self.bar = TrainProgress(self.total, enabled=True) if show else None
        self.feed = Feed() if show else None
        self.rows: list[dict[str, Any]] = []  # the history's epochs
        self.global_step = 0
        self.first_epoch = self.skip = 0
        self.ended = False  # a resumed backup of a run that had ended trains nothing
        kill = os.environ.get(KILL_ENV, "")
        self.kill_after = as_int(int(kill) if kill.isdigit() else kill, KILL_ENV, minimum=1) if kill else None
        self.mode: str | None = None  # "fit" or "loop", set by the first use
        self._epoch = 0
        self._epoch_state = self._fresh_epoch()
        self._stop = self._pending = self._ended_epoch = False
        self._samples: int | None = None
        self._waited = 0.0

    # ----------------------------------------------------------------- shared bookkeeping
    def say(self, line: str) -> None:
        if not self.quiet:
            print(line, file=self.out, flush=True)

    @staticmethod
    def _fresh_epoch() -> dict[str, Any]:
        """The epoch in progress: its loss (and accuracy) sums weighted by batch size (custom loop),
        sample count, steps and batch losses."""
        return {"sums": {}, "samples": 0, "step": 0, "batch_losses": [], "t0": time.perf_counter()}

    def _resume(self, mode: str) -> None:
        """Put a backup back (SPEC §5.6): weights, optimizer state, callbacks, history, position."""
        self.mode = mode
        if self.saved is None:
            return
        state, arrays = self.saved
        if state.get("mode", "fit") != mode:
            raise_error("SF_BACKUP", f"backup {self.backup.path}: it was written by a {state.get('mode')} run; "
                        f"resume it the same way, or delete the file to start afresh")
        model = self.model
        path = self.backup.path

        def mismatch(got: str, want: str) -> None:
            raise_error("SF_BACKUP", f"backup {path}: it holds weights of shapes {got}, but the spec's model has "
                        f"{want}; delete the file to start afresh")

        set_layer_weights(model, unnumbered("model", arrays), mismatch)
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        values = unnumbered("optimizer", arrays)
        if len(values) != len(optimizer.variables):
            raise_error("SF_BACKUP", f"backup {self.backup.path}: it holds {len(values)} optimizer arrays, the spec's "
                        f"optimizer has {len(optimizer.variables)}; delete the file to start afresh")
        for var, value in zip(optimizer.variables, values):
            var.assign(np.asarray(value).astype(var.dtype))  # Node's graph engine keeps the step counter as int32
        if self.early is not None:
            self.early.load_state(state["early_stopping"], unnumbered("best", arrays) or None)
        if self.checkpoint is not None:
            self.checkpoint.load_state(state["checkpoint"])
        self.rows = list(state["history"])
        self.global_step = int(state["global_step"])
        self.first_epoch, self.skip = int(state["epoch"]), int(state["step"])
        self.ended = bool(state["stopped"]) or self.first_epoch >= self.total
        where = f"epoch {self.first_epoch + 1}, after {self.skip} steps" if self.skip else f"after epoch {self.first_epoch}"
        self.say(f"resumed   from {self.backup.path}: {where}{' (training had ended)' if self.ended else ''}")

    def _begin_epoch(self, epoch: int) -> None:
        self._epoch = epoch
        self._epoch_state = self._fresh_epoch()
        if self.saved is not None and epoch == self.first_epoch and self.skip:
            state = self.saved[0]
            self._epoch_state.update(step=self.skip, batch_losses=list(state["batch_losses"]),
                                     sums=dict(state.get("sums", {})), samples=int(state.get("samples", 0)))
        if self.bar is not None:
            n = self.pipeline.cardinality()
            self.bar.begin_epoch(epoch + 1, n if isinstance(n, int) else None, self._epoch_state["step"])

    def _step_done(self, loss: float, samples: int | None, waited: float, values: dict[str, float]) -> None:
        """One step applied: count it, the progress bar, the backup when due, the test hook."""
        e = self._epoch_state
        e["batch_losses"].append(loss)
        e["step"] += 1
        if samples is not None:
            e["samples"] += samples
            for key, value in values.items():
                e["sums"][key] = add_weighted(e["sums"].get(key, 0.0), value, samples)
        self.global_step += 1
        if self.bar is not None:
            self.bar.batch(samples or 0, loss, waited)
        if self.backup is not None and self.backup.due(self.global_step):
            self.save_backup(self._epoch, e["step"])
        if self.kill_after == self.global_step:
            os.kill(os.getpid(), signal.SIGKILL)  # SPEC §5.6 test hook

    def _end_epoch(self, row: dict[str, Any]) -> bool:
        """The epoch's row is complete: skips, checkpoint, early stopping, epoch line, files, backup.
        True when training should stop."""
        epoch = self._epoch
        seconds = time.perf_counter() - self._epoch_state["t0"]
        head = {k: row.pop(k) for k in ("epoch", "loss", "samples")}
        row = {**head, "seconds": round(seconds, 3), **row, "batch_losses": self._epoch_state["batch_losses"]}
        # fit epoch k read pipeline epoch k (SPEC §1.7); None if it stopped before the source's end
        row["skipped"] = skipped = self.pipeline.skipped(epoch)
        self.rows.append(row)
        saved = self.checkpoint is not None and self.checkpoint.after_epoch(
            epoch + 1, row, lambda path: write_weights(self.model, path))
        stop = self.early is not None and self.early.after_epoch(epoch + 1, row, self.model.get_weights)
        if self.bar is not None:
            self.bar.end_epoch()
        self.say(epoch_line(epoch + 1, self.total, row["loss"], row["samples"], seconds,
                            sum((skipped or {}).values()), row.get("val_loss"), saved))
        self._write_files(None)
        if self.backup is not None:
            self.save_backup(epoch + 1, 0)
        if stop:
            self.say(self.early.message())
        return stop

    def save_backup(self, epoch: int, step: int) -> None:
        """SPEC §5.6: the run as it stands, ``step`` steps into (0-based) epoch ``epoch``."""
        model = self.model
        model.optimizer.iterations.assign(self.global_step)
        arrays = numbered("model", [w for layer in model.layers for w in layer.get_weights()])
        arrays.update(numbered("optimizer", [v.numpy() for v in model.optimizer.variables]))
        e = self._epoch_state
        sums, samples = e["sums"], e["samples"]
        if step and self.mode == "fit":
            arrays.update(numbered("metrics", [v.numpy() for v in _metric_variables(model)]))
            sums, samples = _tracked_sums(model)  # what Node's graph engine resumes from (SPEC §5.6)
        if self.early is not None and self.early.best_weights is not None:
            arrays.update(numbered("best", self.early.best_weights))
        state = {"mode": self.mode, "epoch": epoch, "step": step, "global_step": self.global_step,
                 "history": self.rows, "batch_losses": e["batch_losses"] if step else [],
                 "sums": sums if step else {}, "samples": samples if step else 0,
                 "stopped": bool(self.early is not None and self.early.stopped_epoch is not None),
                 "early_stopping": None if self.early is None else self.early.state(),
                 "checkpoint": None if self.checkpoint is None else self.checkpoint.state()}
        self.backup.save(state, arrays)

    def history(self, final_digest: str | None = None) -> dict[str, Any]:
        """The SPEC §8 history object; ``final_digest`` None while training goes on."""
        h: dict[str, Any] = {"language": "python", "pipeline": self.pipeline.summary(), "model_seed": self.seed,
                             "epochs": self.rows, "initial_weights_digest": self.initial_digest,
                             "final_weights_digest": final_digest}
        if self.validation is not None:
            h["validation"] = self.validation.summary()
        if self.early is not None:
            h["early_stopping"] = self.early.summary()
        if self.checkpoint is not None:
            h["checkpoint"] = self.checkpoint.summary()
        if self.saved is not None:
            h["resumed"] = {"epoch": int(self.saved[0]["epoch"]) + 1, "step": int(self.saved[0]["step"])}
        return h

    def _write_files(self, final_digest: str | None) -> None:
        if self.history_path is not None:
            write_history(self.history_path, self.history(final_digest))
        if self.history_csv is not None:
            write_history_csv(self.history_csv, self.rows)

    def finish(self) -> dict[str, Any]:
        """End the run: restore the best weights (SPEC §5.4), write ``--weights``, ``--save-model`` and the history files,
        print the summary, remove the backup (``delete_checkpoint``); returns the history object."""
        if self.early is not None and self.early.restore and self.early.best_weights is not None:
            self.model.set_weights(self.early.best_weights)  # SPEC §5.4: stopped early or not
            self.say(f"restored the weights of epoch {self.early.best_epoch} "
                     f"({self.early.monitor} {self.early.best:.6f})")
        if self.weights_path is not None:
            write_weights(self.model, self.weights_path)
        if self.save_model is not None:
            from .exchange import save_tfjs

            save_tfjs(self.model, self.save_model)
        digest = weights_digest(self.model)
        self._write_files(digest)
        if self.bar is not None:
            self.say(self.bar.summary(self.early.stopped_epoch if self.early is not None else None))
        if self.backup is not None and self.backup.delete_checkpoint:
            self.backup.delete()  # the run ended: the next one starts afresh (as Keras's BackupAndRestore)
        return self.history(digest)

    # ----------------------------------------------------------------- Keras fit
    def fit(self) -> dict[str, Any]:
        """Train with ``model.fit`` and return the history object (what ``train`` runs)."""
        if self.saved is not None and self.saved[0]["step"] and self.saved[0].get("mode", "fit") == "fit":
            _build_metrics(self.model, self.pipeline)
        self._resume("fit")
        report = _callback_class()(self)
        report.set_model(self.model)
        first = self.first_epoch
        if not self.ended and self.skip:
            # The resumed epoch alone first: Keras takes the length of a fit's first epoch of unknown
            # length as every later epoch's, and this one is shorter by the steps already done.
            self._fit(report, first, first + 1, self.skip)
            first += 1
        if not self.ended and not self._stop and first < self.total:
            self._fit(report, first, self.total, 0)
        return self.finish()

    def _fit(self, report: Any, first: int, last: int, skip: int) -> None:
        with warnings.catch_warnings():
            # Keras warns when a stream of unknown length ends an epoch; that is how streams end.
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            self.model.fit(to_tf(self.pipeline, first, skip, self.feed), epochs=last, initial_epoch=first, verbose=0,
                           shuffle=False, callbacks=[report],
                           validation_data=None if self.validation is None else to_tf(self.validation, first))

    # ----------------------------------------------------------------- a loop of your own
    def epochs(self) -> Iterator[int]:
        """The epochs to train (0-based), from where a backup left off; stops after early stopping."""
        if self.mode is None:
            self._resume("loop")
        if self.ended:
            return
        for epoch in range(self.first_epoch, self.total):
            self._begin_epoch(epoch)
            self._pending = False
            self._ended_epoch = False
            yield epoch
            if not self._ended_epoch:
                raise_error("SF_ARG", f"epoch {epoch + 1}: call run.end_epoch() after the epoch's batches")
            if self._stop:
                return

    def batches(self) -> Iterator[tuple[int, Any]]:
        """``(step, batch)`` for this epoch (0-based step; a resumed epoch starts after the steps its
        backup had applied, replaying the ones before untrained); call ``step_end(logs)`` after each."""
        if self.mode != "loop":
            raise_error("SF_ARG", "run.batches(): iterate `for epoch in run.epochs():` first, then the epoch's batches")
        epoch = self._epoch
        skip = self._epoch_state["step"]
        it = iter(self.pipeline.iterate(epoch & 0xFFFFFFFF))
        step = 0
        while True:
            t0 = time.perf_counter()
            batch = next(it, None)
            if batch is None:
                return
            if step < skip:  # SPEC §5.6 replay
                step += 1
                continue
            if self._pending:
                raise_error("SF_ARG", f"epoch {epoch + 1}, step {step}: call run.step_end(logs) after training on "
                            "each batch")
            self._waited = time.perf_counter() - t0
            self._samples = _batch_size(batch)
            self._pending = True
            yield step, batch
            step += 1

    def train_on_batch(self, x: Any, y: Any) -> dict[str, Any]:
        """One training step on a batch from ``batches()``: ``model.train_on_batch(x, y, return_dict=True)``
        (Node's ``run.trainOnBatch`` is the same step); pass what it returns to ``step_end``."""
        return self.model.train_on_batch(x, y, return_dict=True)

    def step_end(self, logs: Any) -> None:
        """After training on a batch: ``logs`` is what ``train_on_batch(..., return_dict=True)`` returned
        (or the batch's loss as a number). The step's own loss is the compiled ``batch_loss`` metric
        (Keras returns a running mean as ``loss``)."""
        if not self._pending:
            raise_error("SF_ARG", "run.step_end(): no batch is in progress; call it once after each batch")
        self._pending = False
        if isinstance(logs, dict):
            loss = float(logs[BATCH_LOSS] if BATCH_LOSS in logs else logs["loss"])
            values = {"loss": loss}
            for m in self.metrics:
                values[m] = float(logs[m])  # a running mean in Keras: kept for the record only
        else:
            loss = float(logs)
            values = {"loss": loss}
        self.model.reset_metrics()  # so the next step's accuracy is its own, as the loss is
        self._step_done(loss, self._samples, self._waited, values)

    def end_epoch(self) -> dict[str, Any]:
        """After the epoch's batches: validation (``model.evaluate``), early stopping, checkpoint, epoch
        line, history files, backup; returns the epoch's row."""
        e = self._epoch_state
        samples = e["samples"]
        row: dict[str, Any] = {"epoch": self._epoch + 1,
                               "loss": weighted_mean(e["sums"].get("loss", float("nan")), samples),
                               "samples": samples}
        for m in self.metrics:
            row[m] = weighted_mean(e["sums"].get(m, float("nan")), samples)
        if self.validation is not None:
            logs = self.model.evaluate(to_tf(self.validation, self._epoch), verbose=0, return_dict=True)
            row["val_loss"] = float(logs["loss"])
            for m in self.metrics:
                row[f"val_{m}"] = float(logs[m])
        self.model.optimizer.iterations.assign(self.global_step)
        self._ended_epoch = True
        self._stop = self._end_epoch(row)
        return self.rows[-1]


def _batch_size(batch: Any) -> int:
    from ..core import block as blk

    first = blk.leaves(batch)[0] if not hasattr(batch, "shape") else batch
    return int(first.shape[0]) if getattr(first, "ndim", 0) >= 1 else 1


def _metric_variables(model: Any) -> list[Any]:
    """Every variable of the model's metrics (loss tracker, accuracy, batch loss), in a fixed order."""
    return [v for m in model.metrics for v in m.variables]


def _tracked_sums(model: Any) -> tuple[dict[str, float], int]:
    """The epoch's sums as Node keeps them (SPEC §5.6 ``sums``, ``samples``), from Keras's trackers:
    ``loss/total`` is the sum of batch loss x batch size, ``accuracy/total`` the hits, ``loss/count``
    the samples."""
    values = {v.path: float(v.numpy()) for v in _metric_variables(model) if v.path.endswith(("/total", "/count"))}
    sums = {name: values[f"{name}/total"] for name in ("loss", "accuracy") if f"{name}/total" in values}
    return sums, int(round(values.get("loss/count", 0.0)))


def _set_tracked_sums(model: Any, sums: dict[str, float], samples: int) -> None:
    """The inverse of ``_tracked_sums``: a backup from Node's graph engine carries sums, not Keras's variables."""
    for v in _metric_variables(model):
        name, _, field = v.path.rpartition("/")
        if name in sums and field in ("total", "count"):
            v.assign(sums[name] if field == "total" else float(samples))


def _build_metrics(model: Any, pipeline: Any) -> None:
    """Create the compiled metrics' variables (Keras makes them at the first step), so a backup's
    values can be put into them before the resumed epoch's first step."""
    from ..ops.prefetch import Prefetch

    stage = pipeline.stages[-1]
    while isinstance(stage, Prefetch):
        stage = stage.upstream
    x, y = next(iter(stage.iterate(0)))[:2]
    model.compute_metrics(x, y, model(x))
    model.reset_metrics()


def _callback_class() -> Any:
    keras = import_tf().keras

    class EpochReport(keras.callbacks.Callback):
        """``fit``'s side of a ``TrainingRun``: the epoch's loss and sample count from Keras's loss
        tracker, the step's own loss from the ``batch_loss`` metric, ``optimizer.iterations`` kept
        equal to the steps applied (SPEC §5.5: Adam's ``t``).

        Keras 3 also counts the read that finds an epoch of unknown length at its end (21 for 20
        batches), which would shift Adam's bias correction every epoch after the first; no weight
        changes in that step, only the counter, so it is set back at each epoch's end."""

        def __init__(self, run: TrainingRun) -> None:
            super().__init__()
            self.run = run
            self._samples: int | None = None

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            run = self.run
            run._begin_epoch(epoch)
            self._samples = None
            self._steps = 0  # the batch_loss metric's steps this epoch already reported
            self._train_values: dict[str, float] | None = None
            if run.saved is not None and epoch == run.first_epoch and run.skip:
                state, arrays = run.saved
                kept = unnumbered("metrics", arrays)
                if kept:
                    for var, value in zip(_metric_variables(self.model), kept):
                        var.assign(value)  # the epoch's loss and accuracy sums go on from the backup's
                else:  # written by Node's graph engine (SPEC §5.7)
                    _set_tracked_sums(self.model, state.get("sums", {}), int(state.get("samples", 0)))

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            # one call per execution: steps_per_execution steps (SPEC §5.2), fewer at an epoch's end
            losses = self.run.batch_loss.since(self._steps)
            self._steps += len(losses)
            for loss in losses:
                samples, waited = self.run.feed.take() if self.run.feed is not None else (None, 0.0)
                self.run._step_done(loss, samples, waited, {})

        def on_test_begin(self, logs: Any = None) -> None:
            # fit's validation pass resets the loss tracker: read the epoch's samples before it
            self._samples = self._tracked_samples()
            self._train_values = self._values()

        def _values(self) -> dict[str, float]:
            return {k: float(v) for k, v in self.model.get_metrics_result().items()}

        def _tracked_samples(self) -> int:
            tracker = next(m for m in self.model.metrics if m.name == "loss")
            return int(round(float(tracker.count.numpy())))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.model.optimizer.iterations.assign(self.run.global_step)
            logs = dict(logs or {})
            if "loss" not in logs:
                # a resumed epoch whose steps were all done before the backup: Keras ran none, so the
                # epoch's values are the restored accumulators' (read before validation reset them)
                logs.update(self._train_values if self._train_values is not None else self._values())
            samples = self._samples if self._samples is not None else self._tracked_samples()
            row = {"epoch": epoch + 1, "loss": float(logs["loss"]), "samples": samples}
            for key, value in logs.items():
                if key not in ("loss", BATCH_LOSS, "val_" + BATCH_LOSS):
                    row[key] = float(value)
            self.run._stop = self.run._end_epoch(row)
            if self.run._stop:
                self.model.stop_training = True

    return EpochReport
