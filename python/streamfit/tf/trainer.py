"""A spec's training step as one TensorFlow graph: the trainer SavedModel (SPEC §5.7).

``export_trainer(spec, out_dir)`` builds the spec's Keras model (SPEC §5.1 weights), loss, optimizer
(SPEC §5.5) and metrics, wraps them in a ``tf.Module`` whose tf.functions are the steps Keras's
``fit`` runs, and saves it with one signature per function. Node loads the signatures through
tfjs-node (the same libtensorflow, the same kernels) and trains at graph speed
(``--engine graph``, js/src/tfjs/graph_engine.mjs); Python can run the very same graph
(``load_trainer``), which is how the two engines are compared for fidelity.

Example::

    info = export_trainer(load_spec("examples/demo_shapes.json"), "build/trainer")
    t = load_trainer("build/trainer")
    out = t.train_step(x=tf.constant(x_float32), y=tf.constant(y, tf.float32))   # {"loss": ..., "accuracy": ...}
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import Any

from ..errors import raise_error
from ..pack.format import canonical
from . import import_tf
from .model import build_model, make_loss, make_optimizer

FORMAT = "streamfit-trainer"
VERSION = "2"
INFO = "trainer.json"

SIGNATURES = ("train_step", "train_step_raw", "eval_step", "eval_step_raw", "predict", "predict_raw",
              "get_weights", "set_weights", "get_optimizer", "set_optimizer", "set_learning_rate",
              "step_count", "save", "restore")
"""Every signature of a trainer (SPEC §5.7); ``*_raw`` take a uint8 batch as one string of its bytes."""


def trainer_key(spec: dict[str, Any]) -> str:
    """sha256 of what a trainer is made from: the spec's ``model``, ``train.loss``, ``train.optimizer``
    and ``train.metrics``, with the trainer format's version (SPEC §5.7). A trainer whose key differs
    from its spec's is stale.

    Example::

        trainer_key(load_spec("examples/demo_shapes.json"))   # "9a0c..."
    """
    tr = spec.get("train", {})
    part = {"format": FORMAT, "version": VERSION, "model": spec.get("model"), "loss": tr.get("loss"),
            "optimizer": tr.get("optimizer"), "metrics": tr.get("metrics", [])}
    return hashlib.sha256(canonical(part).encode("utf-8")).hexdigest()


def _accuracy(tf: Any, y: Any, pred: Any) -> Any:
    """SPEC §5.2 accuracy, the batch's mean: one unit, ``pred > 0.5`` equal to the label; more,
    argmax equal to the integer label."""
    if pred.shape[-1] == 1:
        hit = tf.equal(tf.cast(tf.reshape(pred, [-1]) > 0.5, tf.float32), tf.reshape(tf.cast(y, tf.float32), [-1]))
    else:
        hit = tf.equal(tf.argmax(pred, axis=-1, output_type=tf.int32), tf.reshape(tf.cast(y, tf.int32), [-1]))
    return tf.reduce_mean(tf.cast(hit, tf.float32))


def build_trainer(spec: dict[str, Any]) -> Any:
    """The spec's trainer as a ``tf.Module`` (not saved): see ``export_trainer``."""
    tf = import_tf()
    if "model" not in spec or "train" not in spec:
        raise_error("SF_SPEC", "spec: a trainer needs both a \"model\" and a \"train\" section (SPEC §5)")
    tr = spec["train"]
    for m in tr.get("metrics", []):
        if m != "accuracy":
            raise_error("SF_ARG", f"train.metrics: unknown metric {m!r}; use \"accuracy\"")
    model, seed, _ = build_model(spec["model"])
    loss_fn = make_loss(tr["loss"])
    opt = make_optimizer(tr["optimizer"])
    opt.build(model.trainable_variables)
    accuracy = "accuracy" in tr.get("metrics", [])
    shape = [None, *model.input_shape[1:]]
    x_spec = tf.TensorSpec(shape, tf.float32, name="x")
    raw_spec = tf.TensorSpec([], tf.string, name="x")
    # labels as float32 of the output's shape ([B] for sparse classes): Keras would bring y to that
    # rank itself; the caller reshapes (same values, same arithmetic)
    y_shape = [None] if tr["loss"] == "sparse_categorical_crossentropy" else [None, model.output_shape[-1]]
    y_spec = tf.TensorSpec(y_shape, tf.float32, name="y")
    weights = [w for layer in model.layers for w in layer.weights]  # the --weights order
    names = [f"w{i:03d}" for i in range(len(weights))]
    opt_vars = list(opt.variables)
    opt_names = [f"v{i:03d}" for i in range(len(opt_vars))]

    def unpack(raw: Any) -> Any:
        return tf.cast(tf.reshape(tf.io.decode_raw(raw, tf.uint8), [-1, *shape[1:]]), tf.float32)

    # The module tracks the TensorFlow variables inside Keras's, not Keras's: Keras 3 exports each of
    # its variables as a second tf.Variable initialised from the first, so a TF1-style session (what
    # tfjs-node's loadSavedModel opens) restores the checkpoint into copies the functions never read.
    inner = [v.value for v in [*model.variables, *opt_vars]]

    def step_function(input_signature: Any) -> Any:
        # Kept as a function (SPEC §5.7): a TF1-style session inlines functions, and Grappler's
        # arithmetic optimizer then rewrites their arithmetic (RMSprop's momentum update moved by an
        # ulp), which TensorFlow 2, and so Keras's fit, does not do.
        return tf.function(input_signature=input_signature, experimental_attributes={"_noinline": True})

    class Trainer(tf.Module):
        def __init__(self) -> None:
            super().__init__(name="streamfit_trainer")
            self.variables_ = inner

        def _train(self, x: Any, y: Any) -> dict[str, Any]:
            with tf.GradientTape() as tape:
                pred = model(x, training=True)
                loss = loss_fn(y, pred)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply(grads, model.trainable_variables)
            out = {"loss": loss}
            if accuracy:
                out["accuracy"] = _accuracy(tf, y, pred)
            return out

        def _eval(self, x: Any, y: Any) -> dict[str, Any]:
            pred = model(x, training=False)
            out = {"loss": loss_fn(y, pred)}
            if accuracy:
                out["accuracy"] = _accuracy(tf, y, pred)
            return out

        @step_function(input_signature=[x_spec, y_spec])
        def train_step(self, x: Any, y: Any) -> dict[str, Any]:
            return self._train(x, y)

        @step_function(input_signature=[raw_spec, y_spec])
        def train_step_raw(self, x: Any, y: Any) -> dict[str, Any]:
            return self._train(unpack(x), y)

        @step_function(input_signature=[x_spec, y_spec])
        def eval_step(self, x: Any, y: Any) -> dict[str, Any]:
            return self._eval(x, y)

        @step_function(input_signature=[raw_spec, y_spec])
        def eval_step_raw(self, x: Any, y: Any) -> dict[str, Any]:
            return self._eval(unpack(x), y)

        @step_function(input_signature=[x_spec])
        def predict(self, x: Any) -> dict[str, Any]:
            return {"y": model(x, training=False)}

        @step_function(input_signature=[raw_spec])
        def predict_raw(self, x: Any) -> dict[str, Any]:
            return {"y": model(unpack(x), training=False)}

        @step_function(input_signature=[])
        def get_weights(self) -> dict[str, Any]:
            return {n: tf.identity(w) for n, w in zip(names, weights)}

        @step_function(input_signature=[tf.TensorSpec(w.shape, w.dtype, name=n) for n, w in zip(names, weights)])
        def set_weights(self, *values: Any) -> dict[str, Any]:
            for w, v in zip(weights, values):
                w.assign(v)
            return {"count": tf.constant(len(weights), tf.int32)}

        @step_function(input_signature=[])
        def get_optimizer(self) -> dict[str, Any]:
            # int64 (the step counter) leaves as int32: tfjs-node mislabels int64 outputs
            return {n: tf.cast(v, tf.int32) if v.dtype == tf.int64 else tf.identity(v)
                    for n, v in zip(opt_names, opt_vars)}

        @step_function(input_signature=[tf.TensorSpec(v.shape, tf.int32 if v.dtype == tf.int64 else v.dtype, name=n)
                                      for n, v in zip(opt_names, opt_vars)])
        def set_optimizer(self, *values: Any) -> dict[str, Any]:
            for var, v in zip(opt_vars, values):
                var.assign(tf.cast(v, var.dtype))
            return {"count": tf.constant(len(opt_vars), tf.int32)}

        @step_function(input_signature=[tf.TensorSpec([], tf.float32, name="learning_rate")])
        def set_learning_rate(self, lr: Any) -> dict[str, Any]:
            opt.learning_rate.assign(lr)
            return {"learning_rate": tf.identity(opt.learning_rate)}

        @step_function(input_signature=[])
        def step_count(self) -> dict[str, Any]:
            return {"step": tf.cast(opt.iterations, tf.int32)}

        @step_function(input_signature=[tf.TensorSpec([], tf.string, name="prefix")])
        def save(self, prefix: Any) -> dict[str, Any]:
            variables = weights + opt_vars
            op = tf.raw_ops.SaveV2(prefix=prefix, tensor_names=tf.constant(names + opt_names),
                                   shape_and_slices=tf.constant([""] * len(variables)),
                                   tensors=[tf.identity(v) for v in variables])
            with tf.control_dependencies([op]):  # a SaveV2 no output depends on is pruned
                return {"prefix": tf.identity(prefix)}

        @step_function(input_signature=[tf.TensorSpec([], tf.string, name="prefix")])
        def restore(self, prefix: Any) -> dict[str, Any]:
            variables = weights + opt_vars
            values = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=tf.constant(names + opt_names),
                                          shape_and_slices=tf.constant([""] * len(variables)),
                                          dtypes=[v.dtype for v in variables])
            ops = [v.assign(tf.ensure_shape(value, v.shape)) for v, value in zip(variables, values)]
            with tf.control_dependencies(ops):
                return {"step": tf.cast(opt.iterations, tf.int32)}

    trainer = Trainer()
    # kept off the module (attributes starting with _ are still tracked by tf.Module: use a plain dict)
    trainer.__dict__["info"] = {
        "seed": seed, "input_shape": list(model.input_shape[1:]), "label_shape": y_shape[1:],
        "signatures": list(SIGNATURES), "weights": _variable_info(names, weights),
        "optimizer": _variable_info(opt_names, opt_vars), "metrics": list(tr.get("metrics", [])),
        "parameters": int(model.count_params())}
    return trainer


