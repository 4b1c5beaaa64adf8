"""Keras 3 models to and from tfjs LayersModel folders (``model.json`` + weights), SPEC §10.

The folder is what tfjs-layers 4.22 writes with ``model.save('file://DIR')`` and
reads with ``tf.loadLayersModel('file://DIR/model.json')``: a Keras-2-style
topology (``class_name``/``config``, ``batch_input_shape`` on the first layer)
and little-endian float32 weights named ``<layer>/kernel``, ``<layer>/bias``.
Only ``keras.Sequential`` models of the layers in :data:`SUPPORTED` are
exchanged, and only with options both libraries compute the same way; anything
else is ``SF_ARG`` naming the layer, the option and what is supported.

Example::

    from streamfit.tf.exchange import save_tfjs, load_tfjs
    save_tfjs(model, "build/model_tfjs")       # Node: await tf.loadLayersModel('file://build/model_tfjs/model.json')
    model2 = load_tfjs("build/model_tfjs")     # a Keras 3 Sequential with bit-identical float32 weights
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ..errors import raise_error

MODEL_JSON = "model.json"
WEIGHTS_FILE = "group1-shard1of1.bin"
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
_CL = "channels_last"
# Per layer class: the options copied as they are, and the options that must have one value (the
# only one both libraries share, or whose results agree); any other option must be absent or null.
_LAYERS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "Dense": (("units", "activation", "use_bias", "kernel_initializer", "bias_initializer"), {}),
    "Conv2D": (("filters", "kernel_size", "strides", "padding", "activation", "use_bias", "kernel_initializer",
                "bias_initializer"), {"data_format": _CL, "dilation_rate": (1, 1), "groups": 1}),
    "MaxPooling2D": (("pool_size", "strides", "padding"), {"data_format": _CL}),
    "AveragePooling2D": (("pool_size", "strides", "padding"), {"data_format": _CL}),
    "GlobalAveragePooling2D": ((), {"data_format": _CL, "keepdims": False}),
    "Flatten": ((), {"data_format": _CL}),
    "Dropout": (("rate", "noise_shape", "seed"), {}),
    "Activation": (("activation",), {}),
}
_TFJS_OMITS = {"Flatten": ("data_format",)}  # fixed options tfjs-layers' own configs leave out
SUPPORTED = ("InputLayer", *_LAYERS)
"""Layer classes :func:`save_tfjs` and :func:`load_tfjs` handle."""
_COMMON = ("name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape")
# Keras 3 initializer names that tfjs spells differently; options either side understands.
_INIT_TO_TFJS = {"LecunNormal": "LeCunNormal", "LecunUniform": "LeCunUniform"}
_INIT_TO_KERAS = {v: k for k, v in _INIT_TO_TFJS.items()}
_TFJS_INITS = ("Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal", "TruncatedNormal", "Identity",
               "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LeCunNormal",
               "LeCunUniform", "Orthogonal")
_INIT_KEYS = ("seed", "value", "minval", "maxval", "mean", "stddev", "gain", "scale", "mode", "distribution")
_BYTES = {"float32": 4, "int32": 4, "uint8": 1, "bool": 1}


def _keras() -> Any:
    from . import import_tf

    return import_tf().keras


def _plain(value: Any) -> Any:
    """Tuples as lists (JSON's form), recursively."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _matches(value: Any, want: Any) -> bool:
    if isinstance(want, tuple):  # a pair option: 1 and [1, 1] both mean (1, 1)
        value = [value] * len(want) if isinstance(value, int) else value
        return isinstance(value, (list, tuple)) and tuple(value) == want
    return bool(value == want)


def _float32_dtype(dtype: Any) -> bool:
    if isinstance(dtype, dict):  # a Keras 3 dtype policy object
        dtype = (dtype.get("config") or {}).get("name")
    return dtype in (None, "float32")


def _options(cls: str, cfg: dict[str, Any], where: str) -> dict[str, Any]:
    """The options of one layer config (Keras 3 and tfjs configs share these snake_case keys),
    refusing any that the exchange would drop or that tfjs computes differently."""
    copied, fixed = _LAYERS[cls]
    for key, value in cfg.items():
        if key in copied or key in _COMMON or value is None:
            continue
        if key not in fixed:
            raise_error("SF_ARG", f"{where}: option {key}={value!r} is not supported by the tfjs exchange "
                        f"(supported options of {cls}: {', '.join(copied + tuple(fixed)) or 'none'})")
        if not _matches(value, fixed[key]):
            raise_error("SF_ARG", f"{where}: {key}={value!r} is not supported by the tfjs exchange; "
                        f"only {key}={_plain(fixed[key])!r}")
    if not _float32_dtype(cfg.get("dtype")):
        raise_error("SF_ARG", f"{where}: dtype {cfg.get('dtype')!r} is not supported by the tfjs exchange; "
                    "only float32 layers")
    out = {key: _plain(cfg[key]) for key in copied if key in cfg}
    act = out.get("activation", "linear")
    if act not in ACTIVATIONS:
        raise_error("SF_ARG", f"{where}: activation {act!r} is not supported by the tfjs exchange; "
                    f"use one of {', '.join(ACTIVATIONS)}")
    return out


def _unsupported(kind: str, where: str) -> None:
    raise_error("SF_ARG", f"{where}: {kind} is not supported by the tfjs exchange; it handles Sequential models "
                f"of {', '.join(SUPPORTED)} layers")


def _init_to_tfjs(cfg: Any, default: str) -> dict[str, Any]:
    """A Keras 3 initializer config as tfjs names it; one tfjs lacks becomes the layer's default
    (initializers only matter to a re-initialization, never to the saved weights)."""
    name = cfg.get("class_name") if isinstance(cfg, dict) else None
    name = _INIT_TO_TFJS.get(name, name)
    if name not in _TFJS_INITS:
        return {"class_name": default, "config": {"seed": None} if default != "Zeros" else {}}
    conf = cfg.get("config") or {}
    return {"class_name": name, "config": {k: _plain(v) for k, v in conf.items() if k in _INIT_KEYS}}


def _init_to_keras(cfg: Any) -> Any:
    """A tfjs initializer config as a Keras 3 initializer, or None (the layer's default)."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get("class_name"), str):
        return None
    name = _INIT_TO_KERAS.get(cfg["class_name"], cfg["class_name"])
    conf = {k: v for k, v in (cfg.get("config") or {}).items() if k in _INIT_KEYS}
    try:
        return _keras().initializers.get({"class_name": name, "config": conf})
    except (ValueError, TypeError):  # an initializer Keras does not know: the weights replace it anyway
        return None


def _layer_to_tfjs(layer: Any, first: bool, batch_shape: list[Any]) -> dict[str, Any]:
    cls = type(layer).__name__
    where = f"save_tfjs: layer {layer.name!r} ({cls})"
    if cls not in _LAYERS:
        _unsupported(f"layer class {cls}", where)
    if layer.dtype_policy.name != "float32":
        raise_error("SF_ARG", f"{where}: dtype policy {layer.dtype_policy.name!r} is not supported by the tfjs "
                    "exchange; only float32 layers")
    cfg = _options(cls, layer.get_config(), where)
    for key, default in (("kernel_initializer", "GlorotUniform"), ("bias_initializer", "Zeros")):
        if key in cfg:
            cfg[key] = _init_to_tfjs(cfg[key], default)
    for key, want in _LAYERS[cls][1].items():  # written out where tfjs-layers writes them itself
        if key not in _TFJS_OMITS.get(cls, ("groups", "keepdims")):
            cfg[key] = _plain(want)
    cfg.update(name=layer.name, trainable=bool(layer.trainable))
    if first:
        cfg.update(batch_input_shape=batch_shape, dtype="float32")
    return {"class_name": cls, "config": cfg}


def _prepare_folder(folder: str) -> None:
    """Create ``folder``, or accept an empty one or one holding an earlier tfjs model; never delete."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise_error("SF_ARG", f"save_tfjs: {folder} is a file; give a folder (model.json and {WEIGHTS_FILE} go "
                    "into it)")
    os.makedirs(folder, exist_ok=True)
    entries = os.listdir(folder)
    if not entries:
        return
    path = os.path.join(folder, MODEL_JSON)
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        ok = isinstance(doc, dict) and ("modelTopology" in doc or "format" in doc)
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise_error("SF_ARG", f"save_tfjs: {folder} is not empty and holds no tfjs model.json; save into a new or "
                    "empty folder (or over an earlier tfjs model)")


def _write(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)  # a reader sees the old file or the whole new one


def save_tfjs(model: Any, folder: str | os.PathLike[str]) -> str:
    """Write ``model`` (a built ``keras.Sequential``) as a tfjs LayersModel folder; returns the
    path of its ``model.json``. The folder is created, or must be empty or hold an earlier tfjs model
    (whose ``model.json`` and ``group1-shard1of1.bin`` are replaced; other files are left alone).

    Example::

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu")])
        save_tfjs(model, "out/m")   # -> "out/m/model.json"; Node: tf.loadLayersModel('file://out/m/model.json')
    """
    keras = _keras()
    folder = os.fspath(folder)
    if not isinstance(model, keras.Sequential):
        _unsupported(f"a {type(model).__name__} model", "save_tfjs")
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise_error("SF_ARG", "save_tfjs: the model is not built; start it with keras.Input(shape) (or call it on "
                    "data once) so its input shape is known")
    if len(inputs) != 1 or str(getattr(inputs[0].dtype, "name", inputs[0].dtype)) != "float32":
        raise_error("SF_ARG", "save_tfjs: the model must have one float32 input")
    if not model.layers:
        raise_error("SF_ARG", "save_tfjs: the model has no layers")
    batch_shape = [None if d is None else int(d) for d in inputs[0].shape]
    layers, specs, chunks = [], [], []
    for k, layer in enumerate(model.layers):
        layers.append(_layer_to_tfjs(layer, k == 0, batch_shape))
        for var, value in zip(layer.weights, layer.get_weights()):
            arr = np.ascontiguousarray(value, dtype="<f4")
            specs.append({"name": f"{layer.name}/{var.name}", "shape": list(arr.shape), "dtype": "float32"})
            chunks.append(arr.tobytes())
    from .. import __version__

    doc = {
        "modelTopology": {"class_name": "Sequential", "config": {"name": model.name, "layers": layers},
                          "keras_version": f"keras {keras.__version__}", "backend": "tensorflow"},
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": specs}],
        "format": "layers-model",
        "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": f"streamfit v{__version__}",
    }
    _prepare_folder(folder)
    _write(os.path.join(folder, WEIGHTS_FILE), b"".join(chunks))
    path = os.path.join(folder, MODEL_JSON)
    _write(path, json.dumps(doc).encode("utf-8"))  # last: model.json only points at whole weights
    return path


def _read_model_json(path: str) -> tuple[str, dict[str, Any]]:
    path = os.fspath(path)
    file = os.path.join(path, MODEL_JSON) if os.path.isdir(path) else path
    if not os.path.isfile(file):
        where = "holds no model.json" if os.path.isdir(path) else "does not exist"
        raise_error("SF_FILE_NOT_FOUND", f"load_tfjs: {path} {where}; give a folder written by save_tfjs or "
                    "tfjs's model.save('file://...'), or its model.json")
    try:
        with open(file, encoding="utf-8") as f:
            doc = json.load(f)
    except (UnicodeDecodeError, ValueError) as exc:
        raise_error("SF_ARG", f"load_tfjs: {file} is not JSON ({exc})")
    if not isinstance(doc, dict) or not isinstance(doc.get("modelTopology"), dict):
        raise_error("SF_ARG", f"load_tfjs: {file} has no modelTopology; it is not a tfjs LayersModel")
    if doc.get("format", "layers-model") != "layers-model":
        raise_error("SF_ARG", f"load_tfjs: {file} is a {doc['format']!r}; only \"layers-model\" folders (what "
                    "tfjs-layers' model.save writes) hold Keras layers")
    return file, doc


def _read_weights(file: str, manifest: Any) -> dict[str, np.ndarray]:
    """The model's weights by name: all groups' files concatenated, as tfjs reads them."""
    folder = os.path.dirname(file)
    try:
        specs = [s for group in manifest for s in group["weights"]]
        paths = [p for group in manifest for p in group["paths"]]
        sizes = [int(np.prod(s["shape"], dtype=np.int64)) * _BYTES[s.get("dtype", "float32")] for s in specs]
    except (TypeError, KeyError) as exc:
        raise_error("SF_ARG", f"load_tfjs: {file}: weightsManifest is malformed or lists a dtype other than "
                    f"{', '.join(_BYTES)} ({exc!r})")
    chunks = []
    for p in paths:
        full = os.path.join(folder, p)
        if not os.path.isfile(full):
            raise_error("SF_FILE_NOT_FOUND", f"load_tfjs: {full} (listed in {file}) does not exist")
        with open(full, "rb") as f:
            chunks.append(f.read())
    data = b"".join(chunks)
    if len(data) != sum(sizes):
        raise_error("SF_ARG", f"load_tfjs: the weight files of {file} hold {len(data)} bytes, its manifest "
                    f"describes {sum(sizes)}; the folder is incomplete or damaged")
    out: dict[str, np.ndarray] = {}
    offset = 0
    for spec, size in zip(specs, sizes):
        start, offset = offset, offset + size
        if spec.get("group") not in (None, "model"):  # optimizer state (includeOptimizer): not a layer weight
            continue
        if "quantization" in spec or spec.get("dtype", "float32") != "float32":
            raise_error("SF_ARG", f"load_tfjs: {file}: weight {spec['name']!r} is {spec.get('dtype')} "
                        f"{'quantized' if 'quantization' in spec else ''}; only plain float32 weights are read")
        if spec["name"] in out:
            raise_error("SF_ARG", f"load_tfjs: {file}: weight {spec['name']!r} is listed twice")
        arr = np.frombuffer(data, dtype="<f4", count=size // 4, offset=start)
        out[spec["name"]] = arr.reshape(spec["shape"]).astype(np.float32)
    return out


def _input_shape(layers: list[Any], file: str) -> tuple[list[Any], list[Any]]:
    """``(batch shape, the layers after any InputLayer)``."""
    first = layers[0].get("config") or {}
    is_input = layers[0].get("class_name") == "InputLayer"
    rest = layers[1:] if is_input else layers
    if is_input and first.get("sparse"):
        raise_error("SF_ARG", f"load_tfjs: {file}: a sparse InputLayer is not supported")
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if shape is None and first.get("input_shape") is not None:
        shape = [None, *first["input_shape"]]
    if not isinstance(shape, list) or not _float32_dtype(first.get("dtype")):
        raise_error("SF_ARG", f"load_tfjs: {file}: the first layer has no batch_input_shape (or is not float32); "
                    "tfjs-layers needs one too")
    return shape, rest


def load_tfjs(path: str | os.PathLike[str]) -> Any:
    """Read a tfjs LayersModel folder (or its ``model.json``) as an uncompiled ``keras.Sequential``
    whose float32 weights are bit-identical to the file's. Optimizer state and training config in
    the file are ignored; compile the model to train it.

    Example::

        model = load_tfjs("out/m")     # written by save_tfjs or by tfjs: model.save('file://out/m')
        model.predict(x)
    """
    keras = _keras()
    file, doc = _read_model_json(os.fspath(path))
    topo = doc["modelTopology"]
    topo = topo.get("model_config", topo)
    cls = topo.get("class_name")
    if cls != "Sequential":
        _unsupported(f"a {cls} model", f"load_tfjs: {file}")
    config = topo.get("config")
    entries = config.get("layers") if isinstance(config, dict) else config
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise_error("SF_ARG", f"load_tfjs: {file}: the Sequential model lists no layers")
    batch_shape, entries = _input_shape(entries, file)
    layers = []
    for k, entry in enumerate(entries):
        kind, cfg = entry.get("class_name"), entry.get("config") or {}
        where = f"load_tfjs: {file}: layer {cfg.get('name', k)!r} ({kind})"
        if kind not in _LAYERS:
            _unsupported(f"layer class {kind}", where)
        opts = _options(kind, cfg, where)
        for key in ("kernel_initializer", "bias_initializer"):
            if key in opts:
                opts[key] = _init_to_keras(opts[key])
                if opts[key] is None:
                    del opts[key]
        if "data_format" in _LAYERS[kind][1]:
            opts["data_format"] = _CL
        layers.append(getattr(keras.layers, kind)(**opts, name=cfg.get("name"), dtype="float32",
                                                    trainable=cfg.get("trainable", True) is not False))
    name = config.get("name") if isinstance(config, dict) else None
    model = keras.Sequential([keras.Input(batch_shape=tuple(batch_shape), dtype="float32"), *layers], name=name)
    weights = _read_weights(file, doc.get("weightsManifest") or [])
    for layer in model.layers:
        values = []
        for var in layer.weights:
            key = f"{layer.name}/{var.name}"
            if key not in weights:
                raise_error("SF_ARG", f"load_tfjs: {file}: weight {key!r} is missing from the weightsManifest")
            value = weights.pop(key)
            if tuple(value.shape) != tuple(var.shape):
                raise_error("SF_ARG", f"load_tfjs: {file}: weight {key!r} has shape {list(value.shape)}, the "
                            f"layer needs {list(var.shape)}")
            values.append(value)
        layer.set_weights(values)
    if weights:
        raise_error("SF_ARG", f"load_tfjs: {file}: weights {sorted(weights)} belong to no layer of the model")
    return model
