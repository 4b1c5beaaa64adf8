"""``python -m streamfit convert SRC DST``: Keras 3 models to and from tfjs LayersModel folders (SPEC §10).

SRC and DST say the direction by their form:

- ``MODEL.keras FOLDER``: a Keras 3 file to a tfjs folder (Node: ``tf.loadLayersModel``);
- ``SPEC.json FOLDER [--weights W.json]``: a spec's model (§5.1) with the weights of a ``--weights``
  file (§8; without one, the spec's initial weights) to a tfjs folder;
- ``FOLDER MODEL.keras``: a tfjs folder (or its ``model.json``) to a Keras 3 file;
- ``FOLDER W.json``: a tfjs folder's weights as a ``--weights`` file (§8), for ``train --init-weights``.

Example::

    python -m streamfit train examples/csv_xy.json --weights build/w.json --quiet
    python -m streamfit convert examples/csv_xy.json build/xy_tfjs --weights build/w.json
    python -m streamfit convert build/xy_tfjs build/xy.keras
"""

from __future__ import annotations

import os
from typing import Any

from .errors import raise_error
from .tf.exchange import MODEL_JSON, load_tfjs, save_tfjs


def _is_tfjs(path: str) -> bool:
    return os.path.isfile(os.path.join(path, MODEL_JSON)) or os.path.basename(path) == MODEL_JSON


def _spec_model(path: str, weights: str | None) -> Any:
    from .spec import load_spec
    from .tf.model import build_model
    from .tf.train import read_weights

    spec = load_spec(path)
    if "model" not in spec:
        raise_error("SF_ARG", f"convert: spec {path} has no \"model\" to convert")
    model, _, _ = build_model(spec["model"])
    if weights is not None:
        read_weights(model, weights)
    return model


def convert(src: str, dst: str, weights: str | None = None) -> str:
    """Convert ``src`` to ``dst`` (directions in the module docstring); returns a one-line report.

    Example::

        convert("build/m.keras", "build/m_tfjs")   # 'wrote build/m_tfjs/model.json (tfjs LayersModel, ...)'
    """
    if weights is not None and not src.endswith(".json"):
        raise_error("SF_ARG", "convert: --weights goes with a spec file as SRC")
    if _is_tfjs(src):
        model = load_tfjs(src)
        if dst.endswith(".keras"):
            model.save(dst)
            return f"wrote {dst} (Keras 3, {model.count_params()} parameters)"
        if dst.endswith(".json"):
            from .tf.train import write_weights

            write_weights(model, dst)
            return f"wrote {dst} (--weights file, {len(model.weights)} arrays)"
        raise_error("SF_ARG", f"convert: DST {dst!r} must end in .keras (a Keras 3 model) or .json (a --weights "
                    "file) when SRC is a tfjs folder")
    if src.endswith(".keras"):
        from .tf import import_tf

        if not os.path.isfile(src):
            raise_error("SF_FILE_NOT_FOUND", f"convert: {src} does not exist")
        model = import_tf().keras.models.load_model(src, compile=False)
    elif src.endswith(".json") and os.path.basename(src) != MODEL_JSON:
        model = _spec_model(src, weights)
    elif not os.path.exists(src):
        raise_error("SF_FILE_NOT_FOUND", f"convert: {src} does not exist")
    else:
        raise_error("SF_ARG", f"convert: SRC {src!r} is neither a tfjs folder (with model.json), a .keras file nor "
                    "a spec .json")
    path = save_tfjs(model, dst)
    return f"wrote {path} (tfjs LayersModel, {model.count_params()} parameters)"