def _variable_info(names: list[str], variables: list[Any]) -> list[dict[str, Any]]:
    return [{"name": n, "path": v.path, "shape": list(v.shape), "dtype": str(v.dtype)} for n, v in zip(names, variables)]


def export_trainer(spec: dict[str, Any], out_dir: str) -> dict[str, Any]:
    """Write the spec's trainer SavedModel to ``out_dir`` (SPEC §5.7) and return its ``trainer.json``.

    The folder is written beside ``out_dir`` and renamed into place, so a reader sees a whole
    trainer or none; an existing trainer of the same key is left as it is.

    Example::

        export_trainer(load_spec("examples/demo_shapes.json"), "build/trainer")["key"]
    """
    tf = import_tf()
    key = trainer_key(spec)
    info_path = os.path.join(out_dir, INFO)
    if os.path.exists(info_path):
        with open(info_path, encoding="utf-8") as f:
            old = json.load(f)
        if old.get("key") == key:
            return old
    elif os.path.exists(out_dir) and (not os.path.isdir(out_dir) or os.listdir(out_dir)):
        raise_error("SF_ARG", f"export-trainer: {out_dir} exists and is not a trainer (no {INFO}); "
                    "give a new or empty folder")
    t = build_trainer(spec)
    # this process's own temporary names: two exports into one folder (two runs sharing the default
    # cache) never write into each other's files
    base = out_dir.rstrip("/\\")
    tmp, old_dir = f"{base}.tmp{os.getpid()}", f"{base}.old{os.getpid()}"
    signatures = {name: getattr(t, name) for name in SIGNATURES}
    tf.saved_model.save(t, tmp, signatures=signatures)
    info = {"format": FORMAT, "version": VERSION, "key": key, **t.info}
    with open(os.path.join(tmp, INFO), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    try:
        if os.path.exists(out_dir):
            os.rename(out_dir, old_dir)  # a stale trainer of ours (it holds trainer.json), or an empty folder
        os.rename(tmp, out_dir)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if _read_key(info_path) != key:
            raise
        # another export of the same spec put its trainer there first: the same trainer
    finally:
        shutil.rmtree(old_dir, ignore_errors=True)
    return info


def _read_key(info_path: str) -> str | None:
    try:
        with open(info_path, encoding="utf-8") as f:
            return json.load(f).get("key")
    except (OSError, ValueError):
        return None


def load_trainer(path: str) -> Any:
    """The trainer SavedModel at ``path`` (``tf.saved_model.load``): its signatures as attributes."""
    return import_tf().saved_model.load(path)
