"""Train a spec's model on its pipeline (SPEC §5.2, §8 ``train``).

Keras 3 already reports the epoch ``loss`` as the mean of per-batch losses
weighted by batch size (its loss tracker is updated with
``sample_weight = batch size``), which is what SPEC §5.2 asks; the tracker's
``count`` is the number of samples seen in the epoch.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any, TextIO

from ..core.args import as_int
from ..errors import raise_error
from ..spec import pipeline_from_spec, validate_spec
from . import import_tf
from .dataset import to_tf
from .callbacks import BestCheckpoint, EarlyStopping
from .model import build_model, make_loss, make_optimizer, weights_digest


def epoch_line(epoch: int, epochs: int, loss: float, samples: int, seconds: float, skipped: int = 0,
               val_loss: float | None = None, saved: bool = False) -> str:
    """The SPEC §8 epoch line; ``val_loss`` (SPEC §5.4), a checkpoint written and ``skipped``
    records (SPEC §4.6) end it when there are any.

    Example::

        epoch_line(1, 3, 0.123456, 1000, 12.3)
        # "epoch 1/3  loss 0.123456  1000 samples  12.3 s  81 samples/s"
        epoch_line(1, 3, 0.123456, 1000, 12.3, skipped=3, val_loss=0.2, saved=True)
        # ... "81 samples/s  val_loss 0.200000  checkpoint saved  skipped 3"
    """
    rate = samples / seconds if seconds > 0 else 0.0
    return (f"epoch {epoch}/{epochs}  loss {loss:.6f}  {samples} samples  {seconds:.1f} s  "
            f"{rate:.0f} samples/s" + (f"  val_loss {val_loss:.6f}" if val_loss is not None else "")
            + ("  checkpoint saved" if saved else "") + (f"  skipped {skipped}" if skipped else ""))


def _callback_class() -> Any:
    keras = import_tf().keras

    class EpochReport(keras.callbacks.Callback):
        """Times each epoch, reads loss and sample count, prints the epoch line."""

        def __init__(self, pipeline: Any, epochs: int, quiet: bool, out: TextIO, early: Any = None,
                     checkpoint: Any = None) -> None:
            super().__init__()
            self.pipeline, self.epochs, self.quiet, self.out = pipeline, epochs, quiet, out
            self.early, self.checkpoint = early, checkpoint
            self.history: list[dict[str, Any]] = []
            self._t0 = 0.0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._t0 = time.perf_counter()
            self._batch_losses: list[float] = []
            self._samples: int | None = None

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self._batch_losses.append(float((logs or {})[BATCH_LOSS]))

        def on_test_begin(self, logs: Any = None) -> None:
            # fit's validation pass resets the loss tracker: read the epoch's samples before it
            self._samples = self._tracked_samples()

        def _tracked_samples(self) -> int:
            tracker = next(m for m in self.model.metrics if m.name == "loss")
            return int(round(float(tracker.count.numpy())))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            seconds = time.perf_counter() - self._t0
            logs = logs or {}
            samples = self._samples if self._samples is not None else self._tracked_samples()
            loss = float(logs["loss"])
            row = {"epoch": epoch + 1, "loss": loss, "samples": samples, "seconds": round(seconds, 3)}
            for key, value in logs.items():
                if key not in ("loss", BATCH_LOSS, "val_" + BATCH_LOSS):
                    row[key] = float(value)
            row["batch_losses"] = self._batch_losses
            # fit epoch k read pipeline epoch k (SPEC §1.7); None if it stopped before the source's end
            skipped = self.pipeline.skipped(epoch)
            row["skipped"] = skipped
            self.history.append(row)
            saved = self.checkpoint is not None and self.checkpoint.after_epoch(
                epoch + 1, row, lambda path: write_weights(self.model, path))
            stop = self.early is not None and self.early.after_epoch(epoch + 1, row, self.model.get_weights)
            if not self.quiet:
                print(epoch_line(epoch + 1, self.epochs, loss, samples, seconds, sum((skipped or {}).values()),
                                 row.get("val_loss"), saved), file=self.out, flush=True)
            if stop:
                self.model.stop_training = True
                if not self.quiet:
                    print(self.early.message(), file=self.out, flush=True)

        def on_train_end(self, logs: Any = None) -> None:
            if self.early is not None and self.early.restore and self.early.best_weights is not None:
                self.model.set_weights(self.early.best_weights)  # SPEC §5.4: stopped early or not
                if not self.quiet:
                    print(f"restored the weights of epoch {self.early.best_epoch} "
                          f"({self.early.monitor} {self.early.best:.6f})", file=self.out, flush=True)

    return EpochReport


BATCH_LOSS = "batch_loss"


def _batch_loss_class() -> Any:
    keras = import_tf().keras

    class BatchLoss(keras.metrics.Metric):
        """This batch's loss (SPEC §8 ``batch_losses``): Keras logs a running mean per batch, tfjs the
        batch's own value; this metric gives Python the batch's own value, computed by the same
        loss object on the same outputs as the training step's loss."""

        def __init__(self, loss: Any) -> None:
            super().__init__(name=BATCH_LOSS)
            self.loss = loss
            self.value = self.add_variable(shape=(), initializer="zeros", name="value")

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            self.value.assign(self.loss(y_true, y_pred))

        def result(self) -> Any:
            return self.value

        def reset_state(self) -> None:
            self.value.assign(0.0)

    return BatchLoss


