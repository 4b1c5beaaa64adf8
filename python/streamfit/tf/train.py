"""Training's pieces (SPEC §5.2, §8 ``train``): the epoch line, the ``--weights`` files, the
batch-loss metric, the validation pipeline; the run itself is ``run.py``'s ``TrainingRun``.

Keras 3 already reports the epoch ``loss`` as the mean of per-batch losses
weighted by batch size (its loss tracker is updated with
``sample_weight = batch size``), which is what SPEC §5.2 asks; the tracker's
``count`` is the number of samples seen in the epoch.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.args import as_int
from ..errors import raise_error
from ..spec import pipeline_from_spec
from . import import_tf


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


def add_weighted(total: float, value: float, samples: int) -> float:
    """SPEC §5.2: an epoch's running total as Keras's ``Mean`` keeps it, in float32:
    ``total + float32(value * batch size)``.

    Example::

        add_weighted(0.0, 0.5, 32)   # 16.0
    """
    f32 = np.float32
    return float(f32(f32(total) + f32(f32(value) * f32(samples))))


def weighted_mean(total: float, samples: int) -> float:
    """SPEC §5.2: ``float32(total / samples)``, NaN when there were none."""
    return float(np.float32(np.float32(total) / np.float32(samples))) if samples else float("nan")


def set_layer_weights(model: Any, arrays: list[Any], mismatch: Callable[[str, str], None]) -> None:
    """Set the weights in layer order (kernel, bias), as ``write_weights`` lists them; when their
    shapes are not the model's, ``mismatch(got, want)`` (the shapes as compact JSON) raises."""
    import json

    want = [tuple(w.shape) for layer in model.layers for w in layer.weights]
    got = [tuple(a.shape) for a in arrays]
    if got != want:
        mismatch(*(json.dumps([list(x) for x in shapes], separators=(",", ":")) for shapes in (got, want)))
    it = iter(arrays)
    for layer in model.layers:
        layer.set_weights([next(it) for _ in layer.weights])


BATCH_LOSS = "batch_loss"


def batch_loss_class() -> Any:
    keras = import_tf().keras
    tf = import_tf()

    class BatchLoss(keras.metrics.Metric):
        """This batch's loss (SPEC §8 ``batch_losses``): Keras logs a running mean per batch, tfjs the
        batch's own value; this metric gives Python the batch's own value, computed by the same
        loss object on the same outputs as the training step's loss.

        With ``steps_per_execution`` K (SPEC §5.2) Keras reports to callbacks once per K steps, so
        the metric keeps the last K steps' losses in a ring (``losses``) and counts the steps since
        the epoch began (``steps``); ``since(n)`` gives the losses of the steps after the first n."""

        def __init__(self, loss: Any, steps_per_execution: int = 1) -> None:
            super().__init__(name=BATCH_LOSS)
            self.loss = loss
            self.k = steps_per_execution
            self.losses = self.add_variable(shape=(self.k,), initializer="zeros", name="losses")
            self.steps = self.add_variable(shape=(), initializer="zeros", name="steps", dtype="int64")

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            at = tf.reshape(tf.math.floormod(self.steps, self.k), [1, 1])
            value = tf.reshape(tf.cast(self.loss(y_true, y_pred), self.losses.dtype), [1])
            self.losses.assign(tf.tensor_scatter_nd_update(self.losses, at, value))
            self.steps.assign_add(1)

        def result(self) -> Any:
            return self.losses[tf.math.floormod(self.steps - 1, self.k)]

        def reset_state(self) -> None:
            self.losses.assign(tf.zeros_like(self.losses))
            self.steps.assign(0)

        def since(self, done: int) -> list[float]:
            """The losses of the steps after the first ``done`` of this epoch, in order (at most K)."""
            steps = int(self.steps.numpy())
            ring = self.losses.numpy()
            return [float(ring[i % self.k]) for i in range(max(done, steps - self.k), steps)]

    return BatchLoss


def write_weights(model: Any, path: str) -> None:
    """SPEC §8 ``--weights``: the weight arrays in layer order (kernel, bias) as exact JSON numbers.

    Example::

        write_weights(model, "final_weights.json")   # {"weights": [{"shape": [1, 16], "values": [...]}, ...]}
    """
    import json

    from .history import atomic_write

    arrays = [w for layer in model.layers for w in layer.get_weights()]
    doc = {"weights": [{"shape": list(a.shape), "values": [float(v) for v in a.ravel()]} for a in arrays]}
    atomic_write(path, json.dumps(doc) + "\n")  # a reader never sees half a file


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
    def mismatch(got: str, want: str) -> None:
        raise_error("SF_ARG", f"--init-weights: {path} holds weights of shapes {got}, but the spec's model has {want}")

    set_layer_weights(model, weights_file(path, "--init-weights"), mismatch)


def train_spec(spec: dict[str, Any], base_dir: str = ".", **options: Any) -> dict[str, Any]:
    """Train ``spec``'s model with ``model.fit`` and return the SPEC §8 history object; ``options``
    are ``TrainingRun``'s (``epochs``, ``quiet``, ``out``, ``weights_path``, ``init_weights``,
    ``backup_dir``, ``progress``, ``history_path``, ``history_csv``, ``save_model``).

    Example::

        history = train_spec(load_spec("examples/csv_xy.json"), epochs=1)
        history["epochs"][0]["loss"]
    """
    from .run import TrainingRun

    return TrainingRun(spec, base_dir, **options).fit()


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


def cut(pipeline: Any, steps: Any, key: str) -> Any:
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
