"""Keras model, initial weights, loss and optimizer from a spec (SPEC §5.1–5.2).

Initial weights come from streamfit's PRNG, not from Keras's initializers, so
Python and Node start from identical weights.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.args import as_int
from ..errors import raise_error
from ..order.prng import TAG_INIT, Prng, combine
from ..order.seed import resolve_seed
from . import import_tf

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
LOSSES = ("mse", "mae", "binary_crossentropy", "sparse_categorical_crossentropy")


def _pair(v: Any, name: str) -> tuple[int, int]:
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise_error("SF_ARG", f"{name} must be a number or [h, w], got {v!r}")
        return as_int(v[0], name, 1), as_int(v[1], name, 1)
    k = as_int(v, name, 1)
    return k, k


def _activation(layer: dict[str, Any], where: str) -> str:
    act = layer.get("activation", "linear")
    if act not in ACTIVATIONS:
        raise_error("SF_ARG", f"{where}.activation must be one of {', '.join(ACTIVATIONS)}, got {act!r}")
    return act


def build_layers(model_spec: dict[str, Any]) -> list[Any]:
    """Keras layers for ``model.layers`` (SPEC §5.1), in order."""
    keras = import_tf().keras
    out = []
    for k, layer in enumerate(model_spec["layers"]):
        kind, where = layer["type"], f"model.layers[{k}]"
        if kind == "dense":
            out.append(keras.layers.Dense(as_int(layer["units"], f"{where}.units", 1),
                                          activation=_activation(layer, where)))
        elif kind == "conv2d":
            padding = layer.get("padding", "valid")
            if padding not in ("valid", "same"):
                raise_error("SF_ARG", f"{where}.padding must be \"valid\" or \"same\", got {padding!r}")
            out.append(keras.layers.Conv2D(as_int(layer["filters"], f"{where}.filters", 1),
                                           _pair(layer["kernel_size"], f"{where}.kernel_size"),
                                           strides=_pair(layer.get("strides", 1), f"{where}.strides"),
                                           padding=padding, activation=_activation(layer, where)))
        elif kind in ("max_pooling2d", "average_pooling2d"):
            pool = _pair(layer.get("pool_size", 2), f"{where}.pool_size")
            strides = layer.get("strides")
            strides = pool if strides is None else _pair(strides, f"{where}.strides")
            cls = keras.layers.MaxPooling2D if kind == "max_pooling2d" else keras.layers.AveragePooling2D
            out.append(cls(pool_size=pool, strides=strides))
        elif kind == "global_average_pooling2d":
            out.append(keras.layers.GlobalAveragePooling2D())
        elif kind == "flatten":
            out.append(keras.layers.Flatten())
        elif kind == "dropout":
            rate = float(layer["rate"])
            if not 0 <= rate < 1:
                raise_error("SF_ARG", f"{where}.rate must be in [0, 1), got {rate}")
            out.append(keras.layers.Dropout(rate))
        else:  # validate_spec has already refused unknown types
            raise_error("SF_SPEC", f"spec: {where}: unknown layer type {kind!r}")
    return out


def glorot_weights(shapes: list[tuple[tuple[int, ...], int, int]], seed: int) -> list[np.ndarray]:
    """Kernels per SPEC §5.1: ``float32((u*2-1) * sqrt(6/(fan_in+fan_out)))`` in C order.

    ``shapes`` lists ``(kernel shape, fan_in, fan_out)`` for each layer with a kernel.

    Example::

        glorot_weights([((1, 16), 1, 16)], seed=1)[0].shape   # (1, 16)
    """
    g = Prng(combine(seed, TAG_INIT))
    kernels = []
    for shape, fan_in, fan_out in shapes:
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        count = int(np.prod(shape))
        u = np.fromiter((g.uniform() for _ in range(count)), dtype=np.float64, count=count)
        kernels.append(((u * 2.0 - 1.0) * limit).astype(np.float32).reshape(shape))
    return kernels


def initialize(model: Any, seed: int) -> None:
    """Overwrite every kernel (from the PRNG) and bias (zeros) of ``model``, layer by layer."""
    layers = [layer for layer in model.layers if layer.get_weights()]
    shapes = []
    for layer in layers:
        kernel = layer.get_weights()[0]
        if kernel.ndim == 2:  # Dense [in, out]
            fan_in, fan_out = kernel.shape
        else:  # Conv2D [kh, kw, in, out]
            kh, kw, cin, cout = kernel.shape
            fan_in, fan_out = kh * kw * cin, kh * kw * cout
        shapes.append((kernel.shape, int(fan_in), int(fan_out)))
    for layer, kernel in zip(layers, glorot_weights(shapes, seed)):
        rest = [np.zeros_like(w) for w in layer.get_weights()[1:]]
        layer.set_weights([kernel, *rest])


def build_model(model_spec: dict[str, Any]) -> tuple[Any, int, bool]:
    """``(keras model, seed, drawn)`` with SPEC §5.1 initial weights.

    Example::

        model, seed, drawn = build_model({"seed": 1, "input_shape": [1],
                                          "layers": [{"type": "dense", "units": 1}]})
    """
    keras = import_tf().keras
    seed, drawn = resolve_seed(model_spec.get("seed"), "model.seed")
    shape = [as_int(d, "model.input_shape", 1) for d in model_spec["input_shape"]]
    model = keras.Sequential([keras.Input(shape=tuple(shape)), *build_layers(model_spec)])
    initialize(model, seed)
    return model, seed, drawn


def make_loss(name: str) -> Any:
    """Keras loss for SPEC §5.2; crossentropies take logits."""
    keras = import_tf().keras
    if name == "mse":
        return keras.losses.MeanSquaredError()
    if name == "mae":
        return keras.losses.MeanAbsoluteError()
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(from_logits=True)
    if name == "sparse_categorical_crossentropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    raise_error("SF_ARG", f"train.loss must be one of {', '.join(LOSSES)}, got {name!r}")


OPTIMIZER_DEFAULTS = {
    "sgd": {"momentum": 0.0},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "rmsprop": {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7},
}
"""SPEC §5.5: every optimizer parameter and its default (Keras's)."""

_RANGES = {"learning_rate": ("> 0", lambda v: v > 0), "epsilon": ("> 0", lambda v: v > 0),
           "momentum": ("in [0, 1)", lambda v: 0 <= v < 1), "beta_1": ("in [0, 1)", lambda v: 0 <= v < 1),
           "beta_2": ("in [0, 1)", lambda v: 0 <= v < 1), "rho": ("in [0, 1)", lambda v: 0 <= v < 1)}


def optimizer_params(opt: dict[str, Any]) -> dict[str, float]:
    """``opt`` with defaults filled in and ranges checked (``SF_ARG`` naming the key).

    Example::

        optimizer_params({"type": "adam", "learning_rate": 0.01})["beta_2"]   # 0.999
    """
    kind = opt["type"]
    if kind not in OPTIMIZER_DEFAULTS:
        raise_error("SF_ARG", f"train.optimizer.type must be one of {', '.join(OPTIMIZER_DEFAULTS)}, got {kind!r}")
    params = {"learning_rate": float(opt["learning_rate"])}
    params.update({k: float(opt.get(k, v)) for k, v in OPTIMIZER_DEFAULTS[kind].items()})
    for key, value in params.items():
        text, ok = _RANGES[key]
        if not ok(value):
            raise_error("SF_ARG", f"train.optimizer.{key} must be {text}, got {value}")
    return params


def make_optimizer(opt: dict[str, Any]) -> Any:
    """Keras optimizer for ``train.optimizer`` (SPEC §5.5): Keras's formulas are the spec's,
    and Node runs the same ones (js/src/tfjs/optimizers.mjs).

    Example::

        make_optimizer({"type": "rmsprop", "learning_rate": 0.001, "momentum": 0.9})
    """
    keras = import_tf().keras
    p = optimizer_params(opt)
    if opt["type"] == "sgd":
        return keras.optimizers.SGD(learning_rate=p["learning_rate"], momentum=p["momentum"])
    if opt["type"] == "adam":
        return keras.optimizers.Adam(learning_rate=p["learning_rate"], beta_1=p["beta_1"], beta_2=p["beta_2"],
                                     epsilon=p["epsilon"])
    return keras.optimizers.RMSprop(learning_rate=p["learning_rate"], rho=p["rho"], momentum=p["momentum"],
                                    epsilon=p["epsilon"])


def weights_digest(model: Any) -> str:
    """SPEC §8: the §2.3 digest of the weight arrays in layer order (kernel, bias)."""
    from ..core.record import digest

    return digest(tuple(w for layer in model.layers for w in layer.get_weights()))