def _step_count_class() -> Any:
    keras = import_tf().keras

    class StepCount(keras.callbacks.Callback):
        """Keeps ``optimizer.iterations`` equal to the steps applied (SPEC §5.5: Adam's ``t``).

        Keras 3 also counts the read that finds an epoch of unknown length at its end (21 for 20
        batches), which shifts Adam's bias correction every epoch after the first; no weight
        changes in that step, only the counter, so it is set back at each epoch's end."""

        def __init__(self) -> None:
            super().__init__()
            self.steps = 0

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.steps += 1

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.model.optimizer.iterations.assign(self.steps)

    return StepCount


def write_weights(model: Any, path: str) -> None:
    """SPEC §8 ``--weights``: the weight arrays in layer order (kernel, bias) as exact JSON numbers.

    Example::

        write_weights(model, "final_weights.json")   # {"weights": [{"shape": [1, 16], "values": [...]}, ...]}
    """
    import json

    arrays = [w for layer in model.layers for w in layer.get_weights()]
    doc = {"weights": [{"shape": list(a.shape), "values": [float(v) for v in a.ravel()]} for a in arrays]}
    import os

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:  # then renamed: a reader never sees half a file
        json.dump(doc, f)
        f.write("\n")
    os.replace(tmp, path)


def weights_file(path: str, who: str) -> list[Any]:
    """The float32 arrays of a ``--weights`` file (SPEC §8); ``SF_FILE_NOT_FOUND`` / ``SF_ARG``
    naming ``who`` (the option that gave the path) and the file when it is missing or not one.

    Example::

        [a.shape for a in weights_file("final_weights.json", "--init-weights")]   # [(1, 16), (16,), ...]
    """
    import json

    import numpy as np

    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return [np.array(w["values"], dtype=np.float32).reshape(w["shape"]) for w in doc["weights"]]
    except FileNotFoundError:
        raise_error("SF_FILE_NOT_FOUND", f"{who}: {path} does not exist")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise_error("SF_ARG", f"{who}: {path} is not a weights file written by --weights ({exc})")


def read_weights(model: Any, path: str) -> None:
    """SPEC §8 ``--init-weights``: set ``model``'s weights from a ``--weights`` file; ``SF_ARG``
    naming the file when it is not one or its shapes are not the model's.

    Example::

        read_weights(model, "initial_weights.json")
    """
    import json

    arrays = weights_file(path, "--init-weights")
    want = [tuple(w.shape) for layer in model.layers for w in layer.weights]
    got = [a.shape for a in arrays]
    if got != want:
        shown = [json.dumps([list(x) for x in shapes], separators=(",", ":")) for shapes in (got, want)]
        raise_error("SF_ARG", f"--init-weights: {path} holds weights of shapes {shown[0]}, but the spec's model has "
                    f"{shown[1]}")
    model.set_weights(arrays)


def train_spec(spec: dict[str, Any], base_dir: str = ".", epochs: int | None = None, quiet: bool = False,
               out: TextIO | None = None, weights_path: str | None = None,
               init_weights: str | None = None) -> dict[str, Any]:
    """Build pipeline and model from ``spec``, ``fit`` it, return the SPEC §8 history object
    (and write the final weights to ``weights_path``, SPEC §8 ``--weights``; start from the
    weights in the file ``init_weights`` instead of the seed's, ``--init-weights``).

    Example::

        history = train_spec(load_spec("examples/csv_xy.json"), epochs=1)
        history["epochs"][0]["loss"]
    """
    out = sys.stdout if out is None else out
    validate_spec(spec)
    if "model" not in spec or "train" not in spec:
        raise_error("SF_SPEC", "spec: training needs both a \"model\" and a \"train\" section")
    tr = spec["train"]
    n_epochs = as_int(tr["epochs"] if epochs is None else epochs, "epochs", minimum=1)
    steps = tr.get("steps_per_epoch")
    metrics = tr.get("metrics", [])
    for m in metrics:
        if m != "accuracy":
            raise_error("SF_ARG", f"train.metrics: unknown metric {m!r}; use \"accuracy\"")

    pipeline = _cut(pipeline_from_spec(spec, base_dir), steps, "train.steps_per_epoch")
    validation = validation_pipeline(spec, base_dir)
    available = ["loss"] + list(metrics)
    if validation is not None:
        validation = _cut(validation, tr.get("validation_steps"), "train.validation_steps")
        available += ["val_loss"] + [f"val_{m}" for m in metrics]
    early = EarlyStopping(tr["early_stopping"], available) if "early_stopping" in tr else None
    checkpoint = BestCheckpoint(tr["checkpoint"], available) if "checkpoint" in tr else None
    model, seed, drawn = build_model(spec["model"])
    if init_weights is not None:
        read_weights(model, init_weights)
    loss = make_loss(tr["loss"])
    model.compile(loss=loss, optimizer=make_optimizer(tr["optimizer"]),
                  metrics=list(metrics) + [_batch_loss_class()(loss)])
    initial = weights_digest(model)
    if not quiet:
        print(f"pipeline  {pipeline.summary()}", file=out)
        print(f"model     {model.count_params()} parameters, seed={seed}{' (drawn)' if drawn else ''}", file=out)
    report = _callback_class()(pipeline, n_epochs, quiet, out, early, checkpoint)
    with warnings.catch_warnings():
        # Keras warns when a stream of unknown length ends an epoch; that is how streams end.
        warnings.filterwarnings("ignore", message=".*ran out of data.*")
        model.fit(to_tf(pipeline), epochs=n_epochs, verbose=0, shuffle=False,
                  validation_data=None if validation is None else to_tf(validation),
                  callbacks=[_step_count_class()(), report])
    if weights_path is not None:
        write_weights(model, weights_path)
    history: dict[str, Any] = {
        "language": "python",
        "pipeline": pipeline.summary(),
        "model_seed": seed,
        "epochs": report.history,
        "initial_weights_digest": initial,
        "final_weights_digest": weights_digest(model),
    }
    if validation is not None:
        history["validation"] = validation.summary()
    if early is not None:
        history["early_stopping"] = early.summary()
    if checkpoint is not None:
        history["checkpoint"] = checkpoint.summary()
    return history


def validation_pipeline(spec: dict[str, Any], base_dir: str = ".") -> Any:
    """The pipeline ``train.validation`` names (SPEC §5.4), or ``None``.

    Example::

        validation_pipeline({"source": src, "train": {"validation": {"subset": "validation"}, ...}})
    """
    val = spec["train"].get("validation")
    if val is None:
        return None
    if "subset" in val:
        if spec["source"].get("type") != "class_folder" or "validation_split" not in spec["source"]:
            raise_error("SF_ARG", "train.validation {\"subset\": \"validation\"} needs a class_folder source with "
                        "validation_split (and subset \"training\"); give a validation pipeline "
                        "{\"source\": ..., \"ops\": [...]} instead")
        return pipeline_from_spec({"source": dict(spec["source"], subset="validation"),
                                   "ops": spec.get("ops", [])}, base_dir)
    return pipeline_from_spec({"source": val["source"], "ops": val.get("ops", [])}, base_dir)


def _cut(pipeline: Any, steps: Any, key: str) -> Any:
    """``pipeline`` cut to ``steps`` batches (SPEC §1.7: fit epoch k runs pipeline epoch k cut; Keras would
    keep one iterator across epochs when given steps_per_epoch, so cut the pipeline instead and let
    Keras open a fresh iterator every epoch); an infinite one needs ``steps`` (SPEC §5.4)."""
    from ..core.stage import INFINITE

    if steps is None:
        if pipeline.cardinality() is INFINITE:
            raise_error("SF_ARG", f"{key}: {pipeline.summary()} never ends (repeat()), so an epoch needs a length: "
                        f"set {key} to the number of batches per epoch")
        return pipeline
    return pipeline.take(as_int(steps, key, minimum=1))
